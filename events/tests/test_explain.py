"""
Every public list query is an index scan, not a read of the whole events table.

PostgreSQL only: the plans are PostgreSQL's, and SQLite has no planner worth
asserting about. The approach, honestly: no planner switch is turned off.
The module loads 20,000 synthetic events (the planner's choices at a few
hundred rows say nothing about a million: a table that fits in a few pages is
cheapest read whole), runs ANALYZE, and asserts that the plan of each query a
page runs — page 1 and a deep keyset page, of `/events/` and of a
relationship's timeline, alone and with each filter and the common pairs of
filters — has no `Seq Scan on events_event`. The same cases run against the
million-event benchmark database in `make bench` (bench/explain.py), where the
plans that matter are chosen.

The text filter is asserted with a selective word. A word found in a tenth of
all events is answered fastest by a hash join over the whole table, and the
planner rightly says so; see bench/README.md.
"""

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.http import QueryDict

from bench.explain import DEEP, filter_cases, full_scans, page_queries, plan_of
from events.models import Event, EventLeader, Leader
from events.queries.pagination import Cursor, KeysetPaginator, paginator_for
from events.services.synthetic import generate
from events.web.filters import EventFilter

EVENTS = 20_000

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's; run with DATABASE_URL"),
    pytest.mark.django_db,
]


@pytest.fixture(scope="module")
def synthetic_events(django_db_setup, django_db_blocker):
    """20,000 events and fresh statistics, rolled back after the module."""
    with django_db_blocker.unblock():
        # A session of its own: the one earlier tests used keeps plans made while the tables were
        # nearly empty (the foreign-key checks' among them), and the load took three minutes
        # instead of seven seconds in the whole suite.
        connection.close()
    with django_db_blocker.unblock(), transaction.atomic():
        generate(EVENTS, seed=1)
        yield
        transaction.set_rollback(True)


class ExplainTests:
    @pytest.mark.parametrize("pair", [None, "cn-ph"], ids=["events list", "timeline"])
    def test_no_public_query_reads_the_whole_events_table(self, synthetic_events, pair):
        """Page 1 and a deep page, with each filter and common pairs of them, read events through an index."""
        found = full_scans(pair)
        assert not found, "\n\n".join(f"{name}:\n{plan}" for name, plan in found.items())

    def test_timeline_pages_are_one_range_scan_of_the_pair_index(self, synthetic_events):
        """A relationship's page 1 and page 50 are read off the pair index in order, with no sort."""
        for queryset in page_queries("", "cn-ph"):
            plan = plan_of(queryset)
            assert "event_pair_pub_idx" in plan
            assert "Sort" not in plan.split("->")[1], plan  # the rows come off the index already in order

    def test_a_leader_page_is_one_range_scan_of_the_leader_index(self, synthetic_events):
        """The busiest leader's pages are read off EventLeader's index in order, not gathered whole and sorted."""
        busiest = EventLeader.objects.values("leader_id").annotate(n=Count("id")).order_by("-n")[0]["leader_id"]
        paginator = KeysetPaginator(Event.objects.published().with_related(), leader=busiest)
        deep = Cursor(*paginator.ordered().values_list(paginator.date_field, paginator.id_field)[DEEP // 10])
        for queryset in (paginator.query(), paginator.query(after=deep)):
            plan = plan_of(queryset)
            assert "event_leader_pub_idx" in plan, plan
            assert "Sort" not in plan.split("->")[1], plan

    def test_a_leader_on_a_timeline_is_read_off_both_ordered_indexes(self, synthetic_events):
        """`?leader=` on a timeline: the leader's EventLeader rows beside the pair's, not their events gathered.

        Before, the leader's participations and quotes were unioned whole and hashed
        against the whole relationship, twice (the page and its count): 87 ms at a million.
        """
        busiest = EventLeader.objects.values("leader_id").annotate(n=Count("id")).order_by("-n")[0]["leader_id"]
        slug = Leader.objects.get(pk=busiest).slug
        for queryset in page_queries(f"leader={slug}", "cn-ph"):
            plan = plan_of(queryset).split("SubPlan")[0]
            # At this size a hash join of the two is as good; at a million the planner merges them.
            assert "events_eventleader" in plan and "event_pair_pub_idx" in plan, plan
            assert "events_participant" not in plan and "events_quote" not in plan, plan

    def test_text_search_uses_the_full_text_indexes(self, synthetic_events):
        """`q` with a rare word finds events (their quotes included) through the stored document's GIN index."""
        plan = plan_of(next(page_queries("q=vladivostok", None)))
        assert "event_document_idx" in plan, plan
        assert "events_quote" not in plan.split("SubPlan")[0], plan  # the quotes are in the document

    @pytest.mark.parametrize("pair", [None, "cn-ph"], ids=["events list", "timeline"])
    def test_exports_read_their_bounded_page_through_an_index(self, synthetic_events, pair):
        """/events.json's 1,000-event page, and the latest events of TimelineJS, the feeds and calendars (#16).

        At the share of the table a 1,000-event page reads at a million events (0.1 %): here 20 rows.
        A thousand of these 20,000 is 5 % of the table, which a sequential scan rightly answers.
        """
        per_page = 1_000 * EVENTS // 1_000_000
        found = {}
        for name, query in filter_cases().items():
            filterset = EventFilter(QueryDict(query), queryset=Event.objects.published().select_related("summit"))
            assert filterset.is_valid(), filterset.errors
            for descending in (False, True):
                plan = plan_of(paginator_for(filterset, pair=pair, per_page=per_page, descending=descending).query())
                if "Seq Scan on events_event " in plan:
                    found[f"{name}, {'latest' if descending else 'first'}"] = plan
        assert not found, "\n\n".join(f"{name}:\n{plan}" for name, plan in found.items())

    @pytest.mark.parametrize("query", ["q=trade", "kind=statement&q=trade", "country=CN&q=trade"])
    def test_a_common_word_walks_the_pages_index_and_stops(self, synthetic_events, query):
        """A word in a tenth of the events is tested row by row down the page's ordered index, not gathered whole."""
        for queryset in page_queries(query, None):
            plan = plan_of(queryset).split("SubPlan")[0]
            assert "Seq Scan on events_event " not in plan, plan
            assert "Sort" not in plan.split("->")[1], plan


class AdminExplainTests:
    """The events' change list, where editors work, reads the table through its indexes too (#16).

    At a million events it took 8.3 s a page: the sources counted by grouping
    the whole table, the date hierarchy's distinct years, a second count, the
    summits "with events", and a substring search across joins that ran past
    the statement timeout. The one whole-table read left is the paginator's
    count of every event, on the unfiltered first page (50 ms at a million).
    """

    WHOLE_COUNT = 'SELECT COUNT(*) AS "__count" FROM "events_event"'

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "q=vladivostok",
            "q=nowhere",
            "kind__exact=call",
            "date__year=2020",
            "kind__exact=statement&q=trade",
        ],
    )
    def test_the_events_change_list_reads_no_whole_table(self, synthetic_events, admin_client, query):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as run:
            response = admin_client.get(f"/admin/events/event/?{query}")
        assert response.status_code == 200
        assert response.context["cl"].result_count > 0 or "nowhere" in query
        found = {}
        for sql in (q["sql"] for q in run.captured_queries):
            if '"events_event"' not in sql or sql.strip() == self.WHOLE_COUNT:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            outer = plan.split("SubPlan")[0]  # each listed row's own count of its sources is fine
            if "Seq Scan on events_event " in plan or "GroupAggregate" in outer or "HashAggregate" in outer:
                found[sql[:200]] = plan
        assert not found, "\n\n".join(f"{sql}:\n{plan}" for sql, plan in found.items())


class SearchDocumentTests:
    """The stored search document follows every write to an event's text (migration 0014's triggers)."""

    def test_it_follows_the_title_the_summary_and_the_quotes(self):
        from events.models import Quote
        from events.tests.factories import make_event, make_leader, make_quote

        putin = make_leader("Vladimir Putin", "RU")
        event = make_event("Duterte meets Putin", summary="Talks in Arequipa.")

        def found(word):  # this event, whatever else the module's other tests loaded
            return Event.objects.filter(pk=event.pk).search(word).exists()

        assert found("arequipa")
        quote = make_quote(event, putin, original="Мы друзья", language="ru", english="We are friends")
        assert found("friends") and found("друзья")
        Quote.objects.filter(pk=quote.pk).update(english_text="We are partners")  # a bulk update too
        assert not found("friends") and found("partners")
        event.title, event.summary = "Duterte and Putin in Lima", "Talks on energy."
        event.save()
        assert found("energy") and not found("arequipa") and found("partners")
        quote.delete()
        assert not found("partners") and found("energy")
