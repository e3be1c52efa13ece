"""The read path's figures: a relationship page's overview and the home page's list of relationships."""

import datetime

import pytest

from events.models import Country
from events.queries.relationships import RelationshipSummary, home_relationships, relationship_overview
from events.queries.temperature import compare_temperatures
from events.tests.factories import make_event, make_leader

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaders():
    return {cc: make_leader(f"Leader of {cc}", cc) for cc in ("PH", "US", "CN")}


@pytest.fixture
def countries():
    return Country.objects.in_bulk(["PH", "US", "CN"])


def populate(leaders, n: int, year: int) -> None:
    """`n` PH–US meetings in `year`, coded PH → US, plus one uncoded PH–CN meeting and a PH–US draft."""
    both = (leaders["PH"], leaders["US"])
    for i in range(n):
        make_event(
            date=datetime.date(year, 1 + i % 12, 1 + i % 28),
            participants=both,
            plover_category="CONSULT",
            plover_mode="visit",
            actor_country_id="PH",
            target_country_id="US",
        )
    make_event(date=datetime.date(year, 6, 30), participants=(leaders["PH"], leaders["CN"]))
    make_event(date=datetime.date(year + 1, 1, 1), participants=both, published=False)


class RelationshipOverviewTests:
    def test_summary_and_chart(self, leaders, countries):
        """The published events counted, the months they span, and the very chart the compare page draws."""
        populate(leaders, 5, 2016)
        summary, chart = relationship_overview(countries["PH"], countries["US"])
        assert summary == RelationshipSummary(5, datetime.date(2016, 1, 1), datetime.date(2016, 5, 1))
        assert chart == compare_temperatures([countries["US"]], home=countries["PH"])
        assert [row.count for row in chart.series[0].rows] == [1, 1, 1, 1, 1]

    def test_home_country_first(self, leaders, countries):
        """Asked the other way round, the chart still puts the Philippines first."""
        populate(leaders, 2, 2016)
        summary, chart = relationship_overview(countries["US"], countries["PH"])
        assert chart.home.iso2 == "PH" and chart.series[0].country.iso2 == "US" and summary.event_count == 2

    def test_uncoded_events_count_but_draw_nothing(self, leaders, countries):
        """PH–CN has an event, uncoded: the summary counts it and the chart says there is nothing to draw."""
        populate(leaders, 1, 2016)
        summary, chart = relationship_overview(countries["PH"], countries["CN"])
        assert summary == RelationshipSummary(1, datetime.date(2016, 6, 1), datetime.date(2016, 6, 1))
        assert chart.empty and "No coded events between the Philippines and China yet." in chart.description

    def test_no_events(self, countries):
        """A relationship without events: nothing counted, no dates, an empty chart."""
        summary, chart = relationship_overview(countries["PH"], countries["US"])
        assert summary == RelationshipSummary(0, None, None) and chart.empty

    def test_one_query_at_any_size(self, leaders, countries, django_assert_num_queries):
        """Guards a query per month or per event: one query for 3 events in a year as for 60 over five years."""
        populate(leaders, 3, 2016)
        with django_assert_num_queries(1):
            small, _ = relationship_overview(countries["PH"], countries["US"])
        for year in range(2017, 2022):
            populate(leaders, 12, year)
        with django_assert_num_queries(1):
            large, chart = relationship_overview(countries["PH"], countries["US"])
        assert (small.event_count, large.event_count) == (3, 63) and chart.kind == "quarter"


class HomeRelationshipsTests:
    def test_counts_and_latest_events(self, leaders):
        """Each relationship with its published events counted and its latest published event, busiest first."""
        populate(leaders, 3, 2016)
        relationships = home_relationships()
        assert [(r.slug, r.event_count) for r in relationships] == [("ph-us", 3), ("ph-cn", 1)]
        assert relationships[0].latest_date == datetime.date(2016, 3, 3) == relationships[0].latest_event.date
        assert relationships[1].latest_date == datetime.date(2016, 6, 30)

    def test_three_queries_at_any_size(self, leaders, django_assert_num_queries):
        """Guards a query per relationship or per event: three queries for 2 relationships as for 3 with 40 events."""
        populate(leaders, 3, 2016)
        with django_assert_num_queries(3):
            assert len(home_relationships()) == 2
        populate(leaders, 40, 2017)
        make_event(date=datetime.date(2017, 2, 2), countries=["PH", "RU"])
        with django_assert_num_queries(3):
            assert len(home_relationships()) == 3
