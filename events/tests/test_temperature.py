"""A relationship's temperature: the aggregation, the SVG chart and its table, the compare page, the relationship page."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from events.queries.relationships import relationship_for
from events.queries.temperature import (
    AUTO_MONTHS_LIMIT,
    AUTO_QUARTERS_LIMIT,
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    SCALE,
    TOP,
    WIDTH,
    Period,
    administration_for,
    auto_kind,
    compare_temperatures,
    month_figures,
    periods_between,
    regroup,
)
from events.tests.factories import make_event, make_leader
from events.web.jinja import render_macro

pytestmark = pytest.mark.django_db
D = Decimal


def temperature_rows(pairs, *, kind="month"):
    """Per relationship, its periods that have scored events (what a chart is drawn from)."""
    return {pair: regroup(months, kind) for pair, months in month_figures(pairs).items()}


def relationship_temperature(a, b):
    """The chart of the relationship between countries `a` and `b` (codes), the home country first."""
    from events.models import Country

    found = Country.objects.in_bulk([a, b])
    relationship = relationship_for(found[a], found[b])
    return compare_temperatures([relationship.other], home=relationship.home)


def score_for(y):
    """The score a point's y coordinate stands for: the chart's scale read back."""
    low, high = SCALE
    return high - (y - TOP) / (HEIGHT - BOTTOM - TOP) * (high - low)


def coded(leaders, when, category, mode="", actor="PH", target="US", **fields):
    """A published event between the leaders' countries, coded `actor` → `target`."""
    return make_event(
        f"{category} {when}",
        date=when,
        participants=leaders,
        plover_category=category,
        plover_mode=mode,
        actor_country_id=actor,
        target_country_id=target,
        **fields,
    )


@pytest.fixture
def leaders():
    return {cc: make_leader(f"Leader of {cc}", cc) for cc in ("PH", "US", "CN")}


@pytest.fixture
def ph_us(leaders):
    """Hand-computed: January 2016 +3.25 from 2 events; February empty; March −5.00 from 2; April +1.0 from 1."""
    both = (leaders["PH"], leaders["US"])
    coded(both, datetime.date(2016, 1, 10), "CONSULT", "visit")  # +1.9
    coded(both, datetime.date(2016, 1, 20), "SUPPORT", actor="US", target="PH")  # +4.6, the other direction
    coded(both, datetime.date(2016, 3, 5), "ACCUSE", score_override=D("-6.0"), score_justification="An insult.")
    coded(both, datetime.date(2016, 3, 25), "SANCTION", "cancel", actor="US", target="PH")  # −4.0
    # Not counted: a draft, an uncoded meeting, an event on the timeline coded towards China.
    coded(both, datetime.date(2016, 3, 15), "AID", "military", published=False)
    make_event("Uncoded talks", date=datetime.date(2016, 3, 16), participants=both)
    coded((*both, leaders["CN"]), datetime.date(2016, 3, 17), "SUPPORT", target="CN")
    coded(both, datetime.date(2016, 4, 2), "CONSULT", "phone")  # +1.0


class AdministrationTests:
    @pytest.mark.parametrize(
        ("day", "name"),
        [
            (datetime.date(2016, 6, 29), "Aquino III"),
            (datetime.date(2016, 6, 30), "Duterte"),  # sworn in at noon: the handover day is the new president's
            (datetime.date(2022, 6, 29), "Duterte"),
            (datetime.date(2022, 6, 30), "Marcos Jr."),
            (datetime.date(2031, 1, 1), "Marcos Jr."),
            (datetime.date(2010, 6, 30), "Aquino III"),
        ],
    )
    def test_administration_on_a_date(self, day, name):
        """Each date belongs to the administration in office that day."""
        assert administration_for(day).short_name == name

    def test_before_the_first_listed_administration(self):
        """A date before 1992 has no administration listed; neither has no date."""
        assert administration_for(datetime.date(1980, 1, 1)) is None and administration_for(None) is None


class AggregationTests:
    def test_monthly_mean_and_quad_counts(self, ph_us):
        """Mean and counts per month match the hand computation, overrides included, drafts and others excluded."""
        rows = temperature_rows([("PH", "US")], kind="month")["ph-us"]
        assert [(p.start, r.count, r.mean, r.quads) for p, r in rows.items()] == [
            (datetime.date(2016, 1, 1), 2, D("3.25"), (2, 0, 0, 0)),
            (datetime.date(2016, 3, 1), 2, D("-5.00"), (0, 0, 1, 1)),
            (datetime.date(2016, 4, 1), 1, D("1.00"), (1, 0, 0, 0)),
        ]

    def test_quarterly_mean(self, ph_us):
        """A quarter's mean is over its events, not the mean of its months: (1.9 + 4.6 − 6 − 4) / 4."""
        rows = temperature_rows([("ph", "us")], kind="quarter")["ph-us"]
        first = rows[Period(datetime.date(2016, 1, 1), "quarter")]
        assert (first.count, first.mean, first.mean_display) == (4, D("-0.88"), "−0.9")

    def test_empty_months_are_empty_not_zero(self, ph_us):
        """February has no events: no mean at all, shown as a dash."""
        chart = relationship_temperature("PH", "US")
        february = chart.rows[1].cells[0]
        assert february.period.label == "February 2016"
        assert (february.count, february.mean, february.mean_display) == (0, None, "—")

    def test_one_query_for_any_number_of_relationships(self, ph_us, django_assert_num_queries):
        """Several relationships are aggregated by one query."""
        with django_assert_num_queries(1):
            rows = temperature_rows([("PH", "US"), ("PH", "CN"), ("PH", "RU")])
        assert rows["cn-ph"][Period(datetime.date(2016, 3, 1))].mean == D("4.60") and rows["ph-ru"] == {}


class YearTests:
    def test_a_year_period(self):
        """A year reads "2016" in full and short, and links to its timeline from 1 January to 31 December."""
        year = Period.of(datetime.date(2016, 7, 14), "year")
        following = periods_between(year, Period.of(datetime.date(2018, 2, 1), "year"))
        assert (year.start, year.end) == (datetime.date(2016, 1, 1), datetime.date(2016, 12, 31))
        assert [p.start for p in following] == [datetime.date(y, 1, 1) for y in (2016, 2017, 2018)]
        assert (year.label, year.short_label) == ("2016", "2016")
        assert year.query == "?date_after=2016-01-01&date_before=2016-12-31"

    def test_yearly_mean(self, ph_us):
        """A year's mean is over its events: (1.9 + 4.6 − 6 − 4 + 1) / 5."""
        rows = temperature_rows([("PH", "US")], kind="year")["ph-us"]
        assert [(p.label, r.count, r.mean) for p, r in rows.items()] == [("2016", 5, D("-0.50"))]

    @pytest.mark.parametrize(
        ("months", "kind"),
        [
            (1, "month"),
            (AUTO_MONTHS_LIMIT, "month"),
            (AUTO_MONTHS_LIMIT + 1, "quarter"),
            (AUTO_QUARTERS_LIMIT, "quarter"),
            (AUTO_QUARTERS_LIMIT + 1, "year"),
        ],
    )
    def test_auto_periods_by_span(self, months, kind):
        """Automatic periods: months up to four years, quarters up to fifteen, years beyond."""
        first = Period(datetime.date(2001, 1, 1))
        last = Period(datetime.date(2001 + (months - 1) // 12, 1 + (months - 1) % 12, 1))
        assert auto_kind([last, first]) == kind

    @pytest.fixture
    def long_relationship(self, leaders):
        """Thirty-seven years of ph-us, from January 1990 to December 2026."""
        both = (leaders["PH"], leaders["US"])
        for day in (datetime.date(1990, 1, 10), datetime.date(2016, 9, 1), datetime.date(2026, 12, 20)):
            coded(both, day, "CONSULT", "visit")

    def test_a_long_relationship_is_charted_by_year(self, long_relationship):
        """37 years make 37 columns and table rows, not 148 quarters; each links to its year's timeline."""
        chart = relationship_temperature("PH", "US")
        assert chart.kind == "year" and chart.title.endswith(", by year")
        assert [p.label for p in chart.periods] == [str(year) for year in range(1990, 2027)]
        assert len(chart.rows) == len(chart.columns) == 37
        assert chart.columns[0].href == "/relationships/ph-us/?date_after=1990-01-01&date_before=1990-12-31"
        assert "per year" in chart.description and "34 of 37 years without coded events" in chart.description

    def test_year_ticks_and_eras(self, long_relationship):
        """Every fourth year is labelled under its column, with no minor ticks; the administrations fall where their terms began."""
        chart = relationship_temperature("PH", "US")
        step = (WIDTH - LEFT - RIGHT) / 37
        assert [(t.label, t.minor) for t in chart.x_ticks] == [(str(y), False) for y in range(1990, 2027, 4)]
        assert chart.x_ticks[1].position == pytest.approx(LEFT + step * 4.5, abs=0.01)  # 1994, the fifth column
        eras = {era.administration.short_name: era for era in chart.eras}
        assert list(eras) == ["Ramos", "Estrada", "Arroyo", "Aquino III", "Duterte", "Marcos Jr."]
        # Duterte from 30 June 2016: 181 of 2016's 366 days into the 27th column.
        assert eras["Duterte"].x == pytest.approx(LEFT + step * (26 + 181 / 366), abs=0.01)
        assert eras["Marcos Jr."].x + eras["Marcos Jr."].width == WIDTH - RIGHT
        # A label where it fits (about 11 units a character), the table naming the rest.
        assert [name for name, era in eras.items() if era.show_label] == ["Ramos", "Arroyo", "Duterte"]


def svg_of(html: str, css: str = "temperature-chart") -> ET.Element:
    """The chart's picture (`temperature-chart`) or the links laid over it (`temperature-links`)."""
    return ET.fromstring(re.search(rf"<svg class=\"{css}\".*?</svg>", html, re.S).group(0))


def translate(element) -> tuple[float, float]:
    x, y = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", element.get("transform")).groups()
    return float(x), float(y)


def table_means(html: str) -> dict[str, str]:
    """{date_after: mean as displayed} from the single-relationship table."""
    table = re.search(r"<tbody>.*?</tbody>", html, re.S).group(0)
    means = {}
    for row in re.findall(r"<tr>.*?</tr>", table, re.S):
        href = re.search(r'href="([^"]+)"', row).group(1).replace("&amp;", "&")
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        means[parse_qs(urlsplit(href).query)["date_after"][0]] = cells[0]
    return means


class ChartTests:
    def render(self, chart):
        return render_macro("events/_temperature_chart.html", "temperature_chart", chart)

    def test_figures_as_rendered(self, ph_us):
        """The table, the points and the period links show exactly these texts and numbers for the months of `ph_us`."""
        html = self.render(relationship_temperature("PH", "US"))
        table = ET.fromstring(re.search(r"<table>.*?</table>", html, re.S).group(0))
        assert ["".join(cell.itertext()) for cell in table.iter("th") if cell.get("scope") == "col"] == [
            "Month",
            "Administration",
            "Mean score",
            "Events",
            "Verbal cooperation",
            "Material cooperation",
            "Verbal conflict",
            "Material conflict",
        ]
        assert [["".join(cell.itertext()) for cell in row] for row in table.find("tbody")] == [
            ["January 2016", "Aquino III", "+3.3", "2", "2", "0", "0", "0"],
            ["February 2016", "Aquino III", "—", "0", "0", "0", "0", "0"],
            ["March 2016", "Aquino III", "−5.0", "2", "0", "0", "1", "1"],
            ["April 2016", "Aquino III", "+1.0", "1", "1", "0", "0", "0"],
        ]
        svg, links = svg_of(html), svg_of(html, "temperature-links")
        assert [p.get("transform") for p in svg.iter("path") if p.get("class") == "marker series-0"] == [
            "translate(140.75 126.48)",
            "translate(463.75 239.5)",
            "translate(625.25 157.3)",
        ]
        (line,) = [p.get("d") for p in svg.iter("path") if p.get("class") == "line series-0"]
        assert line == "M463.75 239.5 L625.25 157.3"
        assert [(t.text, t.get("y")) for t in svg.iter("text") if t.get("class") == "y-label"] == [
            ("+10", "34.0"),
            ("+5", "102.5"),
            ("0", "171.0"),
            ("−5", "239.5"),
            ("−10", "308.0"),
        ]
        hits = [(a.findtext("title"), a.find("rect").get("x"), a.find("rect").get("width")) for a in links.iter("a")]
        assert hits == [
            ("January 2016: +3.3 (2 events). Show the timeline of January 2016.", "60.0", "161.5"),
            ("February 2016: no coded events. Show the timeline of February 2016.", "221.5", "161.5"),
            ("March 2016: −5.0 (2 events). Show the timeline of March 2016.", "383.0", "161.5"),
            ("April 2016: +1.0 (1 event). Show the timeline of April 2016.", "544.5", "161.5"),
        ]

    def test_points_match_the_table(self, ph_us):
        """Every point sits at the height of its period's mean in the table, under the link to that period's timeline."""
        html = self.render(relationship_temperature("PH", "US"))
        svg, links, means = svg_of(html), svg_of(html, "temperature-links"), table_means(html)
        assert means == {"2016-01-01": "+3.3", "2016-02-01": "—", "2016-03-01": "−5.0", "2016-04-01": "+1.0"}
        markers = [translate(p) for p in svg.iter("path") if "marker" in p.get("class", "").split()]
        points = {}
        for link in links.iter("a"):
            href = urlsplit(link.get("href"))
            query = parse_qs(href.query)
            assert href.path == "/relationships/ph-us/"
            assert (
                query["date_before"][0] == Period(datetime.date.fromisoformat(query["date_after"][0])).end.isoformat()
            )
            area = link.find("rect")
            left, right = float(area.get("x")), float(area.get("x")) + float(area.get("width"))
            inside = [y for x, y in markers if left < x < right]
            if inside:
                points[query["date_after"][0]] = score_for(inside[0])
        assert set(points) == {"2016-01-01", "2016-03-01", "2016-04-01"} and len(markers) == 3
        for date_after, score in points.items():
            assert score == pytest.approx(float(means[date_after].replace("−", "-")), abs=0.06), date_after
        assert len(list(links.iter("a"))) == 4  # February too links to its (uncoded) timeline

    def test_line_is_broken_where_a_month_is_empty(self, ph_us):
        """The line joins March to April only: January stands alone across the empty February."""
        svg = svg_of(self.render(relationship_temperature("PH", "US")))
        (line,) = [p for p in svg.iter("path") if "line" in p.get("class", "").split()]
        assert line.get("d").count("M") == 1 and line.get("d").count("L") == 1

    def test_accessible_and_csp_safe(self, ph_us):
        """role="img" with a title and a description, links outside it kept out of the way; no inline style."""
        html = self.render(relationship_temperature("PH", "US"))
        svg, links = svg_of(html), svg_of(html, "temperature-links")
        assert not list(svg.iter("a"))
        assert links.get("aria-hidden") == "true" and {a.get("tabindex") for a in links.iter("a")} == {"-1"}
        assert svg.get("role") == "img" and svg.get("viewBox") == "0 0 720 360"
        assert svg.find("title").text == "Temperature of Philippines–United States relations, by month"
        assert svg.find("desc").text.startswith(
            "Mean cooperation–conflict score per month of the coded events between the Philippines and the United States, "
            "January 2016 to April 2016"
        )
        assert "lowest March 2016 (−5.0)" in svg.find("desc").text
        assert svg.get("aria-labelledby") == "temperature-title temperature-desc"
        assert "style=" not in html and "<style" not in html

    def test_administrations_are_shaded_eras(self, leaders):
        """From April to September 2016 the chart shows Aquino III, then Duterte from 30 June."""
        both = (leaders["PH"], leaders["US"])
        coded(both, datetime.date(2016, 4, 10), "CONSULT", "visit")
        coded(both, datetime.date(2016, 9, 10), "CONSULT", "visit")
        chart = relationship_temperature("PH", "US")
        svg = svg_of(self.render(chart))
        labels = [t.text for t in svg.iter("text") if t.get("class") == "era-label"]
        assert labels == ["Aquino III", "Duterte"]
        (boundary,) = [line for line in svg.iter("line") if line.get("class") == "era-boundary"]
        # Six months share the 646 units from x=60 to x=706: 60 + 646 / 6 × (2 + 29/30), 30 June being
        # 29/30 of the way through June, the third month.
        assert float(boundary.get("x1")) == pytest.approx(379.41, abs=0.01)

    def test_no_coded_events(self, leaders):
        """A relationship without coded events says so instead of drawing an empty chart."""
        html = self.render(relationship_temperature("PH", "CN"))
        assert "No coded events between the Philippines and China yet." in html and "<svg" not in html


class ComparePageTests:
    url = reverse("events:relationship_compare")

    def test_two_relationships_on_one_chart(self, ph_us, client):
        """?with=us&with=cn draws two series told apart by colour and marker, with a legend and a side-by-side table."""
        response = client.get(self.url, {"with": ["us", "cn"]})
        html = response.content.decode()
        assert response.status_code == 200
        svg, links = svg_of(html), svg_of(html, "temperature-links")
        groups = [g for g in svg.iter("g") if "points" in g.get("class", "")]
        assert [g.get("class") for g in groups] == ["points series-0", "points series-1"]
        assert [len(list(g.iter("path"))) for g in groups] == [3, 1]
        assert groups[0].find("path").get("d") != groups[1].find("path").get("d")  # circle vs square
        assert [a.get("class") for a in links.iter("a")] == ["point-link series-0"] * 3 + ["point-link series-1"]
        assert re.search(r"temperature-legend.*United States.*China", html, re.S)
        assert re.findall(r"<span class=\"legend-count\">([^<]*)</span>", html) == [
            "5 coded events (0 reviewed)",
            "1 coded event (0 reviewed)",
        ]
        assert '<th scope="col">United States: mean</th>' in html and '<th scope="col">China: mean</th>' in html
        assert "/relationships/ph-cn/?date_after=2016-03-01&amp;date_before=2016-03-31" in html

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"with": ["us", "xx"]}, "“xx”: not a country code we know."),
            ({}, "Choose at least one country to compare with the Philippines."),
            ({"with": "ph"}, "Choose the Philippines' counterparts, not the Philippines itself."),
            ({"with": "us", "period": "decade"}, "Periods are months, quarters, or automatic"),
        ],
    )
    def test_bad_requests_give_the_form_back(self, ph_us, client, query, message):
        """An unknown or missing code is a 400 with the form and the error, never a 500."""
        response = client.get(self.url, query)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in unescape(html) and '<form class="filters compare-form"' in html

    def test_query_count_is_constant(self, leaders, client, django_assert_max_num_queries):
        """Guards N+1 over periods and relationships: the same queries for 3 events as for 30."""
        both = (leaders["PH"], leaders["US"])

        def populate(n, year):
            for i in range(n):
                coded(both, datetime.date(year, 1 + i % 12, 1 + i % 28), "CONSULT", "visit")
                coded((leaders["PH"], leaders["CN"]), datetime.date(year, 1 + i % 12, 2), "AGREE", target="CN")

        populate(3, 2016)
        with django_assert_max_num_queries(20) as small:
            client.get(self.url, {"with": ["us", "cn"], "period": "month"})
        populate(30, 2017)
        with django_assert_max_num_queries(20) as large:
            client.get(self.url, {"with": ["us", "cn"], "period": "month"})
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_quarters_on_request(self, ph_us, client):
        """period=quarter sums the months into quarters."""
        html = client.get(self.url, {"with": "us", "period": "quarter"}).content.decode()
        assert "January–March 2016" in html and "−0.9" in html and '<th scope="col">Quarter</th>' in html


class RelationshipPageTests:
    def test_chart_on_the_relationship_page(self, ph_us, client):
        """The timeline of a relationship opens with its temperature chart."""
        html = client.get(reverse("events:relationship", kwargs={"pair": "ph-us"})).content.decode()
        svg = svg_of(html)
        assert svg.find("title").text == "Temperature of Philippines–United States relations, by month"

    def test_query_count_with_the_chart_is_constant(self, leaders, client, django_assert_max_num_queries):
        """Guards N+1 in the chart: one aggregate query, whatever the number of events."""
        both = (leaders["PH"], leaders["US"])
        url = reverse("events:relationship", kwargs={"pair": "ph-us"})
        for i in range(3):
            coded(both, datetime.date(2016, 1 + i, 5), "CONSULT", "visit")
        with django_assert_max_num_queries(40) as small:
            client.get(url)
        for i in range(30):
            coded(both, datetime.date(2016, 1 + i % 12, 6), "SUPPORT")
        with django_assert_max_num_queries(40) as large:
            client.get(url)
        assert len(small.captured_queries) == len(large.captured_queries)


class AdministrationHeadingTests:
    def test_timeline_names_the_administration(self, ph_us, client):
        """A relationship's timeline says under which administration its events fall."""
        html = client.get(reverse("events:relationship", kwargs={"pair": "ph-us"})).content.decode()
        assert "Aquino III administration" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TemperatureBrowserTests:
    def test_click_a_month_to_read_its_events(self, page, live_server):
        """The chart shows on the relationship page with no axe violation, and clicking March 2016 shows March's events only."""
        leaders = {cc: make_leader(f"Leader of {cc}", cc) for cc in ("PH", "US")}
        both = (leaders["PH"], leaders["US"])
        coded(both, datetime.date(2016, 1, 10), "CONSULT", "visit")
        coded(both, datetime.date(2016, 3, 25), "SANCTION", "cancel", actor="US", target="PH")
        coded(both, datetime.date(2016, 4, 2), "CONSULT", "phone")
        page.goto(f"{live_server.url}/relationships/ph-us/")
        chart = page.locator("svg.temperature-chart")
        assert chart.is_visible()
        assert chart.get_attribute("role") == "img"
        assert Axe().run(page, context="figure.temperature").violations_count == 0
        page.locator('svg.temperature-links a[href*="date_after=2016-03-01"]').click()
        page.wait_for_url("**date_after=2016-03-01**")
        assert "date_before=2016-03-31" in page.url
        titles = page.locator(".event-title").all_inner_texts()
        assert titles == ["SANCTION 2016-03-25"]
