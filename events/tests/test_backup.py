"""A backup restored into an empty database gives back every record."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from events.models import Event, EventPair, EventSource, Leader, Office, PairMonth, Participant, Quote, Summit
from events.services import involvement
from events.tests.factories import empty_the_record_in_bulk

MODELS = (Event, Leader, Office, Summit, Participant, Quote, EventSource, EventPair)


def snapshot():
    """Every record the restore must reproduce, as comparable values."""
    return {
        "events": sorted(
            Event.objects.values_list(
                "pk",
                "title",
                "date",
                "date_precision",
                "date_approximate",
                "status",
                "kind",
                "published",
                "summit__short_name",
            )
        ),
        "participants": sorted(
            Participant.objects.values_list("event_id", "leader__name", "country_id", "role", "title")
        ),
        "quotes": sorted(Quote.objects.values_list("event_id", "language", "original_text", "english_text")),
        "sources": sorted(EventSource.objects.values_list("event_id", "url")),
        "offices": sorted(Office.objects.values_list("leader__name", "title", "start_date", "end_date")),
        "summits": sorted(Summit.objects.values_list("short_name", "start_date", "end_date", "host_country_id")),
        "pairs": sorted(EventPair.objects.values_list("event_id", "pair", "published")),
        "pair_months": sorted(PairMonth.objects.values_list("pair", "month", "events", "scored", "score_total")),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class BackupRestoreTests:
    def test_restore_reproduces_every_record(self, tmp_path):
        """Back up the bundled data, empty the database, restore: the same records come back."""
        call_command("load_bundled_data", stdout=io.StringIO())
        before = snapshot()
        assert before["events"] and before["quotes"]
        backup = tmp_path / ("backup.dump" if connection.vendor == "postgresql" else "backup.json")
        call_command("backup", str(backup), stdout=io.StringIO())
        empty_the_record_in_bulk()
        assert Event.objects.count() == 0
        out = io.StringIO()
        call_command("restore", str(backup), stdout=out)
        assert snapshot() == before
        assert f"{len(before['events']):,} events" in out.getvalue()
        assert involvement.drift() == {}

    def test_backup_survives_history_of_deleted_records(self, tmp_path):
        """A deleted leader's and summit's edit history (ids of rows that are gone) does not break a backup."""
        from events.tests.factories import make_event, make_leader, make_summit

        leader, summit = make_leader("Gone Leader", "PH"), make_summit("Gone Summit")
        event = make_event(participants=(leader,), summit=summit)
        event.delete()
        leader.delete()
        summit.delete()
        backup = tmp_path / ("backup.dump" if connection.vendor == "postgresql" else "backup.json")
        call_command("backup", str(backup), stdout=io.StringIO())
        assert backup.stat().st_size > 0

    def test_restore_refuses_a_missing_file(self, tmp_path):
        """A wrong path is named in the error."""
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="no such backup file"):
            call_command("restore", str(tmp_path / "nope.json"))
