"""
Soak test: minutes of mixed traffic against gunicorn + PostgreSQL.

Readers walk timelines, lists and exports; editors log in to the admin and add
events. At the end it prints requests, errors, the check that every write the
server acknowledged is in the database, and the workers' memory at the start
and the end. With --restart-db-at it restarts PostgreSQL mid-run and reports
whether the app recovered by itself (no worker restart).

Only ever talks to 127.0.0.1. Run through `make soak` (MINUTES=5 by default).
"""

import argparse
import collections
import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
READ_PATHS = [
    "/",
    "/healthz",
    "/relationships/ph-ru/",
    "/relationships/ph-cn/",
    "/relationships/ph-us/",
    "/events/",
    "/events/?country=US&kind=meeting",
    "/events/?q=Putin",
    "/summits/",
    "/leaders/",
    "/events.csv?country=RU",
    "/events.json?country=CN",
    "/relationships/ph-ru/timeline.json",
    "/relationships/ph-ru/feed/",
    "/calendar.ics",
]


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors = collections.Counter()
        self.error_times: list[float] = []
        self.acknowledged: list[str] = []

    def ok(self):
        with self.lock:
            self.requests += 1

    def error(self, kind: str):
        with self.lock:
            self.requests += 1
            self.errors[kind] += 1
            self.error_times.append(time.monotonic())


def reader(base: str, stop: threading.Event, stats: Stats, seed: int):
    i = seed
    while not stop.is_set():
        path = READ_PATHS[i % len(READ_PATHS)]
        i += 1
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                response.read()
            stats.ok()
        except urllib.error.HTTPError as exc:
            # A route that does not exist yet is not an error of the soak.
            stats.ok() if exc.code == 404 else stats.error(f"HTTP {exc.code} {path.split('?')[0]}")
        except Exception as exc:  # noqa: BLE001 - counted and reported, never fatal
            stats.error(type(exc).__name__)


def editor(base: str, username: str, password: str, stop: threading.Event, stats: Stats, number: int):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def post(path, fields):
        page = opener.open(base + path, timeout=10).read().decode()
        fields = {**fields, "csrfmiddlewaretoken": csrf.search(page).group(1)}
        request = urllib.request.Request(
            base + path, data=urllib.parse.urlencode(fields).encode(), headers={"Referer": base + path}
        )
        return opener.open(request, timeout=10)

    logged_in = False
    n = 0
    while not stop.is_set():
        try:
            if not logged_in:
                post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"})
                logged_in = True
            n += 1
            title = f"Soak edit {number}-{n}-{secrets.token_hex(4)}"
            fields = {
                "kind": "meeting",
                "title": title,
                "summary": "Written by the soak test.",
                "status": "held",
                "published": "on",
                "date": "2017-05-23",
                "date_precision": "day",
                "version": "0",
                "countries": ["PH", "RU"],
                "sources-TOTAL_FORMS": "1",
                "sources-INITIAL_FORMS": "0",
                "sources-MIN_NUM_FORMS": "0",
                "sources-MAX_NUM_FORMS": "1000",
                "sources-0-url": "https://example.org/soak",
            }
            for prefix in ("participants", "quotes", "disagreements", "status_changes", "links_out", "readouts"):
                fields.update(
                    {
                        f"{prefix}-TOTAL_FORMS": "0",
                        f"{prefix}-INITIAL_FORMS": "0",
                        f"{prefix}-MIN_NUM_FORMS": "0",
                        f"{prefix}-MAX_NUM_FORMS": "1000",
                    }
                )
            data = urllib.parse.urlencode(fields, doseq=True)
            page = opener.open(base + "/admin/events/event/add/", timeout=10).read().decode()
            token = csrf.search(page).group(1)
            request = urllib.request.Request(
                base + "/admin/events/event/add/",
                data=(data + "&csrfmiddlewaretoken=" + token).encode(),
                headers={"Referer": base + "/admin/events/event/add/"},
            )
            with opener.open(request, timeout=10) as response:
                body = response.read().decode()
                # The admin redirects to the change list after a save; a form page means refused.
                if "/admin/events/event/add/" in response.geturl() or "errornote" in body:
                    stats.error("admin save refused")
                    continue
            with stats.lock:
                stats.acknowledged.append(title)
            stats.ok()
        except Exception as exc:  # noqa: BLE001
            stats.error(f"editor {type(exc).__name__}")
            logged_in = False
            time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("MINUTES", 5)))
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--editors", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--database", default="diplomacy_soak")
    parser.add_argument(
        "--restart-db-at", type=float, default=None, help="restart PostgreSQL this many seconds into the run"
    )
    args = parser.parse_args()

    if not args.port:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    password = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SUPERUSER_PASSWORD": password,
        "DJANGO_SUPERUSER_USERNAME": "soak",
        "AXES_ENABLED": "0",
    }
    print(f"Preparing {args.database} ...", flush=True)
    run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-q",
            "-c",
            f"DROP DATABASE IF EXISTS {args.database}",
            "-c",
            f"CREATE DATABASE {args.database}",
        ],
        env,
        stdout=subprocess.DEVNULL,
    )
    run([PY, "manage.py", "migrate", "-v0"], env)
    run([PY, "manage.py", "load_bundled_data", "-v0"], env, stdout=subprocess.DEVNULL)
    run([PY, "manage.py", "ensure_admin", "--username", "soak"], env, stdout=subprocess.DEVNULL)
    run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], env)

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "diplomacy.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.2)
        workers = worker_pids(server.pid)
        memory_start = {pid: rss_kib(pid) for pid in workers}

        stats = Stats()
        stop = threading.Event()
        threads = [threading.Thread(target=reader, args=(base, stop, stats, i * 3)) for i in range(args.readers)]
        threads += [
            threading.Thread(target=editor, args=(base, "soak", password, stop, stats, i)) for i in range(args.editors)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        restart = None
        duration = args.minutes * 60
        while time.monotonic() - started < duration:
            time.sleep(1)
            elapsed = time.monotonic() - started
            if args.restart_db_at is not None and restart is None and elapsed >= args.restart_db_at:
                cluster = sorted(os.listdir("/etc/postgresql"))[-1]
                print(f"[{elapsed:5.0f}s] restarting PostgreSQL {cluster} ...", flush=True)
                t0 = time.monotonic()
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True)
                restart = (t0, time.monotonic())
                print(f"[{time.monotonic() - started:5.0f}s] PostgreSQL is back", flush=True)
            if int(elapsed) % 30 == 0:
                print(f"[{elapsed:5.0f}s] {stats.requests} requests, {sum(stats.errors.values())} errors", flush=True)
        stop.set()
        for t in threads:
            t.join(timeout=15)
        memory_end = {pid: rss_kib(pid) for pid in workers}
        same_workers = sorted(worker_pids(server.pid)) == sorted(workers)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    import django

    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_HTTPS")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from events.models import Event

    stored = set(Event.objects.filter(title__startswith="Soak edit").values_list("title", flat=True))
    lost = [t for t in stats.acknowledged if t not in stored]
    elapsed = time.monotonic() - started
    print()
    print(f"duration            {elapsed:.0f} s, {args.readers} readers, {args.editors} editors")
    print(f"requests            {stats.requests} ({stats.requests / elapsed:.0f}/s)")
    print(f"errors              {sum(stats.errors.values())} {dict(stats.errors) or ''}")
    if restart:
        t0, t1 = restart
        outside = [t for t in stats.error_times if not (t0 - 1 <= t <= t1 + 5)]
        print(f"database restart    {t1 - t0:.1f} s; errors outside the outage window: {len(outside)}")
        print(f"workers restarted   {'no' if same_workers else 'YES'}")
    print(
        f"writes acknowledged {len(stats.acknowledged)}; in the database {len(stats.acknowledged) - len(lost)}; "
        f"lost {len(lost)}"
    )
    for pid in workers:
        print(
            f"worker {pid} memory  {memory_start.get(pid, 0) / 1024:.1f} MiB -> {memory_end.get(pid, 0) / 1024:.1f} MiB"
        )
    failed = lost or (not restart and stats.errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
