"""`PairMonth`, each relationship's months in figures, and `SummitCount`: right after every kind of write, and cheap to keep right."""

import datetime
import importlib
import io
import threading
import time
from decimal import Decimal

import psycopg2
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from events.models import Event, EventLeader, PairMonth, SummitCount
from events.services import involvement, versioning
from events.services.coding import code_events
from events.services.synthetic import generate
from events.tests.factories import make_event, make_leader, make_quote, make_summit

pytestmark = pytest.mark.django_db
D = Decimal
NOV, DEC = datetime.date(2016, 11, 1), datetime.date(2016, 12, 1)


def figures(pair: str) -> dict[datetime.date, tuple]:
    """{month: (events, scored, score_total, quad_0, quad_1, quad_2, quad_3)} of a relationship as stored."""
    return {
        month: tuple(rest)
        for month, *rest in PairMonth.objects.filter(pair=pair)
        .order_by("month")
        .values_list("month", *involvement.PAIR_MONTH_FIGURES)
    }


def run_data_migration(module: str, function: str) -> None:
    """Run one data migration's function on the current database (outside a transaction: SQLite's schema editor)."""
    migration = importlib.import_module(f"events.migrations.{module}")
    with connection.schema_editor() as schema_editor:
        getattr(migration, function)(apps, schema_editor)


@pytest.fixture
def leaders():
    return {cc: make_leader(f"Leader of {cc}", cc) for cc in ("PH", "RU", "CN")}


@pytest.fixture
def lima(leaders):
    """Two PH–RU events in November 2016: a visit coded PH → RU (+1.9) and an uncoded call."""
    both = (leaders["PH"], leaders["RU"])
    visit = make_event(
        "Duterte visits Moscow",
        date=datetime.date(2016, 11, 19),
        participants=both,
        plover_category="CONSULT",
        plover_mode="visit",
        actor_country_id="PH",
        target_country_id="RU",
    )
    make_event("Duterte calls Putin", date=datetime.date(2016, 11, 25), participants=both)
    return visit


class PairMonthTests:
    def test_a_month_holds_its_published_events_and_their_temperature(self, lima):
        """November 2016 of ph-ru: two events, one of them scored (+1.9, verbal cooperation)."""
        assert figures("ph-ru") == {NOV: (2, 1, D("1.9"), 1, 0, 0, 0)}
        assert involvement.drift() == {}

    def test_a_score_change_is_counted(self, lima):
        """An editor's override of the score changes the month's total."""
        lima.score_override, lima.score_justification = D("-4.0"), "A snub."
        lima.save()
        assert figures("ph-ru") == {NOV: (2, 1, D("-4.0"), 1, 0, 0, 0)}
        assert involvement.drift() == {}

    def test_a_date_moved_to_another_month_moves_the_event(self, lima):
        """Moving the visit to December leaves November with the call alone."""
        lima.date = datetime.date(2016, 12, 2)
        lima.save()
        assert figures("ph-ru") == {NOV: (1, 0, D(0), 0, 0, 0, 0), DEC: (1, 1, D("1.9"), 1, 0, 0, 0)}
        assert involvement.drift() == {}

    def test_unpublished_events_do_not_count(self, lima):
        """Unpublishing both events leaves no row for the month at all."""
        for event in Event.objects.all():
            event.published = False
            event.save()
        assert figures("ph-ru") == {}
        assert involvement.drift() == {}

    def test_an_event_without_a_source_does_not_count(self, lima):
        """Removing the visit's only source takes it off the public record, and out of the month."""
        lima.sources.get().delete()
        assert figures("ph-ru") == {NOV: (1, 0, D(0), 0, 0, 0, 0)}
        assert involvement.drift() == {}

    def test_a_deleted_event_is_no_longer_counted(self, lima):
        """Deleting the visit, whose timeline rows the cascade removes first, still updates its month."""
        lima.delete()
        assert figures("ph-ru") == {NOV: (1, 0, D(0), 0, 0, 0, 0)}
        assert involvement.drift() == {}

    def test_a_queryset_delete_updates_every_month(self, lima, leaders):
        """Deleting events in bulk (the admin's delete action) empties their months."""
        make_event(date=datetime.date(2017, 3, 1), participants=(leaders["PH"], leaders["RU"]))
        Event.objects.all().delete()
        assert not PairMonth.objects.exists()
        assert involvement.drift() == {}

    def test_removing_a_participant_removes_the_pair(self, lima, leaders):
        """With Xi as a third participant the visit counts for cn-ph too; removing him takes it off."""
        lima.participants.create(leader=leaders["CN"])
        assert figures("cn-ph") == {NOV: (1, 0, D(0), 0, 0, 0, 0)}
        lima.participants.get(leader=leaders["CN"]).delete()
        assert figures("cn-ph") == {}
        assert involvement.drift() == {}

    def test_writes_in_a_deferred_block_are_counted_at_its_end(self, lima, leaders):
        """Inside deferred(), a new event, a moved one and a deleted one all show when the block ends."""
        with involvement.deferred():
            make_event(date=datetime.date(2017, 1, 5), participants=(leaders["PH"], leaders["RU"]))
            lima.date = datetime.date(2016, 12, 2)
            lima.save()
            Event.objects.get(title="Duterte calls Putin").delete()
        assert set(figures("ph-ru")) == {DEC, datetime.date(2017, 1, 1)}
        assert involvement.drift() == {}

    @pytest.mark.parametrize("months", [involvement.MONTH_RUNS, involvement.MONTH_RUNS + 10])
    def test_many_scattered_months(self, leaders, months):
        """As many runs of months as a refresh names one by one (every other month for years), and more, count right."""
        both = (leaders["PH"], leaders["RU"])
        with involvement.deferred():
            for i in range(months):
                make_event(date=datetime.date(1970 + i // 6, 1 + 2 * (i % 6), 1), participants=both)
        assert len(figures("ph-ru")) == months
        assert involvement.drift() == {}

    def test_drift_sees_a_wrong_month(self, lima):
        """The check can fail: a stored figure that no longer matches the events is reported."""
        PairMonth.objects.update(events=5)
        unreviewed = (0, D(0), 0, 0, 0, 0)  # the reviewed figures: the machine suggested this coding
        assert involvement.drift() == {
            ("ph-ru", NOV): ((5, 1, D("1.9"), 1, 0, 0, 0, *unreviewed), (2, 1, D("1.9"), 1, 0, 0, 0, *unreviewed))
        }

    def test_syncing_takes_the_same_queries_for_one_month_or_many(self, leaders):
        """Guards a query per month: syncing events in one month or in forty apart takes the same queries."""
        both = (leaders["PH"], leaders["RU"])
        few = [make_event(date=datetime.date(2016, 1, 1 + i), participants=both).pk for i in range(3)]
        many = [
            make_event(date=datetime.date(2010 + i // 6, 1 + 2 * (i % 6), 1), participants=both).pk for i in range(40)
        ]
        queries = []
        for event_ids in (few, many):
            with CaptureQueriesContext(connection) as captured:
                involvement.sync_involvement(event_ids)
            queries.append(len(captured))
        assert queries[0] == queries[1]
        assert involvement.drift() == {}

    def test_months_do_not_bump_the_site_version_and_delete_in_bulk(self, lima):
        """PairMonth is derived: no page-cache bump of its own, and no signal in the way of a bulk delete."""
        from django.db.models.deletion import Collector

        version = versioning.current_version()[0]
        involvement.rebuild_pair_months()
        assert versioning.current_version()[0] == version
        assert Collector(using="default").can_fast_delete(PairMonth.objects.all())


class BulkWriterTests:
    def test_import_and_coding(self):
        """The bundled data set (an import, its hand coding, then code_events) leaves every month right."""
        call_command("load_bundled_data", stdout=io.StringIO(), stderr=io.StringIO())
        assert PairMonth.objects.filter(scored__gt=0).count() > 5
        assert involvement.drift() == {}

    def test_code_events_counts_the_scores_it_sets(self, leaders):
        """code_events fills the coding with an UPDATE (no signal); the month's temperature follows."""
        make_event("Duterte meets Putin", date=datetime.date(2016, 11, 19), participants=(leaders["PH"], leaders["RU"]))
        assert figures("ph-ru") == {NOV: (1, 0, D(0), 0, 0, 0, 0)}
        code_events()  # CONSULT, PH → RU: +2.1
        assert figures("ph-ru") == {NOV: (1, 1, D("2.1"), 1, 0, 0, 0)}
        assert involvement.drift() == {}

    def test_generate_events(self):
        """The generator's bulk load, into an empty database and then beside what it wrote, leaves every month right."""
        generate(300, seed=5)
        assert PairMonth.objects.filter(scored__gt=0).count() > 50
        assert involvement.drift() == {}
        generate(100, seed=6)
        assert involvement.drift() == {}

    # Outside a transaction: SQLite's schema editor refuses to open inside one.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_the_migration_fills_the_months_of_stored_events(self, lima):
        """Migration 0006 computes the months of the events already stored."""
        PairMonth.objects.all().delete()
        run_data_migration("0006_pair_months", "fill_pair_months")
        assert figures("ph-ru") == {NOV: (2, 1, D("1.9"), 1, 0, 0, 0)}
        assert involvement.drift() == {}


class EventLeaderTests:
    """A leader's events (`EventLeader`, the leader page's rows) follow participants, speakers and publication."""

    @staticmethod
    def rows(event):
        return set(EventLeader.objects.filter(event=event).values_list("leader__name", "date", "published"))

    def test_participants_and_speakers_each_once_with_the_event_date_and_visibility(self, leaders):
        abe = make_leader("Shinzo Abe", "JP")
        event = make_event(date=NOV, participants=(leaders["PH"], leaders["RU"]))
        make_quote(event, leaders["PH"])
        make_quote(event, abe, original="Arigato.", language="ja", english="Thank you.")
        assert self.rows(event) == {(name, NOV, True) for name in ("Leader of PH", "Leader of RU", "Shinzo Abe")}
        Event.objects.get(pk=event.pk).participants.filter(leader=leaders["RU"]).get().delete()
        event.published = False
        event.date = DEC
        event.save()
        assert self.rows(event) == {(name, DEC, False) for name in ("Leader of PH", "Shinzo Abe")}
        assert involvement.drift() == {}

    def test_drift_sees_a_missing_leader_row(self, leaders):
        """The check can fail: an event whose leader row went missing is reported."""
        event = make_event(date=NOV, participants=(leaders["PH"], leaders["RU"]))
        EventLeader.objects.filter(event=event, leader=leaders["RU"]).delete()
        assert event.pk in involvement.drift()

    def test_migration_0007_fills_what_the_sync_gives(self, leaders):
        """The migration that created EventLeader filled it by the same rule as the sync."""
        make_event(date=NOV, participants=(leaders["PH"], leaders["RU"]))
        make_event(date=NOV, participants=(leaders["PH"],), published=False)
        before = set(EventLeader.objects.values_list("event_id", "leader_id", "date", "published"))
        EventLeader.objects.all().delete()
        migration = importlib.import_module("events.migrations.0007_event_leaders")
        with connection.cursor() as cursor:
            cursor.execute(migration.EVENT_LEADERS_SQL)
        assert set(EventLeader.objects.values_list("event_id", "leader_id", "date", "published")) == before
        assert len(before) == 3


class SummitCountTests:
    """`SummitCount`, what /summits/ shows beside each summit: right after every kind of write."""

    @pytest.fixture
    def summits(self, leaders):
        lima, beijing = make_summit("APEC 2016"), make_summit("BRF 2017", host="CN")
        both = (leaders["PH"], leaders["RU"])
        for title in ("Duterte meets Putin", "Duterte meets Medvedev"):
            make_event(title, participants=both, summit=lima)
        return lima, beijing

    @staticmethod
    def counts(*summits) -> list[int]:
        stored = dict(SummitCount.objects.values_list("summit_id", "events"))
        return [stored.get(summit.pk, 0) for summit in summits]

    def test_events_are_counted_at_their_summit(self, summits):
        assert self.counts(*summits) == [2, 0]
        assert involvement.drift() == {}

    def test_an_event_moved_to_another_summit_moves_its_count(self, summits):
        """Read, changed and saved as the admin does: both summits are recounted."""
        lima, beijing = summits
        event = Event.objects.get(title="Duterte meets Putin")
        event.summit = beijing
        event.save()
        assert self.counts(lima, beijing) == [1, 1]
        event.summit = None  # the same instance, saved again
        event.save()
        assert self.counts(lima, beijing) == [1, 0]
        assert involvement.drift() == {}

    def test_an_event_never_read_still_leaves_its_summit(self, summits):
        """An instance built with the primary key alone (never read): the old summit is looked up."""
        lima, beijing = summits
        stored = Event.objects.values().get(title="Duterte meets Putin")
        event = Event(**{**stored, "summit_id": beijing.pk})
        event.save()
        assert self.counts(lima, beijing) == [1, 1]

    def test_unpublished_or_deleted_events_no_longer_count(self, summits):
        lima, _ = summits
        event = Event.objects.get(title="Duterte meets Putin")
        event.published = False
        event.save()
        assert self.counts(lima) == [1]
        Event.objects.filter(title="Duterte meets Medvedev").delete()
        assert self.counts(lima) == [0]
        assert not SummitCount.objects.exists()  # zero is no row

    def test_writes_in_a_deferred_block_are_counted_at_its_end(self, summits, leaders):
        lima, beijing = summits
        with involvement.deferred():
            make_event("Duterte meets Xi", participants=(leaders["PH"], leaders["CN"]), summit=beijing)
            event = Event.objects.get(title="Duterte meets Putin")
            event.summit = beijing
            event.save()
            assert self.counts(lima, beijing) == [2, 0]  # not yet
        assert self.counts(lima, beijing) == [1, 2]

    def test_drift_sees_a_wrong_count(self, summits):
        lima, _ = summits
        SummitCount.objects.filter(summit=lima).update(events=5)
        assert involvement.drift() == {("summit", lima.pk): (5, 2)}
        involvement.rebuild_summit_counts()
        assert involvement.drift() == {}

    def test_the_list_reads_the_count_not_the_events(self, client, summits, leaders):
        """/summits/ costs the same queries with 2 events at a summit or 30, and says how many."""
        lima, _ = summits

        def summit_list():
            with CaptureQueriesContext(connection) as queries:
                body = client.get("/summits/").content.decode()
            return body, len(queries)

        body, few = summit_list()
        assert "· 2 events" in body
        for n in range(28):
            make_event(f"Sideline {n}", participants=(leaders["PH"], leaders["CN"]), summit=lima)
        body, many = summit_list()
        assert "· 30 events" in body
        assert many == few

    # Outside a transaction: SQLite's schema editor refuses to open inside one.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_the_migration_counts_the_stored_events(self, summits):
        SummitCount.objects.all().delete()
        run_data_migration("0016_summit_count", "count_summits")
        assert self.counts(*summits) == [2, 0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL's; run with DATABASE_URL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class ConcurrentWriteTests:
    """Two editors saving events at the same summit, in the same relationship and month, at the same time."""

    def test_both_saves_land_and_both_are_counted(self, leaders):
        lima = make_summit("APEC 2016")
        both = (leaders["PH"], leaders["RU"])
        first_done, second_pid, failures = threading.Event(), [], []

        def first():
            with transaction.atomic():
                make_event("Duterte meets Putin", date=NOV, participants=both, summit=lima)
                first_done.set()
                wait_for_lock_wait(second_pid)  # commit only once the second save waits on this one
            connections.close_all()

        def second():
            first_done.wait(10)
            connection.ensure_connection()
            second_pid.append(connection.connection.info.backend_pid)
            try:
                make_event("Duterte meets Medvedev", date=NOV, participants=both, summit=lima)
            except Exception as error:  # noqa: BLE001 - what the editor would get as a 500
                failures.append(error)
            connections.close_all()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert failures == []
        assert SummitCount.objects.get(summit=lima).events == 2
        assert figures("ph-ru")[NOV][0] == 2
        assert involvement.drift() == {}


def wait_for_lock_wait(pids: list[int], seconds: float = 10) -> None:
    """Until the backend in `pids` waits on a lock (as PostgreSQL's pg_stat_activity says), or `seconds` pass."""
    deadline = time.monotonic() + seconds
    watcher = psycopg2.connect(dsn_of(connection.settings_dict))
    try:
        while time.monotonic() < deadline:
            if pids:
                with watcher.cursor() as cursor:
                    cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", pids)
                    row = cursor.fetchone()
                    if row and row[0] == "Lock":
                        return
            time.sleep(0.02)
    finally:
        watcher.close()


def dsn_of(settings: dict) -> str:
    return f"host={settings['HOST']} port={settings['PORT'] or 5432} user={settings['USER']} dbname={settings['NAME']}"


class CardOnlySaveTests:
    """A save that changes only what the card shows leaves the derived rows as they are, unread."""

    def test_a_summary_edit_does_not_sync(self, leaders):
        event = make_event("Duterte meets Putin", date=NOV, participants=(leaders["PH"], leaders["RU"]))
        event = Event.objects.get(pk=event.pk)
        event.summary = "They spoke for an hour."
        with CaptureQueriesContext(connection) as queries:
            event.save()
        derived = ("events_eventpair", "events_eventleader", "events_eventcountry", "events_pairmonth")
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("DELETE", "INSERT", "UPDATE"))]
        assert not [sql for sql in writes if any(table in sql for table in derived)]
        event.date = DEC  # and a date edit still moves its month
        event.save()
        assert figures("ph-ru") == {DEC: figures("ph-ru")[DEC]} and figures("ph-ru")[DEC][0] == 1
        assert involvement.drift() == {}
