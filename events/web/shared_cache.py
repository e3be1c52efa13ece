"""
The shared page cache in Redis, as a cache and not as a part the site depends on.

Django's RedisCache raises when Redis does not answer, which would make every
anonymous page a 500 while Redis restarts. The page cache only ever saves work
(events/web/caching.py: a miss renders the page), so here a Redis that does
not answer within half a second is a miss, and a page not stored, logged as a
warning; the site goes on rendering from the database.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("events.web.shared_cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class ReusedClients(RedisCacheClient):
    """Django's Redis client, keeping one redis.Redis per connection pool instead of building one per command.

    Building one (redis-py 8: its event dispatcher, its retry policy) cost 0.8 ms,
    more than the GET it then sent: a third of a cached page's time (issue 16).
    A redis.Redis is safe to share between threads; its pool hands each command a
    connection.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(index))
        return client


class TolerantRedisCache(RedisCache):
    """RedisCache whose reads miss and whose writes are skipped while Redis does not answer.

    `get_many`/`set_many` too: the event cards (events/web/cards.py) are read and stored a page at a time.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            logger.warning("Page cache unavailable, page rendered: %s", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            logger.warning("Page cache unavailable, page not stored: %s", error)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            logger.warning("Page cache unavailable, cards rendered: %s", error)
            return {}

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            logger.warning("Page cache unavailable, cards not stored: %s", error)
            return list(data)
