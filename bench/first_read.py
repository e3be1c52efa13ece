"""
An event's page read first after an edit, with and without the save formatting its citations.

The admin's save formats the new revision's APA and Chicago citations
(`EventAdmin.cite_ahead`) so that the page's first reader does not wait for
citeproc-py (bench/README.md, "Which requests are the slowest 1 %"). This
edits events of the bench database one after the other, each inside a
transaction that is rolled back, alternating with and without `cite_ahead`,
and times the page's next GET in process (page cache off, as configured by
the environment: see bench/README.md). With the default local-memory cache
each run starts with no citation formatted; a shared Redis cache would keep
those of an earlier run's rolled-back revisions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/diplomacy_bench DJANGO_PAGE_CACHE=0 ... \\
      .venv/bin/python bench/first_read.py [--edits 40]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402

from events.admin import EventAdmin  # noqa: E402
from events.models import Event  # noqa: E402
from events.services import involvement, revisions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=40, help="Events edited, half of them with cite_ahead.")
    args = parser.parse_args()
    client, factory = Client(), RequestFactory()
    times = {"without": [], "with cite_ahead": []}
    ids = Event.objects.published().order_by("-date").values_list("pk", flat=True)[600 : 600 + args.edits]
    for n, pk in enumerate(ids):
        ahead = n % 2 == 1
        with transaction.atomic():
            event = Event.objects.get(pk=pk)
            url = event.get_absolute_url()
            client.get(url)  # the page as it was, read once: its other costs warm
            with involvement.deferred(), revisions.deferred():
                event.summary = f"{event.summary} (edited)"
                event.save()
            if ahead:
                EventAdmin.cite_ahead(factory.get(url), pk)
            start = time.perf_counter()
            client.get(url)
            times["with cite_ahead" if ahead else "without"].append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)
    without, ahead = (statistics.median(times[key]) for key in ("without", "with cite_ahead"))
    print(f"first read of an event's page after an edit, median of {len(times['without'])} each, in process:")
    print(f"  without cite_ahead {without:6.1f} ms")
    print(f"  with cite_ahead    {ahead:6.1f} ms   ({without / ahead:.1f}x faster)")


if __name__ == "__main__":
    main()
