"""What a person does in a real browser: read and filter a timeline, enter a meeting in the admin.

The system Chromium, driven by Playwright, against pytest-django's live server.
`serialized_rollback` matters: the countries come from a data migration, and
the flush after a transactional test would otherwise delete them.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from events.models import EventKind
from events.tests.factories import make_event, make_leader, make_summit
from events.tests.test_views import putin_record  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/shots")
RAPPLER = "https://www.rappler.com/nation/152494-duterte-meeting-putin-apec-summit/"


@pytest.fixture(autouse=True)
def render_every_time(settings):
    """No page cache: each test flushes the database, and a cached page could outlive its data."""
    settings.PAGE_CACHE = False


@pytest.fixture
def reader(browser):
    """A reader's browser with JavaScript turned off: every public page must work without it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def event_titles(page) -> list[str]:
    return [title.strip() for title in page.locator(".event-title").all_inner_texts()]


class ReaderTests:
    def test_home_to_relationship_to_summit_filter_to_event_and_its_source(self, live_server, reader, putin_record):
        """A reader opens a relationship, filters it by a summit, sees only its meetings and follows one to its source."""
        make_event(
            "Duterte and Putin talk by telephone",
            kind=EventKind.CALL,
            date=datetime.date(2017, 1, 5),
            participants=(putin_record["duterte"], putin_record["putin"]),
        )
        reader.goto(live_server.url + "/")
        reader.get_by_role("link", name="Russia", exact=True).click()
        expect(reader).to_have_url(f"{live_server.url}/relationships/ph-ru/")
        expect(reader.get_by_role("heading", level=1)).to_have_text("Philippines and Russia")
        assert "Duterte and Putin talk by telephone" in event_titles(reader)

        reader.get_by_label("Summit").fill("APEC 2016")
        reader.get_by_role("button", name="Apply filters").click()
        expect(reader).to_have_url(re.compile(r"/relationships/ph-ru/\?.*summit=APEC\+2016"))
        assert event_titles(reader) == ["Duterte meets Vladimir Putin on the sidelines of APEC in Lima"]
        expect(reader.locator(".chip")).to_have_text(re.compile(r"Summit: APEC 2016"))

        reader.get_by_role("link", name="Duterte meets Vladimir Putin on the sidelines of APEC in Lima").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(
            "Duterte meets Vladimir Putin on the sidelines of APEC in Lima"
        )
        source = reader.locator("#sources").locator("xpath=..").get_by_role("link", name="rappler.com")
        expect(source).to_have_attribute("href", RAPPLER)

    def test_timeline_fits_a_phone_and_a_desktop(self, live_server, browser, putin_record):
        """The timeline needs no sideways scrolling at 375 px and shows its filters beside it at 1280 px."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width in (375, 1280):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(live_server.url + "/relationships/ph-ru/")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            # Cards off screen are rendered lazily (content-visibility): scroll through them once.
            page.evaluate("document.querySelectorAll('.timeline > li').forEach(li => li.scrollIntoView())")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=SHOTS / f"timeline-{width}.png", full_page=True)
            timeline = page.locator(".primary").bounding_box()
            filters = page.locator("#filters").bounding_box()
            if width == 1280:
                assert filters["x"] > timeline["x"] + timeline["width"] - 1  # beside
            else:
                assert filters["y"] > timeline["y"]  # below, reached by the "Filter this timeline" link
                expect(page.get_by_role("link", name="Filter this timeline")).to_be_visible()
            context.close()


class AdminEntryTests:
    def choose(self, page, select_id: str, search: str, option: str):
        """Pick `option` in a select2 autocomplete by typing `search`, as an editor does."""
        page.locator(f"#{select_id}").locator("xpath=following-sibling::span[contains(@class, 'select2')][1]").click()
        page.locator(".select2-container--open .select2-search__field").fill(search)
        page.locator(".select2-results__option", has_text=option).click()

    def test_meeting_entered_in_the_admin_appears_on_the_public_timeline(self, live_server, page):
        """An editor logs in, adds a meeting at a summit with two leaders through autocompletes, and readers see it."""
        get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
        make_leader("Vladimir Putin", "RU", office="President of Russia", office_start=datetime.date(2012, 5, 7))
        make_summit("APEC 2016", name="24th APEC Economic Leaders' Meeting", host="PE")

        page.goto(live_server.url + "/admin/")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("a-long-test-password")
        page.get_by_role("button", name="Log in").click()
        page.goto(live_server.url + "/admin/events/event/add/")

        page.locator("#id_kind").select_option("sideline")
        page.locator("#id_title").fill("Duterte and Putin meet again in Lima")
        page.locator("#id_date").fill("2016-11-20")
        self.choose(page, "id_summit", "APEC", "APEC 2016")
        add_participant = page.locator("#participants-group .add-row a")
        add_participant.click()
        self.choose(page, "id_participants-0-leader", "Duterte", "Rodrigo Duterte")
        add_participant.click()
        self.choose(page, "id_participants-1-leader", "Putin", "Vladimir Putin")
        page.locator("#id_participants-1-position").fill("1")
        page.locator("#id_sources-0-url").fill("https://www.example.org/lima-again")
        page.locator("input[name=_save]").first.click()
        expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

        page.goto(live_server.url + "/relationships/ph-ru/")
        entry = page.locator("article.event", has_text="Duterte and Putin meet again in Lima")
        expect(entry).to_contain_text("20 November 2016")
        expect(entry).to_contain_text("Meeting on the sidelines")
        expect(entry).to_contain_text("Rodrigo Duterte")
        expect(entry).to_contain_text("President of Russia")
        expect(entry.get_by_role("link", name="APEC 2016")).to_have_attribute("href", "/summits/apec-2016/")


class AccessibilityTests:
    def test_public_pages_have_no_serious_or_critical_axe_violations(self, live_server, page, putin_record):
        """axe-core finds no serious or critical violation on the home, timeline, events, event, summit and leader pages."""
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()
        paths = [
            "/",
            "/relationships/ph-ru/",
            "/events/",
            "/events/?kind=meeting&country=US",
            "/events/?date_after=2016-13-01",
            putin_record["dinner"].get_absolute_url(),
            putin_record["cancelled"].get_absolute_url(),
            "/summits/",
            putin_record["apec"].get_absolute_url(),
            "/leaders/",
            putin_record["duterte"].get_absolute_url(),
        ]
        problems = {}
        for path in paths:
            page.goto(live_server.url + path)
            results = axe.run(page)
            serious = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[path] = serious
        assert problems == {}
