"""
Peak memory of streaming /events.csv (or another export) over the whole database.

    DATABASE_URL=postgres://... DJANGO_SECRET_KEY=x DJANGO_HTTPS=0 DJANGO_ALLOWED_HOSTS=testserver \
        .venv/bin/python bench/export_memory.py [/events.csv] [--tracemalloc]

Fill the database first, e.g. with `manage.py bench_import --rows 135000` (about
100,000 events). The response is read chunk by chunk through Django's test
client and thrown away, as a client downloading it would; the script prints the
rows and bytes sent, the time, the growth of the process's peak resident size
(ru_maxrss) over a warmed-up baseline, and with --tracemalloc the peak of
Python allocations during the export.
"""

import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from events.models import Event  # noqa: E402


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    url = args[0] if args else "/events.csv"
    client = Client()
    # Warm up: imports, URL resolution, the first queries; the baseline is the process after them.
    warm = client.get(url + ("&" if "?" in url else "?") + "q=no-event-matches-this")
    for _ in warm.streaming_content if warm.streaming else [warm.content]:
        pass
    baseline = max_rss_mb()
    if "--tracemalloc" in sys.argv:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak_python = tracemalloc.get_traced_memory()[1] / 2**20 if tracemalloc.is_tracing() else None
    print(
        f"{url}: status {response.status_code}, {Event.objects.published().count():,} published events in the database"
    )
    print(f"sent {size / 2**20:,.1f} MB, {lines:,} lines, in {elapsed:.1f} s")
    print(f"peak RSS: {baseline:,.1f} MB before, {max_rss_mb():,.1f} MB after (+{max_rss_mb() - baseline:,.1f} MB)")
    if peak_python is not None:
        print(f"peak Python allocations during the export (tracemalloc): {peak_python:,.1f} MB")


if __name__ == "__main__":
    main()
