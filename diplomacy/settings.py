"""
Settings for the Philippine foreign-policy tracker.

Everything that differs between a laptop, CI and production comes from the
environment (see README.md, "Configuration"). The defaults are the safe ones,
except that DJANGO_DEBUG defaults to off and `make run` turns it on.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")


DEBUG = env_flag("DJANGO_DEBUG", False)

# A development key is only acceptable while debugging; production must set one.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not os.environ.get("DJANGO_ALLOW_INSECURE_KEY"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set. Set it, or set DJANGO_DEBUG=1 for local work.")
    SECRET_KEY = "django-insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so that runserver serves files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    # The read-only API (events/api/); listed so that its docs page is served from its own static files.
    "ninja",
    "corsheaders",
    "simple_history",
    "axes",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so that a cached API response carries the CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the page cache and any query: a query string no page takes is a 400 at once.
    "events.web.guards.RequestGuardMiddleware",
    # Before the page cache: every API request counts, a cache hit too (events/api/limits.py).
    "events.api.limits.ApiRateLimitMiddleware",
    # Before the page cache, which keys on the language it activates: the address alone decides
    # it (`/fil/...` Filipino, every other address English), so a hit needs no session either.
    "django.middleware.locale.LocaleMiddleware",
    # Before sessions: a cache hit needs none (see events/web/caching.py).
    "events.web.caching.PageCacheMiddleware",
    # Right after the page cache: a miss for an anonymous reader renders on the hot standby.
    "events.web.replicas.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records who made each change in the edit history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # A query stopped by the statement timeout becomes a 503 page (events/web/guards.py).
    "events.web.guards.QueryTimeoutMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "diplomacy.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Every public page (events/web/jinja.py says why); the admin stays on the engine above.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "events.web.jinja.environment", "autoescape": True},
    },
]

# Widgets and forms from Django's Jinja2 templates where it ships them (events/web/form_renderer.py).
FORM_RENDERER = "events.web.form_renderer.JinjaFirstRenderer"

WSGI_APPLICATION = "diplomacy.wsgi.application"

# PostgreSQL in production, CI and benchmarks; an SQLite file when nothing is set,
# so that `make run` needs nothing installed.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections: without them every request pays for a new
        # PostgreSQL connection. Health checks make a restarted server harmless.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# No statement of a web request runs longer than this (events/web/guards.py): the
# database stops it, even after its client has gone. `manage.py` sets 0 (no
# limit) for commands other than runserver, whose bulk statements may run long.
STATEMENT_TIMEOUT_MS = int(os.environ.get("DJANGO_STATEMENT_TIMEOUT_MS", "5000"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No parallel workers: every page's query is bounded (a page, a bounded count), and on a
    # small server starting two workers costs more than they save (90 ms of a 120 ms count at
    # a million events, issue 16); the other requests want those cores. No JIT either: a
    # misestimated plan (a window over a summit's participants, estimated at a million rows
    # for 3,000) spent 1.16 s of its 1.25 s compiling itself, on a query of 90 ms (issue 16).
    options = "-c max_parallel_workers_per_gather=0 -c jit=off"
    if STATEMENT_TIMEOUT_MS:
        options += f" -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = options
# A PostgreSQL hot standby of the primary (docs/scaling.md): anonymous pages render on it,
# editors and every write stay on the primary (events/web/replicas.py). Tests mirror the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    from django.db.backends.postgresql.psycopg_any import IsolationLevel

    DATABASES["replica"] = {
        **dj_database_url.parse(
            os.environ["DATABASE_REPLICA_URL"],
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        "TEST": {"MIRROR": "default"},
    }
    # One snapshot for a whole page, the version it is checked against included. A standby that
    # does not answer within 2 s is passed over for the primary.
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "isolation_level": IsolationLevel.REPEATABLE_READ,
        "connect_timeout": 2,
    }
DATABASE_ROUTERS = ["events.web.replicas.ReadReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot share one connection between threads for long; and it should
    # not hold a persistent connection that a test database swap would invalidate.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file, not Django's shared in-memory database: with memory, the live server
    # hands one connection to every request thread, and a browser's parallel requests then
    # interleave their transactions on it (a CI run hung there). With a file each thread has
    # its own connection, as under `make run`, and a lock wait ends after SQLite's 5 s timeout.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "DJANGO_TEST_SQLITE", str(Path(tempfile.gettempdir()) / f"diplomacy-test-{os.getpid()}.sqlite3")
        )
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The public pages' interface in English at today's addresses and in Filipino under /fil/
# (diplomacy/urls.py); the admin stays English. The catalogue and how to update it: docs/i18n.md.
LANGUAGES = [("en-gb", "English"), ("fil", "Filipino")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Manila"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Tests and debugging run without `collectstatic`; the manifest is for production.
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or os.environ.get("DJANGO_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Optional shared cache; local memory otherwise. A Redis that does not answer within half a
# second is a miss, not an error (events/web/shared_cache.py).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "events.web.shared_cache.TolerantRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PAGE_CACHE = env_flag("DJANGO_PAGE_CACHE", True)
# Pages keyed by the part of the site they show (events/web/caching.py `page_scope`); 0 keys every
# page by the whole record, so that any edit re-renders every page (bench/mixed.py compares both).
PAGE_CACHE_SCOPES = env_flag("DJANGO_PAGE_CACHE_SCOPES", True)
# A page the cache renders again takes its unchanged event cards from the cache (events/web/cards.py).
PAGE_CACHE_CARDS = env_flag("DJANGO_PAGE_CACHE_CARDS", True)
# Lists of event cards keyed by their shape, and served while none of the events they show has
# changed (events/web/caching.py): an edit of one event's text re-renders only the lists showing it.
PAGE_CACHE_SHAPES = env_flag("DJANGO_PAGE_CACHE_SHAPES", True)

# HTTPS hardening is on whenever debugging is off, unless explicitly disabled
# for local benchmarks and tests (DJANGO_HTTPS=0).
HTTPS = env_flag("DJANGO_HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The reverse proxies in front of the site that append the client's address to
# X-Forwarded-For. 0: none, the connection's own address is the client's (a
# header a client sends itself is then ignored).
TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0"))

# Login throttling (django-axes): five wrong passwords for one user from one
# address lock that combination for fifteen minutes, and twenty from one
# address, whatever the usernames, lock the address. The address is the
# client's as the trusted proxies saw it (events.web.guards.client_ip).
AXES_CLIENT_IP_CALLABLE = "events.web.guards.client_ip"
AXES_USER_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = 4 * AXES_USER_FAILURE_LIMIT
AXES_FAILURE_LIMIT = "events.web.guards.login_failure_limit"
AXES_COOLOFF_TIME = 0.25  # hours
# The first set must stay the (username, address) pair: login_failure_limit() counts it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_flag("AXES_ENABLED", True)

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The country whose foreign relations this site follows.
HOME_COUNTRY = "PH"

# Bounded exports (#16): the most rows one request of each export reads. /events.json and
# /events.csv page on with a `next` cursor; the others say they stop there.
EXPORT_PAGE_SIZE = int(os.environ.get("DJANGO_EXPORT_PAGE_SIZE", "1000"))
TIMELINE_SLIDES = 1000  # TimelineJS slows to a crawl beyond about a thousand slides
FEED_LENGTH = 50  # entries of each Atom feed
CALENDAR_LENGTH = 200  # events of each iCalendar file (and as many summits in /calendar.ics): ~2 ms each to write
# The whole public record as files (events/services/bulk_files.py), regenerated after a change.
# Each app node keeps its own copy: see docs/deploy.md.
BULK_DIR = Path(os.environ.get("DJANGO_BULK_DIR", BASE_DIR / "var" / "bulk"))
BULK_IN_BACKGROUND = True  # False writes them during the download that finds them behind (tests)
# The site's public address, for the bulk files' event links; unset, the address a download reached.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "")

# The read-only API (events/api/): CORS for reading only, from anywhere, without
# credentials; an anonymous rate limit per client address (client_ip above),
# `requests/period` with period one of s, min, h, day (e.g. 120/min).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
API_RATE_LIMIT = os.environ.get("DJANGO_API_RATE_LIMIT", "120/min")
