"""
Datasette beside us: the same published events, the same filtered pages, measured in one run.

Datasette is what a newsroom would reach for to publish a table of events, so
it is the peer to beat: at least 10 x its req/s on a filtered list. This
script exports the published events (the `published` flag and at least one
source, as `EventQuerySet.published`) from PostgreSQL into a SQLite file, as a
publisher using sqlite-utils would lay it out:

- `events`: one row per event, `id` INTEGER PRIMARY KEY, the columns a reader
  sees (dates as ISO text, booleans as 0/1, the summit by name, the summit's
  city where the event names none, countries as ISO2 text);
- `countries` (iso2, name) and `event_countries` (event_id, country), both
  columns foreign keys, primary key (event_id, country): the many-to-many
  table Datasette's `_through=` filter follows, the way its table pages filter
  one table by another;
- indexes on events(date), events(kind, date) and event_countries(country,
  event_id) (SQLite appends the rowid, the event's id, to each), then ANALYZE
  so that SQLite's planner knows the tables' sizes.

Datasette (installed into a throwaway venv, /tmp/datasette-venv, reused when
there; not a project dependency) serves that file immutable (`-i`: it does not
change) with `sql_time_limit_ms` 30000, so that a slow query answers rather
than erroring. Its table page counts the matching rows (`select count(*)`) on
every request; no setting bounds that count short of the time limit, and our
pages count too (up to 200), so it stays. Each of its pages is measured twice:
as shipped, and with `_nosuggest=1`, which is what a publisher's
`--setting suggest_facets off` does. Suggested facets are one GROUP BY over
the matching rows per column (19 here), each up to `facet_suggest_time_limit_ms`
(50 ms): at 20,000 events they were nine tenths of a page's time (0.45 s, 0.04 s
without). The target is against the faster of the two.

Our side is bench.py's cold server: gunicorn gthread 2 x 4 with production
settings and DJANGO_PAGE_CACHE=0 (every request rendered). wrk (-t2 -c8)
measures each pair of pages one after the other, ours then Datasette's, 50 rows
each in date order, oldest first (our lists' order):

- `/events/?kind=statement` and `/<db>/events?kind=statement&_sort=date&_size=50`;
- `/events/?country=CN` and the same table page filtered with
  `_through={"table": "event_countries", "column": "country", "value": "CN"}`.

    .venv/bin/python bench/datasette_compare.py [--database-url URL] [--seconds 10] [--port 8711]

Not equal, in Datasette's favour: its rows show their own columns only, ours
each event's sources, participants and quotes too. Against it: it is one
process (uvicorn, 3 SQL threads), ours two workers; and bench.py's `load()`
warms up for 2 s right before measuring, so up to 8 abandoned requests are
still running when the measured run starts, which weighs most on the slowest
page (Datasette as shipped).

Needs a database `make bench` built (or any migrated one with events) and wrk.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PY, Server, Settles, cpu_seconds_of, ensure_wrk, load, log, production_env, run  # noqa: E402

DATASETTE_VENV = Path("/tmp/datasette-venv")
DATASETTE = str(DATASETTE_VENV / "bin" / "datasette")
DATASETTE_SETTINGS = {"sql_time_limit_ms": "30000"}
DB_NAME = "diplomacy"  # The SQLite file's stem: Datasette's URLs start /diplomacy/.
TARGET = 10
BATCH = 10_000

SCHEMA = """
CREATE TABLE [countries] (
   [iso2] TEXT PRIMARY KEY,
   [name] TEXT
);
CREATE TABLE [events] (
   [id] INTEGER PRIMARY KEY,
   [date] TEXT,
   [date_precision] TEXT,
   [date_approximate] INTEGER,
   [end_date] TEXT,
   [kind] TEXT,
   [status] TEXT,
   [title] TEXT,
   [summary] TEXT,
   [summit] TEXT,
   [city] TEXT,
   [venue] TEXT,
   [actor_country] TEXT,
   [target_country] TEXT,
   [plover_category] TEXT,
   [plover_mode] TEXT,
   [plover_context] TEXT,
   [score] FLOAT,
   [plover_reviewed] INTEGER
);
CREATE TABLE [event_countries] (
   [event_id] INTEGER REFERENCES [events]([id]),
   [country] TEXT REFERENCES [countries]([iso2]),
   PRIMARY KEY ([event_id], [country])
);
"""
INDEXES = """
CREATE INDEX [idx_events_date] ON [events] ([date]);
CREATE INDEX [idx_events_kind_date] ON [events] ([kind], [date]);
CREATE INDEX [idx_event_countries_country_event_id] ON [event_countries] ([country], [event_id]);
ANALYZE;
"""
PUBLISHED = "e.published AND EXISTS (SELECT 1 FROM events_eventsource es WHERE es.event_id = e.id)"
EVENTS_SQL = f"""
SELECT e.id, e.date::text, e.date_precision, e.date_approximate, e.end_date::text, e.kind, e.status,
       e.title, e.summary, s.name, COALESCE(NULLIF(e.city, ''), s.city), e.venue,
       e.actor_country_id, e.target_country_id, e.plover_category, e.plover_mode, e.plover_context,
       e.score::float8, e.plover_reviewed
FROM events_event e LEFT JOIN events_summit s ON s.id = e.summit_id
WHERE {PUBLISHED}
ORDER BY e.id
"""
EVENT_COUNTRIES_SQL = f"""
SELECT ec.event_id, ec.country_id
FROM events_eventcountry ec JOIN events_event e ON e.id = ec.event_id
WHERE {PUBLISHED}
ORDER BY ec.event_id, ec.country_id
"""


# ---------------------------------------------------------------------------
# The SQLite file
# ---------------------------------------------------------------------------


def copy_rows(source, target: sqlite3.Connection, query: str, table: str, columns: int) -> int:
    """Stream `query`'s rows into `table` through a server-side cursor, a batch at a time; returns their number."""
    insert = f"INSERT INTO [{table}] VALUES ({', '.join('?' * columns)})"
    copied = 0
    with source.cursor(name=f"export_{table}") as cursor:
        cursor.itersize = BATCH
        cursor.execute(query)
        while rows := cursor.fetchmany(BATCH):
            target.executemany(insert, rows)
            copied += len(rows)
            if copied % 100_000 == 0:  # Full batches until the last one: every 100,000 rows.
                log(f"{table}: {copied:,} rows…")
    log(f"{table}: {copied:,} rows")
    return copied


def export_sqlite(database_url: str, path: Path) -> dict:
    """The published events, their countries and the countries' names, into a new SQLite file at `path`."""
    started = time.monotonic()
    source = psycopg2.connect(database_url)
    target = sqlite3.connect(path, isolation_level=None)
    try:
        # Loading only: no journal, no syncs. The file as served is an ordinary SQLite file.
        target.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        target.execute("BEGIN")
        with source:
            copy_rows(source, target, "SELECT iso2, name FROM events_country ORDER BY iso2", "countries", 2)
            events = copy_rows(source, target, EVENTS_SQL, "events", 19)
            links = copy_rows(source, target, EVENT_COUNTRIES_SQL, "event_countries", 2)
        target.execute("COMMIT")
        log("indexing and analysing the SQLite file")
        target.executescript(INDEXES)
    finally:
        target.close()
        source.close()
    return {
        "events": events,
        "links": links,
        "mb": path.stat().st_size / 1e6,
        "seconds": time.monotonic() - started,
    }


# ---------------------------------------------------------------------------
# Datasette
# ---------------------------------------------------------------------------


def ensure_datasette() -> str:
    """Datasette's version, installed into its own throwaway venv unless already there."""
    if not Path(DATASETTE).exists():
        log(f"installing Datasette into {DATASETTE_VENV}")
        subprocess.run(["python3", "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run([str(DATASETTE_VENV / "bin" / "pip"), "install", "-q", "datasette"], check=True)
    return subprocess.run([DATASETTE, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]


class Datasette(Settles):
    """`datasette serve` on one SQLite file, immutable, until `stop()`."""

    def __init__(self, path: Path, port: int):
        self.base = f"http://127.0.0.1:{port}"
        settings = [arg for name, value in DATASETTE_SETTINGS.items() for arg in ("--setting", name, value)]
        self.process = subprocess.Popen(
            [DATASETTE, "serve", "-i", str(path), "--host", "127.0.0.1", "--port", str(port), *settings],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.wait_until_answers(f"{self.base}/-/versions.json", "Datasette")

    def cpu_seconds(self) -> float:
        return cpu_seconds_of([self.process.pid])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def table_page(**filters: str) -> str:
    """Datasette's page of the `events` table: `filters`, 50 rows, oldest first."""
    return f"/{DB_NAME}/events?{urllib.parse.urlencode({**filters, '_sort': 'date', '_size': '50'})}"


def datasette_matches(base: str, path: str) -> int:
    """How many rows match a Datasette table page (its own count); stops the run unless the page lists 50."""
    table, query = path.split("?", 1)
    page = json.load(urllib.request.urlopen(f"{base}{table}.json?{query}", timeout=600))
    if len(page["rows"]) != 50:
        raise SystemExit(f"Datasette's {path} lists {len(page['rows'])} rows, not 50")
    return page["filtered_table_rows_count"]


def check_ours(base: str, path: str) -> None:
    status = urllib.request.urlopen(base + path, timeout=600).status
    if status != 200:
        raise SystemExit(f"our {path} answered {status}")


# ---------------------------------------------------------------------------


PAIRS = [
    ("kind=statement", "/events/?kind=statement", table_page(kind="statement")),
    (
        "country=CN",
        "/events/?country=CN",
        table_page(
            _through=json.dumps({"table": "event_countries", "column": "country", "value": "CN"}, separators=(",", ":"))
        ),
    ),
]


def measure(wrk: str, ours: Server, theirs: Datasette, seconds: int) -> list[dict]:
    """Each pair's figures: ours, then Datasette's as shipped and without suggested facets, each run on idle servers."""
    results = []
    for label, our_path, their_path in PAIRS:
        check_ours(ours.base, our_path)
        matches = datasette_matches(theirs.base, their_path)
        runs = {}
        for side, server, path in [
            ("ours", ours, our_path),
            ("Datasette", theirs, their_path),
            ("Datasette, _nosuggest=1", theirs, f"{their_path}&_nosuggest=1"),
        ]:
            log(f"wrk {side}: {path}")
            runs[side] = load(wrk, server.base + path, seconds, {})
            server.settle()
        results.append({"label": label, "runs": runs, "matches": matches, "paths": (our_path, their_path)})
    return results


def report(results: list[dict], export: dict, version: str, seconds: int, loads: tuple) -> list[str]:
    settings = ", ".join(f"{name}={value}" for name, value in DATASETTE_SETTINGS.items())
    lines = [
        "",
        f"Datasette beside us — {export['events']:,} published events ({export['links']:,} event-country rows) "
        f"exported to SQLite: {export['mb']:.0f} MB in {export['seconds']:.0f} s",
        f"Datasette {version}, immutable (-i), {settings}; ours: gunicorn gthread 2x4, DJANGO_PAGE_CACHE=0",
        f"wrk -t2 -c8 -d{seconds}s, one page after the other, pair by pair; 50 rows a page, oldest first",
        f"load average before/after: {loads[0]:.2f} / {loads[1]:.2f} (2 cores; other work shares them)",
        "",
        f"{'page':<16}{'server':<25}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'done':>7}{'errors':>8}{'ours /':>9}  target",
    ]
    for r in results:
        ours = r["runs"]["ours"]
        fastest = max(figures["rps"] for side, figures in r["runs"].items() if side != "ours")
        met = ours["requests"] and ours["rps"] >= TARGET * fastest
        for side, figures in r["runs"].items():
            ratio = verdict = ""
            if side != "ours":
                ratio = f"{ours['rps'] / figures['rps']:.1f}x" if figures["rps"] else "-"
            if side != "ours" and figures["rps"] == fastest:
                verdict = f">= {TARGET}x: {'ok' if met else 'MISSED'}"
            lines.append(
                f"{r['label'] if side == 'ours' else '':<16}{side:<25}{figures['rps']:>8.1f}{figures['p50']:>9.1f}"
                f"{figures['p99']:>9.1f}{figures['requests']:>7}{figures['errors']:>8}{ratio:>9}  {verdict}"
            )
    lines.append("")
    for r in results:
        our_path, their_path = r["paths"]
        lines.append(f"{r['label']}: ours {our_path}; Datasette {their_path} ({r['matches']:,} rows match)")
    return lines


def compare(database_url: str, seconds: int, port: int) -> list[str]:
    """Export, serve both, measure each pair; the lines to print."""
    env = production_env(database_url)
    env.pop("REDIS_URL", None)
    wrk = ensure_wrk()
    version = ensure_datasette()
    run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    with tempfile.TemporaryDirectory(prefix="datasette-compare-") as folder:
        path = Path(folder) / f"{DB_NAME}.db"
        log(f"exporting the published events to {path}")
        export = export_sqlite(database_url, path)
        load_before = os.getloadavg()
        servers = []
        try:
            ours = Server("cold", port, {**env, "DJANGO_PAGE_CACHE": "0"})
            servers.append(ours)
            theirs = Datasette(path, port + 1)
            servers.append(theirs)
            results = measure(wrk, ours, theirs, seconds)
        finally:
            for server in servers:
                server.stop()
        load_after = os.getloadavg()
    return report(results, export, version, seconds, (load_before[0], load_after[0]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/diplomacy_bench")
    parser.add_argument("--seconds", type=int, default=10, help="Length of each wrk run.")
    parser.add_argument("--port", type=int, default=8711, help="Our server; Datasette takes the next port.")
    args = parser.parse_args()
    print("\n".join(compare(args.database_url, args.seconds, args.port)))


if __name__ == "__main__":
    main()
