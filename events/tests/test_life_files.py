"""The import files of an event's life (#14): each file in, its bad rows named, re-import unchanged, dry runs."""

import io

import pytest
from django.core.management import call_command

from events.models import Commitment, CommitmentStep, EventLink, Readout, StatusChange
from events.tests.test_importing import GOOD_MEETING, MEETINGS_HEADER, failed_import, run_import, write

pytestmark = pytest.mark.django_db

OTHER_HEADER = "date,kind,title,summary,countries,city,summit,status,source_url\n"
ANNOUNCEMENT = "2016-11-15,intention,Duterte announces he will meet Putin,,PH; RU,Manila,,held,https://example.org/mt\n"
STATUS_HEADER = "event_date,event_title,status,date,source_url,note\n"
LINKS_HEADER = "from_date,from_title,relation,to_date,to_title,note\n"
COMMITMENTS_HEADER = "slug,title,kind,countries,amount,currency,summary,source_url\n"
STEPS_HEADER = "commitment,stage,date,event_date,event_title,source_url,note\n"
READOUTS_HEADER = "event_date,event_title,country,source_url,language,text,english,translated_by\n"
LIMA = "2016-11-19,Duterte meets Putin in Lima"
ANNOUNCED = "2016-11-15,Duterte announces he will meet Putin"


@pytest.fixture
def events_dir(tmp_path):
    """The Lima meeting (meetings.csv) and the announcement before it (other_events.csv), no summit needed."""
    write(tmp_path, "meetings.csv", MEETINGS_HEADER + GOOD_MEETING.replace("APEC 2016", ""))
    write(tmp_path, "other_events.csv", OTHER_HEADER + ANNOUNCEMENT)
    return tmp_path


def good_files(directory):
    write(
        directory,
        "status_history.csv",
        STATUS_HEADER
        + f"{LIMA},announced,2016-11-15,https://example.org/mt,after the talk with the ambassador\n"
        + f"{LIMA},held,2016-11,https://example.org/kremlin,\n",
    )
    write(directory, "links.csv", LINKS_HEADER + f"{LIMA},fulfils,{ANNOUNCED},\n")
    write(
        directory,
        "commitments.csv",
        COMMITMENTS_HEADER
        + 'russian-arms,Arms from Russia,intention,RU; PH,"5,000,000,000",usd,Rifles and more,https://example.org/arms\n',
    )
    write(
        directory,
        "commitment_steps.csv",
        STEPS_HEADER
        + "russian-arms,announced,2016-09-13,,,https://example.org/s1,\n"
        + f"russian-arms,signed,2016-11-19~,{LIMA},https://example.org/s2,in Lima\n",
    )
    write(
        directory,
        "readouts.csv",
        READOUTS_HEADER
        + f"{LIMA},RU,https://example.org/kremlin,ru,Встреча с Президентом Филиппин,Meeting with the President of the Philippines,Kremlin\n"
        + f"{LIMA},PH,https://example.org/pco,en,We met.,,\n",
    )


class ImportTests:
    def test_every_file_imports_and_again_is_unchanged(self, events_dir):
        """Each file's rows are created, tied to the events of the same import; a second run changes nothing."""
        good_files(events_dir)
        out = run_import(events_dir)
        for line in (
            "status changes: 2 created",
            "links: 1 created",
            "commitments: 1 created",
            "commitment steps: 2 created",
            "readouts: 2 created",
        ):
            assert line in out
        held = StatusChange.objects.get(status="held")
        assert (held.event.title, held.date_display) == ("Duterte meets Putin in Lima", "November 2016")
        link = EventLink.objects.get()
        assert (link.from_event.title, link.relation, link.to_event.title) == (
            "Duterte meets Putin in Lima",
            "fulfils",
            "Duterte announces he will meet Putin",
        )
        arms = Commitment.objects.get()
        assert (arms.value_display, arms.currency, arms.stage) == ("USD 5,000,000,000", "USD", "signed")
        assert sorted(arms.countries.values_list("iso2", flat=True)) == ["PH", "RU"]
        assert CommitmentStep.objects.get(stage="signed").event.title == "Duterte meets Putin in Lima"
        assert Readout.objects.get(country_id="RU").english == "Meeting with the President of the Philippines"
        again = run_import(events_dir)
        assert "Nothing new" in again and "readouts: 0 created, 0 updated, 2 unchanged" in again

    def test_the_files_name_events_already_stored(self, events_dir, tmp_path_factory):
        """A second directory holding only status_history.csv finds the events imported before."""
        run_import(events_dir)
        later = tmp_path_factory.mktemp("later")
        write(later, "status_history.csv", STATUS_HEADER + f"{LIMA},confirmed,2016-11-17,https://example.org/c,\n")
        assert "status changes: 1 created" in run_import(later)

    def test_a_changed_row_updates_and_the_stage_follows(self, events_dir):
        """A step re-imported with another stage updates it, and the commitment's stage with it."""
        good_files(events_dir)
        run_import(events_dir)
        write(
            events_dir,
            "commitment_steps.csv",
            STEPS_HEADER + "russian-arms,announced,2016-09-13,,,https://example.org/s1,\n"
            f"russian-arms,signed,2016-11-19~,{LIMA},https://example.org/s2,in Lima; later withdrawn\n",
        )
        assert "commitment steps: 0 created, 1 updated, 1 unchanged" in run_import(events_dir)
        assert CommitmentStep.objects.get(stage="signed").note == "in Lima; later withdrawn"

    def test_dry_run_writes_nothing(self, events_dir):
        """--dry-run counts what would be created and writes nothing."""
        good_files(events_dir)
        out = run_import(events_dir, "--dry-run")
        assert "status changes: 2 created" in out and "Dry run" in out
        assert not StatusChange.objects.exists() and not Commitment.objects.exists()

    def test_an_old_directory_imports_the_same(self, events_dir):
        """Without the new files, an import does what it did: no life records, no error."""
        out = run_import(events_dir)
        assert "meetings: 1 created" in out and "status changes" not in out

    @pytest.mark.parametrize(
        ("name", "text", "error"),
        [
            (
                "status_history.csv",
                STATUS_HEADER + f"{LIMA},finished,2016-11-19,https://example.org/a,\n",
                "status_history.csv:2: status: 'finished' is not one of proposed, announced, confirmed, postponed, "
                "cancelled, held",
            ),
            (
                "status_history.csv",
                STATUS_HEADER + f"{LIMA},held,19 Nov 2016,https://example.org/a,\n",
                "status_history.csv:2: date: '19 Nov 2016' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, "
                "with ~ at the end if approximate",
            ),
            (
                "status_history.csv",
                STATUS_HEADER + "2016-11-19,Duterte meets Putin in Peru,held,2016-11-19,https://example.org/a,\n",
                "status_history.csv:2: event_title: no event dated 2016-11-19 'Duterte meets Putin in Peru' "
                "(in the event files of this import or stored)",
            ),
            (
                "status_history.csv",
                STATUS_HEADER + f"{LIMA},held,2016-11-19,,\n",
                "status_history.csv:2: source_url: is empty; every row cites its source",
            ),
            (
                "status_history.csv",
                STATUS_HEADER
                + f"{LIMA},held,2016-11-19,https://example.org/a,\n{LIMA},held,2016-11-19,https://example.org/b,\n",
                "status_history.csv:3: -: the same status change as line 2",
            ),
            (
                "links.csv",
                LINKS_HEADER + f"{LIMA},fulfils,{LIMA},\n",
                "links.csv:2: to_title: is the same event as the link's from_date and from_title",
            ),
            (
                "links.csv",
                LINKS_HEADER + f"{LIMA},causes,{ANNOUNCED},\n",
                "links.csv:2: relation: 'causes' is not one of follows_up, fulfils, reverses, responds_to",
            ),
            (
                "commitments.csv",
                COMMITMENTS_HEADER + "arms,Arms,pledge,RU,100,XYZ,,\n",
                "commitments.csv:2: currency: XYZ is not an ISO 4217 currency code (e.g. USD, PHP, JPY, CNY).",
            ),
            (
                "commitments.csv",
                COMMITMENTS_HEADER + "arms,Arms,pledge,RU,a lot,USD,,\n",
                "commitments.csv:2: amount: 'a lot' is not a number: write e.g. 24000000000 or 500.5",
            ),
            (
                "commitments.csv",
                COMMITMENTS_HEADER + "arms,Arms,pledge,RU,100,,,\n",
                "commitments.csv:2: currency: is empty; an amount needs its ISO 4217 currency, e.g. USD",
            ),
            (
                "commitments.csv",
                COMMITMENTS_HEADER + "arms and loans,Arms,promise,XX,,,,\n",
                "commitments.csv:2: slug: 'arms and loans': use letters, digits, hyphens and underscores only",
            ),
            (
                "commitment_steps.csv",
                STEPS_HEADER + "no-such,signed,2016-11-19,,,https://example.org/s,\n",
                "commitment_steps.csv:2: commitment: no commitment has the slug 'no-such' "
                "(in commitments.csv or stored)",
            ),
            (
                "commitment_steps.csv",
                STEPS_HEADER + "x,kept,2016-11-19,2016-11-19,,https://example.org/s,\n",
                "commitment_steps.csv:2: stage: 'kept' is not one of announced, signed, in_force, delivered, "
                "partly_delivered, lapsed, withdrawn",
            ),
            (
                "readouts.csv",
                READOUTS_HEADER + f"{ANNOUNCED},PH,https://example.org/r,en,We will meet.,,\n",
                "readouts.csv:2: event_title: 2016-11-15 'Duterte announces he will meet Putin' is not a meeting or "
                "a call: a readout belongs to one, not to this announced intention",
            ),
            (
                "readouts.csv",
                READOUTS_HEADER + f"{LIMA},RU,https://example.org/r,ru,Встреча,,\n",
                "readouts.csv:2: english: is empty; a readout in 'ru' needs its English translation",
            ),
            (
                "readouts.csv",
                READOUTS_HEADER + f"{LIMA},RU,https://example.org/r,klingon!,Text,Text,\n",
                "readouts.csv:2: language: klingon! is not a BCP 47 language tag (e.g. en, fil, tl, zh, ja, ru).",
            ),
            (
                "readouts.csv",
                READOUTS_HEADER
                + f"{LIMA},RU,https://example.org/r,en,One.,,\n{LIMA},RU,https://example.org/s,en,Two.,,\n",
                "readouts.csv:3: -: the same readout as line 2",
            ),
        ],
    )
    def test_a_bad_row_is_named_and_nothing_is_written(self, events_dir, name, text, error):
        """Each bad row gives FILE:LINE: column: message, and the events of the same import are not written either."""
        write(events_dir, name, text)
        errors = failed_import(events_dir)
        assert error in errors
        assert not StatusChange.objects.exists() and not Commitment.objects.exists()

    def test_a_missing_required_column(self, events_dir):
        """A file without its source_url column says so in its header line."""
        write(events_dir, "status_history.csv", "event_date,event_title,status,date\n")
        assert "status_history.csv:1: source_url: required column is missing" in failed_import(events_dir)


class ExportTests:
    def test_export_writes_the_five_files_that_import_back(self, events_dir, tmp_path_factory):
        """export_events writes each file in its documented columns; its output imports as unchanged."""
        good_files(events_dir)
        run_import(events_dir)
        out_dir = tmp_path_factory.mktemp("export")
        call_command("export_events", str(out_dir), stdout=io.StringIO())
        assert (out_dir / "status_history.csv").read_text().splitlines() == [
            STATUS_HEADER.strip(),
            "2016-11-19,Duterte meets Putin in Lima,held,2016-11,https://example.org/kremlin,",
            "2016-11-19,Duterte meets Putin in Lima,announced,2016-11-15,https://example.org/mt,"
            "after the talk with the ambassador",
        ]
        assert (out_dir / "commitments.csv").read_text().splitlines()[1] == (
            "russian-arms,Arms from Russia,intention,PH; RU,5000000000,USD,Rifles and more,https://example.org/arms"
        )
        assert (out_dir / "commitment_steps.csv").read_text().splitlines()[2] == (
            "russian-arms,signed,2016-11-19~,2016-11-19,Duterte meets Putin in Lima,https://example.org/s2,in Lima"
        )
        assert "Nothing new" in run_import(out_dir)


class EditorImportTests:
    def test_an_editor_may_not_add_to_a_published_event_s_life(self, events_dir, tmp_path_factory):
        """Without the publish permission, a status change for a published event is refused; for a draft it goes in."""
        from events.models import Event
        from events.services.formats import ImportFailed
        from events.services.importing import import_directory

        run_import(events_dir)
        later = tmp_path_factory.mktemp("later")
        write(later, "status_history.csv", STATUS_HEADER + f"{LIMA},confirmed,2016-11-17,https://example.org/c,\n")
        with pytest.raises(ImportFailed) as failure:
            import_directory(later, publish=False, change_published=False)
        assert [str(e) for e in failure.value.errors] == [
            "status_history.csv:2: -: would change what the published event 2016-11-19 'Duterte meets Putin in "
            "Lima' shows; that needs the publish and delete permissions: leave the row out, or ask a Publisher "
            "to import it"
        ]
        assert not StatusChange.objects.exists()
        Event.objects.filter(title="Duterte meets Putin in Lima").update(published=False)
        import_directory(later, publish=False, change_published=False)
        assert StatusChange.objects.get().status == "confirmed"
