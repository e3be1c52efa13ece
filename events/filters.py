"""
The filters of CONTRACT.md, shared by `/events/`, every timeline and the exports.

`country` (ISO2, repeatable: events involving all of them), `summit` (slug),
`leader` (slug: participant or speaker), `kind` (an event kind, or `meeting`
for any meeting), `status`, `date_after`, `date_before` (YYYY-MM-DD) and `q`
(text in titles, summaries and quotes in both languages).
"""

import django_filters
from django import forms
from django.db.models import Q

from .models import MEETING_KINDS, Country, Event, EventKind, EventStatus, Leader, Participant, Quote, Summit

KIND_CHOICES = [("meeting", "Any meeting"), *EventKind.choices]


class CountryCodesField(forms.MultipleChoiceField):
    """Accepts `US`, `us` or `Us`; the choices are the stored countries."""

    def to_python(self, value):
        return [v.strip().upper() for v in super().to_python(value)]


class CountryCodesFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryCodesField


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Text", method="filter_text", max_length=200)
    country = CountryCodesFilter(label="Countries involved", method="filter_countries")
    summit = django_filters.ModelChoiceFilter(
        label="Summit",
        queryset=Summit.objects.all(),
        to_field_name="slug",
        field_name="summit",
        empty_label="Any summit",
    )
    leader = django_filters.ModelChoiceFilter(
        label="Leader", queryset=Leader.objects.all(), to_field_name="slug", method="filter_leader", empty_label="Anyone"
    )
    kind = django_filters.ChoiceFilter(label="Kind", choices=KIND_CHOICES, method="filter_kind", empty_label="Any kind")
    status = django_filters.ChoiceFilter(label="Status", choices=EventStatus.choices, empty_label="Any status")
    date_after = django_filters.DateFilter(
        label="From", field_name="date", lookup_expr="gte", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_before = django_filters.DateFilter(
        label="Until", field_name="date", lookup_expr="lte", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Event
        fields = ["q", "country", "summit", "leader", "kind", "status", "date_after", "date_before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["country"].extra["choices"] = Country.objects.values_list("iso2", "name")

    def filter_countries(self, queryset, name, codes):
        return queryset.involving(*codes) if codes else queryset

    def filter_leader(self, queryset, name, leader):
        if not leader:
            return queryset
        return queryset.filter(
            Q(pk__in=Participant.objects.filter(leader=leader).values("event_id"))
            | Q(pk__in=Quote.objects.filter(speaker=leader).values("event_id"))
        )

    def filter_kind(self, queryset, name, kind):
        if kind == "meeting":
            return queryset.filter(kind__in=MEETING_KINDS)
        return queryset.filter(kind=kind) if kind else queryset

    def filter_text(self, queryset, name, text):
        return queryset.search(text) if text.strip() else queryset
