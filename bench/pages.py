"""
Every public page's single-request time, against one server, page cache off.

Used by `make bench` (bench/bench.py) and runnable alone against a running
server: `python bench/pages.py http://127.0.0.1:8702 [database-url] [only these…]`.
The per-request exports (bounded pages) get a table of their own: their median
time and size, against about a second each. Each URL is
fetched `runs` times one after another (after one warm-up fetch) and the
median kept; the ratio is to `/healthz`'s median, measured the same way in the
same run, interleaved with the pages so that a change in the machine's load
moves both.
"""

import statistics
import sys
import time
import urllib.error
import urllib.request

import psycopg2

FILTERS = [
    "country=CN",
    "country=AE",
    "country=US&country=JP",
    "summit={summit}",
    "leader={leader}",
    "kind=state_visit",
    "kind=meeting",
    "kind=statement",
    "status=cancelled",
    "date_after=2020-01-01",
    "date_before=1995-12-31",
    "date_after=2010-01-01&date_before=2012-12-31",
    "country=CN&kind=meeting",
    "country=RU&kind=call",
]
WORDS = ["trade", "vladivostok"]


def samples(database_url: str) -> dict:
    """A busy summit, a busy leader, a recent event and the home country's busiest pairs, from the database."""
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.slug FROM events_summit s JOIN events_event e ON e.summit_id = s.id "
            "GROUP BY s.slug ORDER BY count(*) DESC LIMIT 1"
        )
        summit = cursor.fetchone()[0]
        cursor.execute(
            "SELECT l.slug FROM events_leader l JOIN events_eventleader el ON el.leader_id = l.id "
            "WHERE l.country_id = 'CN' GROUP BY l.slug ORDER BY count(*) DESC LIMIT 1"
        )
        leader = cursor.fetchone()[0]
        cursor.execute("SELECT id, title FROM events_event WHERE published ORDER BY date DESC, id DESC LIMIT 1")
        event, title = cursor.fetchone()
    connection.close()
    # The event's own address: /events/<id>/ alone redirects there, and would be timed twice.
    return {"summit": summit, "leader": leader, "event": event, "event_url": f"/events/{event}/{slugify(title)}/"}


def slugify(title: str) -> str:
    """Event.slug's rule."""
    from django.utils.text import slugify as django_slugify

    return django_slugify(title)[:60].strip("-") or "event"


def page_paths(database_url: str, deep_timeline: str | None = None) -> list[str]:
    """The URLs of every public page: lists with each filter alone and with `q`, timelines, details."""
    s = samples(database_url)
    paths = ["/", "/events/"]
    for query in FILTERS:
        query = query.format(**s)
        paths.append(f"/events/?{query}")
        paths.append(f"/events/?{query}&q=trade")
    paths += [f"/events/?q={word}" for word in WORDS]
    paths += [
        "/relationships/ph-cn/",
        "/relationships/ph-cn/?q=trade",
        "/relationships/ph-jp/?q=trade",
        "/relationships/ph-jp/?kind=statement&q=trade",
        "/relationships/ph-cn/?kind=meeting",
        "/relationships/ph-cn/?date_after=2015-01-01&date_before=2016-12-31",
        "/relationships/ph-us/?leader={leader}".format(**s),
        "/relationships/ph-cn/?status=cancelled&q=vladivostok",
    ]
    if deep_timeline:
        paths.append(deep_timeline)
    paths += [
        "/summits/",
        "/summits/?page=2",
        f"/summits/{s['summit']}/",
        "/leaders/",
        "/leaders/?page=3",
        f"/leaders/{s['leader']}/",
        s["event_url"],
        "/relationships/compare/?with=cn&with=us&with=jp",
    ]
    return paths


def export_paths(database_url: str) -> list[str]:
    """The per-request exports: each a bounded page (issue 16). The bulk files are bench.py's to time."""
    s = samples(database_url)
    return [
        "/events.json",
        "/events.json?country=CN",
        "/events.csv",
        "/events.csv?country=CN&kind=meeting",
        "/relationships/ph-cn/timeline.json",
        "/relationships/ph-cn/timeline.json?kind=statement",
        "/calendar.ics",
        "/events.ics?country=CN",
        "/events/feed/",
        "/relationships/ph-cn/feed/",
        "/changes/feed/",
        "/api/v1/events?country=CN",
        "/api/v1/events?q=trade&kind=meeting",
        f"/api/v1/events/{s['event']}",
        "/api/v1/leaders",
        "/api/v1/summits",
    ]


def get(url: str) -> tuple[float, int]:
    seconds, status, _ = fetch(url)
    return seconds, status


def fetch(url: str) -> tuple[float, int, int]:
    """Seconds, status and bytes of one GET (the body read to its end)."""
    started = time.perf_counter()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            while chunk := response.read(1 << 16):
                size += len(chunk)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return time.perf_counter() - started, status, size


def export_table(base: str, paths: list[str], runs: int = 3, limit_ms: float = 1000) -> list[str]:
    """Each export's median time and size: none should cost more than about a second (issue 16)."""
    lines = [f"{'export (page cache off, one request at a time)':<60}{'ms':>9}{'bytes':>14}  status"]
    worst = 0.0
    for path in paths:
        fetch(base + path)  # warm
        timed = [fetch(base + path) for _ in range(runs)]
        ms = statistics.median(seconds for seconds, _, _ in timed) * 1000
        status, size = timed[-1][1], timed[-1][2]
        worst = max(worst, ms)
        flag = "" if ms <= limit_ms and status == 200 else "  <-- MISSED" if status == 200 else "  <-- NOT 200"
        lines.append(f"{path[:59]:<60}{ms:>9.1f}{size:>14,}  {status}{flag}")
    lines.append(
        f"slowest export: {worst:.0f} ms; target every export <= {limit_ms:.0f} ms: "
        + ("ok" if worst <= limit_ms else "MISSED")
    )
    return lines


def median_ms(url: str, runs: int) -> tuple[float, int]:
    _, status = get(url)  # warm: the worker's first sight of the URL
    return statistics.median(get(url)[0] for _ in range(runs)) * 1000, status


def measure(base: str, paths: list[str], runs: int = 5) -> tuple[float, list[tuple[str, float, int]]]:
    """/healthz's median (ms) and [(path, median ms, status)]; /healthz re-measured beside each page."""
    health, rows = [], []
    for path in paths:
        health.append(median_ms(base + "/healthz", runs)[0])
        rows.append((path, *median_ms(base + path, runs)))
    return statistics.median(health), rows


def table(health: float, rows: list[tuple[str, float, int]], limit: float = 15) -> list[str]:
    lines = [
        f"{'page (page cache off, one request at a time)':<72}{'ms':>8}{'x healthz':>11}  status",
        f"{'/healthz (median of the runs beside each page)':<72}{health:>8.1f}{1:>11.1f}",
    ]
    for path, ms, status in rows:
        ratio = ms / health
        flag = "" if ratio <= limit and status == 200 else "  <-- MISSED" if status == 200 else "  <-- NOT 200"
        lines.append(f"{path[:71]:<72}{ms:>8.1f}{ratio:>11.1f}  {status}{flag}")
    worst = max(rows, key=lambda row: row[1])
    lines.append(
        f"slowest: {worst[0]} at {worst[1] / health:.1f}x /healthz; target every page <= {limit:g}x: "
        + ("ok" if all(ms / health <= limit and status == 200 for _, ms, status in rows) else "MISSED")
    )
    return lines


if __name__ == "__main__":
    base = sys.argv[1]
    url = sys.argv[2] if len(sys.argv) > 2 else "postgres://postgres@127.0.0.1:5432/diplomacy_bench"
    only = sys.argv[3:]
    paths, exports = page_paths(url), export_paths(url)
    if only:
        paths = [p for p in paths if any(o in p for o in only)]
        exports = [p for p in exports if any(o in p for o in only)]
    print("\n".join(table(*measure(base, paths, runs=3))))
    print("\n".join(export_table(base, exports)))
