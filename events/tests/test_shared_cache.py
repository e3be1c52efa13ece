"""The shared page cache in Redis is a cache: while Redis does not answer, pages are rendered, never a 500."""

import logging

import pytest
from django.test import Client

from events.tests.factories import make_event
from events.web.shared_cache import TolerantRedisCache

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:1/9"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    settings.PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "events.web.shared_cache.TolerantRedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_pages_are_rendered_while_redis_does_not_answer(redis_down, caplog):
    """Each request renders the page from the database; the cache's absence is a warning in the log."""
    make_event(title="Duterte meets Putin in Lima")
    client = Client()
    with caplog.at_level(logging.WARNING, logger="events.web.shared_cache"):
        for _ in range(2):
            response = client.get("/events/")
            assert response.status_code == 200
            assert "Duterte meets Putin in Lima" in response.content.decode()
    assert "Page cache unavailable, page rendered" in caplog.text
    assert "Page cache unavailable, page not stored" in caplog.text
    assert "Page cache unavailable, cards rendered" in caplog.text  # the event cards' cache, events/web/cards.py


def test_one_redis_client_serves_every_command():
    """Building a redis.Redis costs more than a GET answered (redis-py 8): each pool's client is made once."""
    cache = TolerantRedisCache(NOWHERE, {})
    reader, writer = cache._cache.get_client("page:a"), cache._cache.get_client("page:a", write=True)
    assert cache._cache.get_client("page:b") is reader
    assert cache._cache.get_client("page:b", write=True) is writer
