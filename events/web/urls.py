from django.urls import path, register_converter

from events.web import compare, feeds, views
from events.web import exports as export_views


class PairConverter:
    """`ph-ru`: two ISO2 codes in either order; validated against the database in the view."""

    regex = r"[A-Za-z]{2}-[A-Za-z]{2}"

    def to_python(self, value):
        return tuple(value.lower().split("-"))

    def to_url(self, value):
        return "-".join(value) if isinstance(value, (tuple, list)) else value


register_converter(PairConverter, "pair")

app_name = "events"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("relationships/compare/", compare.CompareView.as_view(), name="relationship_compare"),
    path("relationships/<pair:pair>/", views.RelationshipView.as_view(), name="relationship"),
    path("relationships/<pair:pair>/timeline.json", export_views.TimelineJSONView.as_view(), name="timeline_json"),
    path("relationships/<pair:pair>/feed/", feeds.RelationshipFeed(), name="relationship_feed"),
    path("events.csv", export_views.EventsCSVView.as_view(), name="events_csv"),
    path("events.json", export_views.EventsJSONView.as_view(), name="events_json"),
    path("calendar.ics", export_views.CalendarView.as_view(), name="calendar"),
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/<slug:slug>/", views.EventDetailView.as_view(), name="event_detail"),
    path("summits/", views.SummitListView.as_view(), name="summit_list"),
    path("summits/<slug:slug>/", views.SummitDetailView.as_view(), name="summit_detail"),
    path("commitments/", views.CommitmentListView.as_view(), name="commitment_list"),
    path("commitments/<slug:slug>/", views.CommitmentDetailView.as_view(), name="commitment_detail"),
    path("leaders/", views.LeaderListView.as_view(), name="leader_list"),
    path("leaders/<slug:slug>/", views.LeaderDetailView.as_view(), name="leader_detail"),
]
