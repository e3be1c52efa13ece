"""
The in-process half of `make bench`, on the benchmark database: prints JSON with

- `timeline`: the address of the busiest relationship's timeline;
- `queries`: the queries of its page 1 and page 50 and of a filtered /events/,
  rendered through the whole stack with the page cache off;
- `full_scans`: the public list queries whose plan reads all of events_event
  (the cases of events/tests/test_explain.py, here at full size);
- `cold_parts`: where page 1 of that timeline spends its time when rendered
  afresh, the whole request and its parts each timed alone (ms, median).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from explain import full_scans  # noqa: E402  (this script's folder, bench/, is on sys.path)

from events.models import (  # noqa: E402
    Event,
    EventPair,
    reference,  # noqa: E402
)
from events.queries import relationships as timelines  # noqa: E402
from events.queries.pagination import (
    PER_PAGE,  # noqa: E402
    paginator_for,  # noqa: E402
)
from events.web.filters import EventFilter  # noqa: E402
from events.web.jinja import render_macro  # noqa: E402

HOME = settings.HOME_COUNTRY.lower()


def busiest_pair() -> str:
    return (
        EventPair.objects.filter(pair__regex=rf"(^{HOME}-|-{HOME}$)", published=True)
        .values("pair")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("pair", flat=True)
        .first()
    )


def queries_of(client: Client, path: str) -> tuple[int, str]:
    """The number of queries a page takes, and the page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured), response.content.decode()


def median_ms(work, runs: int = 30) -> float:
    work()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def cold_parts(client: Client, path: str, pair: str) -> dict[str, float]:
    """The cold page's time, whole and by part, each part timed alone as the view and templates run it."""
    relationship = timelines.relationship_for(*(reference.country(code.upper()) for code in pair.split("-")))

    def page():
        filterset = EventFilter({}, queryset=Event.objects.published().with_related())
        return paginator_for(filterset, pair=pair, per_page=PER_PAGE, published_only=True).page().object_list

    events = list(page())

    def cards():
        for event in events:  # Read afresh from the rows, as on a new request.
            for name in ("participant_list", "quote_list", "source_links"):
                event.__dict__.pop(name, None)
        return render_macro("macros.html", "timeline", timelines.by_year_and_month(events), 2)

    _, chart = timelines.relationship_overview(relationship.home, relationship.other)
    form = engines["jinja2"].from_string('{% import "macros.html" as m with context %}{{ m.filter_form(filter) }}')
    request = RequestFactory().get(path)
    return {
        "whole request": median_ms(lambda: client.get(path)),
        "the page's query (filter set, SQL, rows)": median_ms(lambda: list(page())),
        "summary and chart figures (PairMonth)": median_ms(
            lambda: timelines.relationship_overview(relationship.home, relationship.other)
        ),
        f"{len(events)} event cards": median_ms(cards),
        "temperature chart": median_ms(
            lambda: render_macro("events/_temperature_chart.html", "temperature_chart", chart)
        ),
        "filter form": median_ms(
            lambda: form.render({"filter": EventFilter({}, queryset=Event.objects.all())}, request)
        ),
    }


def main():
    from bench import NextLink  # bench/bench.py, beside this script: the load test's own link parser

    client = Client(headers={"host": "127.0.0.1"})
    pair = busiest_pair()
    timeline = f"/relationships/{HOME}-{pair.replace(HOME, '').strip('-')}/"
    # A process's first page also reads the countries, once (events/models/reference.py): not per page.
    client.get(timeline)
    first, page = queries_of(client, timeline)
    path = timeline
    for _ in range(49):
        parser = NextLink()
        parser.feed(page)
        path = urljoin(path, parser.href)
        deep, page = queries_of(client, path)
    listed, _ = queries_of(client, "/events/?country=CN&kind=meeting")
    print(
        json.dumps(
            {
                "timeline": timeline,
                "queries": {"timeline p1": first, "timeline p50": deep, "events list": listed},
                "full_scans": [
                    f"{where}: {case}"
                    for where, pair in (("/events/", None), ("timeline", pair))
                    for case in full_scans(pair)
                ],
                "cold_parts": cold_parts(client, timeline, pair),
            }
        )
    )


if __name__ == "__main__":
    main()
