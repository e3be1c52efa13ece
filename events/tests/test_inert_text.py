"""Stored text is inert everywhere: markup typed into a record renders escaped on every page, export and feed."""

import datetime
import json

import pytest

from events.models import EventKind
from events.tests.factories import make_event, make_leader, make_quote, make_summit

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile_record():
    """Every free-text field an editor fills holds the payload."""
    summit = make_summit("APEC 2016", name=f"Summit {PAYLOAD}", city=f"Lima {PAYLOAD}")
    duterte = make_leader("Rodrigo Duterte", "PH", office=f"President {PAYLOAD}", description=PAYLOAD)
    putin = make_leader("Vladimir Putin", "RU")
    meeting = make_event(
        f"Meeting {PAYLOAD}",
        summary=PAYLOAD,
        participants=(duterte, putin),
        summit=summit,
        venue=PAYLOAD,
        status="planned",
        date=datetime.date(2030, 1, 1),
    )
    statement = make_event(f"Statement {PAYLOAD}", kind=EventKind.STATEMENT, countries=["RU"])
    make_quote(
        statement, duterte, original=f"Matuloy {PAYLOAD}", language="fil", english=f"Pushing {PAYLOAD}", context=PAYLOAD
    )
    return meeting, statement, summit, duterte


def text(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


PAGES = [
    "/",
    "/relationships/ph-ru/",
    "/events/",
    "/events/?q=Matuloy",
    "/summits/",
    "/summits/apec-2016/",
    "/leaders/",
    "/leaders/rodrigo-duterte/",
    "/relationships/compare/?with=ru",
    "/relationships/ph-ru/feed/",
]


class InertTextTests:
    @pytest.mark.parametrize("path", PAGES)
    def test_payload_never_appears_as_markup(self, client, hostile_record, path):
        """No page, feed or calendar carries the stored <script> or onerror markup unescaped."""
        body = text(client.get(path))
        assert "<script>alert" not in body
        assert "<img src=x onerror" not in body

    def test_event_pages_escape_every_field(self, client, hostile_record):
        """The event pages show the payload as text, escaped."""
        meeting, statement, *_ = hostile_record
        for event in (meeting, statement):
            body = text(client.get(event.get_absolute_url(), follow=True))
            assert "<script>alert" not in body and "<img src=x onerror" not in body
            assert "&lt;script&gt;alert" in body

    def test_csv_and_json_exports_carry_text_not_markup_for_html(self, client, hostile_record):
        """JSON exports are served as JSON (not HTML), so the text stays data; the CSV is text/csv."""
        response = client.get("/events.json")
        assert response["Content-Type"].startswith("application/json")
        assert response["X-Content-Type-Options"] == "nosniff"
        titles = [e["title"] for e in json.loads(text(response))["events"]]
        assert f"Meeting {PAYLOAD}" in titles
        csv_response = client.get("/events.csv")
        assert csv_response["Content-Type"].startswith("text/csv")

    def test_calendar_is_plain_text_data(self, client, hostile_record):
        """iCalendar is text, not HTML: the payload stays literal data under a text/calendar type with nosniff."""
        response = client.get("/calendar.ics")
        assert response["Content-Type"].startswith("text/calendar")
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_timelinejs_text_is_escaped(self, client, hostile_record):
        """TimelineJS renders text.text as HTML, so the export escapes it."""
        data = json.loads(text(client.get("/relationships/ph-ru/timeline.json")))
        for event in data["events"]:
            for value in event["text"].values():
                assert "<script>alert" not in value and "<img src=x onerror" not in value
