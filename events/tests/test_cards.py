"""Event cards kept under the row they were rendered from (events/web/cards.py): reused, and never stale."""

import datetime

import pytest
from django.test import Client

from events.models import EventSource, Publisher
from events.tests.factories import make_leader, make_meeting
from events.tests.test_caching import page_cache_on  # noqa: F401  (autouse: the cache on, emptied)
from events.web import cards

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    duterte, putin = make_leader("Rodrigo Duterte", "PH"), make_leader("Vladimir Putin", "RU")
    lima = make_meeting(duterte, putin, title="Duterte meets Putin in Lima", date=datetime.date(2016, 11, 19))
    moscow = make_meeting(duterte, putin, title="Duterte visits Moscow", date=datetime.date(2017, 5, 22))
    return {"duterte": duterte, "putin": putin, "lima": lima, "moscow": moscow}


@pytest.fixture
def rendered(monkeypatch):
    """The events whose cards were rendered (not taken from the cache), in order."""
    calls = []
    original = cards.render_cards

    def counting(card, events, level):
        events = list(events)

        def render(event, level):
            calls.append(event.title)
            return card(event, level)

        return original(render, events, level)

    monkeypatch.setattr(cards, "render_cards", counting)
    from django.template import engines

    monkeypatch.setitem(engines["jinja2"].env.globals, "render_cards", counting)
    return calls


def page(path="/relationships/ph-ru/"):
    response = Client().get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_an_edit_re_renders_its_own_card_only(record, rendered):
    """Retitling Lima re-renders the timeline, Lima's card from its new row, Moscow's from the cache."""
    page()
    assert sorted(rendered) == ["Duterte meets Putin in Lima", "Duterte visits Moscow"]
    rendered.clear()
    lima = record["lima"]
    lima.title = "Duterte and Putin meet in Lima"
    lima.save()
    body = page()
    assert "Duterte and Putin meet in Lima" in body and "Duterte visits Moscow" in body
    assert rendered == ["Duterte and Putin meet in Lima"]


def test_a_card_is_shared_by_the_pages_that_show_it(record, rendered):
    """The same card on the relationship's timeline and on Putin's page: rendered once (same heading level)."""
    page("/events/?country=RU")
    rendered.clear()
    page("/events/")
    assert rendered == []


def test_a_new_source_shows_on_the_card(record, rendered):
    """A source added to Moscow: its row changed, so its card is rendered again, with the link."""
    page()
    EventSource.objects.create(event=record["moscow"], url="https://www.rappler.com/moscow-visit")
    assert "https://www.rappler.com/moscow-visit" in page()


def test_a_renamed_leader_shows_on_every_card(record, rendered):
    """A leader's write bumps `*`: every card is rendered again, none with the old name."""
    page()
    rendered.clear()
    putin = record["putin"]
    putin.name = "Vladimir V. Putin"
    putin.save()
    body = page()
    assert body.count("Vladimir V. Putin") >= 2 and "Vladimir Putin<" not in body
    assert sorted(rendered) == ["Duterte meets Putin in Lima", "Duterte visits Moscow"]


def test_a_publisher_renamed_shows_on_the_cards(record):
    """What a card shows beyond its row (a source's publisher) follows `*`, which the publisher's write bumps."""
    EventSource.objects.create(event=record["lima"], url="https://www.rappler.com/lima")
    publisher = Publisher.objects.create(domain="rappler.com", name="Rappler", kind="news")
    assert "Rappler" in page()
    publisher.name = "Rappler Inc."
    publisher.save()
    assert "Rappler Inc." in page()


def test_filipino_and_english_cards_are_kept_apart(record):
    """The cards' links carry the page's language: an English card never lands on a Filipino page."""
    url = record["lima"].get_absolute_url()
    english = page()
    filipino = page("/fil/relationships/ph-ru/")
    assert f'href="{url}"' in english and f'href="/fil{url}"' not in english
    assert f'href="/fil{url}"' in filipino


def test_staff_get_their_cards_rendered_afresh(record, rendered):
    """Logged in (no page cache, so no card cache): a draft's card is rendered, and says so."""
    from django.contrib.auth import get_user_model

    make_meeting(record["duterte"], record["putin"], title="A draft meeting", published=False)
    assert "A draft meeting" not in page()
    rendered.clear()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("staff", "", "a-long-test-password"))
    for _ in range(2):
        body = client.get("/relationships/ph-ru/").content.decode()
        assert "A draft meeting" in body and "Draft: not public" in body
    assert rendered.count("A draft meeting") == 2


def test_cards_are_rendered_every_time_when_their_cache_is_off(record, rendered, settings):
    """DJANGO_PAGE_CACHE_CARDS=0 (the comparison of bench/mixed.py): a page rendered again renders every card."""
    settings.PAGE_CACHE_CARDS = False
    page()
    rendered.clear()
    lima = record["lima"]
    lima.title = "Duterte and Putin meet in Lima"
    lima.save()
    page()
    assert sorted(rendered) == ["Duterte and Putin meet in Lima", "Duterte visits Moscow"]
