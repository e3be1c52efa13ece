"""
The exports of CONTRACT.md: /events.csv, /events.json, a relationship's
timeline.json (TimelineJS 3) and /calendar.ics; the Atom feed is in web/feeds.py.

Each takes the filters of /events/ (EventFilter) and shows published events
only. A malformed filter is a 400 that says what is wrong. CSV and JSON are
streamed a chunk of events at a time, so a million rows never sit in memory;
the formats themselves are built in services/exporting.py.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.views import View

from events.models import MEETING_KINDS, Event, EventStatus, Summit, reference
from events.queries.relationships import Relationship, relationship_for
from events.services.exporting import (
    CSV_COLUMNS,
    calendar_ics,
    csv_cells,
    event_row,
    events_with_parts,
    timeline_eras,
    timeline_slide,
)
from events.web.filters import EventFilter

ROWS_PER_WRITE = 500  # rows joined into one chunk of the response: fewer, larger writes to the socket
# The last line of an /events.csv cut short. A JSON export cut short needs no marker: it
# stops where the error struck, without its closing brackets, which no parser accepts.
TRUNCATED = "# truncated"


class FilteredExportView(View):
    """Applies EventFilter to `base_queryset()`; answers 400 with the form's errors when a filter is malformed."""

    def get(self, request, *args, **kwargs):
        self.filterset = EventFilter(request.GET or None, queryset=self.base_queryset())
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.invalid(self.filterset.form.errors)
        return self.export(self.filterset.qs)

    def base_queryset(self):
        return Event.objects.published().chronological()

    def invalid(self, errors) -> HttpResponse:
        return bad_filter(errors)

    def filters_in_force(self) -> dict:
        """The valid filters given, as plain JSON values (slugs for summits and leaders, ISO dates)."""
        if not self.filterset.is_bound:
            return {}
        echoed = {}
        for name, value in self.filterset.form.cleaned_data.items():
            if value in (None, "", []):
                continue
            if hasattr(value, "slug"):
                value = value.slug
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            echoed[name] = value
        return echoed

    def rows(self, events) -> Iterator[dict]:
        url = event_url_maker(self.request)
        for event, parts in events_with_parts(events):
            yield event_row(event, parts, url(event))


class EventsCSVView(FilteredExportView):
    """`/events.csv`: one row per published event, in date order."""

    def export(self, events):
        response = StreamingHttpResponse(self.lines(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="events.csv"'
        return response

    def lines(self, events) -> Iterator[str]:
        buffer = io.StringIO()
        # Every cell quoted: whatever separator a spreadsheet's locale uses, a cell's text stays one cell.
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow(CSV_COLUMNS)
        n = 0
        try:
            for n, row in enumerate(self.rows(events), 1):
                writer.writerow(csv_cells(row))
                if n % ROWS_PER_WRITE == 0:
                    yield take(buffer)
        except DatabaseError:
            # The 200 is sent and the rows go out 500 at a time, each chunk ending a line: a
            # file cut here would pass for complete. Say so in it, then let the error abort the
            # connection (no final chunk: an HTTP/1.1 client sees an incomplete body too).
            yield (
                take(buffer)
                + f"{TRUNCATED} after {n:,} events: the database stopped answering; download the file again\r\n"
            )
            raise
        yield take(buffer)


class EventsJSONView(FilteredExportView):
    """`/events.json`: {"filter": the filters in force, "events": [...], "count": n}, streamed."""

    def invalid(self, errors):
        return JsonResponse({"errors": errors.get_json_data()}, status=400)

    def export(self, events):
        head = {"filter": self.filters_in_force()}
        return StreamingHttpResponse(json_object(head, "events", self.rows(events)), content_type="application/json")


class TimelineJSONView(FilteredExportView):
    """`/relationships/<a>-<b>/timeline.json`: the relationship's timeline in TimelineJS 3 format."""

    def get(self, request, *args, pair, **kwargs):
        self.relationship = relationship_or_404(pair)
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        r = self.relationship
        return Event.objects.for_pair(r.home.iso2, r.other.iso2).published().chronological()

    def invalid(self, errors):
        return JsonResponse({"errors": errors.get_json_data()}, status=400)

    def export(self, events):
        r = self.relationship
        head = {
            "title": {
                "text": {
                    "headline": f"{r.home.name}–{r.other.name}",
                    "text": "Meetings, statements, agreements and other events of the relationship, oldest first.",
                }
            },
        }
        url = event_url_maker(self.request)
        span = {}  # The first day and the last (or last end) of the events shown, for the eras.

        def slides():
            for event, parts in events_with_parts(events, quotes=True):  # In date order.
                span.setdefault("first", event.date)
                span["last"] = max(span.get("last", event.date), event.end_date or event.date)
                yield timeline_slide(event, parts, url(event))

        def eras():
            # After the slides, whose span they take: no query of its own. TimelineJS reads keys in any order.
            home = settings.HOME_COUNTRY in (r.home.iso2, r.other.iso2)
            return {"eras": timeline_eras(span["first"], span["last"]) if home and span else []}

        return StreamingHttpResponse(json_object(head, "events", slides(), tail=eras), content_type="application/json")


class CalendarView(FilteredExportView):
    """`/calendar.ics`: summits and planned meetings.

    The event filters narrow the meetings; of them, `summit`, `date_after` and
    `date_before` narrow the summits too.
    """

    def base_queryset(self):
        return Event.objects.published().filter(status=EventStatus.PLANNED, kind__in=MEETING_KINDS).chronological()

    def export(self, meetings):
        summits = Summit.objects.select_related("host_country").order_by("start_date", "short_name")
        if self.filterset.is_bound:
            data = self.filterset.form.cleaned_data
            if data.get("summit"):
                summits = summits.filter(pk=data["summit"].pk)
            if data.get("date_after"):
                summits = summits.filter(end_date__gte=data["date_after"])
            if data.get("date_before"):
                summits = summits.filter(start_date__lte=data["date_before"])
        ics = calendar_ics(
            summits,
            meetings.select_related("summit"),
            uid_domain=self.request.get_host().split(":")[0],
            absolute=self.request.build_absolute_uri,
        )
        response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
        return response


def bad_filter(errors) -> HttpResponse:
    """400, with each error of the filter form on a line: `date_after: Enter a valid date.`"""
    text = "\n".join(f"{field}: {message}" for field, messages in errors.items() for message in messages)
    return HttpResponse(f"Bad filter.\n{text}\n", status=400, content_type="text/plain; charset=utf-8")


def relationship_or_404(pair: tuple[str, str]) -> Relationship:
    """The relationship of two known, different countries, in its canonical order."""
    a, b = pair
    if a == b:
        raise Http404("A relationship needs two different countries.")
    first, second = reference.country(a), reference.country(b)
    if first is None or second is None:
        raise Http404("Unknown country code.")
    return relationship_for(first, second)


def event_url_maker(request) -> Callable[[Event], str]:
    """The absolute `event.get_absolute_url()`, resolved once rather than once per event.

    reverse() and build_absolute_uri() took a third of a large export's time.
    """
    marker = "918273645/event-slug-marker"
    pk, slug = marker.split("/")
    url = request.build_absolute_uri(reverse("events:event_detail", kwargs={"pk": pk, "slug": slug}))
    head, found, tail = url.partition(marker)
    if not found:  # the route no longer reads <pk>/<slug>: the slow, sure way
        return lambda event: request.build_absolute_uri(event.get_absolute_url())
    return lambda event: f"{head}{event.pk}/{event.slug}{tail}"


def take(buffer: io.StringIO) -> str:
    """What `buffer` holds, emptying it."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_object(
    head: dict, list_key: str, items: Iterable[dict], *, tail: Callable[[], dict] | None = None
) -> Iterator[str]:
    """`{...head, list_key: [items...], "count": n, ...tail()}` as JSON text, a few hundred items per chunk.

    `tail` is called once the items are written: for what is known only then.
    """
    opening = json.dumps(head, ensure_ascii=False)[:-1]  # the head object, left open
    yield f'{opening}{", " if head else ""}"{list_key}": ['
    count, pending = 0, []
    for item in items:
        pending.append(json.dumps(item, ensure_ascii=False))
        count += 1
        if len(pending) == ROWS_PER_WRITE:
            yield ("," if count > ROWS_PER_WRITE else "") + ",".join(pending)
            pending = []
    if pending:
        yield ("," if count > len(pending) else "") + ",".join(pending)
    closing = json.dumps(tail(), ensure_ascii=False)[1:] if tail else "}"  # the tail object, opened
    yield f'], "count": {count}{", " if closing != "}" else ""}{closing}'
