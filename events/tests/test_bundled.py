"""The bundled real data set: the seed article's facts, sourced, loading idempotently."""

import datetime
import io

import pytest
from django.core.management import call_command

from events.services import involvement
from events.models import Country, Event, EventKind, EventSource, Leader, Quote, Summit

pytestmark = pytest.mark.django_db

SEED_URL = "http://www.manilatimes.net/digong-seeks-meeting-putin/296977/"


@pytest.fixture
def bundled():
    out = io.StringIO()
    call_command("load_bundled_data", stdout=out)
    return out.getvalue()


def counts():
    return {m.__name__: m.objects.count() for m in (Event, Leader, Summit, Quote, EventSource)}


class MigrateTests:
    def test_migrate_alone_creates_reference_data_only(self):
        """A freshly migrated database holds the countries and roles but no events, leaders or summits."""
        assert Country.objects.count() == 249
        assert Country.objects.get(iso2="RU").name == "Russia"
        assert counts() == {"Event": 0, "Leader": 0, "Summit": 0, "Quote": 0, "EventSource": 0}

    def test_editor_roles_exist(self):
        """Editor and Publisher groups come from a data migration; only Publisher may delete."""
        from django.contrib.auth.models import Group

        editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
        publisher = set(Group.objects.get(name="Publisher").permissions.values_list("codename", flat=True))
        assert {"add_event", "change_event"} <= editor and "delete_event" not in editor
        assert {"delete_event", "publish_event"} <= publisher

    def test_no_missing_migrations(self):
        """The models and the migrations agree (makemigrations --check)."""
        call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


class BundledDataTests:
    def test_loading_twice_adds_nothing(self, bundled):
        """A second load creates no record and says so."""
        before = counts()
        out = io.StringIO()
        call_command("load_bundled_data", stdout=out)
        assert counts() == before
        assert "Nothing new" in out.getvalue()

    def test_size_and_sources(self, bundled):
        """At least the seed's facts and 30 more events, every one with an http(s) source."""
        assert Event.objects.count() >= 40
        assert not Event.objects.filter(sources__isnull=True).exists()
        assert not EventSource.objects.exclude(url__startswith="http").exists()
        assert involvement.drift() == {}

    def test_putin_meeting_recorded_once_as_held_with_both_sources(self, bundled):
        """The meeting the seed announces is stored as it happened, with the seed and a later report."""
        meetings = Event.objects.for_pair("ph", "ru").filter(date=datetime.date(2016, 11, 19), kind=EventKind.SIDELINE)
        meeting = meetings.get()
        assert meeting.status == "held" and meeting.summit.short_name == "APEC 2016"
        assert {p.leader.name for p in meeting.participants.all()} == {"Rodrigo Duterte", "Vladimir Putin"}
        urls = set(meeting.sources.values_list("url", flat=True))
        assert SEED_URL in urls and len(urls) >= 2

    def test_seed_quotes_in_filipino_with_translation(self, bundled):
        """Duterte's Filipino words at the Malacañang dinner are stored with their English translation."""
        quote = Quote.objects.get(original_text__startswith="Matuloy ho")
        assert quote.language == "fil"
        assert quote.english_text == "It's pushing through, I was the one who asked for it"
        assert quote.speaker.name == "Rodrigo Duterte"
        assert quote.speaker_title == "President of the Philippines"
        assert quote.event.date == datetime.date(2016, 11, 15)

    def test_seed_facts_are_all_there(self, bundled):
        """Khovaev, Xi in Beijing, Abe in Tokyo, the cancelled Obama meeting, soft loans, the order to the AFP."""
        seed = Event.objects.filter(sources__url=SEED_URL)
        assert seed.filter(participants__leader__name="Igor Khovaev").exists()
        assert seed.filter(participants__leader__name="Xi Jinping", date=datetime.date(2016, 10, 20)).exists()
        assert seed.filter(participants__leader__name="Shinzo Abe", date=datetime.date(2016, 10, 26)).exists()
        obama = seed.get(participants__leader__name="Barack Obama", status="cancelled")
        assert obama.summit.short_name == "ASEAN 2016"
        loans = seed.get(kind=EventKind.AGREEMENT, title__icontains="soft loan")
        assert {"PH", "RU", "CN"} <= set(loans.involvements.values_list("country_id", flat=True))
        assert seed.filter(kind=EventKind.POLICY_ACTION, summary__icontains="joint").exists()
        assert seed.filter(kind=EventKind.INTENTION, title__icontains="weapons").exists()
        assert Summit.objects.get(short_name="APEC 2016").start_date == datetime.date(2016, 11, 19)
