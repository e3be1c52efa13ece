"""
The query plans of every public list: which read the whole events table.

Used by `make bench` (bench/inprocess.py, at full size) and by
events/tests/test_explain.py (at 20,000 events): each filter of the contract
alone and the common pairs of them, on /events/ and on a timeline, page 1
and a deep page.
"""

from django.db import connection
from django.http import QueryDict

from events.models import Event, Leader
from events.queries.pagination import Cursor, paginator_for
from events.web.filters import EventFilter

DEEP = 2_450  # the first row of page 50, at 50 a page


def filter_cases() -> dict[str, str]:
    """The query strings to check: every contract filter alone, then the common pairs."""
    summit = (
        Event.objects.filter(summit__isnull=False)
        .values_list("summit__slug", flat=True)
        .order_by("summit__slug")
        .first()
    )
    leader = Leader.objects.filter(country_id="CN").order_by("pk").values_list("slug", flat=True).first()
    return {
        "no filter": "",
        "country": "country=US",
        "rare country": "country=AE",
        "two countries": "country=US&country=JP",
        "summit": f"summit={summit}",
        "leader": f"leader={leader}",
        "kind": "kind=state_visit",
        "any meeting": "kind=meeting",
        "status": "status=cancelled",
        "date_after": "date_after=2020-01-01",
        "date_before": "date_before=1995-12-31",
        "q": "q=vladivostok",
        "country + kind": "country=RU&kind=call",
        "country + dates": "country=JP&date_after=2010-01-01&date_before=2012-12-31",
        "kind + dates": "kind=agreement&date_after=2015-01-01&date_before=2019-12-31",
    }


def page_queries(query: str, pair: str | None):
    """The event query of page 1 and of a deep page (page 50, or as deep as the list goes)."""
    filterset = EventFilter(QueryDict(query), queryset=Event.objects.published().with_related())
    assert filterset.is_valid(), filterset.errors
    paginator = paginator_for(filterset, pair=pair)
    # Finding page 50's cursor by OFFSET is fine here: it is not what is measured.
    keys = paginator.ordered()
    position = list(keys.values_list(paginator.date_field, paginator.id_field)[DEEP - 1 : DEEP])
    if not position:  # a short list: its last item is as deep as it goes
        position = list(keys.reverse().values_list(paginator.date_field, paginator.id_field)[:1])
    yield paginator.query()
    if position:
        yield paginator.query(after=Cursor(*position[0]))


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def full_scans(pair: str | None) -> dict[str, str]:
    """{case: plan} of the queries that read the whole events table."""
    found = {}
    for name, query in filter_cases().items():
        for n, queryset in enumerate(page_queries(query, pair)):
            plan = plan_of(queryset)
            if "Seq Scan on events_event " in plan:
                found[f"{name} ({'deep page' if n else 'page 1'})"] = plan
    return found
