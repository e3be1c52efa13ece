"""Citing the record: an event at a revision (APA, Chicago, BibTeX, RIS, CSL-JSON), its old revisions, living pages."""

import datetime
import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventRevision
from events.services import revisions
from events.tests.factories import make_event, make_leader, make_quote
from events.tests.test_security import change_form_data

pytestmark = pytest.mark.django_db
LIMA = "Duterte meets Putin on the sidelines of APEC in Lima"


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("editor", "", "a-long-test-password")
    client.force_login(user)
    return client


def lima(**fields):
    duterte = make_leader("Rodrigo Duterte", "PH")
    putin = make_leader("Vladimir Putin", "RU")
    return make_event(LIMA, participants=[duterte, putin], **fields)


def parse_bib(text):
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks, library.failed_blocks
    (entry,) = library.entries
    return {key: field.value for key, field in entry.fields_dict.items()}, entry


def anonymous(client):
    client.logout()
    return client


class EventCitationTests:
    def test_page_cites_its_current_revision_in_apa_and_chicago(self, client):
        event = lima()
        html = client.get(event.get_absolute_url()).content.decode()
        permalink = f"http://testserver/events/{event.pk}/v/1/"
        assert "Cite this record" in html
        assert "APA (7th edition)" in html and "Chicago (author-date)" in html
        # APA italicises the title; Chicago quotes it, in title case, with the revision.
        assert f"<i>{LIMA}</i>" in html
        assert "“Duterte Meets Putin on the Sidelines of APEC in Lima”. Version 1." in html
        assert html.count(permalink) >= 3  # in both texts and as the permanent address
        assert "This is revision 1 of the record" in html

    def test_bibtex_ris_and_csl_json_name_the_revision(self, client):
        event = lima()
        today = timezone.localdate()
        fields, entry = parse_bib(client.get(f"/events/{event.pk}/cite.bib").content.decode())
        assert entry.entry_type == "misc" and entry.key == f"pfpt-event-{event.pk}-v1"
        assert fields["title"] == LIMA
        assert fields["url"] == f"http://testserver/events/{event.pk}/v/1/"
        assert fields["version"] == "1" and fields["year"] == str(today.year)

        response = client.get(f"/events/{event.pk}/cite.ris")
        assert response["Content-Type"].startswith("application/x-research-info-systems")
        (record,) = rispy.loads(response.content.decode())
        assert record["type_of_reference"] == "ELEC" and record["title"] == LIMA
        assert record["urls"] == [f"http://testserver/events/{event.pk}/v/1/"] and record["edition"] == "1"

        (item,) = json.loads(client.get(f"/events/{event.pk}/cite.json").content)
        assert item["type"] == "webpage" and item["title"] == LIMA and item["version"] == "1"
        assert item["URL"].endswith(f"/events/{event.pk}/v/1/")
        assert item["author"] == [{"literal": "Philippine foreign-policy tracker"}]
        assert item["issued"] == {"date-parts": [[today.year, today.month, today.day]]}

    def test_unknown_format_and_drafts_are_not_found(self, client):
        event = lima()
        draft = make_event("Unannounced talks", published=False)
        assert client.get(f"/events/{event.pk}/cite.docx").status_code == 404
        assert client.get(f"/events/{draft.pk}/cite.bib").status_code == 404
        assert client.get(f"/events/{draft.pk}/v/1/").status_code == 404

    def test_the_record_text_is_escaped_in_the_formatted_citation(self, client):
        event = make_event("Talks <script>alert(1)</script> & more")
        html = client.get(event.get_absolute_url()).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "Talks &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


class RevisionTests:
    def test_an_edit_makes_revision_2_and_revision_1_keeps_the_first_text(self, editor):
        event = lima(summary="They met for forty minutes.")
        response = editor.post(
            reverse("admin:events_event_change", args=[event.pk]),
            change_form_data(event, title="Duterte and Putin meet in Lima", summary="They met for an hour."),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert list(EventRevision.objects.filter(event=event).values_list("number", flat=True)) == [1, 2]

        client = anonymous(editor)
        page = client.get(Event.objects.get(pk=event.pk).get_absolute_url()).content.decode()
        assert "This is revision 2 of the record" in page
        assert f"/events/{event.pk}/v/2/" in page

        first = client.get(f"/events/{event.pk}/v/1/").content.decode()
        assert f"<h1>{LIMA}</h1>" in first and "They met for forty minutes." in first
        assert "Revision 1 of 2 of this record" in first and "The record has changed since" in first
        assert "Rodrigo Duterte" in first and "Vladimir Putin" in first  # the participants as they were
        second = client.get(f"/events/{event.pk}/v/2/").content.decode()
        assert "<h1>Duterte and Putin meet in Lima</h1>" in second and "They met for an hour." in second
        assert "It is the current one" in second

        fields, _ = parse_bib(client.get(f"/events/{event.pk}/cite.bib").content.decode())
        assert fields["title"] == "Duterte and Putin meet in Lima" and fields["version"] == "2"
        assert fields["url"].endswith(f"/events/{event.pk}/v/2/")

    def test_an_admin_save_formats_the_new_revisions_citations_for_the_pages_first_reader(self, editor, monkeypatch):
        """The save pays citeproc-py's cost, not the first reader after it (the mixed run's slowest pages, #16)."""
        from events.services import citations

        event = lima()
        formatted = []
        real = citations._format
        monkeypatch.setattr(
            citations, "_format", lambda item, style: formatted.append(item["version"]) or real(item, style)
        )
        response = editor.post(
            reverse("admin:events_event_change", args=[event.pk]), change_form_data(event, title="Duterte and Putin")
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert formatted == ["2", "2"]  # APA and Chicago, at the new revision
        page = anonymous(editor).get(Event.objects.get(pk=event.pk).get_absolute_url()).content.decode()
        assert formatted == ["2", "2"]  # nothing left to format
        assert "<i>Duterte and Putin</i>" in page and "This is revision 2 of the record" in page

    def test_revisions_out_of_range_are_not_found(self, client):
        event = lima()
        assert client.get(f"/events/{event.pk}/v/1/").status_code == 200
        assert client.get(f"/events/{event.pk}/v/0/").status_code == 404
        assert client.get(f"/events/{event.pk}/v/2/").status_code == 404

    def test_a_quote_edit_is_a_new_revision_and_the_old_one_keeps_both_languages(self, client):
        duterte = make_leader("Rodrigo Duterte", "PH")
        event = make_event("Duterte on the Putin meeting", kind="statement")
        quote = make_quote(event, duterte, language="fil", original="Matuloy ho.", english="It's pushing through.")
        with revisions.deferred():  # as the admin's one_write() and the importer do
            quote.original_text = "Matuloy ho. Ako ang nanghingi niyan"
            quote.english_text = "It's pushing through, I was the one who asked for it"
            quote.save()
        assert list(EventRevision.objects.filter(event=event).values_list("number", flat=True)) == [1, 2]
        first = client.get(f"/events/{event.pk}/v/1/").content.decode()
        assert '<blockquote lang="fil"><p>Matuloy ho.</p></blockquote>' in first
        assert "s pushing through.</p></blockquote>" in first and "Ako ang" not in first
        second = client.get(f"/events/{event.pk}/v/2/").content.decode()
        assert "Ako ang nanghingi niyan" in second

    def test_writes_of_one_block_make_one_revision(self):
        event = lima()
        leader = make_leader("Xi Jinping", "CN")
        with revisions.deferred():
            event.title = "Three leaders"
            event.save()
            event.participants.create(leader=leader, position=2)
            event.countries.add("CN")
        assert EventRevision.objects.filter(event=event).count() == 2  # the first record, and this edit
        latest = EventRevision.objects.get(event=event, number=2)
        assert latest.data["fields"]["title"] == "Three leaders"
        assert [row[2] for row in latest.data["participant_rows"]] == [
            "rodrigo-duterte",
            "vladimir-putin",
            "xi-jinping",
        ]
        assert latest.data["countries"] == ["CN"]

    def test_a_new_event_starts_at_revision_1(self):
        with revisions.deferred():
            event = make_event("A new event")
        assert list(EventRevision.objects.filter(event=event).values_list("number", flat=True)) == [1]

    def test_deleting_an_event_deletes_its_revisions_without_error(self):
        event = lima()
        with revisions.deferred():
            event.title = "Edited"
            event.save()
        with revisions.deferred():
            Event.objects.filter(pk=event.pk).delete()
        assert not EventRevision.objects.exists()

    def test_a_draft_revision_is_not_public(self, client):
        event = lima(published=False)
        with revisions.deferred():
            event.published = True
            event.save()
        assert client.get(f"/events/{event.pk}/v/2/").status_code == 200
        assert client.get(f"/events/{event.pk}/v/1/").status_code == 404

    def test_import_of_a_changed_row_keeps_the_imported_record_as_revision_1(self, tmp_path):
        from events.services.importing import import_directory

        header = "date,title,participants,city,summit,status,kind,source_url\n"
        row = "2016-11-19,{title},Rodrigo Duterte (PH); Vladimir Putin (RU),Lima,,held,sideline,https://example.org/a\n"
        (tmp_path / "meetings.csv").write_text(header + row.format(title=LIMA))
        import_directory(tmp_path)
        event = Event.objects.get()
        assert not EventRevision.objects.exists()  # created in bulk: revision 1 is the record as it stands
        (tmp_path / "meetings.csv").write_text(header + row.format(title=LIMA).replace(",Lima,", ",Lima (Peru),"))
        import_directory(tmp_path)
        first, second = EventRevision.objects.filter(event=event)
        assert (first.data["fields"]["city"], second.data["fields"]["city"]) == ("Lima", "Lima (Peru)")


class PageCitationTests:
    def test_timeline_cite_page_keeps_the_filters_and_gives_the_day_read(self, client):
        lima()
        html = client.get("/relationships/ph-ru/cite/?kind=sideline&cursor=abc").content.decode()
        assert "Philippines and Russia: a timeline of their relations" in html
        # The citation drops the reader's place; the page's own language links keep its whole address.
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        assert "http://testserver/relationships/ph-ru/?kind=sideline" in main and "cursor" not in main
        today = timezone.localdate()
        assert f"Retrieved {today:%B} {today.day}, {today.year}" in html  # APA's date read
        fields, _ = parse_bib(client.get("/relationships/ph-ru/cite.bib?kind=sideline").content.decode())
        assert fields["url"] == "http://testserver/relationships/ph-ru/?kind=sideline"
        assert fields["urldate"] == today.isoformat()

    def test_list_and_timeline_link_their_citation(self, client):
        lima()
        timeline = client.get("/relationships/ph-ru/?kind=sideline").content.decode()
        assert 'href="/relationships/ph-ru/cite/?kind=sideline">Cite this timeline' in timeline
        listing = client.get("/events/?country=RU").content.decode()
        assert 'href="/events/cite/?country=RU">Cite this list' in listing
        (item,) = json.loads(client.get("/events/cite.json?country=RU").content)
        assert item["URL"] == "http://testserver/events/?country=RU"
        assert "accessed" in item

    def test_a_malformed_filter_is_named(self, client):
        response = client.get("/events/cite/?date_after=19-11-2016")
        assert response.status_code == 400
        assert "date_after" in response.content.decode()

    def test_unknown_relationship_is_not_found(self, client):
        assert client.get("/relationships/ph-zz/cite/").status_code == 404


def test_revision_dates_are_the_edits(client):
    event = lima()
    Event.objects.filter(pk=event.pk).update(created_at=timezone.make_aware(datetime.datetime(2020, 1, 2, 12)))
    (item,) = json.loads(client.get(f"/events/{event.pk}/cite.json").content)
    assert item["issued"] == {"date-parts": [[2020, 1, 2]]}
