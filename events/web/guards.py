"""
Every anonymous request bounded in cost: its query string before any work, its queries while they run.

`RequestGuardMiddleware` answers 400 at once, before the page cache, the
session or a query, when a query string is longer or has more values than any
page of this site takes, repeats a parameter that takes one value, or holds a
NUL character (which no page means and PostgreSQL refuses).

`QueryTimeoutMiddleware` turns a query cancelled for running too long into
a 503 page with `Retry-After`, and logs it. The limit itself is the
database's: on PostgreSQL a server-side `statement_timeout` on every
connection of the web processes (settings.py), so that a query stops even
when its client has gone, planning included; on SQLite a progress handler
that interrupts a statement past the same limit (`limit_sqlite_statements`).
`manage.py` lifts it for commands, whose bulk statements may rightly run
for minutes, and `without_statement_timeout` does for those commands when
they are called from code (`call_command`).
"""

import functools
import ipaddress
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse

logger = logging.getLogger("events.web.guards")

MAX_QUERY_LENGTH = 2048
MAX_PARAMETERS = 40
# The parameters a public page takes more than once; every other one takes one value.
REPEATABLE = frozenset({"country", "with"})
RETRY_AFTER_SECONDS = 30
# How many SQLite virtual-machine steps pass between two looks at the clock.
_SQLITE_CHECK_EVERY = 20_000
_POSTGRES_QUERY_CANCELED = "57014"


def bad_request(message: str) -> HttpResponse:
    return HttpResponse(f"Bad request.\n{message}\n", status=400, content_type="text/plain; charset=utf-8")


def query_string_problem(request) -> str | None:
    """What is wrong with the request's address, in a sentence, or None."""
    if "\x00" in request.path:
        return "The address holds a NUL character (%00)."
    raw = request.META.get("QUERY_STRING", "")
    if len(raw) > MAX_QUERY_LENGTH:
        return f"The query string is {len(raw):,} characters long; at most {MAX_QUERY_LENGTH:,} are accepted."
    if not raw:
        return None
    lists = request.GET.lists()
    total = 0
    for name, values in lists:
        total += len(values)
        if any("\x00" in value for value in values) or "\x00" in name:
            return f"The parameter “{name[:40]}” holds a NUL character (%00)."
        if len(values) > 1 and name not in REPEATABLE and not request.path.startswith("/admin/"):
            return f"The parameter “{name[:40]}” was given {len(values)} times; it takes one value."
    if total > MAX_PARAMETERS:
        return f"The query string has {total} values; at most {MAX_PARAMETERS} are accepted."
    return None


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = query_string_problem(request)
        if problem and request.path_info.startswith("/api/"):
            return JsonResponse({"detail": problem}, status=400)  # The API answers in JSON, errors too.
        if problem:
            return bad_request(problem)
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address: the one the outermost of settings.TRUSTED_PROXIES appended to X-Forwarded-For.

    django-axes' AXES_CLIENT_IP_CALLABLE. Each trusted proxy appends the address
    it received the request from, so the client's is the TRUSTED_PROXIES-th from
    the right; whatever lies further left the client wrote itself. A request that
    did not pass through all of them (too short a header, or not an address)
    counts by the connection's address.
    """
    remote = request.META.get("REMOTE_ADDR")
    if settings.TRUSTED_PROXIES <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < settings.TRUSTED_PROXIES:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-settings.TRUSTED_PROXIES]))
    except ValueError:
        return remote


def login_failure_limit(request, credentials) -> int:
    """django-axes' AXES_FAILURE_LIMIT: AXES_USER_FAILURE_LIMIT for one username, AXES_ADDRESS_FAILURE_LIMIT per address.

    Axes compares one count, the largest over AXES_LOCKOUT_PARAMETERS (here the
    address's failures, which include the pair's), with one limit: so the limit
    is the pair's once the pair has reached it, and the address's until then.
    """
    from axes.handlers.database import AxesDatabaseHandler
    from django.db.models import Sum

    pair = AxesDatabaseHandler().get_user_attempts(request, credentials)[0]  # [username, ip_address]
    failures = pair.aggregate(total=Sum("failures_since_start"))["total"] or 0
    user_limit = settings.AXES_USER_FAILURE_LIMIT
    return user_limit if failures >= user_limit else settings.AXES_ADDRESS_FAILURE_LIMIT


def is_query_timeout(error: BaseException) -> bool:
    """Whether a database error is a statement cancelled for running past the limit."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if getattr(cause, "pgcode", None) == _POSTGRES_QUERY_CANCELED:
        return True
    return "interrupted" in str(error)  # SQLite's word for a statement its progress handler stopped


def unavailable(request, *, database_down: bool = False) -> TemplateResponse:
    response = TemplateResponse(
        request, "503.html", {"retry_after": RETRY_AFTER_SECONDS, "database_down": database_down}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class QueryTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_query_timeout(exception):
            return None
        logger.warning(
            "Query stopped after %s ms: %s %s", settings.STATEMENT_TIMEOUT_MS, request.method, request.get_full_path()
        )
        # Rendered here: when the query ran away while a template rendered, Django returns
        # this response as it is, and an unrendered one would be a 500.
        return unavailable(request).render()


def limit_sqlite_statements(sender, connection, **kwargs) -> None:
    """On SQLite, stop any statement that runs longer than settings.STATEMENT_TIMEOUT_MS (0: no limit).

    Connected to `connection_created`. An execute wrapper notes when each
    statement starts; the progress handler, called every few thousand steps,
    interrupts it once past the limit, which SQLite reports as "interrupted".
    """
    limit_ms = settings.STATEMENT_TIMEOUT_MS
    if connection.vendor != "sqlite" or not limit_ms:
        return
    connection.execute_wrappers[:] = [w for w in connection.execute_wrappers if not getattr(w, "times_statements", 0)]
    started = [None]

    def timed(execute, sql, params, many, context):
        started[0] = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            started[0] = None

    timed.times_statements = True

    def past_limit():
        if started[0] is None or getattr(connection, "statement_timeout_lifted", False):
            return 0
        return int((time.monotonic() - started[0]) * 1000 > settings.STATEMENT_TIMEOUT_MS > 0)

    connection.connection.set_progress_handler(past_limit, _SQLITE_CHECK_EVERY)
    connection.execute_wrappers.append(timed)


@contextmanager
def without_statement_timeout(using: str = DEFAULT_DB_ALIAS):
    """No statement limit inside this block, on this connection: for bulk commands called from code."""
    connection = connections[using]
    lifted = connection.vendor == "postgresql" and settings.STATEMENT_TIMEOUT_MS
    if lifted:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    connection.statement_timeout_lifted = True
    try:
        yield
    finally:
        connection.statement_timeout_lifted = False
        if lifted:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")
            except DatabaseError:
                pass  # An aborted transaction: its rollback undoes the SET as well.


def unbounded_command(handle):
    """Decorates a command's `handle` to run `without_statement_timeout`."""

    @functools.wraps(handle)
    def wrapper(self, *args, **options):
        with without_statement_timeout(options.get("database") or DEFAULT_DB_ALIAS):
            return handle(self, *args, **options)

    return wrapper
