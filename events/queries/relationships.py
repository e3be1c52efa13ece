"""
The read path of a relationship: its events in order, its figures, and the list of relationships.

A relationship's timeline is one ordered query over `EventPair` (the derived
row per event and pair of countries), so filtering and pagination happen in
the database and every kind of event sits in one chronological list. How many
events a relationship holds, over which months, and its temperature come from
its months in figures (`PairMonth`): a few hundred rows where the timeline may
hold a hundred thousand.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Concat, Lower
from django.utils.translation import gettext

from events.models import Country, Event, EventPair, PairMonth, pair_key
from events.queries import temperature
from events.vocab.coding import home_first
from events.vocab.dates import Precision, month_name


@dataclass(frozen=True)
class Relationship:
    home: Country
    other: Country
    event_count: int = 0
    latest_date: datetime.date | None = None
    latest_event: Event | None = None

    @property
    def key(self) -> str:
        return pair_key(self.home.iso2, self.other.iso2)

    @property
    def slug(self) -> str:
        """The canonical URL form: the home country first, `ph-ru`."""
        return f"{self.home.code}-{self.other.code}"

    def __str__(self):
        return f"{self.home.name}–{self.other.name}"


def relationship_for(first: Country, second: Country) -> Relationship:
    """The relationship as its canonical page shows it: the home country first, otherwise alphabetical."""
    by_code = {first.iso2: first, second.iso2: second}
    if len(by_code) < 2:
        return Relationship(first, second)
    home, other = home_first(sorted(by_code))
    return Relationship(by_code[home], by_code[other])


@dataclass(frozen=True)
class RelationshipSummary:
    """How many published events a relationship holds, and the months they span (their first days)."""

    event_count: int
    first_date: datetime.date | None
    last_date: datetime.date | None


def relationship_overview(
    home: Country, other: Country, *, period: str = "auto", coding: str = "all"
) -> tuple[RelationshipSummary, temperature.TemperatureChart]:
    """What a relationship page shows above its timeline: the summary and the temperature chart.

    Both from one query, the relationship's months in figures. The home
    country, when one of the two, is put first on the chart.
    """
    relationship = relationship_for(home, other)
    home, other = relationship.home, relationship.other
    key = relationship.key
    # Each row is the month's `month_columns(coding)`, then its event count.
    months = list(
        PairMonth.objects.filter(pair=key).order_by("month").values_list(*temperature.month_columns(coding), "events")
    )
    summary = RelationshipSummary(
        sum(row[-1] for row in months),
        months[0][0] if months else None,
        months[-1][0] if months else None,
    )
    scored = [row for row in months if row[-2]]  # the month's scored events (`CODING_TALLY`), drawn or not
    return summary, temperature.chart_of(home, [other], {key: scored}, period=period, coding=coding)


def home_relationships(*, home: str | None = None) -> list[Relationship]:
    """Every relationship of the home country that has at least one published event, busiest first.

    Three queries whatever the number of relationships: the counts, summed
    from the relationships' months; the countries, each with its relationship's
    latest event id (off the timeline index, looked up once per country, where
    beside the grouped months it would be once per month); and those latest events.
    """
    home = (home or settings.HOME_COUNTRY).lower()
    counts = {}
    for pair, count in (
        PairMonth.objects.filter(Q(pair__startswith=f"{home}-") | Q(pair__endswith=f"-{home}"))
        .values_list("pair")
        .annotate(Sum("events"))
        .order_by()
    ):
        a, b = pair.split("-")
        counts[(b if a == home else a).upper()] = count
    if not counts:
        return []
    # Each country's pair with the home country, as stored: the two codes in alphabetical order.
    pair = Case(
        When(iso2__lt=home.upper(), then=Concat(Lower("iso2"), Value(f"-{home}"))),
        default=Concat(Value(f"{home}-"), Lower("iso2")),
    )
    latest_event = (
        EventPair.objects.filter(pair=OuterRef("pair"), published=True)
        .order_by("-date", "-event_id")
        .values("event_id")[:1]
    )
    countries = Country.objects.annotate(pair=pair, latest_event=Subquery(latest_event)).in_bulk(
        [home.upper(), *counts]
    )
    latest_events = Event.objects.only("title", "kind", "status", "date", "date_precision", "date_approximate").in_bulk(
        [countries[iso2].latest_event for iso2 in counts]
    )
    relationships = []
    for iso2, count in counts.items():
        latest = latest_events.get(countries[iso2].latest_event)
        relationships.append(
            Relationship(countries[home.upper()], countries[iso2], count, latest and latest.date, latest)
        )
    relationships.sort(key=lambda r: (-r.event_count, r.other.name))
    return relationships


def event_relationships(event: Event) -> list[Relationship]:
    """The relationships an event appears in, the home country's first.

    Reads `event.pairs` and `event.involvements` (with their countries); prefetch
    both, as `EventDetailView` does, to keep this free of queries.
    """
    countries = {involvement.country_id.lower(): involvement.country for involvement in event.involvements.all()}
    relationships = []
    for row in event.pairs.all():
        a, b = row.pair.split("-")
        if a in countries and b in countries:
            relationships.append(relationship_for(countries[a], countries[b]))
    home = settings.HOME_COUNTRY
    relationships.sort(key=lambda r: (r.home.iso2 != home, r.home.name, r.other.name))
    return relationships


@dataclass
class MonthGroup:
    """The events of one month on a timeline page; `month` is None for dates known only to the year."""

    year: int
    month: int | None
    events: list[Event] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.month is None:
            return gettext("%(year)s, month unknown") % {"year": self.year}
        return f"{month_name(self.month)} {self.year}"

    @property
    def datetime(self) -> str:
        """The value of the heading's `<time datetime>`."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"


@dataclass
class YearGroup:
    year: int
    months: list[MonthGroup] = field(default_factory=list)


def by_year_and_month(events: Iterable[Event]) -> list[YearGroup]:
    """Consecutive events grouped under year and month headings, in the order given.

    A date known only to the year has no month: it gets its own group, which
    sorts first in its year because a partial date is stored as its first day.
    """
    years: list[YearGroup] = []
    for event in events:
        month = None if event.date_precision == Precision.YEAR else event.date.month
        if not years or years[-1].year != event.date.year:
            years.append(YearGroup(event.date.year))
        months = years[-1].months
        if not months or months[-1].month != month:
            months.append(MonthGroup(event.date.year, month))
        months[-1].events.append(event)
    return years
