"""
`make bench`: the speed-at-scale figures (issue 5), all measured in one run.

1. A PostgreSQL database of N synthetic events (reused when it already holds
   exactly N; otherwise rebuilt with `generate_events`).
2. Two gunicorn servers with production settings, 2 workers x 4 threads
   (gthread): one with the page cache (hot), one with DJANGO_PAGE_CACHE=0
   (cold, every request rendered).
3. wrk at 8 connections against /healthz, the busiest relationship's
   timeline (hot and cold), its 50th page (cold, reached by following
   rel="next" 49 times), a filtered /events/ (cold) and, when the route
   exists, one full /events.csv download (rows/s, workers' peak memory).
4. In-process checks on the same database (bench/inprocess.py): queries per
   page at page 1 and page 50, the EXPLAIN of every public list query, and
   where the cold timeline page's time goes, part by part.
5. Every public page's single-request time beside /healthz's, and every
   export's with the bulk files' (bench/pages.py); then Datasette beside us
   (bench/datasette_compare.py) and the mixed run of readers and an editor
   (bench/mixed.py), each with servers of its own. `--only-speed` stops at 4.

Ratios are computed from figures of this same run; the machine may be busy
with other work, which moves the absolute numbers more than the ratios.
"""

import argparse
import html.parser
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(args, env, **kwargs):
    return subprocess.run(args, env=env, cwd=ROOT, check=True, **kwargs)


# ---------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------


def admin_sql(server_url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def event_count(database_url: str) -> int | None:
    import psycopg2

    try:
        connection = psycopg2.connect(database_url)
    except psycopg2.OperationalError as error:
        if "does not exist" in str(error):
            return None
        raise
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('events_event') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT count(*) FROM events_event")
        count = cursor.fetchone()[0]
    connection.close()
    return count


def prepare_database(args, env) -> str:
    """Migrate, and (re)build the data unless it already holds exactly N events; returns what was done."""
    database_url = env["DATABASE_URL"]
    server_url, name = database_url.rsplit("/", 1)
    count = event_count(database_url)
    if count is None:
        log(f"creating database {name}")
        try:
            admin_sql(server_url, f'CREATE DATABASE "{name}"')
        except Exception as error:  # noqa: BLE001 - already there is fine
            if "already exists" not in str(error):
                raise
    elif count != args.events:
        log(f"{name} holds {count:,} events, not {args.events:,}: rebuilding it")
        admin_sql(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')
        admin_sql(server_url, f'CREATE DATABASE "{name}"')
        count = None
    run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    if count == args.events:
        return f"reused {name} ({count:,} events)"
    log(f"generating {args.events:,} events (seed {args.seed})")
    started = time.monotonic()
    run([PY, "manage.py", "generate_events", "--events", str(args.events), "--seed", str(args.seed)], env)
    return f"generated {args.events:,} events into {name} in {time.monotonic() - started:.0f} s"


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------


def production_env(database_url: str) -> dict:
    """The environment of a server with production settings on `database_url` (plain HTTP, collected static)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    env.pop("DJANGO_PLAIN_STATIC", None)
    return env


def cpu_seconds_of(pids) -> float:
    """The CPU time these processes have used (user and system), in seconds; a process gone counts none."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Settles:
    """A server process of ours to measure: started until it answers, idle before each run, stopped."""

    process: subprocess.Popen

    def cpu_seconds(self) -> float:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def wait_until_answers(self, url: str, what: str, limit: float = 60) -> None:
        """Return once `url` answers 200; stop the server and exit if it has not within `limit` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{what} did not answer at {url}")

    def settle(self, limit: float = 300) -> None:
        """Wait until it is idle: requests still running after a wrk run would slow the next."""
        deadline = time.monotonic() + limit
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(1)
            now = self.cpu_seconds()
            if now - before < 0.05:
                return
            before = now


class Server(Settles):
    def __init__(self, name: str, port: int, env: dict):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "diplomacy.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
                # e.g. an access log with each request's time, to see which requests are the slow ones
                # (bench/README.md, "Which requests are the slowest 1 %").
                *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.wait_until_answers(f"{self.base}/healthz", f"{name} server")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024)
        return max(peaks, default=0.0)

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.worker_pids())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class NextLink(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a", "link") and "next" in (attrs.get("rel") or "").split() and self.href is None:
            self.href = attrs.get("href")


def follow_next(base: str, path: str, times: int) -> str:
    """The path reached by following rel="next" `times` times from `path`."""
    from urllib.parse import urljoin

    for n in range(times):
        parser = NextLink()
        parser.feed(urllib.request.urlopen(base + path, timeout=60).read().decode())
        if not parser.href:
            raise SystemExit(f"{path} has no rel=next link (page {n + 1})")
        path = urljoin(path, parser.href)
    return path


# ---------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    log("wrk is missing: installing it with apt-get")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is missing and could not be installed: sudo apt-get install -y wrk")
    return wrk


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


# As browsers send it; the page cache keeps a gzipped copy of each page for them.
BROWSER = {"Accept-Encoding": "gzip, deflate"}


def fetch(url: str, headers: dict) -> tuple[float, int]:
    """Seconds and bytes (as sent) of one GET."""
    started = time.monotonic()
    body = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=600).read()
    return time.monotonic() - started, len(body)


def prime(url: str, headers: dict) -> None:
    """Fill every worker's cache before measuring: rounds of 8 concurrent requests until a round is all fast.

    Otherwise wrk's first requests to a worker that has not yet rendered the
    page would queue behind that render and be counted as the hot path.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        for _ in range(10):
            if max(seconds for seconds, _ in pool.map(lambda _: fetch(url, headers), range(8))) < 0.2:
                return


def load(wrk: str, url: str, seconds: int, headers: dict) -> dict:
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    subprocess.run([wrk, "-t2", "-c8", "-d2s", *header_args, url], capture_output=True, check=True)  # warm-up
    out = subprocess.run(
        [wrk, "-t2", "-c8", f"-d{seconds}s", "--timeout", "30s", "--latency", *header_args, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
        "requests": int(re.search(r"(\d+) requests in", out)[1]),
    }
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["errors"] = (int(bad[1]) if bad else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return result


def download_csv(server: Server, path: str) -> dict | None:
    """One full download of an export: rows/s and the workers' peak memory."""
    try:
        response = urllib.request.urlopen(server.base + path, timeout=1800)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    before = server.peak_rss_mb()
    started = time.monotonic()
    rows = size = 0
    while chunk := response.read(1 << 16):
        rows += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.monotonic() - started
    return {
        "rows": rows - 1,
        "seconds": elapsed,
        "rows_per_s": (rows - 1) / elapsed,
        "mb": size / 1e6,
        "peak_rss_before": before,
        "peak_rss_after": server.peak_rss_mb(),
    }


def bulk_files(env) -> str:
    """The bulk files of the whole record, written unless they are of the current version; what was done."""
    check = (
        "from django.conf import settings; from events.services import bulk_files as b; "
        "g = b.current(settings.BULK_DIR); print('current' if g and g.stamp == b.current_stamp() else 'stale')"
    )
    if run([PY, "manage.py", "shell", "-c", check], env, capture_output=True, text=True).stdout.strip() == "current":
        return "bulk files: current (reused)"
    log("writing the bulk files of the whole record (manage.py export_bulk_files)")
    started = time.monotonic()
    run([PY, "manage.py", "export_bulk_files", "--site-url", "http://127.0.0.1:8000", "-v", "0"], env)
    return f"bulk files: written in {time.monotonic() - started:.0f} s (manage.py export_bulk_files)"


def etag_revalidates(base: str, path: str) -> str:
    """Whether a bulk file answers a conditional GET with 304 (its ETag)."""
    try:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            etag = response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        return f"{path}: {error.code}"
    if not etag:
        return f"{path}: no ETag"
    try:
        urllib.request.urlopen(urllib.request.Request(base + path, headers={"If-None-Match": etag}), timeout=60)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return f"{path}: ETag {etag}, If-None-Match answered 304"
        return f"{path}: If-None-Match answered {error.code}"
    return f"{path}: If-None-Match answered 200, not 304"


# ---------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=15, help="Length of each wrk run.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/diplomacy_bench"),
    )
    parser.add_argument("--port", type=int, default=8701, help="Hot server; the cold one takes the next port.")
    parser.add_argument("--mixed-seconds", type=int, default=30, help="Length of each keying's mixed run.")
    parser.add_argument(
        "--only-speed", action="store_true", help="Leave out the page table, Datasette and the mixed run."
    )
    args = parser.parse_args()
    # Here, not at the top: these import this module (its servers and wrk) in turn.
    import datasette_compare
    import mixed
    import pages

    env = production_env(args.database_url)
    env.pop("REDIS_URL", None)
    wrk = ensure_wrk()
    database = prepare_database(args, env)
    run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    bulk = bulk_files(env)
    inprocess = json.loads(
        run([PY, "bench/inprocess.py"], {**env, "DJANGO_PAGE_CACHE": "0"}, capture_output=True, text=True).stdout
    )
    timeline = inprocess["timeline"]
    filtered = "/events/?country=CN&kind=meeting"

    load_before = os.getloadavg()
    servers = []
    try:
        hot = Server("hot", args.port, {**env, "DJANGO_PAGE_CACHE": "1"})
        servers.append(hot)
        cold = Server("cold", args.port + 1, {**env, "DJANGO_PAGE_CACHE": "0"})
        servers.append(cold)
        deep = follow_next(cold.base, timeline, 49)
        sizes = {"identity": fetch(cold.base + timeline, {})[1], "gzip": fetch(hot.base + timeline, BROWSER)[1]}
        results = {}
        for label, server, path, headers in [
            ("/healthz", hot, "/healthz", BROWSER),
            ("timeline p1, hot", hot, timeline, BROWSER),
            ("timeline p1, hot, no gzip", hot, timeline, {}),
            ("/healthz, again", hot, "/healthz", BROWSER),
            ("timeline p1, cold", cold, timeline, BROWSER),
            ("timeline p50, cold", cold, deep, BROWSER),
            ("/events/ filtered, cold", cold, filtered, BROWSER),
        ]:
            if server is hot:
                prime(server.base + path, headers)
            log(f"wrk {label}: {path}")
            results[label] = load(wrk, server.base + path, args.seconds, headers)
            server.settle()
        cold.settle()
        log("downloading /events.csv")
        export = download_csv(cold, "/events.csv")
        extra = []
        if not args.only_speed:
            log("every page, one request at a time (bench/pages.py)")
            extra += ["", *pages.table(*pages.measure(cold.base, pages.page_paths(args.database_url, deep), runs=3))]
            log("every export, one request at a time (bench/pages.py)")
            extra += ["", *pages.export_table(cold.base, pages.export_paths(args.database_url))]
            extra += ["", bulk, etag_revalidates(cold.base, "/downloads/events.csv")]
            for name in ("events.csv", "events.json"):
                log(f"downloading /downloads/{name}")
                whole = download_csv(cold, f"/downloads/{name}")
                extra.append(
                    f"/downloads/{name}: {whole['mb']:,.0f} MB in {whole['seconds']:.1f} s "
                    f"({whole['mb'] / whole['seconds']:,.0f} MB/s), a static file"
                )
    finally:
        for server in servers:
            server.stop()
    load_after = os.getloadavg()

    # The hot runs sit between two /healthz runs: their mean is the reference,
    # so that a change in the machine's load during the hot runs moves both sides.
    health = {"rps": (results["/healthz"]["rps"] + results["/healthz, again"]["rps"]) / 2}
    first, hot_first, deep_page = (
        results["timeline p1, cold"],
        results["timeline p1, hot"],
        results["timeline p50, cold"],
    )
    pagination = "keyset (?after=)" if "after=" in deep else "page numbers (?page=), not yet keyset"
    lines = [
        "",
        f"Speed at scale — {args.events:,} events on PostgreSQL; gunicorn gthread 2x4; wrk -t2 -c8 -d{args.seconds}s",
        f"database: {database}",
        f"timeline: {timeline}  (50th page: {deep}; pagination: {pagination})",
        f"timeline page 1: {sizes['identity']:,} bytes; {sizes['gzip']:,} gzipped (wrk sends Accept-Encoding: gzip, "
        "as browsers do, except on the 'no gzip' row)",
        f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} (2 cores; other work shares them)",
        "",
        f"{'path':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>9}",
    ]
    for label, r in results.items():
        lines.append(
            f"{label:<28}{r['rps']:>10.{0 if r['rps'] >= 100 else 1}f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>9}"
        )
    if export:
        lines.append(
            f"/events.csv, cold: {export['rows']:,} rows in {export['seconds']:.1f} s = {export['rows_per_s']:,.0f} rows/s, "
            f"{export['mb']:.0f} MB; workers' peak RSS {export['peak_rss_before']:.0f} MB before, "
            f"{export['peak_rss_after']:.0f} MB after"
        )
    else:
        lines.append("/events.csv: no such route yet (404)")

    def verdict(ok: bool, *figures: dict) -> str:
        if any(not figure["requests"] for figure in figures):
            return "MISSED (no request completed within the run)"
        return "ok" if ok else "MISSED"

    q = inprocess["queries"]
    lines += [
        "",
        f"{'target':<52}{'measured':>12}  ",
        f"{'hot timeline >= 0.9 x /healthz req/s (mean of both)':<52}{hot_first['rps'] / health['rps']:>11.2f}x  {verdict(hot_first['rps'] >= 0.9 * health['rps'], hot_first)}",
        f"{'cold timeline >= 0.1 x /healthz req/s (mean of both)':<52}{first['rps'] / health['rps']:>11.2f}x  {verdict(first['rps'] >= 0.1 * health['rps'], first)}",
        f"{'cold timeline p99 < 50 ms':<52}{first['p99']:>10.1f}ms  {verdict(first['p99'] < 50, first)}",
        f"{'page 50 p50 <= 1.2 x page 1 p50 (cold)':<52}{deep_page['p50'] / (first['p50'] or 1):>11.2f}x  {verdict(deep_page['p50'] <= 1.2 * first['p50'], first, deep_page)}",
        f"{'queries per page <= 6, constant (p1 / p50 / list)':<52}{q['timeline p1']:>4} /{q['timeline p50']:>2} /{q['events list']:>2}  "
        f"{verdict(max(q.values()) <= 6 and q['timeline p1'] == q['timeline p50'])}",
        "",
        "EXPLAIN at this size (every filter and common pairs, page 1 and page 50): "
        + (
            "no Seq Scan on events_event"
            if not inprocess["full_scans"]
            else "Seq Scan on events_event in: " + ", ".join(inprocess["full_scans"])
        ),
        "",
        "Where the cold timeline's time goes (bench/inprocess.py: one process, Django's test client,",
        "median of 30 runs each; the parts are timed alone, so they need not add up to the whole):",
        *(f"  {part:<50}{ms:>8.1f} ms" for part, ms in inprocess["cold_parts"].items()),
        *extra,
    ]
    print("\n".join(lines), flush=True)
    if not args.only_speed:
        # Each with servers of its own, after ours have stopped: Datasette beside us, then the mixed run.
        print("\n".join(datasette_compare.compare(args.database_url, args.seconds, args.port + 10)), flush=True)
        print("\n".join(mixed.compare(args.database_url, args.mixed_seconds, args.port + 20)), flush=True)


if __name__ == "__main__":
    main()
