"""
The public pages. Views stay thin: the queries are QuerySet methods and the
read helpers of events/queries/; each page runs a fixed number of queries
whatever the size of the data (pinned in tests/test_views.py).
"""

from functools import cached_property

from django.db import connection
from django.db.models import F, Prefetch, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from events.models import (
    Commitment,
    CommitmentStep,
    Event,
    EventCountry,
    EventLink,
    Leader,
    Office,
    Participant,
    Readout,
    Summit,
    reference,
)
from events.queries import relationships as timeline
from events.queries.pagination import PER_PAGE, InvalidCursor, KeysetPage, KeysetPaginator, page_links, paginator_for
from events.queries.relationships import by_year_and_month, event_relationships, home_relationships, relationship_for
from events.services import citations, revisions
from events.web import cite
from events.web.compare import ChartForm, coding_links
from events.web.filters import CommitmentFilter, EventFilter


def healthz(request):
    """200 and `ok` when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


class HomeView(TemplateView):
    template_name = "events/home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        summits = Summit.objects.select_related("host_country")
        return super().get_context_data(
            relationships=home_relationships(),
            upcoming_summits=summits.upcoming(today)[:5],
            recent_summits=summits.recent(today)[:5],
            **kwargs,
        )


class PageLinksMixin:
    """Puts `page_links` (pagination.PageLinks) in the context for the `pagination` macro (macros.html)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_links"] = page_links(context.get("page_obj"), self.request.GET)
        return context


class KeysetPagesMixin(PageLinksMixin):
    """Pages of events in date order, reached with `?after=` / `?before=` cursors (events/queries/pagination.py).

    Page 50 costs what page 1 does, and no page counts the whole list unless
    `counted()` asks, and then only up to a bound, inside the page's query. A
    malformed cursor gives an empty page, the reason, and status 400.
    """

    paginate_by = PER_PAGE
    cursor_error = ""

    def keyset_paginator(self) -> KeysetPaginator:
        raise NotImplementedError

    def counted(self) -> bool:
        return False

    def paginate_queryset(self, queryset, page_size):
        paginator = self.keyset_paginator()
        try:
            page = paginator.page_for(self.request.GET, counted=self.counted())
        except InvalidCursor as error:
            self.cursor_error = str(error)
            page = KeysetPage(paginator, [], has_next=False, has_previous=False)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["years"] = by_year_and_month(context["object_list"])
        context["cursor_error"] = self.cursor_error
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.cursor_error:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class FilteredEventsMixin(KeysetPagesMixin):
    """A list of events narrowed by the contract's filters (EventFilter).

    A malformed filter value gives the page back with the form's errors and
    status 400: the request was wrong, and nothing is listed rather than a
    silently wider result. With filters in force, the page says how many
    events match (exactly up to pagination.COUNT_LIMIT, "more than" beyond).
    """

    filterset_class = EventFilter
    context_object_name = "events"
    pair: str | None = None  # A relationship's timeline: its pair drives the pages.

    export_countries: tuple[str, ...] = ()

    def keyset_paginator(self) -> KeysetPaginator:
        return paginator_for(
            self.filterset, pair=self.pair, per_page=self.paginate_by, published_only=not self.request.user.is_staff
        )

    def counted(self) -> bool:
        return bool(self.active_filters)

    @cached_property
    def active_filters(self):
        return self.filterset.active_filters()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_filters"] = self.active_filters
        context["export_query"] = self.filterset.export_query(countries=self.export_countries)
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class RelationshipView(FilteredEventsMixin, FilterView):
    template_name = "events/relationship_detail.html"

    def dispatch(self, request, *args, **kwargs):
        a, b = (reference.country(code) for code in kwargs["pair"])
        if a is None or b is None:
            raise Http404("Unknown country code.")
        if a == b:
            raise Http404("A relationship needs two different countries.")
        self.relationship = relationship_for(a, b)
        self.pair = self.relationship.key
        # The exports take the events list's filters: this relationship is its two countries.
        self.export_countries = (self.relationship.home.iso2, self.relationship.other.iso2)
        # One address per relationship (`ru-ph`, `PH-RU` → `ph-ru`), filters kept.
        url = reverse("events:relationship", kwargs={"pair": self.relationship.slug})
        if request.path != url:
            query = request.META.get("QUERY_STRING")
            return redirect(f"{url}?{query}" if query else url, permanent=True)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # The pair is the paginator's to apply (`self.pair`): it drives the index scan.
        return Event.objects.visible_to(self.request.user).with_related()

    def get_context_data(self, **kwargs):
        r = self.relationship
        # `coding=reviewed` draws the chart from reviewed codes only; a value it does not know is the form's error.
        self.chart_form = ChartForm(self.request.GET)
        coding = self.chart_form.cleaned_data["coding"] if self.chart_form.is_valid() else "all"
        summary, temperature = timeline.relationship_overview(r.home, r.other, coding=coding)
        return super().get_context_data(
            relationship=r,
            summary=summary,
            temperature=temperature,
            chart_form=self.chart_form,
            coding_links=coding_links(self.request),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        if self.chart_form.errors:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class EventListView(FilteredEventsMixin, FilterView):
    template_name = "events/event_list.html"

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user).with_related()


class EventDetailView(DetailView):
    template_name = "events/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        visible = Event.objects.visible_to(self.request.user)
        return (
            visible.with_related()
            .prefetch_related(
                "sources",
                "pairs",
                Prefetch("involvements", queryset=EventCountry.objects.select_related("country")),
                "disagreements__versions__source",
                # Links both ways, to the events this reader may see (a draft's link stays hidden).
                Prefetch(
                    "links_out",
                    queryset=EventLink.objects.filter(to_event__in=visible.values("pk")).select_related("to_event"),
                ),
                Prefetch(
                    "links_in",
                    queryset=EventLink.objects.filter(from_event__in=visible.values("pk")).select_related("from_event"),
                ),
                Prefetch("readouts", queryset=Readout.objects.select_related("country")),
                Prefetch("commitment_steps", queryset=CommitmentStep.objects.select_related("commitment")),
            )
            .annotate(revision_number=revisions.latest_number(), revision_recorded_at=revisions.latest_recorded_at())
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        # One address per event: the id alone, or an outdated slug, redirects to the canonical one.
        if kwargs.get("slug") != self.object.slug:
            return redirect(self.object, permanent=True)
        citable = cite.event_citable(request, self.object)
        context = self.get_context_data(
            object=self.object,
            relationships=event_relationships(self.object),
            citation=citable,
            citations=citations.all_formatted(citable),
        )
        return self.render_to_response(context)


def visible_steps(user) -> Prefetch:
    """A commitment's steps with their events, an event the reader may not see left out (its step stays)."""
    return Prefetch(
        "steps",
        queryset=CommitmentStep.objects.order_by("date", "id").prefetch_related(
            Prefetch("event", queryset=Event.objects.visible_to(user))
        ),
    )


class CommitmentListView(PageLinksMixin, FilterView):
    """Agreements, pledges and intentions, by country and stage, each with its steps (a fixed number of queries)."""

    template_name = "events/commitment_list.html"
    filterset_class = CommitmentFilter
    context_object_name = "commitments"
    paginate_by = 50

    def get_queryset(self):
        return Commitment.objects.prefetch_related("countries", visible_steps(self.request.user)).order_by(
            "title", "id"
        )

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class CommitmentDetailView(DetailView):
    """One commitment's path: its dated steps, the events that moved them, their sources."""

    template_name = "events/commitment_detail.html"
    context_object_name = "commitment"

    def get_queryset(self):
        return Commitment.objects.prefetch_related("countries", visible_steps(self.request.user))


class SummitListView(PageLinksMixin, ListView):
    template_name = "events/summit_list.html"
    context_object_name = "summits"
    paginate_by = 100

    def get_queryset(self):
        # Public events as EventQuerySet.published() says, counted beside the summit (SummitCount).
        return (
            Summit.objects.select_related("host_country")
            .annotate(event_count=Coalesce("counted__events", 0))
            .order_by("-start_date", "short_name")
        )


class SummitDetailView(KeysetPagesMixin, ListView):
    """A summit: when and where, the leaders attending, and the meetings on its sidelines."""

    template_name = "events/summit_detail.html"
    context_object_name = "events"

    def get(self, request, *args, **kwargs):
        summits = Summit.objects.select_related("host_country").prefetch_related("sources")
        self.summit = get_object_or_404(summits, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.summit.events.visible_to(self.request.user).with_related()

    def keyset_paginator(self) -> KeysetPaginator:
        return KeysetPaginator(self.get_queryset(), self.paginate_by)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(summit=self.summit, **kwargs)
        events = context["object_list"]
        context["meetings"] = [event for event in events if event.is_meeting]
        context["other_events"] = [event for event in events if not event.is_meeting]
        context["attending"] = self.attending()
        return context

    def attending(self) -> list[Participant]:
        """Each leader who took part in the summit's events, by country: their first participation (one query).

        The first is chosen in the database (a window function): a summit with
        1,500 meetings has some 2,000 participations and a few dozen leaders.
        """
        first = Window(RowNumber(), partition_by=F("leader_id"), order_by=[F("event__date"), F("id")])
        return list(
            Participant.objects.filter(event__in=self.summit.events.published())
            .annotate(rank=first)
            .filter(rank=1)
            .select_related("leader", "country")
            .order_by("country__name", "leader__name")
        )


class LeaderListView(PageLinksMixin, ListView):
    template_name = "events/leader_list.html"
    context_object_name = "leaders"
    paginate_by = 100

    def get_queryset(self):
        return (
            Leader.objects.select_related("country")
            # Latest office first: the list shows it under the name.
            .prefetch_related(Prefetch("offices", queryset=Office.objects.order_by("-start_date", "-id")))
            .order_by("country__name", "name")
        )


class LeaderDetailView(KeysetPagesMixin, ListView):
    """A leader's offices, then the meetings and statements they took part in, oldest first."""

    template_name = "events/leader_detail.html"
    context_object_name = "events"
    paginate_by = PER_PAGE

    def get(self, request, *args, **kwargs):
        leaders = Leader.objects.select_related("country").prefetch_related(
            Prefetch("offices", queryset=Office.objects.order_by("start_date", "id")),
            "sources",
        )
        self.leader = get_object_or_404(leaders, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # The leader is the paginator's to apply (`leader=`): their EventLeader rows drive the index scan.
        return Event.objects.visible_to(self.request.user).with_related()

    def keyset_paginator(self) -> KeysetPaginator:
        return KeysetPaginator(
            self.get_queryset(), self.paginate_by, leader=self.leader.pk, published_only=not self.request.user.is_staff
        )

    def counted(self) -> bool:
        return True

    def get_context_data(self, **kwargs):
        return super().get_context_data(leader=self.leader, **kwargs)
