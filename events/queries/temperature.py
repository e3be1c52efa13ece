"""
A relationship's temperature: where its events sat, month by month (or
quarter by quarter, or year by year), between conflict (−10) and cooperation (+10).

The figures are the mean PLOVER score of the published events *between* the
two countries — coded with one of them as actor and the other as target, in
either direction — and how many of them fell in each quad class. They are
kept per relationship and month in `PairMonth` (see events/services/involvement.py), so a
chart reads a few hundred rows, whatever the number of events, and sums
quarters and years from the months; the periods without events are added
here, empty rather than zero: "nothing recorded" is not "neutral".

`relationship_temperature()` and `compare_temperatures()` return a
`TemperatureChart`: the figures, a table, and the geometry of the server-
rendered SVG chart (templates/jinja2/events/_temperature_chart.html, placed
by its `temperature_chart` macro), computed here so the template only places what
it is given.
"""

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby, islice

from django.conf import settings
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_lazy, ngettext

from events.models import PAIR_MONTH_REVIEWED_FIGURES, Country, PairMonth, pair_key
from events.vocab.administrations import ADMINISTRATIONS, Administration, administration_for
from events.vocab.dates import month_abbreviation, month_name
from events.vocab.plover import Quad

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
PERIOD_KINDS = tuple(PERIOD_MONTHS)
# Beyond this many months, "auto" shows quarters, and beyond the second, years:
# a point every few pixels says nothing, and the table would run to hundreds of rows.
AUTO_MONTHS_LIMIT = 48
AUTO_QUARTERS_LIMIT = 180
MAX_SERIES = 6
SCALE = (-10, 10)

# ---------------------------------------------------------------------------
# Periods and their figures
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    kind: str = "month"

    @classmethod
    def of(cls, day: datetime.date, kind: str) -> "Period":
        months = PERIOD_MONTHS[kind]
        return cls(datetime.date(day.year, months * ((day.month - 1) // months) + 1, 1), kind)

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.kind]

    @cached_property  # Asked for by a chart's link, table row and administrations.
    def end(self) -> datetime.date:
        """The last day: the eve of the next period's first."""
        years, month = divmod(self.start.month - 1 + self.months, 12)
        return datetime.date(self.start.year + years, month + 1, 1) - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        """'October 2016', 'October–December 2016', '2016'."""
        if self.kind == "month":
            return f"{month_name(self.start.month)} {self.start.year}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{month_name(self.start.month)}–{month_name(self.end.month)} {self.start.year}"

    @property
    def short_label(self) -> str:
        """'Oct 2016', 'Q4 2016', '2016'."""
        if self.kind == "month":
            return f"{month_abbreviation(self.start.month)} {self.start.year}"
        if self.kind == "year":
            return str(self.start.year)
        return f"Q{(self.start.month + 2) // 3} {self.start.year}"

    @property
    def query(self) -> str:
        """The timeline filter for this period: `?date_after=…&date_before=…` (ISO dates need no quoting)."""
        return f"?date_after={self.start.isoformat()}&date_before={self.end.isoformat()}"


def periods_between(first: "Period", last: "Period") -> list["Period"]:
    """`first`, `last` and the periods of their kind between them."""
    size = first.months
    start, stop = first.start.year * 12 + first.start.month - 1, last.start.year * 12 + last.start.month - 1
    return [Period(datetime.date(i // 12, i % 12 + 1, 1), first.kind) for i in range(start, stop + 1, size)]


TENTH, HUNDREDTH = Decimal("0.1"), Decimal("0.01")


def format_score(value: Decimal | None) -> str:
    """'+1.9', '−4.4' (a true minus sign), '0.0'; '—' for no value."""
    if value is None:
        return "—"
    value = value.quantize(TENTH, rounding=ROUND_HALF_UP)
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{-value}"
    return "0.0"


# Not frozen, like the other pieces a chart has one of per period (Point, Column, TableRow):
# a chart builds a few hundred, and a frozen dataclass costs three times as much to build.
@dataclass
class PeriodTemperature:
    period: Period
    count: int = 0
    total: Decimal = Decimal(0)
    quads: tuple[int, ...] = (0, 0, 0, 0)  # In the order of `Quad`.
    reviewed: int = 0  # Of the period's scored events, how many an editor reviewed...
    scored: int = 0  # ... of how many, whether drawn or not (`?coding=reviewed` leaves the suggested out).

    # Cached: a chart reads each mean half a dozen times (line, title, table, description).
    @cached_property
    def mean(self) -> Decimal | None:
        return (self.total / self.count).quantize(HUNDREDTH, rounding=ROUND_HALF_UP) if self.count else None

    @cached_property
    def mean_display(self) -> str:
        return format_score(self.mean)


def _country(value: "Country | str") -> str:
    return value.iso2 if isinstance(value, Country) else value.upper()


# What a chart reads of a `PairMonth`, as plain rows (`values_list`) in this order:
# a busy relationship has some 450 months, and model instances would cost more than the chart.
MONTH_FIGURES = ("month", "scored", "score_total", "quad_0", "quad_1", "quad_2", "quad_3")
# Drawn from the reviewed codes only (`?coding=reviewed`): the reviewed figures in their place.
REVIEWED_MONTH_FIGURES = ("month", *PAIR_MONTH_REVIEWED_FIGURES)
# After the figures drawn, every row tells how many of the month's scored events are reviewed, of how many.
CODING_TALLY = ("reviewed", "scored")
CODINGS = ("all", "reviewed")


def month_columns(coding: str = "all") -> tuple[str, ...]:
    """The `PairMonth` columns of a chart's rows: the figures drawn (all codes, or the reviewed), then the tally."""
    if coding not in CODINGS:
        raise ValueError(f"coding must be one of {CODINGS}, not {coding!r}")
    return (MONTH_FIGURES if coding == "all" else REVIEWED_MONTH_FIGURES) + CODING_TALLY


def month_figures(pairs: Sequence[tuple], *, coding: str = "all") -> dict[str, list[tuple]]:
    """Per relationship (`pair_key`), its months with scored events, in order: `month_columns(coding)`, then the pair.

    One query for all pairs. An event counts for a relationship when it is
    published, on that relationship's timeline (`EventPair`), scored, and
    coded between the two countries: actor one of them, target the other
    (`PairMonth` keeps the monthly figures; see involvement.pair_month_figures).
    """
    result: dict[str, list[tuple]] = {pair_key(_country(a), _country(b)): [] for a, b in pairs}
    if result:
        rows = PairMonth.objects.filter(pair__in=list(result), scored__gt=0).order_by("pair", "month")
        for row in rows.values_list(*month_columns(coding), "pair"):
            result[row[-1]].append(row)
    return result


def regroup(months: Iterable[Sequence], kind: str) -> dict[Period, PeriodTemperature]:
    """Monthly figures (rows that start with the `MONTH_FIGURES`, in month order) summed into periods of `kind`.

    Exact: sums and counts, not means of means. The months of a period are
    adjacent, so one pass sums each period's columns at once.
    """
    size = PERIOD_MONTHS[kind]
    periods: dict[Period, PeriodTemperature] = {}
    for _, rows in groupby(months, key=lambda row: (row[0].year, (row[0].month - 1) // size)):
        starts, counts, totals, *quads, reviewed, scored = islice(zip(*rows), len(month_columns()))
        period = Period.of(starts[0], kind)
        periods[period] = PeriodTemperature(
            period, sum(counts), sum(totals), tuple(map(sum, quads)), sum(reviewed), sum(scored)
        )
    return periods


# ---------------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------------

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 14, 34, 52  # Margins, in viewBox units.
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "hexagon")


def _marker_path(shape: str, r: float = 6.5) -> str:
    """The outline of a marker centred on (0, 0), for a `translate()` to place."""

    def pts(points):
        return "M" + " L".join(f"{dx:.1f} {dy:.1f}" for dx, dy in points) + " Z"

    if shape == "circle":
        return f"M{-r} 0 a{r} {r} 0 1 0 {2 * r} 0 a{r} {r} 0 1 0 {-2 * r} 0 Z"
    if shape == "square":
        s = r * 0.9
        return pts([(-s, -s), (s, -s), (s, s), (-s, s)])
    if shape == "triangle":
        return pts([(0, -r * 1.25), (r * 1.15, r * 0.8), (-r * 1.15, r * 0.8)])
    if shape == "triangle-down":
        return pts([(0, r * 1.25), (r * 1.15, -r * 0.8), (-r * 1.15, -r * 0.8)])
    if shape == "diamond":
        return pts([(0, -r * 1.3), (r * 1.3, 0), (0, r * 1.3), (-r * 1.3, 0)])
    return pts([(r * 1.1 * math.cos(a), r * 1.1 * math.sin(a)) for a in (i * math.pi / 3 for i in range(6))])


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    minor: bool = False


@dataclass(frozen=True)
class Era:
    administration: Administration
    x: float
    width: float
    css: str
    show_label: bool
    starts_here: bool  # False when the chart begins during it: no handover line then.

    @property
    def label_x(self) -> float:
        return self.x + 5


@dataclass(slots=True)
class Point:
    """A period's mean: the series' marker, translated to (x, y)."""

    x: float
    y: float
    row: PeriodTemperature
    href: str
    title: str


@dataclass(slots=True)
class Column:
    """One period across the plot: the link target of the single-relationship chart."""

    x: float
    width: float
    row: PeriodTemperature
    href: str
    title: str


@dataclass(frozen=True)
class Series:
    country: Country
    index: int
    timeline_url: str
    rows: list[PeriodTemperature]
    points: list[Point]
    line: str  # The `d` of the line's path, broken where a period has no events.
    radius: float = 6.5  # Smaller when periods are narrow, so that neighbours do not overlap.
    reviewed: int = 0  # Its scored events whose coding an editor reviewed...
    suggested: int = 0  # ... and those coded by the machine's suggestion, drawn or not.

    @property
    def name(self) -> str:
        return self.country.name

    @property
    def shape(self) -> str:
        return MARKERS[self.index % len(MARKERS)]

    @property
    def css(self) -> str:
        return f"series-{self.index}"

    @property
    def count(self) -> int:
        return sum(row.count for row in self.rows)

    @property
    def marker(self) -> str:
        """The `d` of the marker's path around (0, 0); each point translates it."""
        return _marker_path(self.shape, self.radius)

    @property
    def legend_marker(self) -> str:
        return _marker_path(self.shape, 5)


@dataclass(slots=True)
class TableRow:
    period: Period
    cells: list[PeriodTemperature]  # One per series.
    links: list[str]

    @property
    def administration(self) -> Administration | None:
        """The administration in office for most of the period."""
        return administration_for(self.period.start + (self.period.end - self.period.start) / 2)

    @property
    def entries(self) -> list[tuple[PeriodTemperature, str]]:
        return list(zip(self.cells, self.links))


@dataclass(frozen=True)
class TemperatureChart:
    dom_id: str
    home: Country
    series: list[Series]
    kind: str
    coding: str = "all"  # Drawn from every code, or from the reviewed only.
    periods: list[Period] = field(default_factory=list)
    title: str = ""
    subject: str = ""  # The title without "Temperature of": the compare page's heading.
    description: str = ""
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    eras: list[Era] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not self.periods

    @property
    def single(self) -> bool:
        return len(self.series) == 1

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top

    @property
    def zero_y(self) -> float:
        return y_for(0)

    @property
    def x_label_y(self) -> int:
        return self.bottom + 18

    @property
    def year_label_y(self) -> int:
        return self.bottom + 36

    @property
    def era_label_y(self) -> int:
        return self.top - 12

    @property
    def y_label_x(self) -> int:
        return self.left - 8

    @property
    def note_x(self) -> int:
        return self.left + 6

    @property
    def cooperation_y(self) -> float:
        return y_for(8.8)

    @property
    def conflict_y(self) -> float:
        return y_for(-9.4)

    @property
    def tick_end(self) -> int:
        return self.bottom + 5

    @property
    def hit_radius(self) -> float:
        """How far from a point a click still follows its link."""
        return round(max(self.series[0].radius, 4) * 1.8, 1) if self.series else 10

    @property
    def reviewed(self) -> int:
        """How many of the chart's coded events an editor reviewed."""
        return sum(s.reviewed for s in self.series)

    @property
    def suggested(self) -> int:
        """How many are the machine's suggestions, not reviewed: drawn with `coding="all"`, left out with "reviewed"."""
        return sum(s.suggested for s in self.series)

    @property
    def quad_labels(self) -> list[str]:
        return list(Quad.labels)

    @property
    def period_noun(self) -> str:
        return str(PERIOD_NOUNS[self.kind])


# The chart's period in the sentences around it ("per month", "kada buwan"), in the active language.
PERIOD_NOUNS = {"month": gettext_lazy("month"), "quarter": gettext_lazy("quarter"), "year": gettext_lazy("year")}
PERIOD_PLURALS = {"month": gettext_lazy("months"), "quarter": gettext_lazy("quarters"), "year": gettext_lazy("years")}


def y_for(score: float) -> float:
    low, high = SCALE
    return round(TOP + (high - float(score)) / (high - low) * (HEIGHT - BOTTOM - TOP), 2)


def _x_for_date(day: datetime.date, periods: list[Period], step: float) -> float:
    """Where `day` falls on the x axis: its period's column, plus the elapsed part of that period."""
    first, last = periods[0], periods[-1]
    if day <= first.start:
        return LEFT
    if day > last.end:
        return WIDTH - RIGHT
    index = ((day.year - first.start.year) * 12 + day.month - first.start.month) // first.months
    period = periods[index]
    fraction = (day - period.start).days / ((period.end - period.start).days + 1)
    return round(LEFT + step * (index + fraction), 2)


def _eras(periods: list[Period], step: float) -> list[Era]:
    eras = []
    first, last = periods[0].start, periods[-1].end
    for index, administration in enumerate(ADMINISTRATIONS):
        end = administration.end or datetime.date.max
        if end <= first or administration.start > last:
            continue
        x0 = _x_for_date(max(administration.start, first), periods, step)
        x1 = _x_for_date(end, periods, step) if administration.end and end <= last else WIDTH - RIGHT
        width = round(x1 - x0, 2)
        if width <= 0:
            continue
        # About 11 units a character at the label's phone size; a label that does not fit is left out (the table says it).
        show = width >= 11 * len(administration.short_name) + 8
        eras.append(Era(administration, x0, width, f"era era-{index % 2}", show, administration.start > first))
    return eras


def _x_ticks(periods: list[Period], step: float) -> list[Tick]:
    """Years under their first period (every few years on a long axis); quarters' months as minor ticks."""
    ticks = []
    stride = max(1, math.ceil((periods[-1].start.year - periods[0].start.year + 1) / 10))
    for i, period in enumerate(periods):
        centre = round(LEFT + step * (i + 0.5), 2)
        starts_year = period.start.month == 1
        # The first period carries its year unless a January follows right behind it.
        if i == 0 and not starts_year:
            starts_year = all(p.start.month != 1 for p in periods[1:4])
        if starts_year and (period.start.year - periods[0].start.year) % stride == 0:
            ticks.append(Tick(centre, str(period.start.year)))
        elif len(periods) <= 36 and period.start.month in (4, 7, 10):
            label = month_abbreviation(period.start.month) if period.kind == "month" else period.short_label[:2]
            ticks.append(Tick(centre, label, minor=True))
    return ticks


def build_chart(
    home: Country,
    counterparts: Sequence[Country],
    rows_by_pair: dict[str, dict[Period, PeriodTemperature]],
    *,
    kind: str,
    dom_id: str = "temperature",
    coding: str = "all",
) -> TemperatureChart:
    """The chart of these relationships of `home`, on a common time axis.

    A period whose scored events are all left out (`coding="reviewed"`, none
    reviewed) has no point, but counts its suggested events.
    """
    filled = [rows_by_pair.get(pair_key(home.iso2, c.iso2), {}) for c in counterparts]
    present = [period for rows in filled for period, row in rows.items() if row.count]
    urls = [reverse("events:relationship", kwargs={"pair": (home.code, c.code)}) for c in counterparts]
    if not present:
        series = [
            Series(c, i, urls[i], [], [], "", 6.5, *_tally(rows))
            for i, (c, rows) in enumerate(zip(counterparts, filled))
        ]
        names = _names(home, counterparts)
        others = _list((_with_article(c.name) for c in counterparts), "or")
        if coding == "reviewed":
            which = gettext("No reviewed coded events between %(home)s and %(others)s yet.")
        else:
            which = gettext("No coded events between %(home)s and %(others)s yet.")
        return TemperatureChart(
            dom_id,
            home,
            series,
            kind,
            coding,
            title=gettext("Temperature of %(subject)s") % {"subject": names},
            subject=names,
            description=which % {"home": _with_article(home.name), "others": others},
        )
    periods = periods_between(min(present), max(present))
    # Each period's label and timeline filter, worked out once for the points, columns and table.
    labels, queries = [p.label for p in periods], [p.query for p in periods]
    step = (WIDTH - LEFT - RIGHT) / len(periods)
    radius = round(min(6.5, max(2.5, step * 0.4)), 1)
    series = []
    for index, (country, rows) in enumerate(zip(counterparts, filled)):
        full = [rows.get(p) or PeriodTemperature(p) for p in periods]
        points, segments, current = [], [], []
        for i, row in enumerate(full):
            if row.mean is None:
                if current:
                    segments.append(current)
                current = []
                continue
            x, y = round(LEFT + step * (i + 0.5), 2), y_for(row.mean)
            current.append((x, y))
            points.append(
                Point(
                    x,
                    y,
                    row,
                    urls[index] + queries[i],
                    f"{country.name}, {labels[i]}: {row.mean_display} ({_events(row.count)})",
                )
            )
        if current:
            segments.append(current)
        line = " ".join("M" + " L".join(f"{x} {y}" for x, y in seg) for seg in segments if len(seg) > 1)
        series.append(Series(country, index, urls[index], full, points, line, radius, *_tally(rows)))
    columns = []
    if len(series) == 1:
        for i, row in enumerate(series[0].rows):
            text = (
                f"{labels[i]}: {row.mean_display} ({_events(row.count)})"
                if row.count
                else gettext("%(name)s: no coded events") % {"name": labels[i]}
            )
            columns.append(
                Column(
                    round(LEFT + step * i, 2),
                    round(step, 2),
                    row,
                    urls[0] + queries[i],
                    gettext("%(text)s. Show the timeline of %(period)s.") % {"text": text, "period": labels[i]},
                )
            )
    rows = [
        TableRow(p, [s.rows[i] for s in series], [s.timeline_url + queries[i] for s in series])
        for i, p in enumerate(periods)
    ]
    subject = gettext("%(names)s, by %(period)s") % {"names": _names(home, counterparts), "period": PERIOD_NOUNS[kind]}
    y_ticks = [Tick(y_for(v), f"+{v}" if v > 0 else f"−{-v}" if v < 0 else "0") for v in (10, 5, 0, -5, -10)]
    return TemperatureChart(
        dom_id,
        home,
        series,
        kind,
        coding,
        periods,
        title=gettext("Temperature of %(subject)s") % {"subject": subject},
        subject=subject,
        description=_describe(home, series, periods, kind),
        y_ticks=y_ticks,
        x_ticks=_x_ticks(periods, step),
        eras=_eras(periods, step),
        columns=columns,
        rows=rows,
    )


def _tally(rows: dict[Period, PeriodTemperature]) -> tuple[int, int]:
    """(reviewed, suggested) of a relationship's scored events, over all its periods."""
    reviewed = sum(row.reviewed for row in rows.values())
    return reviewed, sum(row.scored for row in rows.values()) - reviewed


_NEEDS_ARTICLE = {"Philippines", "Netherlands", "Bahamas", "Gambia", "Maldives", "Comoros", "Seychelles", "Holy See"}


def _with_article(name: str) -> str:
    """'the Philippines', 'the United States', 'China'."""
    if name in _NEEDS_ARTICLE or name.startswith("United ") or name.endswith((" Islands", "Republic")):
        # Translators: the English article before some country names; Filipino needs none here.
        return gettext("the %(country)s") % {"country": name}
    return name


def _events(n: int) -> str:
    return ngettext("%(count)s event", "%(count)s events", n) % {"count": n}


def _list(names, conjunction: str = "and") -> str:
    """'China', 'China and Japan', 'China, Japan and the United States' ('or' for `conjunction="or"`)."""
    names = list(names)
    if len(names) == 1:
        return names[0]
    parts = {"names": ", ".join(names[:-1]), "last": names[-1]}
    return (gettext("%(names)s or %(last)s") if conjunction == "or" else gettext("%(names)s and %(last)s")) % parts


def _names(home: Country, counterparts: Sequence[Country]) -> str:
    if len(counterparts) == 1:
        return gettext("%(home)s–%(other)s relations") % {"home": home.name, "other": counterparts[0].name}
    owner = _with_article(home.name)
    others = _list(_with_article(c.name) for c in counterparts)
    if owner.endswith("s"):
        return gettext("%(owner)s' relations with %(others)s") % {"owner": owner, "others": others}
    return gettext("%(owner)s's relations with %(others)s") % {"owner": owner, "others": others}


def _describe(home: Country, series: list[Series], periods: list[Period], kind: str) -> str:
    span = (
        gettext("%(first)s to %(last)s") % {"first": periods[0].label, "last": periods[-1].label}
        if len(periods) > 1
        else periods[0].label
    )
    parts = []
    for s in series:
        scored = [row for row in s.rows if row.count]
        if not scored:
            parts.append(gettext("%(name)s: no coded events") % {"name": s.name})
            continue
        low = min(scored, key=lambda r: (r.mean, r.period))
        high = max(scored, key=lambda r: (r.mean, r.period))
        empty = len(s.rows) - len(scored)
        part = gettext("%(name)s: %(events)s; lowest %(low)s (%(low_mean)s), highest %(high)s (%(high_mean)s)") % {
            "name": s.name,
            "events": _events(s.count),
            "low": low.period.label,
            "low_mean": low.mean_display,
            "high": high.period.label,
            "high_mean": high.mean_display,
        }
        if empty:
            part += gettext("; %(empty)s of %(total)s %(periods)s without coded events") % {
                "empty": empty,
                "total": len(s.rows),
                "periods": PERIOD_PLURALS[kind],
            }
        parts.append(part)
    introduction = gettext(
        "Mean cooperation–conflict score per %(period)s of the coded events between %(home)s and %(others)s, "
        "%(span)s, on a scale from −10 (conflict) to +10 (cooperation), with the Philippine administrations shaded."
    ) % {
        "period": PERIOD_NOUNS[kind],
        "home": _with_article(home.name),
        "others": _list(_with_article(s.name) for s in series),
        "span": span,
    }
    return f"{introduction} " + ". ".join(parts) + "."


def auto_kind(months: Iterable[Period]) -> str:
    """The periods "auto" shows for a span of these months: months, quarters over four years, years over fifteen."""
    months = list(months)
    if not months:
        return "month"
    first, last = min(months).start, max(months).start
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if span <= AUTO_MONTHS_LIMIT else "quarter" if span <= AUTO_QUARTERS_LIMIT else "year"


def chart_of(
    home: Country,
    counterparts: Sequence[Country],
    months_by_pair: dict[str, Sequence[Sequence]],
    *,
    period: str = "auto",
    dom_id: str = "temperature",
    coding: str = "all",
) -> TemperatureChart:
    """The chart of these relationships from their months with scored events (rows that start with the
    `month_columns(coding)`, in order), in periods of `period` ("auto" chooses)."""
    if period == "auto":
        # The months are in order: the first and last drawn of each relationship are all auto_kind needs.
        drawn = [[row for row in months if row[1]] for months in months_by_pair.values()]
        period = auto_kind(Period(months[i][0]) for months in drawn if months for i in (0, -1))
    elif period not in PERIOD_KINDS:
        raise ValueError(f"period must be auto or one of {PERIOD_KINDS}, not {period!r}")
    rows = {pair: regroup(months, period) for pair, months in months_by_pair.items()}
    return build_chart(home, counterparts, rows, kind=period, dom_id=dom_id, coding=coding)


def compare_temperatures(
    counterparts: Sequence[Country],
    *,
    home: Country | None = None,
    period: str = "auto",
    dom_id: str = "temperature",
    coding: str = "all",
) -> TemperatureChart:
    """Several relationships of the home country on one chart (one query)."""
    home = home or Country.objects.get(iso2=settings.HOME_COUNTRY)
    months = month_figures([(home.iso2, c.iso2) for c in counterparts], coding=coding)
    return chart_of(home, counterparts, months, period=period, dom_id=dom_id, coding=coding)
