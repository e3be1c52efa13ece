"""`import_events DIR`: the CSV import of CONTRACT.md, all or nothing, and its round trip with `export_events`."""

import csv
import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import (
    Commitment,
    CommitmentStep,
    Disagreement,
    DisagreementVersion,
    Event,
    EventCountry,
    EventKind,
    EventLink,
    EventPair,
    EventSource,
    Leader,
    LeaderSource,
    Office,
    Participant,
    Publisher,
    Quote,
    Readout,
    StatusChange,
    Summit,
    SummitSource,
)
from events.services import involvement
from events.tests.factories import empty_the_record_in_bulk, make_event, make_leader, make_quote, make_summit
from events.vocab.dates import Precision

pytestmark = pytest.mark.django_db

SUMMITS = (
    "name,short_name,forum,host_country,city,start_date,end_date,source_url\n"
    "24th APEC Economic Leaders' Meeting,APEC 2016,APEC,PE,Lima,2016-11-19,2016-11-20,https://example.org/apec\n"
)
MEETINGS_HEADER = "date,title,participants,city,summit,status,kind,source_url\n"
GOOD_MEETING = (
    "2016-11-19,Duterte meets Putin in Lima,Rodrigo Duterte (PH); Vladimir Putin (RU),Lima,APEC 2016,held,"
    "sideline,https://example.org/lima\n"
)
STATEMENTS_HEADER = "date,speaker,about,language,original_text,english_text,context,source_url\n"
OTHER_HEADER = "date,kind,title,summary,countries,city,summit,status,source_url\n"
GROUPED_HEADER = STATEMENTS_HEADER.rstrip("\n") + ",group\n"

TABLES = (
    Event,
    Leader,
    Summit,
    Office,
    Participant,
    Quote,
    EventSource,
    SummitSource,
    LeaderSource,
    EventCountry,
    EventPair,
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def write(directory, name: str, text: str | bytes) -> None:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")


def run_import(directory, *args) -> str:
    out = io.StringIO()
    call_command("import_events", str(directory), *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def failed_import(directory) -> list[str]:
    """The error lines of an import that must fail, after checking that it wrote nothing."""
    before = row_counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"error\(s\); nothing was written"):
        call_command("import_events", str(directory), "--no-progress", stdout=io.StringIO(), stderr=err)
    assert row_counts() == before
    return err.getvalue().splitlines()


@pytest.fixture
def data_dir(tmp_path):
    """A directory holding a valid summits.csv; each test adds the file it is about."""
    write(tmp_path, "summits.csv", SUMMITS)
    return tmp_path


class ImportErrorTests:
    """Bad input: every error named as FILE:LINE: column: message, and the database unchanged."""

    @pytest.fixture(autouse=True)
    def stored_records(self):
        # Something already stored, so "unchanged" means more than "still empty".
        make_event("Stored before the import", participants=(make_leader("Stored Leader", "PH"),))

    def test_file_not_in_utf8(self, data_dir):
        """Latin-1 bytes are reported at the line and column of the cell that holds them."""
        text = MEETINGS_HEADER + GOOD_MEETING + "2016-11-20,Réunion à Lima,Rodrigo Duterte (PH),Lima,,held,other,\n"
        write(data_dir, "meetings.csv", text.encode("latin-1"))
        assert failed_import(data_dir) == [
            "meetings.csv:3: title: is not UTF-8 (byte 0xe9 in 'R\ufffdunion \ufffd Lima'); save the file as UTF-8"
        ]

    def test_missing_required_column(self, data_dir):
        """A header without `participants` names the missing column on line 1."""
        write(data_dir, "meetings.csv", "date,title,city\n2016-11-19,Talks,Lima\n")
        assert failed_import(data_dir) == ["meetings.csv:1: participants: required column is missing"]

    def test_unknown_column(self, data_dir):
        """A column the format does not know is an error, not silently dropped."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER.replace("\n", ",notes\n") + GOOD_MEETING.replace("\n", ",x\n"))
        [error] = failed_import(data_dir)
        assert error.startswith("meetings.csv:1: notes: unknown column; meetings.csv takes date, title, participants")

    def test_empty_file(self, data_dir):
        """An empty file is an error on its line 1: it needs a header row."""
        write(data_dir, "meetings.csv", "")
        assert failed_import(data_dir) == ["meetings.csv:1: -: the file is empty; it needs a header row"]

    @pytest.mark.parametrize(
        "date, message",
        [
            ("2016-13-01", "'2016-13-01': month 13 does not exist"),
            ("2016-02-30", "'2016-02-30': February 2016 has 29 days"),
            (
                "19/11/2016",
                "'19/11/2016' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, with ~ at the end if approximate",
            ),
            ("", "is empty; write YYYY, YYYY-MM or YYYY-MM-DD"),
        ],
    )
    def test_impossible_date(self, data_dir, date, message):
        """A date that does not exist is named with the reason."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING + f"{date},Talks,Rodrigo Duterte (PH),,,,,\n")
        assert failed_import(data_dir) == [f"meetings.csv:3: date: {message}"]

    def test_unknown_country_code(self, data_dir):
        """`XX` is not a country."""
        write(
            data_dir,
            "meetings.csv",
            MEETINGS_HEADER + GOOD_MEETING + "2016-11-20,,Rodrigo Duterte (PH); Nobody (XX),,,,,\n",
        )
        assert failed_import(data_dir) == [
            "meetings.csv:3: participants: 'XX' is not an ISO 3166-1 alpha-2 country code"
        ]

    def test_unknown_summit(self, data_dir):
        """A summit neither in summits.csv nor stored is named."""
        write(
            data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING + "2016-11-20,,Rodrigo Duterte (PH),,G7 2099,,,\n"
        )
        assert failed_import(data_dir) == [
            "meetings.csv:3: summit: no summit has the short name 'G7 2099' (in summits.csv or already stored)"
        ]

    def test_participant_not_in_name_cc_form(self, data_dir):
        """`Putin` alone cannot be matched to a leader and a country."""
        write(
            data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING + "2016-11-20,,Rodrigo Duterte (PH); Putin,,,,,\n"
        )
        assert failed_import(data_dir) == [
            "meetings.csv:3: participants: 'Putin' is not in the form Name (CC), e.g. Vladimir Putin (RU)"
        ]

    def test_duplicate_row_in_one_file(self, data_dir):
        """The same meeting twice in one file is reported at the second one."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING + GOOD_MEETING)
        assert failed_import(data_dir) == [
            "meetings.csv:3: title: the same event as meetings.csv line 2 (same date and title)"
        ]

    def test_duplicate_quote_in_one_file(self, data_dir):
        """The same statement twice in statements.csv is reported at the second one."""
        row = "2016-11-15,Rodrigo Duterte (PH),RU,en,I want to be friends with him.,,Dinner,\n"
        write(data_dir, "statements.csv", STATEMENTS_HEADER + row + row)
        assert failed_import(data_dir) == [
            "statements.csv:3: original_text: the same statement as line 2 (same date, speaker, context and words); "
            "rows of one statement share a group"
        ]

    def test_duplicate_quote_in_one_group(self, data_dir):
        """The same quote twice in one statement's group is reported at the second one."""
        row = "2016-11-15,Rodrigo Duterte (PH),RU,en,I want to be friends with him.,,Dinner,,dinner\n"
        write(data_dir, "statements.csv", GROUPED_HEADER + row + row)
        assert failed_import(data_dir) == ["statements.csv:3: original_text: the same quote already appears on line 2"]

    def test_group_across_dates(self, data_dir):
        """Rows of one group must share the date: a group is one statement, made on one day."""
        write(
            data_dir,
            "statements.csv",
            GROUPED_HEADER
            + "2016-11-15,Rodrigo Duterte (PH),RU,en,One.,,Dinner,,dinner\n"
            + "2016-11-16,Rodrigo Duterte (PH),RU,en,Two.,,Dinner,,dinner\n",
        )
        assert failed_import(data_dir) == ["statements.csv:3: date: differs from line 2 of the same group 'dinner'"]

    def test_ten_megabyte_cell(self, data_dir):
        """A 10 MB cell is refused by name, with one error, not a crash or a truncated import."""
        huge = "x" * 10_000_000
        write(data_dir, "other_events.csv", OTHER_HEADER + f"2016-11-20,agreement,,{huge},PH; RU,,,,\n")
        assert failed_import(data_dir) == ["other_events.csv:2: summary: 10,000,000 characters; the most is 100,000"]

    def test_source_that_is_not_http(self, data_dir):
        """`javascript:` (or any non-web) addresses are refused."""
        write(
            data_dir,
            "meetings.csv",
            MEETINGS_HEADER + GOOD_MEETING.replace("https://example.org/lima", "javascript:alert(1)"),
        )
        assert failed_import(data_dir) == [
            "meetings.csv:2: source_url: 'javascript:alert(1)' is not an http:// or https:// address"
        ]

    def test_every_error_is_reported(self, data_dir):
        """Several errors in several files are all listed, in file and line order."""
        write(data_dir, "summits.csv", SUMMITS + "ASEAN,ASEAN 2016,ASEAN,LA,Vientiane,2016-09-08,2016-09-06,\n")
        write(
            data_dir,
            "meetings.csv",
            MEETINGS_HEADER
            + "2016-13-01,,Rodrigo Duterte (PH),,,,,\n"
            + GOOD_MEETING
            + "2016-11-20,,Nobody (XX),,,kept,,\n",
        )
        assert failed_import(data_dir) == [
            "meetings.csv:2: date: '2016-13-01': month 13 does not exist",
            "meetings.csv:4: participants: 'XX' is not an ISO 3166-1 alpha-2 country code",
            "meetings.csv:4: status: 'kept' is not one of held, planned, cancelled, postponed",
            "summits.csv:3: end_date: 2016-09-06 is before the start date 2016-09-08",
        ]

    def test_line_is_where_a_multiline_record_starts(self, data_dir):
        """Quoted cells spanning lines are counted: LINE is the record's first line in the file."""
        text = (
            STATEMENTS_HEADER
            + '2016-11-15,Rodrigo Duterte (PH),RU,en,"First line,\nsecond line,\nthird line",,Dinner,\n'
            + "2016-02-30,Rodrigo Duterte (PH),RU,en,Short.,,Dinner,\n"
        )
        write(data_dir, "statements.csv", text)
        assert failed_import(data_dir) == ["statements.csv:5: date: '2016-02-30': February 2016 has 29 days"]

    def test_missing_directory(self, tmp_path):
        """A directory that does not exist is an error, not a traceback."""
        assert failed_import(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}:0: -: no such directory"]

    def test_directory_without_any_import_file(self, tmp_path):
        """A directory holding none of the files is named as such."""
        [error] = failed_import(tmp_path)
        assert error.startswith(f"{tmp_path}:0: -: none of summits.csv")


class URLCheckTests:
    @pytest.mark.parametrize(
        "url",
        [
            "https://www.rappler.com/nation/152494-duterte-meeting-putin-apec-summit/",
            "http://tass.com/politics/947257?lang=en#top",
            "https://example.org/a\\b;c=d,e(f)",
            "http://localhost/",
            "http://192.168.0.1/report",
            "https://example.org:8443/x",
            "https://example.org:99999/x",
            "https://user:secret@example.org/",
            "https://例え.jp/ニュース",
            "https://xn--r8jz45g.jp/",
            "https://-bad-.example.org/",
            "https://example.o/",
            "https://exa_mple.org/",
            "https://" + "a" * 64 + ".org/",
            "https://" + ".".join(["abcdefghij"] * 24) + ".org/",
            "http://example",
            "ftp://example.org/file",
            "javascript:alert(1)",
            "https://example.org/\x7f",
        ],
    )
    def test_quick_url_check_agrees_with_the_validator(self, url):
        """The importer's shortcut for ordinary addresses never accepts one that Django's URLValidator refuses."""
        from django.core.exceptions import ValidationError

        from events.models import http_url_validator
        from events.services.parsing import _PLAIN_URL

        try:
            http_url_validator(url)
            valid = True
        except ValidationError:
            valid = False
        if _PLAIN_URL.match(url):
            assert valid


class ImportBehaviourTests:
    def test_counts_are_printed(self, data_dir):
        """The command prints what it created, per kind of record."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        out = run_import(data_dir)
        assert "summits: 1 created, 0 updated, 0 unchanged" in out
        assert "leaders: 2 created, 0 updated, 0 unchanged" in out
        assert "meetings: 1 created, 0 updated, 0 unchanged" in out
        event = Event.objects.get()
        assert (event.kind, event.summit.short_name, event.city) == (EventKind.SIDELINE, "APEC 2016", "Lima")
        assert list(event.pairs.values_list("pair", flat=True)) == ["ph-ru"]

    def test_second_import_writes_nothing_and_says_so(self, data_dir):
        """Importing the same files again runs no INSERT, UPDATE or DELETE and reports every record unchanged."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        write(
            data_dir,
            "statements.csv",
            STATEMENTS_HEADER + "2016-11-15,Rodrigo Duterte (PH),RU,fil,Matuloy ho.,It's pushing through.,Dinner,\n",
        )
        write(
            data_dir,
            "other_events.csv",
            OTHER_HEADER + "2016-09~,agreement,Soft loans,,PH; RU; CN,,,,https://example.org/loans\n",
        )
        run_import(data_dir)
        before = row_counts()
        with CaptureQueriesContext(connection) as queries:
            out = run_import(data_dir)
        writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
        assert writes == []
        assert row_counts() == before
        assert "meetings: 0 created, 0 updated, 1 unchanged" in out
        assert "statements: 0 created, 0 updated, 1 unchanged" in out
        assert "other events: 0 created, 0 updated, 1 unchanged" in out
        assert "Nothing new: the database already holds every record in these files." in out

    def test_changed_row_updates_the_event(self, data_dir):
        """A re-import with a changed status updates that event in place and counts it as updated."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        run_import(data_dir)
        event = Event.objects.get()
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace(",held,", ",postponed,"))
        out = run_import(data_dir)
        assert "meetings: 0 created, 1 updated, 0 unchanged" in out
        assert Event.objects.get().pk == event.pk and Event.objects.get().status == "postponed"

    def test_derived_involvement_matches_a_fresh_computation(self, data_dir):
        """The rows the importer derives in bulk (countries and pairs involved) are what sync_involvement() makes."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        write(
            data_dir,
            "statements.csv",
            STATEMENTS_HEADER + "2016-11-15,Rodrigo Duterte (PH),RU; CN,en,Friends.,,Dinner,\n",
        )
        write(data_dir, "other_events.csv", OTHER_HEADER + "2016-09,agreement,Soft loans,,PH; RU; CN,,,,\n")
        run_import(data_dir)
        assert involvement.drift() == {}
        assert sorted(EventPair.objects.values_list("pair", flat=True)) == [
            "cn-ph",
            "cn-ph",
            "cn-ru",
            "cn-ru",
            "ph-ru",
            "ph-ru",
            "ph-ru",
        ]
        write(
            data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace("Vladimir Putin (RU)", "Xi Jinping (CN)")
        )
        run_import(data_dir)  # an update goes through sync_involvement()
        assert involvement.drift() == {}

    def test_row_without_a_source_is_a_draft(self, data_dir):
        """No public event without a source: an unsourced row is imported unpublished, and the command says so."""
        write(
            data_dir,
            "meetings.csv",
            MEETINGS_HEADER + GOOD_MEETING + "2016-11-20,Unsourced talks,Rodrigo Duterte (PH),,,,,\n",
        )
        out = run_import(data_dir)
        assert "1 new event(s) without a source_url are unpublished drafts." in out
        assert list(Event.objects.published().values_list("title", flat=True)) == ["Duterte meets Putin in Lima"]
        assert Event.objects.get(title="Unsourced talks").published is False
        assert involvement.drift() == {}

    def test_an_import_that_writes_marks_the_record_changed(self, data_dir):
        """Bulk writes send no signals: the importer bumps the page cache's version itself, once, and only if it wrote."""
        from events.services.versioning import current_version

        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        before, _ = current_version()
        run_import(data_dir)
        after, _ = current_version()
        assert after == before + 1
        run_import(data_dir)
        assert current_version()[0] == after

    def test_made_up_title_edited_later_survives_a_reimport(self, data_dir):
        """A title the files left to the importer, edited since, is kept, and the event is not imported twice."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + "2016-10-20,,Rodrigo Duterte (PH); Xi Jinping (CN),,,,,\n")
        write(
            data_dir, "statements.csv", STATEMENTS_HEADER + "2016-11-15,Rodrigo Duterte (PH),RU,en,Friends.,,Dinner,\n"
        )
        run_import(data_dir)
        Event.objects.update(title="Retitled by an editor")
        out = run_import(data_dir)
        assert "meetings: 0 created, 0 updated, 1 unchanged" in out
        assert "statements: 0 created, 0 updated, 1 unchanged" in out
        assert list(Event.objects.values_list("title", flat=True)) == ["Retitled by an editor"] * 2

    def test_dry_run_writes_nothing(self, data_dir):
        """`--dry-run` checks and counts but leaves the database as it was."""
        write(data_dir, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        before = row_counts()
        out = run_import(data_dir, "--dry-run")
        assert row_counts() == before
        assert "meetings: 1 created, 0 updated, 0 unchanged" in out
        assert "Dry run: the files are valid; nothing was written." in out

    def test_bom_and_any_column_order(self, data_dir):
        """A UTF-8 byte order mark and a shuffled header are both fine."""
        text = "\ufeffparticipants,date,kind\nRodrigo Duterte (PH); Xi Jinping (CN),2016-10-20,state_visit\n"
        write(data_dir, "meetings.csv", text)
        run_import(data_dir)
        event = Event.objects.get()
        assert (event.kind, event.title, event.date) == (
            EventKind.STATE_VISIT,
            "Rodrigo Duterte meets Xi Jinping",
            datetime.date(2016, 10, 20),
        )

    def test_month_only_date_keeps_month_precision(self, data_dir):
        """`2016-09` is stored as September 2016, never as 1 September; `~` makes it approximate."""
        write(
            data_dir,
            "other_events.csv",
            OTHER_HEADER + "2016-09,agreement,Loans,,PH; RU,,,,\n2016~,intention,Arms,,PH; CN,,,,\n",
        )
        run_import(data_dir)
        loans, arms = Event.objects.order_by("title")[1], Event.objects.order_by("title")[0]
        assert (loans.date, loans.date_precision, loans.date_approximate) == (
            datetime.date(2016, 9, 1),
            Precision.MONTH,
            False,
        )
        assert loans.date_display == "September 2016"
        assert (arms.date_precision, arms.date_approximate, arms.date_display) == (Precision.YEAR, True, "about 2016")

    def test_statement_rows_group_into_one_event(self, data_dir):
        """Rows sharing a group are one statement with its quotes in file order."""
        write(
            data_dir,
            "statements.csv",
            GROUPED_HEADER
            + "2016-11-15,Rodrigo Duterte (PH),RU,fil,Matuloy ho.,It's pushing through.,Dinner with reporters,https://example.org/a,dinner\n"
            + "2016-11-16,Rodrigo Duterte (PH),RU,en,Another day.,,Dinner with reporters,,\n"
            + "2016-11-15,Rodrigo Duterte (PH),RU; CN,en,I want to be friends with him.,,Dinner with reporters,https://example.org/b,dinner\n"
            + "2016-11-15,Rodrigo Duterte (PH),US,en,Elsewhere.,,Press conference,,\n",
        )
        out = run_import(data_dir)
        assert "statements: 3 created, 0 updated, 0 unchanged" in out
        dinner = (
            Event.objects.filter(quotes__context="Dinner with reporters")
            .distinct()
            .get(date=datetime.date(2016, 11, 15))
        )
        assert [(q.language, q.original_text, q.english_text) for q in dinner.quotes.all()] == [
            ("fil", "Matuloy ho.", "It's pushing through."),
            ("en", "I want to be friends with him.", ""),
        ]
        assert sorted(dinner.countries.values_list("iso2", flat=True)) == ["CN", "RU"]
        assert sorted(dinner.sources.values_list("url", flat=True)) == [
            "https://example.org/a",
            "https://example.org/b",
        ]
        assert dinner.title == "Rodrigo Duterte: “It's pushing through”"


def snapshot() -> dict:
    """Everything the files carry, without database ids: two databases holding the same record compare equal."""
    events = Event.objects.with_related().prefetch_related("countries", "involvements").order_by("date", "title")
    leaders = Leader.objects.prefetch_related("offices", "sources").order_by("name", "country")
    summits = Summit.objects.prefetch_related("sources").order_by("short_name")
    return {
        "events": [
            {
                "kind": e.kind,
                "date": (e.date, e.date_precision, e.date_approximate),
                "title": e.title,
                "summary": e.summary,
                "status": e.status,
                "city": e.city,
                "summit": e.summit.short_name if e.summit else None,
                "countries": sorted(c.iso2 for c in e.countries.all()),
                "involves": sorted(i.country_id for i in e.involvements.all()),
                "participants": [(p.leader.name, p.country_id, p.role, p.title) for p in e.participants.all()],
                "quotes": [
                    (
                        q.speaker.name,
                        q.speaker_title,
                        q.language,
                        q.original_text,
                        q.english_text,
                        q.context,
                        q.translated_by,
                    )
                    for q in e.quotes.all()
                ],
                "sources": sorted((s.url, s.title, s.published_on) for s in e.sources.all()),
                "end_date": e.end_date,
                "venue": e.venue,
                "disagreements": [
                    (d.about, [(v.source.url, v.says) for v in d.versions.all()]) for d in e.disagreements.all()
                ],
                # #14: its life, its links, the readouts
                "status_history": list(
                    e.status_changes.values_list(
                        "status", "date", "date_precision", "date_approximate", "source_url", "note"
                    )
                ),
                "links": list(e.links_out.values_list("relation", "to_event__date", "to_event__title", "note")),
                "readouts": list(
                    e.readouts.values_list(
                        "country_id", "source_url", "source_title", "language", "text", "english", "translated_by"
                    )
                ),
            }
            for e in events
        ],
        "commitments": [
            (
                c.slug,
                c.title,
                c.kind,
                sorted(c.countries.values_list("iso2", flat=True)),
                c.amount,
                c.currency,
                c.summary,
                c.source_url,
                c.stage,
                list(c.steps.values_list("stage", "date", "date_precision", "event__title", "source_url", "note")),
            )
            for c in Commitment.objects.order_by("slug")
        ],
        "publishers": list(Publisher.objects.order_by("domain").values_list("domain", "name", "kind", "aggregator")),
        "leaders": [
            {
                "name": leader.name,
                "country": leader.country_id,
                "other_names": leader.other_names,
                "wikidata_id": leader.wikidata_id,
                "offices": sorted(
                    (o.title, o.country_id, o.start_date, o.start_precision, o.end_date, o.end_precision, o.source_url)
                    for o in leader.offices.all()
                ),
                "sources": sorted(s.url for s in leader.sources.all()),
            }
            for leader in leaders
        ],
        "summits": [
            (
                s.name,
                s.short_name,
                s.forum,
                s.host_country_id,
                s.city,
                s.start_date,
                s.end_date,
                sorted(x.url for x in s.sources.all()),
            )
            for s in summits
        ],
    }


def empty_the_record():
    Commitment.objects.all().delete()
    Event.objects.all().delete()
    Leader.objects.all().delete()
    Summit.objects.all().delete()
    Publisher.objects.all().delete()


class RoundTripTests:
    def build_record(self):
        duterte = make_leader(
            "Rodrigo Duterte", "PH", office="President of the Philippines", other_names="Digong\nRody Duterte"
        )
        LeaderSource.objects.create(leader=duterte, url="https://example.org/duterte")
        putin = make_leader(
            "Vladimir Putin",
            "RU",
            office="President of Russia",
            wikidata_id="Q7747",
            office_start=datetime.date(2012, 5, 7),
        )
        khovaev = make_leader("Igor Khovaev", "RU")
        Office.objects.create(
            leader=khovaev,
            title="Ambassador of Russia to the Philippines",
            country_id="PH",
            start_date=datetime.date(2015, 10, 1),
            start_precision=Precision.MONTH,
            end_date=datetime.date(2020, 10, 1),
            end_precision=Precision.MONTH,
            source_url="https://example.org/khovaev",
        )
        # leaders.csv has one source column: an office's source is its holder's source too.
        LeaderSource.objects.create(leader=khovaev, url="https://example.org/khovaev")
        apec = make_summit(
            "APEC 2016", name="24th APEC Economic Leaders' Meeting", forum="APEC", end=datetime.date(2016, 11, 20)
        )
        SummitSource.objects.create(summit=apec, url="https://example.org/apec")
        make_event(
            "Duterte meets Putin in Lima",
            kind=EventKind.SIDELINE,
            summit=apec,
            city="Lima",
            participants=((duterte, "visitor"), (putin, "host")),
            sources=("https://example.org/a", "https://example.org/b"),
        )
        make_event(
            "Duterte receives Khovaev",
            kind=EventKind.MEETING,
            date=datetime.date(2016, 11, 1),
            date_precision=Precision.MONTH,
            date_approximate=True,
            participants=(duterte, khovaev),
        )
        make_event(
            "Planned visit to Moscow",
            kind=EventKind.STATE_VISIT,
            status="planned",
            date=datetime.date(2017, 1, 1),
            date_precision=Precision.YEAR,
            participants=(duterte, putin),
        )
        # statements.csv has no title column: a statement's title is made from its first quote.
        statement = make_event(
            "Rodrigo Duterte: “It's pushing through, I was the one who asked for it”",
            kind=EventKind.STATEMENT,
            date=datetime.date(2016, 11, 15),
            countries=("RU",),
        )
        make_quote(
            statement,
            duterte,
            "Matuloy ho. Ako ang nanghingi niyan",
            language="fil",
            english="It's pushing through, I was the one who asked for it",
            context="Dinner with reporters",
        )
        # Line breaks, a tab and a backslash: a multi-line CSV cell, and COPY's escapes on PostgreSQL.
        make_quote(
            statement,
            duterte,
            "I want to be friends with him.\n\tReally, \\ truly.",
            context="Dinner with reporters",
            position=1,
        )
        # #13: one speaker's second statement of the day, a translation's attribution, a venue and an
        # end date, sources' titles and dates, a disagreement between two sources, a publisher.
        other_statement = make_event(
            "Rodrigo Duterte: “I told them”",
            kind=EventKind.STATEMENT,
            date=datetime.date(2016, 11, 15),
            countries=("US",),
            sources=("https://example.org/us", "https://example.org/us-2"),
        )
        Quote.objects.create(
            event=other_statement,
            speaker=duterte,
            language="fil",
            original_text="Sabi ko sa kanila",
            english_text="I told them",
            context="Dinner with reporters",
            translated_by="Rappler",
        )
        visit = make_event(
            "Duterte visits Jakarta",
            kind=EventKind.STATE_VISIT,
            date=datetime.date(2016, 9, 8),
            end_date=datetime.date(2016, 9, 9),
            venue="Istana Merdeka",
            city="Jakarta",
            participants=(duterte,),
            sources=("https://dfa.gov.ph/a", "https://pco.gov.ph/b"),
        )
        EventSource.objects.filter(event=visit, url="https://dfa.gov.ph/a").update(
            title="DFA: state visit", published_on=datetime.date(2016, 9, 7)
        )
        EventSource.objects.filter(event=visit, url="https://pco.gov.ph/b").update(title="PCO | working visit")
        disagreement = Disagreement.objects.create(event=visit, about="the visit's classification")
        for url, says in (("https://dfa.gov.ph/a", "a state visit"), ("https://pco.gov.ph/b", "a working visit")):
            DisagreementVersion.objects.create(disagreement=disagreement, source=visit.sources.get(url=url), says=says)
        Publisher.objects.create(domain="dfa.gov.ph", name="Department of Foreign Affairs", kind="official_ph")
        Publisher.objects.create(domain="ilovepagadian.com", name="I Love Pagadian", kind="news", aggregator=True)
        loans = make_event(
            "Soft loans for military equipment",
            kind=EventKind.AGREEMENT,
            date=datetime.date(2016, 9, 1),
            date_precision=Precision.MONTH,
            summary="Russia and China agree to extend soft loans.",
            countries=("PH", "RU", "CN"),
            summit=apec,
        )
        # #14: the Lima meeting's life, a link, both readouts, a commitment followed through two steps.
        lima = Event.objects.get(title="Duterte meets Putin in Lima")
        StatusChange.objects.create(
            event=lima, status="announced", date=datetime.date(2016, 11, 15), source_url="https://example.org/a"
        )
        StatusChange.objects.create(
            event=lima,
            status="held",
            date=datetime.date(2016, 11, 1),
            date_precision=Precision.MONTH,
            date_approximate=True,
            source_url="https://example.org/b",
            note="in Lima",
        )
        EventLink.objects.create(from_event=lima, relation="follows_up", to_event=statement, note="as announced")
        Readout.objects.create(
            event=lima,
            country_id="RU",
            source_url="https://example.org/kremlin",
            source_title="Kremlin",
            language="ru",
            text="Встреча с Президентом Филиппин",
            english="Meeting with the President of the Philippines",
            translated_by="Kremlin",
        )
        Readout.objects.create(event=lima, country_id="PH", source_url="https://example.org/pco", text="We met.")
        loans_commitment = Commitment.objects.create(
            slug="soft-loans",
            title="Soft loans",
            kind="pledge",
            amount="500000000.50",
            currency="USD",
            summary="Loans for arms.\nPayable in 2025.",
            source_url="https://example.org/loans",
        )
        loans_commitment.countries.add("PH", "RU")
        CommitmentStep.objects.create(
            commitment=loans_commitment,
            stage="announced",
            date=datetime.date(2016, 9, 1),
            date_precision=Precision.MONTH,
            event=loans,
            source_url="https://example.org/s1",
        )
        CommitmentStep.objects.create(
            commitment=loans_commitment,
            stage="lapsed",
            date=datetime.date(2020, 1, 1),
            date_precision=Precision.YEAR,
            source_url="https://example.org/s2",
            note="never drawn",
        )

    def test_export_then_import_into_an_empty_database_gives_the_same_record(self, tmp_path):
        """Every event, date precision, participant role, quote, source, summit and office survives the round trip."""
        self.build_record()
        expected = snapshot()
        call_command("export_events", str(tmp_path), stdout=io.StringIO())
        empty_the_record()
        assert snapshot()["events"] == []
        out = run_import(tmp_path)
        assert "meetings: 4 created" in out and "statements: 2 created" in out and "other events: 1 created" in out
        assert "publishers: 2 created" in out
        assert "status changes: 2 created" in out and "links: 1 created" in out and "readouts: 2 created" in out
        assert "commitments: 1 created" in out and "commitment steps: 2 created" in out
        assert snapshot() == expected
        assert Commitment.objects.get().stage == "lapsed"
        # And once more: the export of what was imported is read back as unchanged.
        assert "Nothing new" in run_import(tmp_path)

    def test_bundled_data_round_trip(self, tmp_path):
        """The real data set exported and imported into an empty database comes back the same."""
        call_command("load_bundled_data", stdout=io.StringIO())
        expected = snapshot()
        call_command("export_events", str(tmp_path), stdout=io.StringIO())
        empty_the_record_in_bulk()
        run_import(tmp_path)
        assert snapshot() == expected


def upload(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def admin_client_for(client):
    """A client logged in as a staff user holding `permissions` (codenames in the events app)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    def login(*permissions, superuser=False):
        users = get_user_model().objects
        if superuser:
            user = users.create_superuser("chief", "", "a-long-test-password")
        else:
            user = users.create_user("editor", "", "a-long-test-password", is_staff=True)
            user.user_permissions.set(
                Permission.objects.filter(content_type__app_label="events", codename__in=permissions)
            )
        client.force_login(user)
        return client

    return login


class AdminImportTests:
    """/admin/events/event/import/: upload, preview (the dry run), confirm (the import), by the same code path."""

    url = "/admin/events/event/import/"

    @pytest.fixture(autouse=True)
    def uploads(self, tmp_path, monkeypatch):
        """Uploads waiting for confirmation go to this test's own directory."""
        from events.admin import imports as admin_import

        monkeypatch.setattr(admin_import, "UPLOADS", tmp_path / "uploads")

    def preview(self, client, *files):
        return client.post(self.url, {"files": list(files), "upload": "Preview"})

    def test_changelist_links_to_the_import(self, admin_client_for):
        """Staff who may add events find the import on the event list."""
        client = admin_client_for(superuser=True)
        html = client.get(reverse("admin:events_event_changelist")).content.decode()
        assert f'<a href="{self.url}">Import CSV files</a>' in html

    def test_preview_counts_and_writes_nothing(self, admin_client_for):
        """The preview shows what would be created, and the database stays as it was."""
        client = admin_client_for(superuser=True)
        before = row_counts()
        response = self.preview(
            client, upload("summits.csv", SUMMITS), upload("meetings.csv", MEETINGS_HEADER + GOOD_MEETING)
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<h2>Preview of meetings.csv, summits.csv</h2>" in html
        assert '<tr><th scope="row">Meetings</th><td>1</td><td>0</td><td>0</td></tr>' in html
        assert '<tr><th scope="row">Leaders</th><td>2</td><td>0</td><td>0</td></tr>' in html
        assert 'name="confirm" value="Import"' in html
        assert row_counts() == before

    def test_preview_lists_every_error_and_offers_no_import(self, admin_client_for):
        """Each error reads FILE:LINE: column: message; there is no button to import anyway."""
        client = admin_client_for(superuser=True)
        before = row_counts()
        meetings = (
            MEETINGS_HEADER + "2016-13-01,,Rodrigo Duterte (PH),,,,,\n" + GOOD_MEETING.replace("APEC 2016", "G7 2099")
        )
        html = self.preview(client, upload("meetings.csv", meetings)).content.decode()
        assert "Nothing can be imported: 2 errors" in html
        assert "<code>meetings.csv:2: date: &#x27;2016-13-01&#x27;: month 13 does not exist</code>" in html
        assert "<code>meetings.csv:3: summit: no summit has the short name &#x27;G7 2099&#x27;" in html
        assert 'name="confirm"' not in html
        assert row_counts() == before

    def test_confirm_imports_what_was_previewed(self, admin_client_for):
        """Confirming runs the real import of the previewed files, says what it did and forgets the upload."""
        from events.admin import imports as admin_import

        client = admin_client_for(superuser=True)
        self.preview(client, upload("summits.csv", SUMMITS), upload("meetings.csv", MEETINGS_HEADER + GOOD_MEETING))
        token = client.session[admin_import.SESSION_KEY]
        assert admin_import.upload_dir(token).is_dir()
        response = client.post(self.url, {"token": token, "confirm": "Import"}, follow=True)
        assert response.redirect_chain == [(reverse("admin:events_event_changelist"), 302)]
        assert "Imported. summits: 1 created, 0 updated, 0 unchanged. leaders: 2 created" in response.content.decode()
        event = Event.objects.get()
        assert (event.title, event.summit.short_name, event.published) == (
            "Duterte meets Putin in Lima",
            "APEC 2016",
            True,
        )
        assert not admin_import.upload_dir(token).exists()
        assert admin_import.SESSION_KEY not in client.session

    def test_confirm_needs_this_sessions_upload(self, admin_client_for):
        """A made-up or stale token imports nothing."""
        client = admin_client_for(superuser=True)
        self.preview(client, upload("meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace("APEC 2016", "")))
        response = client.post(self.url, {"token": "0" * 32, "confirm": "Import"}, follow=True)
        assert "That upload is no longer waiting" in response.content.decode()
        assert not Event.objects.exists()

    def test_cancel_discards_the_upload(self, admin_client_for):
        """Cancelling deletes the waiting files and writes nothing."""
        from events.admin import imports as admin_import

        client = admin_client_for(superuser=True)
        self.preview(client, upload("meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace("APEC 2016", "")))
        token = client.session[admin_import.SESSION_KEY]
        client.post(self.url, {"token": token, "cancel": "Cancel"})
        assert not admin_import.upload_dir(token).exists() and not Event.objects.exists()

    def test_only_the_import_files_are_accepted(self, admin_client_for):
        """A file the importer does not read is refused by name before anything is stored."""
        client = admin_client_for(superuser=True)
        html = self.preview(client, upload("people.csv", "name\nX\n")).content.decode()
        assert "people.csv: the importer reads only summits.csv, leaders.csv, meetings.csv" in html

    def test_only_users_who_may_add_events(self, admin_client_for):
        """Staff without the add_event permission get a 403, even when posting."""
        client = admin_client_for("view_event", "change_event")
        assert client.get(self.url).status_code == 403
        response = self.preview(client, upload("meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace("APEC 2016", "")))
        assert response.status_code == 403 and not Event.objects.exists()

    def test_an_editor_who_may_not_publish_imports_drafts(self, admin_client_for):
        """Add without publish: the preview says so and the new events are drafts."""
        from events.admin import imports as admin_import

        client = admin_client_for("view_event", "add_event")
        html = self.preview(
            client, upload("meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace("APEC 2016", ""))
        ).content.decode()
        assert "The 1 new event(s) are unpublished drafts: publishing needs the publish permission." in html
        client.post(self.url, {"token": client.session[admin_import.SESSION_KEY], "confirm": "Import"})
        assert Event.objects.get().published is False
        assert not Event.objects.published().exists()


class RecordColumnsTests:
    """The columns of #13: statements grouped only on request, sources' details, disagreements, publishers."""

    def test_two_statements_of_a_day_are_two_events(self, data_dir):
        """One speaker's rows of one day from one source, about China and about the US: two events, each on its own timeline."""
        write(
            data_dir,
            "statements.csv",
            STATEMENTS_HEADER
            + "2016-10-20,Rodrigo Duterte (PH),CN,en,This is the springtime of our relationship.,,Beijing,https://example.org/beijing\n"
            + "2016-10-20,Rodrigo Duterte (PH),US,en,I announce my separation from the United States.,,Beijing,https://example.org/beijing\n",
        )
        assert "statements: 2 created" in run_import(data_dir)
        china = Event.objects.get(quotes__original_text__startswith="This is the springtime")
        america = Event.objects.get(quotes__original_text__startswith="I announce my separation")
        assert china != america
        assert set(china.pairs.values_list("pair", flat=True)) == {"cn-ph"}
        assert set(america.pairs.values_list("pair", flat=True)) == {"ph-us"}
        assert list(Event.objects.for_pair("ph", "cn").published()) == [china]
        assert list(Event.objects.for_pair("ph", "us").published()) == [america]
        assert "Nothing new" in run_import(data_dir)

    def test_sources_titles_dates_venue_and_end_date(self, data_dir):
        """source_titles (a `||` inside a title stands for `|`) and source_dates go to the sources, venue and end_date to the event."""
        write(
            data_dir,
            "meetings.csv",
            "date,title,participants,kind,source_url,summary,end_date,venue,source_titles,source_dates\n"
            "2016-09-08,Duterte visits Jakarta,Rodrigo Duterte (PH); Joko Widodo (ID),state_visit,"
            "https://dfa.gov.ph/a; https://pco.gov.ph/b,First trip.,2016-09-09,Istana Merdeka,"
            "DFA || State visit | PCO,2016-09-19;\n",
        )
        run_import(data_dir)
        event = Event.objects.get()
        assert (event.summary, event.end_date, event.venue) == (
            "First trip.",
            datetime.date(2016, 9, 9),
            "Istana Merdeka",
        )
        assert list(event.sources.order_by("url").values_list("url", "title", "published_on")) == [
            ("https://dfa.gov.ph/a", "DFA | State visit", datetime.date(2016, 9, 19)),
            ("https://pco.gov.ph/b", "PCO", None),
        ]

    def test_an_untitled_first_source_keeps_each_title_on_its_own_url(self, data_dir, tmp_path):
        """` |  | Title`: the first two sources untitled, the third titled, also after an export and re-import.

        The cell's outer spaces are stripped when it is read; splitting on ` | ` then
        gave the first source a title of "|" and the third's title to the second.
        """
        write(
            data_dir,
            "other_events.csv",
            "date,kind,title,countries,source_url,source_titles\n"
            "2016-09~,agreement,Soft loans for arms,PH; RU; CN,https://a.example/1; https://b.example/2; https://c.example/3,"
            '" |  | PHL to buy weaponry, armaments from Russia and China"\n',
        )
        run_import(data_dir)
        titles = lambda: list(EventSource.objects.order_by("url").values_list("url", "title"))  # noqa: E731
        expected = [
            ("https://a.example/1", ""),
            ("https://b.example/2", ""),
            ("https://c.example/3", "PHL to buy weaponry, armaments from Russia and China"),
        ]
        assert titles() == expected
        call_command("export_events", str(tmp_path / "out"), stdout=io.StringIO())
        assert "Nothing new" in run_import(tmp_path / "out")
        assert titles() == expected

    def test_disagreements_column(self, data_dir):
        """A disagreements cell becomes the event's disagreement, each version tied to the row's source."""
        cell = json.dumps(
            [
                {
                    "about": "the visit's classification",
                    "versions": [
                        {"url": "https://dfa.gov.ph/a", "says": "a state visit"},
                        {"url": "https://pco.gov.ph/b", "says": "a working visit"},
                    ],
                }
            ]
        )
        rows = [
            ["date", "participants", "kind", "source_url", "disagreements"],
            [
                "2016-09-09",
                "Rodrigo Duterte (PH); Joko Widodo (ID)",
                "state_visit",
                "https://dfa.gov.ph/a; https://pco.gov.ph/b",
                cell,
            ],
        ]
        write(data_dir, "meetings.csv", csv_text(rows))
        run_import(data_dir)
        [disagreement] = Event.objects.get().disagreements.all()
        assert disagreement.about == "the visit's classification"
        assert [(v.source.url, v.says) for v in disagreement.versions.all()] == [
            ("https://dfa.gov.ph/a", "a state visit"),
            ("https://pco.gov.ph/b", "a working visit"),
        ]
        assert "Nothing new" in run_import(data_dir)

    @pytest.mark.parametrize(
        "cell, message",
        [
            ("[{", "is not JSON"),
            ('{"about": "x"}', "is not an array"),
            ('[{"about": "", "versions": []}]', 'item 1: "about" must say what the sources disagree on'),
            (
                '[{"about": "date", "versions": [{"url": "https://dfa.gov.ph/a", "says": "9 Sept"}]}]',
                "give at least two versions",
            ),
            (
                '[{"about": "date", "versions": [{"url": "https://dfa.gov.ph/a", "says": "9"}, {"url": "https://elsewhere.org/", "says": "8"}]}]',
                "'https://elsewhere.org/' is not one of the row's source URLs",
            ),
        ],
    )
    def test_disagreements_errors(self, data_dir, cell, message):
        """A malformed disagreements cell is a row error naming what is wrong."""
        rows = [
            ["date", "participants", "source_url", "disagreements"],
            [
                "2016-09-09",
                "Rodrigo Duterte (PH); Joko Widodo (ID)",
                "https://dfa.gov.ph/a; https://pco.gov.ph/b",
                cell,
            ],
        ]
        write(data_dir, "meetings.csv", csv_text(rows))
        [error] = failed_import(data_dir)
        assert error.startswith("meetings.csv:2: disagreements: ") and message in error

    def test_translated_by(self, data_dir):
        """translated_by says whose English a quote's translation is."""
        rows = [
            ["date", "speaker", "about", "language", "original_text", "english_text", "translated_by", "source_url"],
            [
                "2016-09-13",
                "Rodrigo Duterte (PH)",
                "RU; CN",
                "fil",
                "Sabi ko sa kanila na I want weaponry's and armaments",
                "I told them I want weaponries and armaments",
                "The Manila Times",
                "https://example.org/a",
            ],
        ]
        write(data_dir, "statements.csv", csv_text(rows))
        run_import(data_dir)
        assert Quote.objects.get().translated_by == "The Manila Times"

    def test_publishers_file(self, data_dir):
        """publishers.csv fills the publisher table: www. dropped, sub-domains matched, a bad kind refused."""
        from events.models import publisher_for

        write(
            data_dir,
            "publishers.csv",
            "domain,name,kind,aggregator\nwww.Inquirer.net,Philippine Daily Inquirer,news,\n"
            "ilovepagadian.com,I Love Pagadian,news,true\n",
        )
        assert "publishers: 2 created" in run_import(data_dir)
        assert (
            publisher_for("https://newsinfo.inquirer.net/1/x").label == "Philippine Daily Inquirer · Independent news"
        )
        assert publisher_for("http://www.ilovepagadian.com/x").aggregator
        assert publisher_for("https://example.org/") is None
        assert "Nothing new" in run_import(data_dir)
        write(data_dir, "publishers.csv", "domain,name,kind\nrappler.com,Rappler,blog\n")
        [error] = failed_import(data_dir)
        assert error.startswith("publishers.csv:2: kind: 'blog' is not one of official_ph, official_foreign")


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
