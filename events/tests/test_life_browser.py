"""In a real browser (#14): two governments' readouts side by side on a wide screen, stacked on a phone; a commitment's path."""

import datetime

import pytest
from playwright.sync_api import expect

from events.models import CommitmentStep, EventKind, Readout
from events.tests.factories import make_commitment, make_event, make_leader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def render_every_time(settings):
    settings.PAGE_CACHE = False


@pytest.fixture
def meeting():
    duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
    xi = make_leader("Xi Jinping", "CN", office="President of China")
    event = make_event(
        "Duterte holds talks with Xi Jinping in Beijing",
        kind=EventKind.STATE_VISIT,
        date=datetime.date(2016, 10, 20),
        participants=(duterte, xi),
    )
    Readout.objects.create(
        event=event,
        country_id="CN",
        source_url="https://example.org/xinhua",
        source_title="Xi holds talks with Duterte",
        language="zh",
        text="习近平同菲律宾总统杜特尔特举行会谈。",
        english="Xi Jinping held talks with Philippine President Duterte.",
    )
    Readout.objects.create(
        event=event,
        country_id="PH",
        source_url="https://example.org/pco",
        source_title="Expanded bilateral meeting",
        text="President Duterte and President Xi agreed to resume dialogue.",
    )
    return event


def readout_boxes(page):
    return [page.locator(".readout").nth(n).bounding_box() for n in range(2)]


class ReadoutTests:
    def test_side_by_side_on_a_wide_screen_stacked_on_a_phone(self, live_server, browser, meeting):
        """At 1280 px the two readouts share a row; at 390 px the second sits under the first."""
        wide = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
        page = wide.new_page()
        page.goto(live_server.url + meeting.get_absolute_url())
        expect(page.get_by_role("heading", name="The governments' readouts")).to_be_visible()
        expect(page.locator('blockquote[lang="zh"]')).to_contain_text("习近平同菲律宾总统杜特尔特举行会谈")
        expect(page.locator(".readout").first).to_contain_text(
            "Xi Jinping held talks with Philippine President Duterte."
        )
        first, second = readout_boxes(page)
        assert abs(first["y"] - second["y"]) < 1 and second["x"] >= first["x"] + first["width"]
        wide.close()

        phone = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
        page = phone.new_page()
        page.goto(live_server.url + meeting.get_absolute_url())
        first, second = readout_boxes(page)
        assert second["y"] >= first["y"] + first["height"] and abs(first["x"] - second["x"]) < 1
        assert first["x"] + first["width"] <= 390  # nothing runs off the screen
        phone.close()


class CommitmentPathTests:
    def test_from_the_list_to_a_path_and_its_event(self, live_server, browser, meeting):
        """A reader filters the commitments by stage, opens one, reads its dated steps and follows one to its event."""
        commitment = make_commitment(
            "china-2016-pledges",
            title="China's 2016 pledges",
            countries=("PH", "CN"),
            amount=24_000_000_000,
            currency="USD",
            steps=[{"stage": "announced", "date": datetime.date(2016, 10, 20)}],
        )
        CommitmentStep.objects.filter(commitment=commitment).update(event=meeting)
        make_commitment("other", title="Another pledge", steps=[{"stage": "lapsed", "date": datetime.date(2019, 1, 1)}])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Commitments").click()
        page.get_by_label("Stage").select_option("announced")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator(".commitment-title")).to_have_text(["China's 2016 pledges"])
        page.get_by_role("link", name="China's 2016 pledges").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("China's 2016 pledges")
        expect(page.locator(".facts")).to_contain_text("USD 24,000,000,000")
        expect(page.locator(".life li")).to_have_text(
            ["Announced 20 October 2016: Duterte holds talks with Xi Jinping in Beijing example.org"]
        )
        page.get_by_role("link", name="Duterte holds talks with Xi Jinping in Beijing").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Duterte holds talks with Xi Jinping in Beijing")
        expect(page.locator("#commitments + ul")).to_contain_text("China's 2016 pledges: announced 20 October 2016")
        context.close()
