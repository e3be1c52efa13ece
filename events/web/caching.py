"""
A page cache that is never stale, and conditional GET.

Every write bumps the versions of the parts of the site it changed
(events/services/versioning.py), kept in the database so that every worker
process agrees on them. A page is keyed by its part's version and that of `*`
(`page_scope`: a relationship's pages, an event's, a leader's, or `all` for the
rest), and by the day, for pages that say "upcoming"; so a write needs no
invalidation: after it, the old entries are simply never asked for again, and
an edit to one event leaves the other relationships' and events' pages cached.
The same stamps make each page's ETag, so a browser revalidating a page it
already holds gets a 304 for one query.

The lists of event cards (`CARD_LISTS`: a timeline, /events/, a leader's and a
summit's pages, unless filtered by words) are keyed by their scope's shape
instead, which an edit of what only cards show does not bump; each is stored
with the events whose cards it shows and the site's version it was rendered
at, and served only while none of their `event:<id>` is newer (asked in the
same query as the stamps: the entry is read first).
So an editor's correction to one event's summary re-renders the lists that
show that event, not all of its relationship's, its countries' and its
leaders' pages; and a list is never stale, as every edit of one of its events
bumps that event.

Who is served from the cache: anonymous GET and HEAD requests, recognised
before the session is loaded by carrying no session (or messages) cookie;
anyone logged in may see drafts and always gets a fresh page. What is stored:
200 responses that set no cookie and are not streamed, once as they are and
once gzipped for the browsers that accept it (compressed once, served many
times: a cached page then costs a tenth of the bytes). `DJANGO_PAGE_CACHE=0`
turns all of this off, conditional responses included, so that the cold
benchmark measures rendering and nothing else.
"""

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string

from events.models import pair_key
from events.services.versioning import WHOLE_RECORD, Stamps, shape_of
from events.web import cards
from events.web.guards import unavailable
from events.web.replicas import read_stamps

# Entries cannot go stale (the version is in the key), so the timeout only
# bounds how long an obsolete entry occupies memory.
DEFAULT_TIMEOUT = 60 * 60
# How many scopes' last stamps a process keeps, to serve cached pages while the database restarts.
LAST_STAMPS_KEPT = 4096
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


# The pages keyed by a part of the site smaller than the whole record, by URL name: the scope
# from the URL's arguments. Every other page is keyed `all` (versioning.py says what bumps what).
SCOPED_PAGES = {
    **dict.fromkeys(
        ("relationship", "timeline_json", "relationship_feed", "relationship_cite", "relationship_cite_file"),
        lambda kwargs: f"pair:{pair_key(*kwargs['pair'])}",
    ),
    **dict.fromkeys(("event_detail", "event_cite", "event_revision"), lambda kwargs: f"event:{kwargs['pk']}"),
    "leader_detail": lambda kwargs: f"leader:{kwargs['slug']}",
    "summit_detail": lambda kwargs: f"summit:{kwargs['slug']}",
    # The summits with their counts of events: what decides the counts (an event's summit, whether
    # it is public) is the shape of the whole record; an edit of what only cards show is not.
    "summit_list": lambda kwargs: shape_of(WHOLE_RECORD),
    # The leaders and their offices show nothing of any event: only a write of theirs, which bumps
    # `*` as every write that is not an event's does, changes the page. No write bumps this scope.
    "leader_list": lambda kwargs: "leaders",
}


# The lists of event cards: keyed by their scope's shape and checked against the events they show
# (versioning.py), unless filtered by words, whose matches change with any edit of an event's text.
CARD_LISTS = {"relationship", "event_list", "leader_detail", "summit_detail"}


@dataclasses.dataclass(frozen=True)
class ShownPage:
    """A list of cards as cached: the response, the events it shows, and the site's version it was rendered at."""

    response: HttpResponse
    stamp: str  # the stamps of its shape and `*` it was rendered under (Stamps.key)
    events: tuple[str, ...]  # their scopes, `event:<id>`
    version: int
    changed_at: datetime.datetime | None


def lists_cards(request) -> bool:
    """Whether this page is a list of event cards cached under its shape (see `CARD_LISTS`)."""
    if not (settings.PAGE_CACHE_SCOPES and settings.PAGE_CACHE_SHAPES):
        return False
    match = _match(request.path_info)
    return (
        match is not None
        and match.url_name in CARD_LISTS
        and not any(value.strip() for value in request.GET.getlist("q"))
    )


def page_scope(request) -> str:
    """The part of the site a page shows: the scope whose version keys it."""
    if not settings.PAGE_CACHE_SCOPES:
        return WHOLE_RECORD  # every edit bumps `all`: each re-renders every page
    scope = _path_scope(request.path_info)
    if scope is not EVENT_LIST:
        return scope
    # Filtered by one country (kind, dates, words or not): that country's events only.
    countries = {code.strip().lower() for code in request.GET.getlist("country")}
    if len(countries) == 1 and re.fullmatch(r"[a-z]{2}", code := countries.pop()):
        return f"country:{code}"
    return WHOLE_RECORD


EVENT_LIST = object()  # `_path_scope` of /events/: the scope depends on the query string


@functools.lru_cache(maxsize=4096)
def _match(path: str):
    """The site's page at a path (None for any other), resolved once per path and process."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match if match.namespace == "events" else None


@functools.lru_cache(maxsize=4096)
def _path_scope(path: str):
    """The scope of a path, once per path and process (a hit's cost is the stamps' query)."""
    match = _match(path)
    if match is None:
        return WHOLE_RECORD
    if match.url_name == "event_list":
        return EVENT_LIST
    if match.url_name not in SCOPED_PAGES:
        return WHOLE_RECORD
    return SCOPED_PAGES[match.url_name](match.kwargs)


# ---------------------------------------------------------------------------
# The middleware
# ---------------------------------------------------------------------------


def unavailable_now(request) -> HttpResponse:
    """The 503 page with Retry-After, rendered here: a middleware's response is not rendered for it."""
    response = unavailable(request, database_down=True)
    response.render()
    return response


class PageCacheMiddleware:
    """Serves anonymous GETs from the cache, keyed by the record's version; answers revalidations with 304.

    Place it after SecurityMiddleware (its redirects and headers still apply to
    cached pages) and before SessionMiddleware (a hit needs no session).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The bulk files carry validators of their own: those of the generation they serve.
        self.excluded_prefixes = (
            reverse("admin:index"),
            reverse("events:healthz"),
            reverse("events:bulk_file", kwargs={"filename": "x"}).removesuffix("x"),
        )
        self.identity_cookies = {settings.SESSION_COOKIE_NAME, getattr(settings, "MESSAGES_COOKIE_NAME", "messages")}
        self.timeout = getattr(settings, "PAGE_CACHE_TIMEOUT", DEFAULT_TIMEOUT)
        # The last stamps this process read of each scope: served by while the database cannot be asked.
        self.last_stamps: dict[str, Stamps] = {}

    def __call__(self, request):
        if not self.applies_to(request):
            return self.get_response(request)

        if lists_cards(request):
            return self.card_list(request)
        scope = None
        try:
            scope = page_scope(request)
            stamps = self.read_stamps(scope)
            database_answers = True
        except DatabaseError:
            # A restart or failover: for a second or so no query answers. Pages cached under
            # the last stamps read are as good as they were a moment ago; without them, or on a
            # miss, the honest answer is "try again shortly" (503), not a server error.
            stamps = self.last_stamps.get(scope) if scope else None
            if stamps is None:
                return unavailable_now(request)
            database_answers = False
        # The times of the changes are part of the stamp: a rolled-back write
        # (a test's, say) can reuse a version number, never a microsecond.
        stamp, changed_at = stamps.key, stamps.changed_at
        today = timezone.localdate()
        digest = self.identity(request, today)
        # Weak: the page is stored both as is and gzipped, two representations of one content.
        etag = f'W/"{stamp}-{digest}"'
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        last_modified = max(changed_at, midnight) if changed_at else midnight

        not_modified = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
        if not_modified is not None:
            return self.validators(not_modified, etag, last_modified)

        key = f"page:{stamp}:{digest}"
        gzip_ok = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        cached = cache.get(f"{key}:gzip" if gzip_ok else key)
        if cached is not None:
            return cached
        if not database_answers:
            return unavailable_now(request)

        # Rendered with each event card kept under its row's key (events/web/cards.py): an edit's
        # re-rendered pages take the 49 cards that did not change from there.
        with cards.cached_cards(stamps.everything) if settings.PAGE_CACHE_CARDS else contextlib.nullcontext():
            response = self.get_response(request)
        if response.status_code != 200 or not self.shareable(request, response):
            return response
        self.validators(response, etag, last_modified)
        if response.streaming:
            return response
        compressed = self.gzipped(response)
        cache.set(key, response, self.timeout)
        if compressed is None:
            return response
        cache.set(f"{key}:gzip", compressed, self.timeout)
        return compressed if gzip_ok else response

    def read_stamps(self, scope: str, events: tuple[str, ...] = (), since: int = 0) -> Stamps:
        """The stamps of a scope (read_stamps), remembered for while the database does not answer."""
        stamps = self.last_stamps[scope] = read_stamps(scope, events, since)
        if len(self.last_stamps) > LAST_STAMPS_KEPT:  # scopes come from addresses: keep a bounded few
            del self.last_stamps[next(iter(self.last_stamps))]
        return stamps

    @staticmethod
    def identity(request, today: datetime.date) -> str:
        """The digest of what tells a page from another: its address, the day and the interface's language."""
        # The day is part of the identity: "upcoming summits" change at midnight. So is the
        # interface's language (LocaleMiddleware, before this one, activated it from the address).
        identity = (
            f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{today.isoformat()}"
            f"|{translation.get_language()}"
        )
        return hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()

    def card_list(self, request):
        """A list of cards, kept under its address alone with the stamps it was rendered under.

        Served while its shape's stamps are those and none of its events is newer than the site's
        version it was rendered at: the entry is read first, then one query answers both.
        """
        scope = shape_of(page_scope(request))
        digest = self.identity(request, timezone.localdate())
        key = f"list:{digest}"
        gzip_ok = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        page = cache.get(f"{key}:gzip" if gzip_ok else key)
        try:
            stamps = self.read_stamps(scope, *((page.events, page.version) if page is not None else ()))
            fresh = page is not None and page.stamp == stamps.key and not stamps.events_changed
        except DatabaseError:
            # As for every page: what was cached under the last stamps read is as good as a moment ago.
            stamps = self.last_stamps.get(scope)
            if page is None or stamps is None or page.stamp != stamps.key:
                return unavailable_now(request)
            fresh = True
        if not fresh:
            page = self.render_card_list(request, stamps, digest, key, gzip_ok)
            if not isinstance(page, ShownPage):
                return page  # not for everyone, or not a 200: as it came
        etag, last_modified = self.card_list_validators(page, digest)
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
        if not_modified is not None:
            return self.validators(not_modified, etag, last_modified)
        return page.response

    def render_card_list(self, request, stamps: Stamps, digest: str, key: str, gzip_ok: bool):
        # The site's version read before the page's queries: every event it shows is at least that new.
        version, changed_at = stamps.version
        cached_cards = cards.cached_cards(stamps.everything) if settings.PAGE_CACHE_CARDS else contextlib.nullcontext()
        with cards.noting_shown() as shown, cached_cards:
            response = self.get_response(request)
        if response.status_code != 200 or not self.shareable(request, response) or response.streaming:
            return response
        events = tuple(sorted(f"event:{pk}" for pk in shown))
        page = ShownPage(response, stamps.key, events, version, changed_at)
        self.validators(response, *self.card_list_validators(page, digest))
        compressed = self.gzipped(response)
        cache.set(key, page, self.timeout)
        if compressed is None:
            return page
        zipped = dataclasses.replace(page, response=compressed)
        cache.set(f"{key}:gzip", zipped, self.timeout)
        return zipped if gzip_ok else page

    @staticmethod
    def card_list_validators(page: ShownPage, digest: str) -> tuple[str, datetime.datetime]:
        """A list's ETag and Last-Modified: its shape's stamp and the version it was rendered at (its events')."""
        midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
        return f'W/"{page.stamp}.{page.version}-{digest}"', max(page.changed_at or midnight, midnight)

    def applies_to(self, request) -> bool:
        return (
            settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and not request.path_info.startswith(self.excluded_prefixes)
            and not self.identity_cookies.intersection(request.COOKIES)
            and "HTTP_AUTHORIZATION" not in request.META
        )

    @staticmethod
    def shareable(request, response) -> bool:
        """Whether this response is the same for every anonymous visitor."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        if response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        return not any(word in cache_control for word in ("private", "no-store")) and response.get("Vary") != "*"

    @staticmethod
    def gzipped(response) -> HttpResponse | None:
        """A gzipped copy of a cacheable response, compressed once and served many times; None if not worth it.

        Only pages shared by every anonymous visitor get here, so they carry
        no secret for a compression side channel (BREACH) to reveal.
        """
        if response.has_header("Content-Encoding") or len(response.content) < 1024:
            return None
        compressed = HttpResponse(compress_string(response.content), status=response.status_code)
        for header, value in response.items():
            compressed[header] = value
        compressed["Content-Encoding"] = "gzip"
        compressed["Content-Length"] = str(len(compressed.content))
        patch_vary_headers(compressed, ("Accept-Encoding",))
        patch_vary_headers(response, ("Accept-Encoding",))
        return compressed

    @staticmethod
    def validators(response, etag: str, last_modified: datetime.datetime):
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified.timestamp())
        # Browsers may keep the page but must ask again: a 304 costs one query.
        patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
        return response
