"""
The in-process half of `make bench`, on the benchmark database: prints JSON with

- `timeline`: the address of the busiest relationship's timeline;
- `queries`: the queries of its page 1 and page 50 and of a filtered /events/,
  rendered through the whole stack with the page cache off;
- `full_scans`: the public list queries whose plan reads all of events_event
  (the cases of events/tests/test_explain.py, here at full size).
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from events.models import EventPair  # noqa: E402
from events.tests.test_explain import full_scans  # noqa: E402

HOME = settings.HOME_COUNTRY.lower()


def busiest_pair() -> str:
    return (
        EventPair.objects.filter(pair__regex=rf"(^{HOME}-|-{HOME}$)", published=True)
        .values("pair").annotate(n=Count("id")).order_by("-n").values_list("pair", flat=True).first()
    )


def queries_of(client: Client, path: str) -> tuple[int, str]:
    """The number of queries a page takes, and the page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured), response.content.decode()


def main():
    from bench import NextLink  # bench/bench.py, beside this script: the load test's own link parser

    client = Client(headers={"host": "127.0.0.1"})
    pair = busiest_pair()
    timeline = f"/relationships/{HOME}-{pair.replace(HOME, '').strip('-')}/"
    # A process's first page also reads the countries, once (events/reference.py): not per page.
    client.get(timeline)
    first, page = queries_of(client, timeline)
    path = timeline
    for _ in range(49):
        parser = NextLink()
        parser.feed(page)
        path = urljoin(path, parser.href)
        deep, page = queries_of(client, path)
    listed, _ = queries_of(client, "/events/?country=CN&kind=meeting")
    print(json.dumps({
        "timeline": timeline,
        "queries": {"timeline p1": first, "timeline p50": deep, "events list": listed},
        "full_scans": [f"{where}: {case}" for where, pair in (("/events/", None), ("timeline", pair))
                       for case in full_scans(pair)],
    }))


if __name__ == "__main__":
    main()
