"""
The figures of docs/scaling.md, measured with wrk against a running `make cluster`.

    make cluster && .venv/bin/python bench/cluster_figures.py [--seconds 15]

1. One app node (:8101 straight) against the two behind nginx (:8100), page cache on.
2. Rendering with the page cache off, reads on the primary against reads on the standby: two
   throwaway nodes started here with `make cluster`'s environment (DJANGO_PAGE_CACHE=0, one of
   them without DATABASE_REPLICA_URL), on :8121 and :8122, stopped at the end.

wrk -t2 -c8 -d<seconds>s --latency, one URL at a time, each run after a warm-up second; the
load average is printed with the figures (the machine is shared: compare within one run).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster import DEFAULT_DATABASE_URL, HOST, Cluster, Config, healthz, stop_process, wait_for  # noqa: E402

PAGES = ["/healthz", "/relationships/ph-cn/", "/events/?kind=statement"]


def wrk(url: str, seconds: int) -> tuple[float, str, str]:
    """(requests/s, p50, p99) of wrk -t2 -c8 against one URL."""
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", url], capture_output=True)  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  ({errors.group(1)} non-2xx answers from {url})")
    return rate, p50, p99


def rows_read(server, database: str) -> int:
    """Rows the server has returned for `database` so far (pg_stat_database.tup_returned + tup_fetched)."""
    return int(server.psql(f"SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = '{database}'"))


def table(title: str, rows: list[tuple[str, str, tuple[float, str, str]]]) -> None:
    print(f"\n{title}")
    print(f"  {'URL':<26} {'served by':<34} {'req/s':>8} {'p50':>9} {'p99':>9}")
    for page, served_by, (rate, p50, p99) in rows:
        print(f"  {page:<26} {served_by:<34} {rate:>8.0f} {p50:>9} {p99:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk: apt-get install -y wrk")
    cluster = Cluster(Config(primary_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL))
    one, balancer = cluster.config.node_ports[0], cluster.config.balancer_port
    if not (healthz(one) and healthz(balancer)):
        sys.exit("start the cluster first: make cluster")
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")

    rows = []
    for page in PAGES:
        rows.append((page, f"one node :{one}", wrk(f"http://{HOST}:{one}{page}", args.seconds)))
        rows.append((page, f"two nodes behind nginx :{balancer}", wrk(f"http://{HOST}:{balancer}{page}", args.seconds)))
    table("1. Page cache on (Redis), gunicorn gthread 2x4 per node", rows)

    cold = {8121: "primary", 8122: "standby"}
    state = cluster.state / "figures"
    state.mkdir(parents=True, exist_ok=True)
    cluster.state = state  # the throwaway nodes' pid and log files
    pids = []
    try:
        for port, reads in cold.items():
            env = {**cluster.env(), "DJANGO_PAGE_CACHE": "0"}
            if reads == "primary":
                env.pop("DATABASE_REPLICA_URL")
            subprocess.run(cluster.node_command(port), env=env, check=True)
            if not wait_for(lambda port=port: healthz(port), 60):
                sys.exit(f"the node on :{port} does not answer: see {state}")
            pids.append(cluster.node_pid(port))
        rows, load = [], []
        database = cluster.primary.database
        for page in PAGES[1:]:
            for port, reads in cold.items():
                before = rows_read(cluster.primary, database), rows_read(cluster.standby, database)
                figures = wrk(f"http://{HOST}:{port}{page}", args.seconds)
                time.sleep(1)  # the statistics reach pg_stat_database within a second
                after = rows_read(cluster.primary, database), rows_read(cluster.standby, database)
                rows.append((page, f"one node :{port}, reads on the {reads}", figures))
                load.append((page, reads, after[0] - before[0], after[1] - before[1]))
        table("2. Page cache off: every request renders", rows)
        print("\n  rows read meanwhile        reads on        by the primary  by the standby")
        for page, reads, primary_rows, standby_rows in load:
            print(f"  {page:<26} {reads:<15} {primary_rows:>15,} {standby_rows:>15,}")
    finally:
        for pid in pids:
            stop_process(pid, 15)
    print(f"\nload average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
