"""
The public read-only API, `/api/v1/` (CONTRACT.md Additions), with django-ninja.

django-ninja rather than Django REST framework with drf-spectacular: the schemas are pydantic
models (events/api/schemas.py) from which the OpenAPI document is generated and against which
every response is validated, the parameters are typed function arguments, and it brings no
serializer, viewset or router layer that a read-only API of seven operations would not use.

The reads are the site's own: the events list is `/events/`'s filter form (web/filters.py
EventFilter) and keyset pages (queries/pagination.py paginator_for), and each event is
`/events.json`'s object (services/exporting.py event_row, which /events.json calls), so the API, the pages and the exports
never disagree about what a filter means or what an event holds; the commitments are
/commitments/' filter form (CommitmentFilter). Drafts never appear.

Around it, in settings.MIDDLEWARE: the request guard, the rate limit (events/api/limits.py), the
page cache and conditional GET (web/caching.py), CORS for GET; the statement timeout, as on every
page, here answered with a JSON 503.
"""

import datetime
import functools
from collections.abc import Iterator
from typing import Annotated, Literal

from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from events.api import schemas
from events.models import Commitment, CommitmentStage, Event, EventStatus, Leader, Office, Summit
from events.queries.pagination import Cursor, InvalidCursor, paginator_for
from events.queries.relationships import home_relationships, relationship_overview
from events.queries.temperature import PERIOD_KINDS
from events.services.exporting import event_row, events_with_parts
from events.vocab.plover import Quad
from events.web.exports import event_url_maker, relationship_or_404
from events.web.filters import KIND_CHOICES, MAX_COUNTRIES, CommitmentFilter, EventFilter
from events.web.guards import RETRY_AFTER_SECONDS, is_query_timeout
from events.web.views import visible_steps

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


class API(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """The operation's function name: `events`, `event`, `leaders`, rather than the module's path."""
        return operation.view_func.__name__


api = API(
    title="Philippine foreign-policy tracker API",
    version="1",
    description=(
        "Read-only JSON: the published record of the Philippines' foreign relations (events, "
        "relationships with their temperature, leaders, summits). Lists page with a `next` URL; "
        "anonymous clients are rate-limited (429 with Retry-After)."
    ),
    urls_namespace="api",
)

# Every operation may answer these besides its own: a query string no page takes (the request
# guard), a parameter of the wrong type, the rate limit, the statement timeout.
COMMON = {400: schemas.Problem, 422: schemas.InvalidParameters, 429: schemas.Problem, 503: schemas.Problem}

Slug = Annotated[str, Field(max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]
# The parameters several operations take.
PageSize = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")]
SlugPosition = Annotated[Slug | None, Query(description="Where a page starts: from the previous page's `next`.")]
Countries = Annotated[
    list[Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]] | None,
    Query(max_length=MAX_COUNTRIES, description="ISO2; repeat it: those involving every country given."),
]


def urls():
    """`api.urls`, every view answering HEAD as GET, as Django's own views do (ninja routes GET alone).

    The server sends a HEAD answer's headers only; the page cache already treats the two alike.
    """
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = answering_head(pattern.callback)
    return patterns, app_name, namespace


def answering_head(view):
    @functools.wraps(view)  # its csrf_exempt flag too
    def wrapper(request, *args, **kwargs):
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            return view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"  # for the server, which sends no body

    return wrapper


@api.exception_handler(Http404)
def not_found(request, error):
    return api.create_response(request, {"detail": str(error) or "Not found."}, status=404)


@api.exception_handler(NinjaValidationError)
def invalid_parameters(request, error):
    return api.create_response(request, {"detail": error.errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request, error):
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


@api.exception_handler(OperationalError)
def statement_timeout(request, error):
    """A query stopped by the statement timeout (web/guards.py): 503 and Retry-After, as JSON."""
    if not is_query_timeout(error):
        raise error
    response = api.create_response(
        request, {"detail": "The database took too long to answer; try again shortly."}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def absolute(request: HttpRequest, name: str, *args, query: QueryDict | None = None) -> str:
    url = request.build_absolute_uri(reverse(f"api:{name}", args=args))
    return f"{url}?{query.urlencode()}" if query else url


def event_objects(request, events) -> Iterator[tuple[Event, dict]]:
    """Each event of `events`, in its order, with its object: /events.json's, from the same function."""
    url = event_url_maker(request)
    for event, parts in events_with_parts(events):
        yield event, event_row(event, parts, url(event))


def next_page(request: HttpRequest, cursor: str | None) -> str | None:
    """This request's address with `after=cursor`: the next page, every other parameter kept."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["after"] = cursor
    return f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"


def bound_filter(request, filterset_class, queryset):
    """The page's filter form over `queryset`, bound to the request's values of its own parameters."""
    data = QueryDict(mutable=True)
    for name in filterset_class.base_filters:
        if name in request.GET:
            data.setlist(name, request.GET.getlist(name))
    return filterset_class(data or None, queryset=queryset)


def given_filters(filterset) -> dict:
    """The filters given, as given: `country` a list, the others a string."""
    data = filterset.data
    return {name: data.getlist(name) if name == "country" else data[name] for name in data}


def bad_filter(filterset) -> tuple[int, dict]:
    return 400, {"detail": "Bad filter.", "errors": filterset.form.errors.get_json_data()}


def page_by_slug(request, rows, *, after: str | None, limit: int, render) -> dict:
    """A keyset page of `rows` in slug order (a unique index: the last page costs what the first does)."""
    rows = rows.order_by("slug")
    if after:
        rows = rows.filter(slug__gt=after)
    found = list(rows[: limit + 1])
    shown = found[:limit]
    return {
        "items": [render(request, row) for row in shown],
        "limit": limit,
        "next": next_page(request, shown[-1].slug if len(found) > limit else None),
    }


@api.get("/", response={200: schemas.Index, **COMMON}, url_name="index", summary="The operations of this API")
def index(request):
    paths = api.get_openapi_schema(path_params={})["paths"]
    operations = [
        {"operation_id": op["operationId"], "method": method.upper(), "path": path, "summary": op.get("summary", "")}
        for path, methods in paths.items()
        for method, op in methods.items()
    ]
    return {
        "title": api.title,
        "version": api.version,
        "openapi": absolute(request, "openapi-json"),
        "docs": absolute(request, "openapi-view"),
        "operations": operations,
    }


# -- Events ----------------------------------------------------------------------------------------


Kind = Literal[tuple(value for value, _ in KIND_CHOICES)]
Status = Literal[tuple(EventStatus.values)]


@api.get(
    "/events",
    response={**COMMON, 200: schemas.EventPage, 400: schemas.FilterProblem},
    url_name="events",
    summary="Published events, filtered as /events/ is, oldest first",
)
def events(
    request,
    country: Countries = None,
    summit: Annotated[str | None, Query(max_length=200, description="A summit's slug or short name.")] = None,
    leader: Annotated[str | None, Query(max_length=200, description="A leader's slug or name.")] = None,
    kind: Annotated[Kind | None, Query(description="An event kind, or `meeting` for any meeting.")] = None,
    status: Annotated[Status | None, Query()] = None,
    date_after: Annotated[datetime.date | None, Query(description="YYYY-MM-DD, inclusive.")] = None,
    date_before: Annotated[datetime.date | None, Query(description="YYYY-MM-DD, inclusive.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in titles, summaries and quotes.")] = None,
    after: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}_\d{1,19}$", description="Where a page starts: from `next`.")
    ] = None,
    limit: PageSize = DEFAULT_LIMIT,
):
    # The parameters are typed above for the schema; the filter form reads them as given, as
    # /events/ does, so that a filter means the same here and there.
    filterset = bound_filter(request, EventFilter, Event.objects.published())
    if filterset.is_bound and not filterset.is_valid():
        return bad_filter(filterset)
    paginator = paginator_for(filterset, per_page=limit)
    try:
        # One row past the page, to know whether another follows.
        found = list(event_objects(request, paginator.query(after=after)))
    except InvalidCursor as error:
        return 400, {"detail": str(error), "errors": {"after": [{"message": str(error), "code": "invalid"}]}}
    shown = found[:limit]
    return {
        "filter": given_filters(filterset),
        "events": [row for _event, row in shown],
        "limit": limit,
        "next": next_page(request, str(Cursor.of(shown[-1][0])) if len(found) > limit else None),
    }


@api.get(
    "/events/{event_id}",
    response={**COMMON, 200: schemas.Event, 404: schemas.Problem},
    url_name="event",
    summary="One published event",
)
def event(request, event_id: Annotated[int, Path(ge=1, le=2**63 - 1)]):
    for _event, row in event_objects(request, Event.objects.published().filter(pk=event_id)):
        return row
    raise Http404(f"No published event has the id {event_id}.")


# -- Relationships ---------------------------------------------------------------------------------


def relationship_fields(request, relationship) -> dict:
    home, other = relationship.home, relationship.other
    return {
        "key": relationship.slug,
        "countries": [home.iso2, other.iso2],
        "names": [home.name, other.name],
        "url": request.build_absolute_uri(reverse("events:relationship", kwargs={"pair": relationship.slug})),
        "api_url": absolute(request, "relationship", relationship.slug),
    }


@api.get(
    "/relationships",
    response={**COMMON, 200: list[schemas.RelationshipListed]},
    url_name="relationships",
    summary="The home country's relationships with a published event, busiest first",
)
def relationships(request):
    listed = []
    for relationship in home_relationships():
        latest = relationship.latest_event
        listed.append(
            {
                **relationship_fields(request, relationship),
                "event_count": relationship.event_count,
                "latest_event": latest
                and {
                    "id": latest.pk,
                    "title": latest.title,
                    "date": latest.partial_date.iso(),
                    "url": request.build_absolute_uri(latest.get_absolute_url()),
                },
            }
        )
    return listed


@api.get(
    "/relationships/{pair}",
    response={**COMMON, 200: schemas.RelationshipDetail, 404: schemas.Problem},
    url_name="relationship",
    summary="One relationship: its figures and its temperature, period by period",
)
def relationship(
    request,
    pair: Annotated[str, Path(pattern=r"^[A-Za-z]{2}-[A-Za-z]{2}$", description="Two ISO2 codes: ph-ru.")],
    period: Annotated[
        Literal[PERIOD_KINDS], Query(description="Months, quarters or years: the temperature's periods.")
    ] = "month",
):
    found = relationship_or_404(tuple(pair.lower().split("-")))
    summary, chart = relationship_overview(found.home, found.other, period=period)
    series = chart.series[0].rows if chart.series else []
    quads = list(Quad.values)
    return {
        **relationship_fields(request, found),
        "event_count": summary.event_count,
        "first_month": summary.first_date,
        "last_month": summary.last_date,
        "events": absolute(request, "events", query=QueryDict(f"country={found.home.iso2}&country={found.other.iso2}")),
        "period": chart.kind,
        "temperature": [
            {
                "start": row.period.start,
                "end": row.period.end,
                "label": row.period.label,
                "scored_events": row.count,
                "mean": float(row.mean) if row.mean is not None else None,
                "quads": dict(zip(quads, row.quads)),
            }
            for row in series
        ],
    }


# -- Leaders and summits ---------------------------------------------------------------------------


def leader_object(request, leader: Leader) -> dict:
    return {
        "slug": leader.slug,
        "name": leader.name,
        "country": leader.country_id,
        "other_names": [name.strip() for name in leader.other_names.splitlines() if name.strip()],
        "wikidata_id": leader.wikidata_id,
        "description": leader.description,
        "url": request.build_absolute_uri(leader.get_absolute_url()),
        "api_url": absolute(request, "leader", leader.slug),
        "events": absolute(request, "events", query=QueryDict(f"leader={leader.slug}")),
        "offices": [
            {
                "title": office.title,
                "country": office.country_id,
                "start": office.start.iso() if office.start else None,
                "end": office.end.iso() if office.end else None,
                "tenure": office.tenure,
                "source_url": office.source_url,
            }
            for office in leader.offices.all()
        ],
    }


def leaders_with_offices():
    return Leader.objects.prefetch_related(Prefetch("offices", queryset=Office.objects.order_by("start_date", "id")))


@api.get(
    "/leaders",
    response={**COMMON, 200: schemas.LeaderPage},
    url_name="leaders",
    summary="Leaders with the offices they held, by slug",
)
def leaders(
    request,
    after: SlugPosition = None,
    limit: PageSize = DEFAULT_LIMIT,
):
    page = page_by_slug(request, leaders_with_offices(), after=after, limit=limit, render=leader_object)
    return {"leaders": page.pop("items"), **page}


@api.get(
    "/leaders/{slug}",
    response={**COMMON, 200: schemas.Leader, 404: schemas.Problem},
    url_name="leader",
    summary="One leader with the offices they held",
)
def leader(request, slug: Annotated[Slug, Path()]):
    found = leaders_with_offices().filter(slug=slug).first()
    if found is None:
        raise Http404(f"No leader has the slug “{slug}”.")
    return leader_object(request, found)


def summit_object(request, summit: Summit) -> dict:
    return {
        "slug": summit.slug,
        "short_name": summit.short_name,
        "name": summit.name,
        "forum": summit.forum,
        "host_country": summit.host_country_id,
        "city": summit.city,
        "start_date": summit.start_date,
        "end_date": summit.end_date,
        "dates_display": summit.dates_display,
        "description": summit.description,
        "url": request.build_absolute_uri(summit.get_absolute_url()),
        "api_url": absolute(request, "summit", summit.slug),
        "events": absolute(request, "events", query=QueryDict(f"summit={summit.slug}")),
    }


@api.get(
    "/summits",
    response={**COMMON, 200: schemas.SummitPage},
    url_name="summits",
    summary="Summits, by slug",
)
def summits(
    request,
    after: SlugPosition = None,
    limit: PageSize = DEFAULT_LIMIT,
):
    page = page_by_slug(request, Summit.objects.all(), after=after, limit=limit, render=summit_object)
    return {"summits": page.pop("items"), **page}


@api.get(
    "/summits/{slug}",
    response={**COMMON, 200: schemas.SummitDetail, 404: schemas.Problem},
    url_name="summit",
    summary="One summit",
)
def summit(request, slug: Annotated[Slug, Path()]):
    found = Summit.objects.prefetch_related("sources").filter(slug=slug).first()
    if found is None:
        raise Http404(f"No summit has the slug “{slug}”.")
    return {**summit_object(request, found), "sources": [source.url for source in found.sources.all()]}


# -- Commitments -----------------------------------------------------------------------------------


def commitment_object(request, commitment: Commitment) -> dict:
    return {
        "slug": commitment.slug,
        "title": commitment.title,
        "kind": commitment.kind,
        "stage": commitment.stage,
        "countries": sorted(country.iso2 for country in commitment.countries.all()),
        "amount": str(commitment.amount) if commitment.amount is not None else None,
        "currency": commitment.currency,
        "summary": commitment.summary,
        "source_url": commitment.source_url,
        "url": request.build_absolute_uri(commitment.get_absolute_url()),
        "api_url": absolute(request, "commitment", commitment.slug),
    }


Stage = Literal[tuple(CommitmentStage.values)]


@api.get(
    "/commitments",
    response={**COMMON, 200: schemas.CommitmentPage, 400: schemas.FilterProblem},
    url_name="commitments",
    summary="Agreements, pledges and intentions, filtered as /commitments/ is, by slug",
)
def commitments(
    request,
    country: Countries = None,
    stage: Annotated[Stage | None, Query()] = None,
    after: SlugPosition = None,
    limit: PageSize = DEFAULT_LIMIT,
):
    filterset = bound_filter(request, CommitmentFilter, Commitment.objects.prefetch_related("countries"))
    if filterset.is_bound and not filterset.is_valid():
        return bad_filter(filterset)
    page = page_by_slug(request, filterset.qs, after=after, limit=limit, render=commitment_object)
    return {"filter": given_filters(filterset), "commitments": page.pop("items"), **page}


@api.get(
    "/commitments/{slug}",
    response={**COMMON, 200: schemas.CommitmentDetail, 404: schemas.Problem},
    url_name="commitment",
    summary="One commitment with its dated steps and the events that moved them",
)
def commitment(request, slug: Annotated[Slug, Path()]):
    found = Commitment.objects.prefetch_related("countries", visible_steps(AnonymousUser())).filter(slug=slug).first()
    if found is None:
        raise Http404(f"No commitment has the slug “{slug}”.")
    steps = []
    for step in found.steps.all():
        event = step.event  # None when there is none or it is not published (visible_steps)
        steps.append(
            {
                "date": step.partial_date.iso(),
                "date_display": step.date_display,
                "stage": step.stage,
                "note": step.note,
                "source_url": step.source_url,
                "event": event
                and {
                    "id": event.pk,
                    "title": event.title,
                    "date": event.partial_date.iso(),
                    "url": request.build_absolute_uri(event.get_absolute_url()),
                },
            }
        )
    return {**commitment_object(request, found), "steps": steps}
