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
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views import View

from events.models import MEETING_KINDS, Event, EventStatus, Summit, reference
from events.queries.pagination import InvalidCursor, paginator_for
from events.queries.relationships import Relationship, relationship_for
from events.services.exporting import (
    CSV_COLUMNS,
    ROWS_PER_WRITE,
    calendar_ics,
    csv_cells,
    event_row,
    events_with_parts,
    json_object,
    take,
    timeline_eras,
    timeline_slide,
)
from events.web.filters import EventFilter

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


class PagedExportView(FilteredExportView):
    """A page of at most settings.EXPORT_PAGE_SIZE events in date order, and where the next one starts.

    Keyset pages (queries/pagination.py) read through the narrowest index the
    filters allow, so the thousandth page costs what the first does; `?after=`
    is the position the previous page's `next` carries. The whole record at
    once is the bulk files' job (`/downloads/`).
    """

    def export(self, events):
        paginator = paginator_for(self.filterset, per_page=settings.EXPORT_PAGE_SIZE)
        try:
            page = paginator.page(after=self.request.GET.get("after"))
        except InvalidCursor as error:
            return self.invalid({"after": [str(error)]})
        self.next_url = (
            self.request.build_absolute_uri(self.request.path + page.next_query(self.request.GET))
            if page.has_next
            else None
        )
        return self.page_response(page.object_list)

    def base_queryset(self):
        return Event.objects.published().select_related("summit")


class EventsCSVView(PagedExportView):
    """`/events.csv`: one row per published event, in date order, a page at a time.

    The next page's address is in the `Link: <...>; rel="next"` header; the
    last page has none. The body holds the header row and the events, nothing
    else, so that pages concatenated (less their header rows) are one table.
    """

    def page_response(self, events):
        response = StreamingHttpResponse(self.lines(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="events.csv"'
        if self.next_url:
            response["Link"] = f'<{self.next_url}>; rel="next"'
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


class EventsJSONView(PagedExportView):
    """`/events.json`: {"filter", "page_size", "next", "events": [...], "count"}, a page at a time.

    `next` is the absolute address of the next page, null on the last; `count`
    is the number of events on this page.
    """

    def invalid(self, errors):
        return JsonResponse(
            {"errors": errors.get_json_data() if hasattr(errors, "get_json_data") else errors}, status=400
        )

    def page_response(self, events):
        head = {"filter": self.filters_in_force(), "page_size": settings.EXPORT_PAGE_SIZE, "next": self.next_url}
        return StreamingHttpResponse(json_object(head, "events", self.rows(events)), content_type="application/json")


class TimelineJSONView(FilteredExportView):
    """`/relationships/<a>-<b>/timeline.json`: the relationship's timeline in TimelineJS 3 format.

    At most settings.TIMELINE_SLIDES slides (TimelineJS crawls beyond about a
    thousand): the most recent events of the filter, oldest first, the title
    slide saying when earlier ones are left out.
    """

    def get(self, request, *args, pair, **kwargs):
        self.relationship = relationship_or_404(pair)
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        return Event.objects.published().select_related("summit")

    def invalid(self, errors):
        return JsonResponse({"errors": errors.get_json_data()}, status=400)

    def export(self, events):
        r = self.relationship
        limit = settings.TIMELINE_SLIDES
        page = paginator_for(self.filterset, pair=r.key, per_page=limit, descending=True).page()
        events = page.object_list[::-1]  # the most recent, oldest first
        page_url = self.request.build_absolute_uri(
            reverse("events:relationship", kwargs={"pair": r.slug}) + self.filterset.export_query()
        )
        if page.has_next:
            text = format_html(
                "The {} most recent events of the relationship{}, oldest first: a timeline shows at most {}. "
                'Every event is on <a href="{}">the timeline’s page</a> and in the downloads.',
                f"{len(events):,}",
                " matching the filters" if self.filterset.is_bound else "",
                f"{limit:,}",
                page_url,
            )
        else:
            text = "Meetings, statements, agreements and other events of the relationship, oldest first."
        head = {"title": {"text": {"headline": f"{r.home.name}–{r.other.name}", "text": text}}}
        url = event_url_maker(self.request)
        span = {}  # The first day and the last (or last end) of the events shown, for the eras.

        def slides():
            for event, parts in events_with_parts(events):  # In date order.
                span.setdefault("first", event.date)
                span["last"] = max(span.get("last", event.date), event.end_date or event.date)
                yield timeline_slide(event, parts, url(event))

        def eras():
            # After the slides, whose span they take: no query of its own. TimelineJS reads keys in any order.
            home = settings.HOME_COUNTRY in (r.home.iso2, r.other.iso2)
            return {"eras": timeline_eras(span["first"], span["last"]) if home and span else []}

        return StreamingHttpResponse(json_object(head, "events", slides(), tail=eras), content_type="application/json")


class CalendarView(FilteredExportView):
    """`/calendar.ics`: summits and planned meetings, at most settings.CALENDAR_LENGTH of each.

    The event filters narrow the meetings; of them, `summit`, `date_after` and
    `date_before` narrow the summits too. Past the bound, the latest are kept
    (the calendar says so in its description).
    """

    def base_queryset(self):
        return (
            Event.objects.published()
            .filter(status=EventStatus.PLANNED, kind__in=MEETING_KINDS)
            .select_related("summit")
        )

    def export(self, meetings):
        limit = settings.CALENDAR_LENGTH
        meetings = latest(self.filterset, limit)
        summits = Summit.objects.select_related("host_country").order_by("-start_date", "-short_name")
        if self.filterset.is_bound:
            data = self.filterset.form.cleaned_data
            if data.get("summit"):
                summits = summits.filter(pk=data["summit"].pk)
            if data.get("date_after"):
                summits = summits.filter(end_date__gte=data["date_after"])
            if data.get("date_before"):
                summits = summits.filter(start_date__lte=data["date_before"])
        summits = list(summits[:limit])[::-1]
        return calendar_response(
            self.request,
            calendar_ics(
                summits,
                meetings,
                name="Philippine foreign relations: summits and planned meetings",
                description=f"The latest {limit:,} summits and the latest {limit:,} planned meetings at most.",
                uid_domain=self.request.get_host().split(":")[0],
                absolute=self.request.build_absolute_uri,
            ),
            "calendar.ics",
        )


class EventsCalendarView(FilteredExportView):
    """`/events.ics?<filters>`: the events of any /events/ query as all-day calendar entries.

    At most settings.CALENDAR_LENGTH: the latest of the filter (by date).
    """

    def base_queryset(self):
        return Event.objects.published().select_related("summit")

    def export(self, events):
        limit = settings.CALENDAR_LENGTH
        query = self.filterset.export_query()
        return calendar_response(
            self.request,
            calendar_ics(
                [],
                latest(self.filterset, limit),
                name="Philippine foreign relations: " + (f"events {query}" if query else "every event"),
                description=(
                    f"The latest {limit:,} events at most matching {self.request.build_absolute_uri(reverse('events:event_list') + query)}"
                ),
                uid_domain=self.request.get_host().split(":")[0],
                absolute=self.request.build_absolute_uri,
            ),
            "events.ics",
        )


def latest(filterset, limit: int) -> list[Event]:
    """The `limit` latest events of a valid filterset, oldest first, one keyset page through the narrowest index."""
    page = paginator_for(filterset, per_page=limit, descending=True).page()
    return page.object_list[::-1]


def calendar_response(request, ics: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
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
