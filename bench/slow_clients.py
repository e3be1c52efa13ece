"""
Slow clients against gunicorn alone, then behind nginx (docs/deploy.md, "Why nginx").

Eight connections each send a POST's headers, then its body one byte every 2 s for 20 s, while
/healthz is asked every half second with a 3 s timeout. First straight at gunicorn (gthread,
2 workers x 4 threads, 127.0.0.1:8191), then through nginx on 127.0.0.1:8190 configured with the
server block of docs/deploy.md (its listen and ssl lines replaced by a loopback listen), so the
guide's block is the one measured. Loopback only, about a minute, a throwaway SQLite database and
nginx's files under var/slow-clients/; the system's nginx is left alone.

Exit status 1 when a probe through nginx goes unanswered.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "slow-clients"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"  # never anything else: this opens connections on purpose to hold them
MARKER = "bench/slow_clients.py serves the block below"
# gunicorn's workers as docs/deploy.md runs them on two cores.
GTHREAD_2X4 = ["--worker-class", "gthread", "--workers", "2", "--threads", "4"]


def server_block(gunicorn_port: int, nginx_port: int) -> str:
    """docs/deploy.md's nginx block, listening on loopback without TLS, proxying to our gunicorn."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    after = guide[guide.index(MARKER) :]
    block = re.search(r"```nginx\n(.*?)```", after, re.S).group(1)
    lines = []
    for line in block.splitlines():
        if re.match(r"\s*(listen|ssl_)", line):
            continue
        lines.append(line)
        if re.match(r"server \{", line):
            lines.append(f"    listen {HOST}:{nginx_port};")
    text = "\n".join(lines)
    text = text.replace("127.0.0.1:8000", f"{HOST}:{gunicorn_port}")
    return text.replace("/srv/tracker/staticfiles/", f"{VAR / 'static'}/")


def nginx_conf(gunicorn_port: int, nginx_port: int) -> Path:
    (VAR / "static").mkdir(parents=True, exist_ok=True)
    temp = "\n".join(
        f"    {kind}_temp_path {VAR / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = VAR / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
pid {VAR / "nginx.pid"};
error_log {VAR / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {VAR / "nginx-access.log"};
{temp}
{server_block(gunicorn_port, nginx_port)}
}}
""")
    return conf


def healthz(port: int, timeout: float) -> float | None:
    """Seconds /healthz took to answer `ok`, or None when it did not in time."""
    started = time.monotonic()
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read()
        connection.close()
    except OSError:
        return None
    return time.monotonic() - started if response.status == 200 and body == b"ok" else None


def wait_until_up(port: int, seconds: float) -> float | None:
    """Seconds until /healthz answers, or None when it does not within `seconds`."""
    started = time.monotonic()
    while healthz(port, 1) is None:
        if time.monotonic() - started > seconds:
            return None
        time.sleep(0.2)
    return time.monotonic() - started


def trickle(port: int, seconds: float, interval: float, stop: threading.Event) -> None:
    """One slow client: a POST whose body comes one byte every `interval` seconds."""
    body_length = int(seconds / interval) + 10  # never complete within the run
    # With a CSRF cookie, as a browser that has seen the login form sends, Django reads the body
    # for the form's token; without one it would answer 403 before reading any of it.
    csrf_cookie = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    head = (
        f"POST /admin/login/ HTTP/1.1\r\nHost: {HOST}\r\nCookie: csrftoken={csrf_cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {body_length}\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection((HOST, port), timeout=5) as sock:
            sock.sendall(head)
            while not stop.wait(interval):
                sock.sendall(b"a")
    except OSError:
        pass  # dropped by the server: the run's figures say whether that helped


def attack(port: int, clients: int, seconds: float, interval: float) -> list[float | None]:
    """/healthz latencies (None: unanswered within 3 s) while `clients` slow clients hold on."""
    stop = threading.Event()
    threads = [threading.Thread(target=trickle, args=(port, seconds, interval, stop)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # let every slow client get its connection in first
    results = []
    deadline = time.monotonic() + seconds - 1
    while time.monotonic() < deadline:
        results.append(healthz(port, 3))
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    return results


def summary(name: str, results: list[float | None], recovery: float | None) -> str:
    """One line: probes answered, their median and slowest time, and how soon /healthz answered
    once the slow clients had gone ("after")."""
    answered = [r for r in results if r is not None]
    slowest = f"{max(answered) * 1000:.0f} ms" if answered else "-"
    median = f"{statistics.median(answered) * 1000:.0f} ms" if answered else "-"
    after = f"{recovery:.1f} s" if recovery is not None else ">30 s"
    timeline = "".join("." if r is not None else "x" for r in results)
    return f"{name:<34} {len(answered):>3} of {len(results):<3} {median:>9} {slowest:>9} {after:>7}  {timeline}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=2, help="seconds between two bytes of a body")
    parser.add_argument("--gunicorn-port", type=int, default=8191)
    parser.add_argument("--nginx-port", type=int, default=8190)
    args = parser.parse_args()
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not nginx:
        sys.exit("make slow-clients needs nginx: run  sudo apt-get install -y nginx")

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{VAR / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    conf = nginx_conf(args.gunicorn_port, args.nginx_port)
    subprocess.run([nginx, "-t", "-q", "-p", str(VAR), "-c", str(conf)], check=True)

    gunicorn = [
        GUNICORN,
        "diplomacy.wsgi",
        "--bind",
        f"{HOST}:{args.gunicorn_port}",
        *GTHREAD_2X4,
        "--log-level",
        "warning",
    ]
    rows = []
    # A fresh gunicorn for each run, so that the second does not inherit what the first left behind.
    for name, port, in_front in (
        (f"gunicorn gthread 2x4 alone :{args.gunicorn_port}", args.gunicorn_port, None),
        (
            f"nginx :{args.nginx_port} -> the same gunicorn",
            args.nginx_port,
            [nginx, "-p", str(VAR), "-c", str(conf), "-g", "daemon off;"],
        ),
    ):
        servers = []
        try:
            servers.append(subprocess.Popen(gunicorn, cwd=ROOT, env=env))
            if wait_until_up(args.gunicorn_port, 30) is None:
                sys.exit(f"gunicorn does not answer /healthz on {HOST}:{args.gunicorn_port}")
            if in_front:
                servers.append(subprocess.Popen(in_front))
                if wait_until_up(port, 10) is None:
                    sys.exit(f"nginx does not answer /healthz on {HOST}:{port}")
            results = attack(port, args.clients, args.seconds, args.interval)
            recovery = wait_until_up(port, 30)
        finally:
            for server in reversed(servers):
                server.terminate()
                server.wait(timeout=30)
        rows.append((name, results, recovery))

    print(
        f"\n{args.clients} clients sending a POST body 1 byte every {args.interval:g} s for {args.seconds:g} s;"
        f" /healthz every 0.5 s, 3 s timeout"
    )
    print(f"{'':<34} {'answered':>10} {'median':>9} {'slowest':>9} {'after':>7}  each probe (x: no answer in 3 s)")
    for name, results, recovery in rows:
        print(summary(name, results, recovery))
    behind = rows[-1][1]
    return 0 if behind and all(r is not None for r in behind) else 1


if __name__ == "__main__":
    sys.exit(main())
