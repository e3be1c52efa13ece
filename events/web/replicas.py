"""
Anonymous reads from a hot standby; editors' requests and every write on the primary.

With `DATABASE_REPLICA_URL` set (settings.py), the database alias `replica` is
a PostgreSQL hot standby streaming from the primary (`default`). Anonymous GET
and HEAD requests (no session cookie: the page cache's own test) render from
it; logged-in editors, the admin, `/healthz` and every write use the primary,
so an editor sees their own edit at once. `ReadReplicaRouter` only follows
what `ReplicaReadsMiddleware` chose for the request; outside a request (the
shell, commands, tests) everything is on the primary.

Never a page older than the version it is cached under. The page cache keys a
page by the stamps it read first (`read_stamps`, the primary's); the standby
renders a page only when, in the REPEATABLE READ snapshot that renders it, its
own version is at least that one. So a page rendered on the standby shows the
data of the key's version or newer, never older, whatever the replica's lag,
and a reader never sees an edit revert after the primary has shown it: a
standby behind the primary by even one edit is passed over for the primary
until it catches up. The lag bound is therefore "no version behind", measured
by the version itself, not by a clock.

No error when the standby fails: a standby that refuses connections is left
alone for `COOL_DOWN_SECONDS` (each process decides for itself), and a page
whose standby query failed half-way (the standby stopped, or a query cancelled
by a conflict with recovery) is rendered again on the primary, unlogged: a GET
can be repeated. While the primary is down, readers get pages rendered on the
standby, keyed by the standby's version (read first, rendered after, so again
never older than its key).
"""

import contextlib
import contextvars
import datetime
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import HttpResponse
from django.urls import reverse

from events.services.versioning import Stamps, current_stamps, current_version
from events.web.guards import is_query_timeout

REPLICA = "replica"
# How long a process leaves a standby that failed alone before trying it again.
COOL_DOWN_SECONDS = 5.0

Version = tuple[int, datetime.datetime | None]

# The alias this request's reads go to (None: the primary), and the version the page cache read for it.
_reads_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("reads_from", default=None)
_version_read: contextvars.ContextVar[Version | None] = contextvars.ContextVar("version_read", default=None)
# time.monotonic() until which this process leaves the standby alone.
_standby_down_until = 0.0


class ReadReplicaRouter:
    """Reads where the request's middleware chose (the standby for anonymous pages), writes on the primary."""

    def db_for_read(self, model, **hints):
        return _reads_from.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # Both aliases hold the same rows.

    def allow_migrate(self, db, app_label, **hints):
        # A hot standby is read-only: it receives the primary's migrations by replication.
        return None if db != REPLICA else False


def standby_configured() -> bool:
    return REPLICA in settings.DATABASES


def standby_usable() -> bool:
    return standby_configured() and time.monotonic() >= _standby_down_until


def standby_failed() -> None:
    """Leave the standby alone for a while: its connection is closed, the next try will reconnect."""
    global _standby_down_until
    _standby_down_until = time.monotonic() + COOL_DOWN_SECONDS
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def at_least(found: Version, floor: Version) -> bool:
    """Whether a database showing version `found` shows all that version `floor` stands for.

    Versions only grow, except that a rolled-back write can reuse a number: an equal number
    then counts only with the same time of change.
    """
    return found[0] > floor[0] or found == floor


def read_stamps(scope: str, events: Iterable[str] = (), since: int = 0) -> Stamps:
    """The stamps a page is cached under (its scope's): the primary's; the standby's while the primary does not answer.

    The site's version among them is remembered for the request, so that the standby renders the
    page only if it is at least as new. Raises DatabaseError when neither answers.
    """
    _version_read.set(None)
    try:
        found = current_stamps(scope, DEFAULT_DB_ALIAS, events, since)
    except DatabaseError:
        if not standby_usable():
            raise
        try:
            found = current_stamps(scope, REPLICA, events, since)
        except DatabaseError:
            standby_failed()
            raise
    _version_read.set(found.version)
    return found


class StandbyFailed(HttpResponse):
    """Not sent: says to ReplicaReadsMiddleware that the standby failed under the page, to render it again."""

    status_code = 503


class ReplicaReadsMiddleware:
    """Renders anonymous GETs on the standby when it is at least as new as the page's version.

    Place it right after PageCacheMiddleware (which reads the version a page is cached under)
    and before SessionMiddleware. Without a standby configured it does nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.primary_only_prefixes = (reverse("admin:index"), reverse("events:healthz"))
        self.identity_cookies = {settings.SESSION_COOKIE_NAME, getattr(settings, "MESSAGES_COOKIE_NAME", "messages")}

    def __call__(self, request):
        _reads_from.set(None)
        floor = _version_read.get()
        _version_read.set(None)
        if not (standby_usable() and self.anonymous_read(request)):
            return self.get_response(request)
        if floor is None:  # The page cache is off: compare with the primary here.
            try:
                floor = current_version(DEFAULT_DB_ALIAS)
            except DatabaseError:
                floor = (0, None)  # The primary is down: the standby, whatever its version, is all there is.
        try:
            response = self.render_on_standby(request, floor)
        except DatabaseError:  # Connecting, or the version's query, or the rollback at the end.
            response = StandbyFailed()
        if isinstance(response, StandbyFailed):
            standby_failed()
        if response is None or isinstance(response, StandbyFailed):
            response = self.get_response(request)
        return response

    def anonymous_read(self, request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.path_info.startswith(self.primary_only_prefixes)
            and not self.identity_cookies.intersection(request.COOKIES)
            and "HTTP_AUTHORIZATION" not in request.META
        )

    def render_on_standby(self, request, floor: Version):
        """The response rendered in one REPEATABLE READ snapshot of the standby; None when it lags behind `floor`."""
        with transaction.atomic(using=REPLICA):
            try:
                if not at_least(current_version(REPLICA), floor):
                    return None
                _reads_from.set(REPLICA)
                response = self.get_response(request)
            finally:
                _reads_from.set(None)
                # Read-only: nothing to commit, and a failed query leaves nothing to keep.
                transaction.set_rollback(True, using=REPLICA)
        if response.streaming:
            # Streamed after this returns (an export): on the standby too, in autocommit.
            response.streaming_content = reading_from(REPLICA, response.streaming_content)
        return response

    def process_exception(self, request, exception):
        """A standby query that failed (the standby stopping, a query cancelled by recovery): render again.

        A query stopped by the statement timeout is not repeated: QueryTimeoutMiddleware,
        after this one, has already answered it with its 503 page.
        """
        if _reads_from.get() == REPLICA and isinstance(exception, DatabaseError) and not is_query_timeout(exception):
            return StandbyFailed()
        return None


def reading_from(alias: str, chunks):
    """`chunks`, produced with the reads on `alias`."""
    _reads_from.set(alias)
    try:
        yield from chunks
    finally:
        _reads_from.set(None)
