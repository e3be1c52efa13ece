"""
The mixed run (issue 16): readers over about a thousand URLs, page cache on, while an editor saves.

One gunicorn with production settings (gthread 2 x 4), its workers sharing the
page cache in a throwaway Redis database (as docs/deploy.md's production does).
Readers: wrk at 8 connections, a Lua script picking one of ~1,000 URLs at
random per request: 20 relationships' timelines, each with its kinds and years,
lists by country and kind, leaders, summits, 300 events. Meanwhile an editor
saves one event a second through the admin's change form (an HTTP POST, as a
browser sends it: the same path as any editor), choosing among those 300, and
a checker reads that event's page right after each save: a page without the
new summary is a stale read.

Run three times in one go: with the page cache keyed by scope and the event cards of a
re-rendered page taken from the cache (the defaults), keyed by scope with every card
rendered (`DJANGO_PAGE_CACHE_CARDS=0`), and keyed by the whole record
(`DJANGO_PAGE_CACHE_SCOPES=0`: every edit re-renders every page, as before issue 16).
`/healthz` under the same wrk, before and after each mixed run, is the reference (their mean).

    .venv/bin/python bench/mixed.py [--database-url URL] [--seconds 30]

Needs the bench database (`make bench` builds it), Redis on 127.0.0.1:6379 and wrk.
"""

import argparse
import gzip
import http.cookiejar
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import BROWSER, PY, ROOT, Server, ensure_wrk, load, log, production_env, run, to_ms  # noqa: E402

# The page cache's configurations, measured one after the other: (label, DJANGO_PAGE_CACHE_SCOPES,
# DJANGO_PAGE_CACHE_CARDS, DJANGO_PAGE_CACHE_SHAPES). The first is the default, which the targets
# are checked against.
KEYINGS = (
    ("lists by shape, cards cached", "1", "1", "1"),
    ("by scope, cards cached", "1", "1", "0"),
    ("by scope, cards rendered", "1", "0", "0"),
    ("by the whole record", "0", "0", "0"),
)
# The mixed run's own Redis database: flushed before each keying.
REDIS = "redis://127.0.0.1:6379/10"
KINDS = ["meeting", "state_visit", "call", "statement", "agreement", "sideline"]
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
math.randomseed(%d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept-Encoding"] = "gzip, deflate"})
end
"""


def slugify(title: str) -> str:
    from django.utils.text import slugify as django_slugify

    return django_slugify(title)[:60].strip("-") or "event"


def reader_urls(database_url: str, seed: int) -> tuple[list[str], list[int]]:
    """About a thousand public URLs from the database, and the ids of the events among them."""
    rng = random.Random(seed)
    connection = psycopg2.connect(database_url)
    urls = ["/", "/events/", "/summits/", "/leaders/", "/commitments/"]
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT pair FROM events_eventpair WHERE published AND pair LIKE '%%ph%%' "
            "GROUP BY pair ORDER BY count(*) DESC LIMIT 20"
        )
        pairs = [row[0] for row in cursor.fetchall()]
        for pair in pairs:
            a, b = pair.split("-")
            base = f"/relationships/{'ph-' + (b if a == 'ph' else a)}/"
            urls.append(base)
            urls += [f"{base}?kind={kind}" for kind in KINDS]
            urls += [f"{base}?date_after={year}-01-01&date_before={year}-12-31" for year in range(2014, 2026)]
        cursor.execute("SELECT iso2 FROM events_country ORDER BY iso2")
        countries = [row[0] for row in cursor.fetchall()]
        for country in rng.sample(countries, min(30, len(countries))):
            urls.append(f"/events/?country={country}")
            urls += [f"/events/?country={country}&kind={kind}" for kind in rng.sample(KINDS, 4)]
        cursor.execute("SELECT slug FROM events_leader ORDER BY id LIMIT 100")
        urls += [f"/leaders/{row[0]}/" for row in cursor.fetchall()]
        cursor.execute("SELECT slug FROM events_summit ORDER BY start_date DESC LIMIT 50")
        urls += [f"/summits/{row[0]}/" for row in cursor.fetchall()]
        cursor.execute("SELECT max(id) FROM events_event")
        top = cursor.fetchone()[0]
        # The editor's events, each with a list that shows it: its day on one of its relationships.
        cursor.execute(
            "SELECT e.id, e.title, e.date, p.pair FROM events_event e JOIN LATERAL (SELECT pair FROM"
            " events_eventpair WHERE event_id = e.id AND published AND pair LIKE '%%ph%%' LIMIT 1) p ON true"
            " WHERE e.published AND e.id = ANY(%s) AND (SELECT count(*) FROM events_eventpair d"
            " WHERE d.pair = p.pair AND d.date = e.date AND d.published) <= 40 LIMIT 300",
            [rng.sample(range(1, top + 1), 600)],
        )
        events = cursor.fetchall()
    connection.close()
    urls += [f"/events/{pk}/{slugify(title)}/" for pk, title, _, _ in events]
    return urls, [(pk, day_list(pair, day)) for pk, _, day, pair in events]


def day_list(pair: str, day) -> str:
    """The timeline of `pair` on one day: a list of cards that shows that day's events."""
    a, b = pair.split("-")
    return f"/relationships/ph-{b if a == 'ph' else a}/?date_after={day}&date_before={day}"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def form_fields(page: str) -> dict[str, list[str]]:
    """The values a browser would submit from the admin's change form."""
    from events.tests.test_caching import FormFields

    parser = FormFields()
    parser.feed(page)
    return parser.data


class Editor(threading.Thread):
    """Saves one event a second through the admin; the checker reads its page right after each save."""

    def __init__(self, base: str, username: str, password: str, events: list[int], seed: int):
        super().__init__(daemon=True)
        self.base, self.events = base, events
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.saves = self.stale = self.failures = 0
        self.save_seconds: list[float] = []
        # Redirects not followed: a save answers 302 to the changelist, which is not the editor's
        # concern here (at a million events it is a page of its own, and slow).
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )
        login = self.get("/admin/login/?next=/admin/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)[1]
        self.post(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": [token], "username": [username], "password": [password], "next": ["/admin/"]},
        )

    def read(self, path: str) -> str:
        """A page as an anonymous reader gets it (no cookie: from the page cache)."""
        request = urllib.request.Request(self.base + path, headers=BROWSER)
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return body.decode()

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            if error.code == 302:  # saved
                return 302
            raise

    def run(self):
        number = 0
        while not self.stop.is_set():
            started = time.monotonic()
            pk, listing = self.rng.choice(self.events)
            number += 1
            marker = f"Mixed-run edit {number} {secrets.token_hex(4)}"
            try:
                # Cached before the save: after it, a stale list would show the old summary.
                if f"/events/{pk}/" not in self.read(listing):
                    raise RuntimeError(f"{listing} does not show event {pk}")
                path = f"/admin/events/event/{pk}/change/"
                data = form_fields(self.get(path))
                data["summary"] = [marker]
                data.pop("_saveasnew", None)
                data["_save"] = ["Save"]
                if self.post(path, data) != 302:
                    raise RuntimeError(f"the admin did not save event {pk} (the form came back)")
                self.save_seconds.append(time.monotonic() - started)
                self.saves += 1
                if marker not in self.read(f"/events/{pk}/"):
                    self.stale += 1
                if marker not in self.read(listing):
                    self.stale += 1
                    log(f"editor: stale list {listing} after saving event {pk}")
            except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
                self.failures += 1
                log(f"editor: {error!r}")
            self.stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


class Idle(threading.Thread):
    """No editor (`--readers-only`): the ceiling the cached pages set."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.saves = self.stale = self.failures = 0
        self.save_seconds: list[float] = []


def mixed_run(wrk: str, server: Server, urls_file: str, seconds: int, editor_args: tuple, seed: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(LUA % (urls_file, seed))
    script.close()
    editor = Editor(server.base, *editor_args, seed=seed) if editor_args else Idle()
    editor.start()
    try:
        out = subprocess.run(
            [wrk, "-t2", "-c8", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", script.name, server.base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        editor.stop.set()
        editor.join(timeout=120)
        os.unlink(script.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
        "errors": int(bad[1]) if bad else 0,
        "saves": editor.saves,
        "stale": editor.stale,
        "editor_failures": editor.failures,
        "save_p50": sorted(editor.save_seconds)[len(editor.save_seconds) // 2] if editor.save_seconds else 0.0,
    }


def compare(
    database_url: str,
    seconds: int = 30,
    port: int = 8711,
    redis_url: str = REDIS,
    seed: int = 1,
    keyings=KEYINGS,
    editor: bool = True,
) -> list[str]:
    """Each of `keyings` under the same mixed run; the lines to print (bench.py calls this too)."""
    import redis

    wrk = ensure_wrk()
    env = {**production_env(database_url), "DJANGO_PAGE_CACHE": "1", "REDIS_URL": redis_url}
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    import django

    django.setup()
    run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    username, password = "mixed-run-editor", secrets.token_urlsafe(16)
    run(
        [
            PY,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.contrib.auth import get_user_model; U = get_user_model(); "
            f"u = U.objects.filter(username='{username}').first() or U(username='{username}'); "
            f"u.is_staff = u.is_superuser = True; u.set_password('{password}'); u.save()",
        ],
        env,
    )
    urls, events = reader_urls(database_url, seed)
    urls_file = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    urls_file.write("\n".join(urls) + "\n")
    urls_file.close()
    log(f"{len(urls)} reader URLs, {len(events)} events for the editor")

    results = {}
    failing: dict[str, int] = {}  # path: status, of the URLs that did not answer 200 when first read
    load_before = os.getloadavg()
    try:
        for label, scopes, cards, shapes in keyings:
            redis.Redis.from_url(redis_url).flushdb()
            keying = {"DJANGO_PAGE_CACHE_SCOPES": scopes, "DJANGO_PAGE_CACHE_CARDS": cards}
            server = Server(label, port, {**env, **keying, "DJANGO_PAGE_CACHE_SHAPES": shapes})
            try:
                log(f"{label}: reading every URL once")
                for path in urls:
                    try:
                        urllib.request.urlopen(
                            urllib.request.Request(server.base + path, headers=BROWSER), timeout=120
                        ).read()
                    except urllib.error.HTTPError as error:
                        failing.setdefault(path, error.code)
                log(f"{label}: /healthz")
                before = load(wrk, server.base + "/healthz", seconds, BROWSER)
                log(f"{label}: the mixed run, {seconds} s")
                editor_args = (username, password, events) if editor else None
                mixed = mixed_run(wrk, server, urls_file.name, seconds, editor_args, seed)
                # The reference again, after: on this machine one /healthz run swung from 705 to
                # 1,785 req/s between keyings, so the ratio is to the mean of the two.
                log(f"{label}: /healthz, again")
                after = load(wrk, server.base + "/healthz", seconds, BROWSER)
                health = {"rps": (before["rps"] + after["rps"]) / 2, "before": before["rps"], "after": after["rps"]}
                results[label] = (health, mixed)
                server.settle()
            finally:
                server.stop()
    finally:
        os.unlink(urls_file.name)
    load_after = os.getloadavg()

    lines = [
        "",
        f"The mixed run: {len(urls)} URLs at random, wrk -t2 -c8 -d{seconds}s, page cache on (Redis), "
        + ("an editor saving one event a second through the admin" if editor else "no editor (--readers-only)"),
        f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} (2 cores)",
        "",
        f"{'page cache':<30}{'/healthz r/s (before, after)':>29}{'mixed r/s':>11}{'ratio':>8}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}{'saves':>7}{'stale':>7}{'save p50':>10}",
    ]
    for label, (health, mixed) in results.items():
        reference = f"{health['rps']:.0f} ({health['before']:.0f}, {health['after']:.0f})"
        lines.append(
            f"{label:<30}{reference:>29}{mixed['rps']:>11.0f}{mixed['rps'] / health['rps']:>7.2f}x"
            f"{mixed['p50']:>9.1f}{mixed['p99']:>9.1f}{mixed['errors']:>8}{mixed['saves']:>7}{mixed['stale']:>7}"
            f"{mixed['save_p50']:>9.2f}s"
        )
    if failing:
        lines += ["", "not 200 when first read (wrk counts them as errors):"]
        lines += [f"  {status} {path}" for path, status in failing.items()]
    health, mixed = results[KEYINGS[0][0]]
    lines += [
        "",
        f"target: mixed >= 0.5 x /healthz: {mixed['rps'] / health['rps']:.2f}x "
        f"{'ok' if mixed['rps'] >= 0.5 * health['rps'] else 'MISSED'}; "
        f"p99 < 50 ms: {mixed['p99']:.0f} ms {'ok' if mixed['p99'] < 50 else 'MISSED'}; "
        f"no stale read: {mixed['stale']} {'ok' if mixed['stale'] == 0 and mixed['saves'] else 'MISSED'}"
        if editor
        else "no stale read: no editor",
    ]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/diplomacy_bench"),
    )
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument("--redis", default=REDIS, help="A Redis database of its own: flushed.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only-default", action="store_true", help="Measure the default keying alone.")
    parser.add_argument("--readers-only", action="store_true", help="No editor: every page stays cached.")
    args = parser.parse_args()
    keyings = KEYINGS[:1] if args.only_default else KEYINGS
    lines = compare(args.database_url, args.seconds, args.port, args.redis, args.seed, keyings, not args.readers_only)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
