import datetime

from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView, ListView, TemplateView

from .models import Country, Event, Leader, Participant, Quote, Summit
from .timeline import Relationship, home_relationships, relationship_timeline


def healthz(request):
    """200 and `ok` when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


class HomeView(TemplateView):
    template_name = "events/home.html"

    def get_context_data(self, **kwargs):
        today = datetime.date.today()
        return super().get_context_data(
            relationships=home_relationships(),
            upcoming_summits=Summit.objects.select_related("host_country").upcoming(today)[:5],
            recent_summits=Summit.objects.select_related("host_country").recent(today)[:5],
            **kwargs,
        )


class RelationshipView(ListView):
    template_name = "events/relationship_detail.html"
    context_object_name = "events"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        a, b = kwargs["pair"]
        if a == b:
            raise Http404("A relationship needs two different countries.")
        countries = Country.objects.in_bulk([a.upper(), b.upper()])
        if len(countries) != 2:
            raise Http404("Unknown country code.")
        # The Philippines first, whichever order the address gave.
        first, second = countries[a.upper()], countries[b.upper()]
        if second.iso2 == "PH":
            return redirect("events:relationship", pair=(second.code, first.code), permanent=True)
        self.relationship = Relationship(first, second)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        r = self.relationship
        return relationship_timeline(r.home.iso2, r.other.iso2)

    def get_context_data(self, **kwargs):
        return super().get_context_data(relationship=self.relationship, **kwargs)


class EventListView(ListView):
    template_name = "events/event_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        return Event.objects.published().chronological().with_related()


class EventDetailView(DetailView):
    template_name = "events/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return Event.objects.published().with_related()


class SummitListView(ListView):
    template_name = "events/summit_list.html"
    context_object_name = "summits"
    queryset = Summit.objects.select_related("host_country")


class SummitDetailView(DetailView):
    template_name = "events/summit_detail.html"
    context_object_name = "summit"
    queryset = Summit.objects.select_related("host_country")

    def get_context_data(self, **kwargs):
        events = self.object.events.published().chronological().with_related()
        return super().get_context_data(events=events, **kwargs)


class LeaderListView(ListView):
    template_name = "events/leader_list.html"
    context_object_name = "leaders"
    queryset = Leader.objects.select_related("country")


class LeaderDetailView(DetailView):
    template_name = "events/leader_detail.html"
    context_object_name = "leader"
    queryset = Leader.objects.select_related("country").prefetch_related("offices__country")

    def get_context_data(self, **kwargs):
        leader = self.object
        events = (
            Event.objects.published()
            .filter(
                Q(pk__in=Participant.objects.filter(leader=leader).values("event_id"))
                | Q(pk__in=Quote.objects.filter(speaker=leader).values("event_id"))
            )
            .chronological()
            .with_related()
        )
        return super().get_context_data(events=events, **kwargs)
