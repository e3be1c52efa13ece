"""
"Cite this": an event at its current revision, the record as of a revision, and living pages.

An event's citation names its revision and links the permanent address of
that revision (`/events/<id>/v/<n>/`), which keeps showing the record as it
read then after later edits. A timeline or a filtered list changes with the
record, so its citation gives the day it was read instead.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.views import View
from django.views.generic import TemplateView

from events.models import Event, EventRevision
from events.services import citations, revisions
from events.services.citations import Citable
from events.web.exports import bad_filter, relationship_or_404
from events.web.filters import EventFilter

FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", citations.bibtex),
    "ris": ("application/x-research-info-systems; charset=utf-8", citations.ris),
    "json": ("application/vnd.citationstyles.csl+json; charset=utf-8", citations.csl_json),
}


def cited_events(user):
    """Events as a citation reads them: with their latest revision's number and date."""
    return Event.objects.visible_to(user).annotate(
        revision_number=revisions.latest_number(),
        revision_recorded_at=revisions.latest_recorded_at(),
    )


def event_citable(request, event: Event, number: int | None = None, recorded_at=None) -> Citable:
    """The citation of an event at a revision (its current one unless given)."""
    if number is None:
        number = getattr(event, "revision_number", None) or 1
        recorded_at = getattr(event, "revision_recorded_at", None)
    issued = timezone.localdate(recorded_at or event.created_at)
    with translation.override("en"):  # a citation is in its style's language, whatever the page's
        dated = event.date_display
    return Citable(
        key=f"pfpt-event-{event.pk}-v{number}",
        title=event.title,
        url=request.build_absolute_uri(revision_url(event, number)),
        issued=issued,
        version=str(number),
        note=f"Record of an event dated {dated}, revision {number}",
    )


def revision_url(event: Event, number: int) -> str:
    return reverse("events:event_revision", kwargs={"pk": event.pk, "number": number})


def page_citable(request, title: str, path: str) -> Citable:
    """The citation of a living page (a timeline, a list, with its filters) as read today."""
    today = timezone.localdate()
    return Citable(
        key=f"pfpt-{today.isoformat()}",
        title=title,
        url=request.build_absolute_uri(path),
        issued=None,  # a page that changes has no date of its own (APA: "n.d.", with the day read)
        version="",
        accessed=today,
    )


def download(citable: Citable, fmt: str, stem: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such citation format: use bib, ris or json.")
    content_type, render = FORMATS[fmt]
    response = HttpResponse(render(citable), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{stem}.{fmt}"'
    return response


class EventCiteView(View):
    """`/events/<id>/cite.bib|ris|json`: the event at its current revision."""

    def get(self, request, pk: int, fmt: str):
        event = get_object_or_404(cited_events(request.user), pk=pk)
        citable = event_citable(request, event)
        return download(citable, fmt, citable.key)


class EventRevisionView(TemplateView):
    """`/events/<id>/v/<n>/`: the record as revision n had it."""

    template_name = "events/event_revision.html"

    def get(self, request, pk: int, number: int):
        event = get_object_or_404(cited_events(request.user), pk=pk)
        current = event.revision_number or 1
        if number < 1 or number > current:
            raise Http404(f"This event has revisions 1 to {current}.")
        stored = EventRevision.objects.filter(event=event, number=number).first()
        if stored is None:  # never edited: revision 1 is the record as it stands
            then = revisions.as_event(revisions.snapshot(event.pk))
            recorded_at = event.created_at
        else:
            then = revisions.as_event(stored)
            recorded_at = stored.recorded_at
        if not then.published and not request.user.is_staff:
            raise Http404("This revision was a draft, never public.")
        then.pk = event.pk
        citable = event_citable(request, event, number, recorded_at)
        context = self.get_context_data(
            event=event,
            then=then,
            number=number,
            latest=current,
            recorded_at=recorded_at,
            citation=citable,
            citations=citations.all_formatted(citable),
        )
        return self.render_to_response(context)


class PageCiteView(TemplateView):
    """`…/cite/` and `…/cite.bib|ris|json` beside a timeline or the list: the page with its filters, as read today."""

    template_name = "events/page_cite.html"

    def get(self, request, fmt: str | None = None, pair=None):
        filterset = EventFilter(request.GET, queryset=Event.objects.none())
        if not filterset.is_valid():
            return bad_filter(filterset.errors)
        if pair is not None:
            relationship = relationship_or_404(pair)
            page = reverse("events:relationship", kwargs={"pair": relationship.slug})
            title = f"{relationship.home.name} and {relationship.other.name}: a timeline of their relations"
        else:
            page = reverse("events:event_list")
            title = "Events in the record of the Philippines' foreign relations"
        kept = request.GET.copy()
        for name in ("cursor", "page"):  # where the reader was in the list is not what they cite
            kept.pop(name, None)
        query = kept.urlencode()
        citable = page_citable(request, title, page + (f"?{query}" if query else ""))
        if fmt is not None:
            return download(citable, fmt, f"pfpt-{'timeline-' + relationship.slug if pair else 'events'}")
        return self.render_to_response(
            self.get_context_data(
                citation=citable, citations=citations.all_formatted(citable), page=page, query=query, title=title
            )
        )
