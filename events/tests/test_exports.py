"""The exports of CONTRACT.md, read back by real parsers and clients: csv, json, feedparser, icalendar, TimelineJS."""

import csv
import datetime
import io
import json
from pathlib import Path

import feedparser
import icalendar
import pytest
from django.conf import settings
from django.urls import reverse

from events.models import Event, EventKind, EventStatus
from events.services.exporting import CSV_COLUMNS
from events.tests.factories import make_event, make_leader, make_quote, make_summit
from events.vocab.dates import Precision

pytestmark = pytest.mark.django_db

TIMELINEJS = Path(settings.BASE_DIR) / "node_modules" / "@knight-lab" / "timelinejs" / "dist"


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response), newline="")))


@pytest.fixture
def record():
    """A small record: a relationship with Russia, one with the US, a summit, drafts and hostile text."""
    duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
    putin = make_leader("Vladimir Putin", "RU", office="President of Russia", office_start=datetime.date(2012, 5, 7))
    obama = make_leader("Barack Obama", "US")
    apec = make_summit(
        "APEC 2016", name="24th APEC Economic Leaders' Meeting", city="Lima", end=datetime.date(2016, 11, 20)
    )
    lima = make_event(
        "Duterte meets Putin in Lima",
        kind=EventKind.SIDELINE,
        summit=apec,
        participants=((duterte, "visitor"), (putin, "host")),
        sources=("https://example.org/lima", "https://example.org/lima-2"),
    )
    statement = make_event(
        "Duterte on Russia", kind=EventKind.STATEMENT, date=datetime.date(2016, 11, 15), countries=("RU",)
    )
    make_quote(
        statement,
        duterte,
        "Matuloy ho. Ako ang nanghingi niyan",
        language="fil",
        english="It's pushing through, I was the one who asked for it",
    )
    loans = make_event(
        "Soft loans for military equipment",
        kind=EventKind.AGREEMENT,
        date=datetime.date(2016, 9, 1),
        date_precision=Precision.MONTH,
        date_approximate=True,
        countries=("PH", "RU", "CN"),
    )
    moscow = make_event(
        "State visit to Moscow",
        kind=EventKind.STATE_VISIT,
        status=EventStatus.PLANNED,
        date=datetime.date(2017, 1, 1),
        date_precision=Precision.YEAR,
        participants=(duterte, putin),
    )
    vientiane = make_event(
        "Duterte–Obama meeting in Vientiane",
        kind=EventKind.SIDELINE,
        status=EventStatus.CANCELLED,
        date=datetime.date(2016, 9, 6),
        participants=(duterte, obama),
    )
    talks = make_event(
        "Talks in Manila",
        kind=EventKind.WORKING_VISIT,
        status=EventStatus.PLANNED,
        date=datetime.date(2016, 12, 5),
        participants=(duterte, obama),
        city="Manila",
    )
    hostile = make_event(
        '=HYPERLINK("http://evil.example","click") <script>alert(1)</script>',
        kind=EventKind.OTHER,
        date=datetime.date(2016, 10, 1),
        countries=("PH", "RU"),
        summary="+1 <b>bold</b> & more",
        city="@SUM(A1)",
    )
    draft = make_event(
        "A draft nobody may see", date=datetime.date(2016, 11, 20), participants=(duterte, putin), published=False
    )
    unsourced = make_event(
        "An event without a source", date=datetime.date(2016, 11, 21), participants=(duterte, putin), sources=()
    )
    return {
        "lima": lima,
        "statement": statement,
        "loans": loans,
        "moscow": moscow,
        "vientiane": vientiane,
        "talks": talks,
        "hostile": hostile,
        "draft": draft,
        "unsourced": unsourced,
        "apec": apec,
    }


class EventsCSVTests:
    def test_rows_parse_with_the_csv_module(self, client, record):
        """Every published event is one row under the documented header, dates at their precision."""
        response = client.get(reverse("events:events_csv"))
        assert response.status_code == 200 and response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = csv_rows(response)
        assert list(rows[0]) == list(CSV_COLUMNS)
        by_title = {row["title"]: row for row in rows}
        lima = by_title["Duterte meets Putin in Lima"]
        assert lima["url"] == "http://testserver" + record["lima"].get_absolute_url()
        assert (lima["date"], lima["date_display"], lima["kind"], lima["status"]) == (
            "2016-11-19",
            "19 November 2016",
            "sideline",
            "held",
        )
        assert lima["participants"] == "Rodrigo Duterte (PH, visitor); Vladimir Putin (RU, host)"
        assert (lima["countries"], lima["summit"], lima["city"]) == ("PH; RU", "APEC 2016", "Lima")
        assert lima["sources"] == "https://example.org/lima; https://example.org/lima-2"
        loans = by_title["Soft loans for military equipment"]
        assert (loans["date"], loans["date_display"], loans["countries"]) == (
            "2016-09~",
            "about September 2016",
            "CN; PH; RU",
        )
        dates = [row["date"].rstrip("~") for row in rows]
        assert dates == sorted(dates)

    def test_drafts_and_unsourced_events_are_absent(self, client, record):
        """Only what the public may see: no draft, no event without a source."""
        titles = {row["title"] for row in csv_rows(client.get(reverse("events:events_csv")))}
        assert len(titles) == 7
        assert "A draft nobody may see" not in titles and "An event without a source" not in titles

    def test_formulas_are_neutralised(self, client, record):
        """Cells starting with =, +, - or @ are prefixed with ' so a spreadsheet shows them as text."""
        rows = csv_rows(client.get(reverse("events:events_csv")))
        [hostile] = [row for row in rows if "HYPERLINK" in row["title"]]
        assert hostile["title"] == '\'=HYPERLINK("http://evil.example","click") <script>alert(1)</script>'
        assert hostile["summary"] == "'+1 <b>bold</b> & more"
        assert hostile["city"] == "'@SUM(A1)"
        safe = [cell for row in rows for cell in row.values()]
        assert not [cell for cell in safe if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]

    @pytest.mark.parametrize(
        "query, titles",
        [
            ("country=US", {"Duterte–Obama meeting in Vientiane", "Talks in Manila"}),
            ("country=ru&country=CN", {"Soft loans for military equipment"}),
            ("kind=statement", {"Duterte on Russia"}),
            ("kind=meeting&status=planned", {"State visit to Moscow", "Talks in Manila"}),
            ("summit=apec-2016", {"Duterte meets Putin in Lima"}),
            ("leader=barack-obama", {"Duterte–Obama meeting in Vientiane", "Talks in Manila"}),
            ("date_after=2016-11-16&date_before=2016-12-31", {"Duterte meets Putin in Lima", "Talks in Manila"}),
            ("q=Lima", {"Duterte meets Putin in Lima"}),
        ],
    )
    def test_filters_of_the_event_list_are_honoured(self, client, record, query, titles):
        """The same filters as /events/ narrow the export."""
        rows = csv_rows(client.get(reverse("events:events_csv") + "?" + query))
        assert {row["title"] for row in rows} == titles

    @pytest.mark.parametrize(
        "query, error",
        [
            ("date_after=2016-13-45", "date_after: Enter a valid date."),
            ("country=XX", "country: Select a valid choice. XX is not one of the available choices."),
            ("summit=no-such-summit", "summit: No summit is recorded as “no-such-summit”."),
            ("kind=rumour", "kind: Select a valid choice. rumour is not one of the available choices."),
        ],
    )
    def test_malformed_filter_is_a_400_saying_why(self, client, record, query, error):
        """A bad filter is the client's mistake: 400 with the error text, never a 500 or a silently wider export."""
        response = client.get(reverse("events:events_csv") + "?" + query)
        assert response.status_code == 400
        assert error in body(response)


class EventsJSONTests:
    def test_same_rows_as_json_with_the_filter_and_a_count(self, client, record):
        """The JSON export parses, echoes the filter in force and counts the events it holds."""
        response = client.get(reverse("events:events_json") + "?country=ru&date_after=2016-11-01")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        data = json.loads(body(response))
        assert data["filter"] == {"country": ["RU"], "date_after": "2016-11-01"}
        assert {e["title"] for e in data["events"]} == {
            "Duterte meets Putin in Lima",
            "Duterte on Russia",
            "State visit to Moscow",
        }
        assert data["count"] == len(data["events"]) == 3
        lima = next(e for e in data["events"] if e["id"] == record["lima"].pk)
        assert lima["participants"] == [
            {"name": "Rodrigo Duterte", "country": "PH", "role": "visitor", "title": "President of the Philippines"},
            {"name": "Vladimir Putin", "country": "RU", "role": "host", "title": "President of Russia"},
        ]
        assert (lima["date"], lima["countries"], lima["summit"]) == ("2016-11-19", ["PH", "RU"], "APEC 2016")

    def test_every_published_event_and_nothing_else(self, client, record):
        """Unfiltered: the seven published events, no draft, and an empty filter."""
        data = json.loads(body(client.get(reverse("events:events_json"))))
        assert data["filter"] == {} and data["count"] == 7
        assert record["draft"].pk not in {e["id"] for e in data["events"]}

    def test_empty_result_is_still_valid_json(self, client, record):
        """No match gives an empty list and a zero count, not broken JSON."""
        data = json.loads(body(client.get(reverse("events:events_json") + "?q=nothing-matches-this")))
        assert (data["events"], data["count"]) == ([], 0)

    def test_more_events_than_one_write_stay_valid_json(self, client, settings):
        """Rows go out in several chunks; the separators between them stay right."""
        settings.EXPORT_PAGE_SIZE = 1203
        leader = make_leader("Rodrigo Duterte", "PH")
        for i in range(1203):
            make_event(
                f"Event {i}", date=datetime.date(2016, 1, 1) + datetime.timedelta(days=i), participants=(leader,)
            )
        data = json.loads(body(client.get(reverse("events:events_json"))))
        assert data["count"] == len(data["events"]) == 1203
        assert len({e["id"] for e in data["events"]}) == 1203
        assert data["next"] is None

    def test_malformed_filter_is_a_400_in_json(self, client, record):
        """The errors come back as JSON, by field."""
        response = client.get(reverse("events:events_json") + "?date_before=soon")
        assert response.status_code == 400
        assert json.loads(response.content) == {
            "errors": {"date_before": [{"message": "Enter a valid date.", "code": "invalid"}]}
        }


class TimelineJSONTests:
    def get(self, client, pair="ph-ru", query=""):
        response = client.get(reverse("events:timeline_json", kwargs={"pair": pair}) + query)
        assert response.status_code == 200, body(response)
        return json.loads(body(response))

    def test_timelinejs_structure_with_dates_at_their_precision(self, client, record):
        """Slides carry only the date parts known, the precision-aware display date and the kind as group."""
        data = self.get(client)
        assert data["title"]["text"]["headline"] == "Philippines–Russia"
        slides = {slide["unique_id"]: slide for slide in data["events"]}
        assert set(slides) == {f"event-{record[k].pk}" for k in ("lima", "statement", "loans", "moscow", "hostile")}
        lima = slides[f"event-{record['lima'].pk}"]
        assert lima["start_date"] == {"year": 2016, "month": 11, "day": 19}
        assert (lima["display_date"], lima["group"]) == ("19 November 2016", "Meeting on the sidelines")
        assert lima["text"]["headline"] == "Duterte meets Putin in Lima"
        loans = slides[f"event-{record['loans'].pk}"]
        assert (loans["start_date"], loans["display_date"]) == ({"year": 2016, "month": 9}, "about September 2016")
        moscow = slides[f"event-{record['moscow'].pk}"]
        assert (moscow["start_date"], moscow["display_date"]) == ({"year": 2017}, "2017")
        assert "end_date" not in lima

    def test_end_date_when_the_event_has_one(self, client, record):
        """A multi-day event ends where it ends."""
        Event.objects.filter(pk=record["lima"].pk).update(end_date=datetime.date(2016, 11, 20))
        slide = next(s for s in self.get(client)["events"] if s["unique_id"] == f"event-{record['lima'].pk}")
        assert slide["end_date"] == {"year": 2016, "month": 11, "day": 20}

    def test_stored_text_is_escaped(self, client, record):
        """TimelineJS renders headline and text as HTML: a stored <script> arrives as text."""
        slide = next(s for s in self.get(client)["events"] if s["unique_id"] == f"event-{record['hostile'].pk}")
        assert "<script>" not in slide["text"]["headline"] + slide["text"]["text"]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in slide["text"]["headline"]
        assert "+1 &lt;b&gt;bold&lt;/b&gt; &amp; more" in slide["text"]["text"]

    def test_quotes_in_both_languages(self, client, record):
        """A statement's slide shows the original with its language and the translation."""
        slide = next(s for s in self.get(client)["events"] if s["unique_id"] == f"event-{record['statement'].pk}")
        assert '<blockquote lang="fil"><p>“Matuloy ho. Ako ang nanghingi niyan”</p>' in slide["text"]["text"]
        assert "It&#x27;s pushing through, I was the one who asked for it" in slide["text"]["text"]

    def test_administrations_as_eras_clipped_to_the_events(self, client, record):
        """The eras are the Philippine administrations the events fall in, cut to the events' span."""
        make_event("Aquino-era talks", date=datetime.date(2015, 3, 2), countries=("PH", "RU"))
        eras = self.get(client)["eras"]
        assert eras == [
            {
                "start_date": {"year": 2015, "month": 3, "day": 2},
                "end_date": {"year": 2016, "month": 6, "day": 30},
                "text": {"headline": "Aquino III administration"},
            },
            {
                "start_date": {"year": 2016, "month": 6, "day": 30},
                "end_date": {"year": 2017, "month": 1, "day": 1},
                "text": {"headline": "Duterte administration"},
            },
        ]

    def test_eras_follow_the_filtered_events_and_an_empty_timeline_has_none(self, client, record):
        """The eras come from the span of the slides given, after them: narrowed by a filter, absent when none match."""
        make_event("Aquino-era talks", date=datetime.date(2015, 3, 2), countries=("PH", "RU"))
        narrowed = self.get(client, query="?date_after=2016-01-01")
        assert [era["text"]["headline"] for era in narrowed["eras"]] == ["Duterte administration"]
        assert narrowed["eras"][0]["start_date"] == {"year": 2016, "month": 9, "day": 1}  # the loans, September 2016
        empty = self.get(client, query="?date_after=2030-01-01")
        assert (empty["events"], empty["count"], empty["eras"]) == ([], 0, [])

    def test_either_order_of_the_pair_and_unknown_codes(self, client, record):
        """`ru-ph` gives the same timeline; an unknown country is a 404."""
        assert self.get(client, "ru-ph") == self.get(client, "ph-ru")
        assert client.get(reverse("events:timeline_json", kwargs={"pair": "ph-zz"})).status_code == 404
        assert client.get(reverse("events:timeline_json", kwargs={"pair": "ph-ph"})).status_code == 404

    def test_filters_are_honoured(self, client, record):
        """`?kind=statement` keeps the statements only; a bad filter is a 400."""
        data = self.get(client, query="?kind=statement")
        assert [s["unique_id"] for s in data["events"]] == [f"event-{record['statement'].pk}"]
        response = client.get(reverse("events:timeline_json", kwargs={"pair": "ph-ru"}) + "?date_after=x")
        assert response.status_code == 400


class FeedTests:
    def test_atom_feed_parses_newest_first(self, client, record):
        """feedparser reads a well-formed Atom feed: one entry per published event of the pair, newest first."""
        response = client.get(reverse("events:relationship_feed", kwargs={"pair": "ph-ru"}))
        assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == "atom10"
        assert feed.feed.title == "Philippines–Russia: the timeline of the relationship"
        assert feed.feed.link == "http://testserver/relationships/ph-ru/"
        titles = [entry.title for entry in feed.entries]
        assert titles == [
            "2017: State visit to Moscow",
            "19 November 2016: Duterte meets Putin in Lima",
            "15 November 2016: Duterte on Russia",
            '1 October 2016: =HYPERLINK("http://evil.example","click") <script>alert(1)</script>',
            "about September 2016: Soft loans for military equipment",
        ]
        lima = feed.entries[1]
        assert lima.link == "http://testserver" + record["lima"].get_absolute_url()
        assert lima.id == f"http://testserver/events/{record['lima'].pk}/"
        assert "Rodrigo Duterte (PH); Vladimir Putin (RU)" in lima.summary

    def test_entry_ids_survive_a_new_title(self, client, record):
        """Renaming an event changes its link's slug, not its entry id: readers do not see it twice."""
        url = reverse("events:relationship_feed", kwargs={"pair": "ru-ph"})
        before = {e.id for e in feedparser.parse(client.get(url).content).entries}
        Event.objects.filter(pk=record["lima"].pk).update(title="Duterte and Putin meet at APEC")
        after = {e.id for e in feedparser.parse(client.get(url).content).entries}
        assert before == after and len(after) == 5

    def test_quote_text_is_escaped_html(self, client, record):
        """The summary is HTML whose stored text is escaped; feedparser's sanitiser has nothing to remove."""
        feed = feedparser.parse(client.get(reverse("events:relationship_feed", kwargs={"pair": "ph-ru"})).content)
        hostile = next(e for e in feed.entries if "HYPERLINK" in e.title)
        assert "+1 &lt;b&gt;bold&lt;/b&gt; &amp; more" in hostile.summary

    def test_filters_and_unknown_pairs(self, client, record):
        """`?kind=statement` narrows the feed; a bad filter is a 400; an unknown country a 404."""
        url = reverse("events:relationship_feed", kwargs={"pair": "ph-ru"})
        feed = feedparser.parse(client.get(url + "?kind=statement").content)
        assert [e.title for e in feed.entries] == ["15 November 2016: Duterte on Russia"]
        assert client.get(url + "?date_before=tomorrow").status_code == 400
        assert client.get(reverse("events:relationship_feed", kwargs={"pair": "ph-zz"})).status_code == 404


class CalendarTests:
    def calendar(self, client, query=""):
        response = client.get(reverse("events:calendar") + query)
        assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
        return icalendar.Calendar.from_ical(response.content)

    def entries(self, calendar):
        return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}

    def test_summits_are_all_day_with_an_exclusive_end(self, client, record):
        """APEC 2016, 19–20 November, is DTSTART 19 November and DTEND 21 November, both dates."""
        apec = self.entries(self.calendar(client))["24th APEC Economic Leaders' Meeting"]
        start, end = apec.decoded("DTSTART"), apec.decoded("DTEND")
        assert type(start) is datetime.date and type(end) is datetime.date
        assert (start, end) == (datetime.date(2016, 11, 19), datetime.date(2016, 11, 21))
        assert apec["DTSTART"].params["VALUE"] == "DATE"
        assert str(apec["LOCATION"]) == "Lima, Peru"

    def test_planned_meetings_only_at_their_dates(self, client, record):
        """Planned meetings are there (a year-only one spans its year); held, cancelled and draft ones are not."""
        entries = self.entries(self.calendar(client))
        assert set(entries) == {"24th APEC Economic Leaders' Meeting", "State visit to Moscow", "Talks in Manila"}
        talks, moscow = entries["Talks in Manila"], entries["State visit to Moscow"]
        assert (talks.decoded("DTSTART"), talks.decoded("DTEND")) == (
            datetime.date(2016, 12, 5),
            datetime.date(2016, 12, 6),
        )
        assert (moscow.decoded("DTSTART"), moscow.decoded("DTEND")) == (
            datetime.date(2017, 1, 1),
            datetime.date(2018, 1, 1),
        )
        assert str(talks["URL"]) == "http://testserver" + record["talks"].get_absolute_url()

    def test_uids_are_unique_and_stable(self, client, record):
        """Calendar clients match entries by UID: the same on every fetch, one per entry."""
        first = [str(e["UID"]) for e in self.calendar(client).walk("VEVENT")]
        second = [str(e["UID"]) for e in self.calendar(client).walk("VEVENT")]
        assert first == second and len(set(first)) == len(first) == 3
        assert f"summit-{record['apec'].pk}@testserver" in first

    def test_filters_narrow_meetings_and_summits(self, client, record):
        """`country=US` keeps the US meeting; `date_after` drops summits and meetings before it."""
        assert "State visit to Moscow" not in self.entries(self.calendar(client, "?country=US"))
        assert set(self.entries(self.calendar(client, "?date_after=2016-12-01"))) == {
            "State visit to Moscow",
            "Talks in Manila",
        }


# The queries of each export, whatever the number of events (up to a chunk of 2,000): the page
# cache's version stamp, the filter's country choices, then:
EXPORT_QUERIES = {
    # the page of events, then their countries, participants, sources, quotes, disagreements, status
    # changes, links and readouts (one query each); the countries and publishers are reference data
    # read once per process (models/reference.py, models.publisher_table)
    "events_csv": ({}, 10),
    "events_json": ({}, 10),
    # the page cache's version (for the ETag), the events, their countries, participants, sources,
    # quotes, disagreements, status changes, links and readouts (the eras come last, from the span of the slides)
    "timeline_json": ({"pair": "ph-ru"}, 10),
    # the latest events, with their sources, participants and quotes
    "relationship_feed": ({"pair": "ph-ru"}, 2),
    # the summits (with their host countries), the planned meetings (with their summits)
    "calendar": ({}, 3),
    # any search's: as the relationship's feed; its events (with their summits)
    "events_feed": ({}, 2),
    "events_ics": ({}, 2),
}


class ExportQueryCountTests:
    def populate(self, n):
        duterte = make_leader(f"Rodrigo Duterte {n}", "PH")
        putin = make_leader(f"Vladimir Putin {n}", "RU")
        summit = make_summit(f"Summit {n}")
        for i in range(n):
            event = make_event(
                f"Event {n}-{i}",
                date=datetime.date(2016, 1, 1) + datetime.timedelta(days=i),
                summit=summit,
                participants=(duterte, putin),
                status=EventStatus.PLANNED if i % 2 else EventStatus.HELD,
            )
            make_quote(event, duterte)

    @pytest.mark.parametrize("name", EXPORT_QUERIES)
    def test_query_count_is_constant(self, client, django_assert_num_queries, name):
        """Guards N+1 on participants, quotes, sources, countries and summits: the same count at 3 and 30 events."""
        kwargs, expected = EXPORT_QUERIES[name]
        url = reverse(f"events:{name}", kwargs=kwargs) + "?country=PH"
        for n in (3, 30):
            self.populate(n)
            with django_assert_num_queries(expected):
                response = client.get(url)
                text = body(response)  # a streamed export queries while it is read
            # Every export links each event; `event-30-1` is a planned one, in the calendar too.
            assert response.status_code == 200 and f"/event-{n}-1/" in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TimelineJSBrowserTests:
    def test_timelinejs_renders_a_relationship(self, live_server, page, record):
        """The TimelineJS 3 library loads timeline.json from the site and shows the events, without an error."""
        origin = live_server.url
        page.route(
            f"{origin}/_timelinejs/**",
            lambda route: route.fulfill(path=str(TIMELINEJS / route.request.url.split("/_timelinejs/", 1)[1])),
        )
        html = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>TimelineJS</title>'
            '<link rel="stylesheet" href="/_timelinejs/css/timeline.css">'
            '<script src="/_timelinejs/js/timeline.js"></script></head>'
            '<body><div id="timeline" style="width: 1000px; height: 600px"></div>'
            f'<script>window.timeline = new TL.Timeline("timeline", "{origin}/relationships/ph-ru/timeline.json");'
            "</script></body></html>"
        )
        page.route(f"{origin}/_timeline.html", lambda route: route.fulfill(body=html, content_type="text/html"))
        # No internet here: web fonts and anything else from elsewhere fail fast instead of hanging.
        page.route(lambda url: not url.startswith(origin), lambda route: route.abort())
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{origin}/_timeline.html")
        page.wait_for_selector(".tl-slide-content .tl-headline", state="attached")
        headlines = page.locator(".tl-headline").all_inner_texts()
        assert "Duterte meets Putin in Lima" in headlines
        # Escaped by the export, the hostile title is shown as text; no script ran.
        assert any("<script>alert(1)</script>" in h for h in headlines)
        assert page.locator(".tl-timegroup-message").all_inner_texts()  # the groups: kinds of event
        assert page.locator(".tl-timeera").count() == 1  # the Duterte administration
        assert page.evaluate("window.timeline.config.events.length") == 5
        assert errors == []


class GradedSourcesExportTests:
    """#13 in /events.json and /events.csv: the sources' publishers and the disagreements."""

    def build(self):
        from events.models import Publisher
        from events.tests.factories import make_disagreement

        Publisher.objects.create(domain="dfa.gov.ph", name="Department of Foreign Affairs", kind="official_ph")
        duterte = make_leader("Rodrigo Duterte", "PH")
        widodo = make_leader("Joko Widodo", "ID")
        visit = make_event(
            "Duterte visits Jakarta",
            kind=EventKind.STATE_VISIT,
            date=datetime.date(2016, 9, 9),
            participants=(duterte, widodo),
            sources=("https://dfa.gov.ph/jakarta", "https://pco.gov.ph/jakarta"),
        )
        make_disagreement(
            visit,
            "the visit's classification",
            [("https://dfa.gov.ph/jakarta", "a state visit"), ("https://pco.gov.ph/jakarta", "a working visit")],
        )

    def test_json_carries_disagreements_and_publishers(self, client):
        """Each event object lists its disagreements (about, each source's version) and its sources' publishers."""
        self.build()
        [event] = json.loads(body(client.get(reverse("events:events_json"))))["events"]
        assert event["disagreements"] == [
            {
                "about": "the visit's classification",
                "versions": [
                    {
                        "source": "https://dfa.gov.ph/jakarta",
                        "publisher": "Department of Foreign Affairs",
                        "says": "a state visit",
                    },
                    {"source": "https://pco.gov.ph/jakarta", "publisher": None, "says": "a working visit"},
                ],
            }
        ]
        assert event["source_publishers"] == [
            {
                "url": "https://dfa.gov.ph/jakarta",
                "title": "",
                "name": "Department of Foreign Affairs",
                "kind": "official_ph",
            },
            {"url": "https://pco.gov.ph/jakarta", "title": "", "name": None, "kind": None},
        ]

    def test_csv_has_a_disagreements_column(self, client):
        """/events.csv gives the disagreements as JSON in a column, and the sources' kinds in another."""
        self.build()
        [row] = csv_rows(client.get(reverse("events:events_csv")))
        assert json.loads(row["disagreements"])[0]["about"] == "the visit's classification"
        assert row["source_kinds"] == "official_ph; "


def atom(client, url):
    response = client.get(url)
    assert response.status_code == 200, body(response)
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.bozo_exception
    return feed


class EverythingThePageShowsTests:
    """#14 part 6, #15: each event object carries quotes, coding, titles, source kinds and #14's records."""

    def test_json_carries_quotes_coding_titles_and_source_kinds(self, client, record):
        """The statement comes with its words in Filipino and English; Lima with its leaders' titles and coding."""
        lima = record["lima"]
        lima.plover_reviewed = True
        lima.plover_category, lima.plover_mode, lima.actor_country_id, lima.target_country_id = (
            "CONSULT",
            "visit",
            "PH",
            "RU",
        )
        lima.save()
        events = {e["id"]: e for e in json.loads(body(client.get(reverse("events:events_json"))))["events"]}
        statement = events[record["statement"].pk]
        assert statement["quotes"] == [
            {
                "speaker": "Rodrigo Duterte",
                "speaker_country": "PH",
                "speaker_title": "President of the Philippines",
                "language": "fil",
                "text": "Matuloy ho. Ako ang nanghingi niyan",
                "english": "It's pushing through, I was the one who asked for it",
                "translated_by": "",
            }
        ]
        lima_object = events[lima.pk]
        assert [p["title"] for p in lima_object["participants"]] == [
            "President of the Philippines",
            "President of Russia",
        ]
        assert lima_object["plover"] == {
            "category": "CONSULT",
            "mode": "visit",
            "score": float(Event.objects.get(pk=lima.pk).score),
            "actor": "PH",
            "target": "RU",
            "reviewed": True,
        }
        assert [s["url"] for s in lima_object["source_publishers"]] == list(lima_object["sources"])
        assert all("title" in s and "kind" in s for s in lima_object["source_publishers"])
        for key in ("status_history", "links", "readouts"):
            assert lima_object[key] == []

    def test_json_carries_the_life_of_an_event(self, client, record):
        """Status changes in date order, links both ways (never to a draft), and both governments' readouts."""
        from events.models import EventLink, Readout, StatusChange

        lima, statement, draft = record["lima"], record["statement"], record["draft"]
        StatusChange.objects.create(
            event=lima, status="held", date=datetime.date(2016, 11, 19), source_url="https://example.org/held"
        )
        StatusChange.objects.create(
            event=lima, status="announced", date=datetime.date(2016, 11, 15), source_url="https://example.org/announced"
        )
        EventLink.objects.create(from_event=lima, relation="fulfils", to_event=statement)
        EventLink.objects.create(from_event=draft, relation="follows_up", to_event=lima)
        Readout.objects.create(
            event=lima,
            country_id="RU",
            source_url="https://kremlin.ru/x",
            language="ru",
            text="Переговоры",
            english="Talks",
        )
        events = {e["id"]: e for e in json.loads(body(client.get(reverse("events:events_json"))))["events"]}
        assert [(c["status"], c["date"], c["sources"]) for c in events[lima.pk]["status_history"]] == [
            ("announced", "2016-11-15", ["https://example.org/announced"]),
            ("held", "2016-11-19", ["https://example.org/held"]),
        ]
        assert events[lima.pk]["links"] == [
            {"relation": "fulfils", "event": statement.pk, "url": "http://testserver" + statement.get_absolute_url()}
        ]
        assert events[statement.pk]["links"] == [
            {"relation": "fulfilled_by", "event": lima.pk, "url": "http://testserver" + lima.get_absolute_url()}
        ]
        [readout] = events[lima.pk]["readouts"]
        assert (readout["country"], readout["source"], readout["language"], readout["text"], readout["english"]) == (
            "RU",
            "https://kremlin.ru/x",
            "ru",
            "Переговоры",
            "Talks",
        )
        row = {r["title"]: r for r in csv_rows(client.get(reverse("events:events_csv")))}["Duterte meets Putin in Lima"]
        assert json.loads(row["status_history"])[0]["status"] == "announced"
        assert json.loads(row["readouts"])[0]["english"] == "Talks"

    def test_csv_carries_the_same_flattened(self, client, record):
        """Quotes as the JSON array of /events.json in one cell, titles `|`-separated, coding in its own columns."""
        rows = {row["title"]: row for row in csv_rows(client.get(reverse("events:events_csv")))}
        quotes = json.loads(rows["Duterte on Russia"]["quotes"])
        assert quotes[0]["text"] == "Matuloy ho. Ako ang nanghingi niyan"
        assert quotes[0]["english"] == "It's pushing through, I was the one who asked for it"
        lima = rows["Duterte meets Putin in Lima"]
        assert lima["participants"] == "Rodrigo Duterte (PH, visitor); Vladimir Putin (RU, host)"
        assert lima["participant_titles"] == "President of the Philippines | President of Russia"
        assert lima["quotes"] == lima["status_history"] == lima["links"] == lima["readouts"] == ""
        assert {"plover_category", "plover_score", "plover_reviewed"} <= set(lima)


def titles_of(events):
    return [e["title"] for e in events]


class BoundedExportTests:
    """#16: every per-request export reads at most a documented number of rows, and says so."""

    def test_json_pages_on_with_a_next_url_until_the_last_page(self, client, record, settings):
        """Two events a page: following `next` gives every published event once, in date order, then null."""
        settings.EXPORT_PAGE_SIZE = 2
        every = titles_of(json.loads(body(client.get(reverse("events:events_json"))))["events"])
        assert len(every) == 2
        seen, url = [], reverse("events:events_json")
        while url:
            data = json.loads(body(client.get(url)))
            assert data["page_size"] == 2 and len(data["events"]) <= 2
            seen += titles_of(data["events"])
            url = data["next"]
            assert url is None or url.startswith("http://testserver/events.json?after=")
        published = Event.objects.published().order_by("date", "id")
        assert seen == [e.title for e in published] and len(seen) == 7

    def test_json_pages_keep_the_filters(self, client, record, settings):
        """The `next` of a filtered export keeps its filters."""
        settings.EXPORT_PAGE_SIZE = 1
        data = json.loads(body(client.get(reverse("events:events_json") + "?country=RU")))
        assert "country=RU" in data["next"]
        second = json.loads(body(client.get(data["next"])))
        assert second["filter"] == {"country": ["RU"]} and second["events"][0]["title"] != data["events"][0]["title"]

    def test_csv_pages_on_with_a_link_header(self, client, record, settings):
        """Each page names the next in `Link: <...>; rel="next"`; the body is the header row and the events only."""
        settings.EXPORT_PAGE_SIZE = 3
        seen, url, pages = [], reverse("events:events_csv"), 0
        while url:
            response = client.get(url)
            rows = csv_rows(response)
            assert all(not row["id"].startswith("#") for row in rows)
            seen += [row["title"] for row in rows]
            pages += 1
            link = response.get("Link")
            url = link.removeprefix("<").removesuffix('>; rel="next"') if link else None
        assert pages == 3 and len(seen) == len(set(seen)) == 7

    def test_a_malformed_position_is_a_400_saying_why(self, client, record):
        """`after` that is no page position is refused with the reason, in CSV and in JSON."""
        response = client.get(reverse("events:events_csv") + "?after=yesterday")
        assert response.status_code == 400 and "after: 'yesterday' is not a page position" in body(response)
        response = client.get(reverse("events:events_json") + "?after=2016-02-30_4")
        assert response.status_code == 400 and "not a date" in json.loads(response.content)["errors"]["after"][0]

    def test_timeline_keeps_the_most_recent_slides_and_says_so(self, client, record, settings):
        """At most TIMELINE_SLIDES: the latest events, oldest first, and the title slide says why."""
        settings.TIMELINE_SLIDES = 2
        data = json.loads(body(client.get(reverse("events:timeline_json", kwargs={"pair": "ph-ru"}))))
        assert [e["text"]["headline"] for e in data["events"]] == [
            "Duterte meets Putin in Lima",
            "State visit to Moscow",
        ]
        text = data["title"]["text"]["text"]
        assert "The 2 most recent events of the relationship" in text and "at most 2" in text
        assert 'href="http://testserver/relationships/ph-ru/"' in text

    def test_a_timeline_within_the_bound_says_nothing_of_it(self, client, record):
        data = json.loads(body(client.get(reverse("events:timeline_json", kwargs={"pair": "ph-ru"}))))
        assert "most recent" not in data["title"]["text"]["text"] and len(data["events"]) == 5

    def test_feeds_hold_the_latest_entries(self, client, record, settings):
        """A feed holds FEED_LENGTH entries, newest first, and its subtitle says so."""
        settings.FEED_LENGTH = 2
        feed = atom(client, reverse("events:relationship_feed", kwargs={"pair": "ph-ru"}))
        assert [e.title for e in feed.entries] == [
            "2017: State visit to Moscow",
            "19 November 2016: Duterte meets Putin in Lima",
        ]
        assert "the latest 2 at most" in feed.feed.subtitle

    def test_calendars_hold_the_latest_entries_and_say_so(self, client, record, settings):
        """/calendar.ics keeps the latest CALENDAR_LENGTH summits and meetings; its description says so."""
        settings.CALENDAR_LENGTH = 1
        calendar = icalendar.Calendar.from_ical(client.get(reverse("events:calendar")).content)
        assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
            "24th APEC Economic Leaders' Meeting",
            "State visit to Moscow",
        ]
        assert "latest 1 summits and the latest 1 planned meetings at most" in str(calendar["X-WR-CALDESC"])


class SubscriptionTests:
    """#15: a feed and a calendar of any search, taking exactly /events/'s query string."""

    def test_atom_of_a_search(self, client, record):
        """`/events/feed/?kind=statement` holds the statements only, newest first, drafts never."""
        feed = atom(client, reverse("events:events_feed") + "?kind=statement")
        assert [e.title for e in feed.entries] == ["15 November 2016: Duterte on Russia"]
        assert "kind=statement" in feed.feed.title
        every = atom(client, reverse("events:events_feed"))
        titles = [e.title for e in every.entries]
        assert titles[0] == "2017: State visit to Moscow" and len(titles) == 7
        assert not any("draft" in t or "without a source" in t for t in titles)

    def test_icalendar_of_a_search(self, client, record):
        """`/events.ics?country=US` is the US events as all-day entries, at their dates."""
        response = client.get(reverse("events:events_ics") + "?country=US")
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = icalendar.Calendar.from_ical(response.content)
        entries = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
        assert set(entries) == {"Duterte–Obama meeting in Vientiane", "Talks in Manila"}
        assert entries["Duterte–Obama meeting in Vientiane"].decoded("DTSTART") == datetime.date(2016, 9, 6)
        assert str(entries["Duterte–Obama meeting in Vientiane"]["DESCRIPTION"]).startswith("Cancelled")
        assert "country=US" in str(calendar["X-WR-CALNAME"])

    @pytest.mark.parametrize("name", ["events_feed", "events_ics"])
    def test_a_malformed_filter_is_a_400_saying_why(self, client, record, name):
        response = client.get(reverse(f"events:{name}") + "?date_after=2016-13-01")
        assert response.status_code == 400 and "date_after: Enter a valid date." in body(response)

    def test_lists_and_timelines_link_their_search(self, client, record):
        """Each list links a feed and a calendar of the very filters in force (its page position left out)."""
        page = client.get(reverse("events:event_list") + "?kind=statement&after=2016-01-01_1").content.decode()
        assert 'href="/events/feed/?kind=statement"' in page and 'href="/events.ics?kind=statement"' in page
        assert (
            'rel="alternate" type="application/atom+xml" title="Events of this search" href="/events/feed/?kind=statement"'
            in page
        )
        timeline = client.get(
            reverse("events:relationship", kwargs={"pair": "ph-ru"}) + "?kind=statement"
        ).content.decode()
        assert 'href="/events/feed/?kind=statement&amp;country=PH&amp;country=RU"' in timeline
        leader = client.get(record["lima"].participants.first().leader.get_absolute_url()).content.decode()
        assert 'href="/events/feed/?leader=rodrigo-duterte"' in leader
        assert 'href="/downloads/events.csv"' in page and 'href="/changes/feed/"' in page


class ChangesFeedTests:
    """#15: what changed in the public record, from the edit history; drafts never leak."""

    def test_an_edit_to_a_published_event_is_an_entry_naming_what_changed(self, client, record):
        lima = record["lima"]
        lima.title = "Duterte and Putin meet in Lima"
        lima.save()
        feed = atom(client, reverse("events:changes_feed"))
        first = feed.entries[0]
        assert first.title == "Event changed: Duterte and Putin meet in Lima"
        assert "Changed: title." in first.summary
        assert first.link == "http://testserver" + Event.objects.get(pk=lima.pk).get_absolute_url()
        assert len({e.id for e in feed.entries}) == len(feed.entries)

    def test_a_quote_edit_names_its_event(self, client, record):
        quote = record["statement"].quotes.get()
        quote.translated_by = "Rappler"
        quote.save()
        first = atom(client, reverse("events:changes_feed")).entries[0]
        assert first.title == "Quote changed on “Duterte on Russia”" and "Changed: translated by." in first.summary

    def test_edits_to_drafts_never_show(self, client, record):
        draft = record["draft"]
        draft.title = "A secret new title"
        draft.save()
        make_quote(draft, make_leader("Someone", "PH"), "Secret words")
        feed = atom(client, reverse("events:changes_feed"))
        text = body(client.get(reverse("events:changes_feed")))
        assert "secret" not in text.lower() and "draft" not in text.lower()
        assert all(e.link != "http://testserver" + draft.get_absolute_url() for e in feed.entries)

    def test_it_is_bounded(self, client, record, settings):
        settings.FEED_LENGTH = 3
        assert len(atom(client, reverse("events:changes_feed")).entries) == 3

    def test_query_count_is_constant(self, client, django_assert_num_queries, record):
        """Guards N+1 over entries: the same count at a few edits and at many (five history tables, the earlier rows of the two with entries, the events)."""
        counts = []
        for n in (2, 20):
            for i in range(n):
                record["lima"].summary = f"Edit {n}-{i}"
                record["lima"].save()
            with django_assert_num_queries(8) as captured:
                atom(client, reverse("events:changes_feed"))
            counts.append(len(captured))
        assert counts[0] == counts[1]
