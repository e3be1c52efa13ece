"""
The filters of CONTRACT.md, shared by `/events/`, every timeline and the exports.

`country` (ISO2, repeatable: events involving all of them), `summit` (slug),
`leader` (slug: participant or speaker), `kind` (an event kind, or `meeting`
for any meeting), `status`, `date_after`, `date_before` (YYYY-MM-DD) and `q`
(text in titles, summaries and quotes in both languages).
"""

import datetime
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html, format_html_join

from .dates import Precision, format_partial_date
from .models import MEETING_KINDS, Country, Event, EventKind, EventStatus, Leader, Summit

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# `kind=meeting` means any kind of meeting (see filter_kind), so the plain
# "Meeting" kind is not offered a second time under the same value.
KIND_CHOICES = [("meeting", "Any meeting"), *(c for c in EventKind.choices if c[0] != "meeting")]


class CountryCodesField(forms.MultipleChoiceField):
    """Accepts `US`, `us` or `Us`; the choices are the stored countries. An empty `country=` means any."""

    def to_python(self, value):
        return [v.strip().upper() for v in super().to_python(value) if v.strip()]


class CountryPicker(forms.SelectMultiple):
    """The countries chosen so far as ticked boxes, and a drop-down to add one more.

    A `<select multiple>` of some 250 countries needs Ctrl-click to choose two and
    makes the browser lay out every option on every page; this needs neither and
    works without JavaScript. The drop-down's empty choice sends `country=`,
    which the field ignores.
    """

    def render(self, name, value, attrs=None, renderer=None):
        names = {str(code): label for code, label in self.choices}
        chosen = [code for code in dict.fromkeys(v.strip().upper() for v in self.format_value(value)) if code in names]
        ticked = format_html_join(
            "",
            '<li><label><input type="checkbox" name="{}" value="{}" checked> {}</label></li>',
            ((name, code, names[code]) for code in chosen),
        )
        options = format_html_join("", '<option value="{}">{}</option>', self.choices)
        return format_html(
            '{}<select name="{}"{}><option value="">{}</option>{}</select>',
            format_html('<ul class="picked">{}</ul>', ticked) if chosen else "",
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            "Add another country" if chosen else "Any country",
            options,
        )


class CountryCodesFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryCodesField


class IsoDateInput(forms.DateInput):
    """`<input type="date">`: its value must be a real YYYY-MM-DD date or nothing, as HTML requires.

    A malformed value sent back (`2016-13-01`) is left out of the input; the
    form's error message says what was wrong with it.
    """

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str) and not is_iso_date(value):
            return None
        return super().format_value(value)


def is_iso_date(text: str) -> bool:
    """Whether `text` is a real date written YYYY-MM-DD."""
    try:
        return bool(ISO_DATE.fullmatch(text)) and bool(datetime.date.fromisoformat(text))
    except ValueError:
        return False


@dataclass(frozen=True)
class ActiveFilter:
    """One filter in force, as the page lists it: 'Summit: APEC 2016', with a link that drops it."""

    label: str
    value: str
    remove_query: str  # The query string without this value, `?` included; empty when nothing is left.


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Text", method="filter_text", max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    country = CountryCodesFilter(
        label="Countries involved",
        method="filter_countries",
        widget=CountryPicker(),
        help_text="Events involving every country chosen.",
    )
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
        label="From", field_name="date", lookup_expr="gte", input_formats=["%Y-%m-%d"], widget=IsoDateInput()
    )
    date_before = django_filters.DateFilter(
        label="Until", field_name="date", lookup_expr="lte", input_formats=["%Y-%m-%d"], widget=IsoDateInput()
    )

    class Meta:
        model = Event
        fields = ["q", "country", "summit", "leader", "kind", "status", "date_after", "date_before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["country"].extra["choices"] = Country.objects.values_list("iso2", "name")

    def active_filters(self) -> list[ActiveFilter]:
        """The valid filters in force, in form order, each with the query string that removes it."""
        if not self.is_bound or not self.is_valid():
            return []
        data = self.form.cleaned_data
        country_names = dict(self.form.fields["country"].choices)
        active = []
        for name in self.form.fields:
            value = data.get(name)
            if value in (None, "", []):
                continue
            label = self.form.fields[name].label
            if name == "country":
                for code in value:
                    remaining = [c for c in value if c != code]
                    active.append(ActiveFilter(label, country_names.get(code, code), self._query_with(country=remaining)))
                continue
            if name in ("kind", "status"):
                text = dict(self.form.fields[name].choices).get(value, value)
            elif name in ("date_after", "date_before"):
                text = format_partial_date(value, Precision.DAY)
            elif name == "q":
                text = f"“{value}”"
            else:
                text = str(value)
            active.append(ActiveFilter(label, text, self._query_with(**{name: None})))
        return active

    def export_query(self, *, countries: tuple[str, ...] = ()) -> str:
        """The filters in force as a query string for the exports (`/events.csv?...`), `countries` added."""
        if not countries:
            return self._query_with()
        return self._query_with(country=[*countries, *self.data.getlist("country")])

    def _query_with(self, **changes) -> str:
        """The current query string with `changes` applied (None removes), empty values and the page dropped."""
        query = QueryDict(mutable=True)
        query.update(self.data)
        for key in [key for key, values in query.lists() if key == "page" or not any(values)]:
            del query[key]
        for key, value in changes.items():
            if value:
                query.setlist(key, value)
            else:
                query.pop(key, None)
        return f"?{query.urlencode()}" if query else ""

    def filter_countries(self, queryset, name, codes):
        return queryset.involving(*codes) if codes else queryset

    def filter_leader(self, queryset, name, leader):
        if not leader:
            return queryset
        return queryset.featuring(leader)

    def filter_kind(self, queryset, name, kind):
        if kind == "meeting":
            return queryset.filter(kind__in=MEETING_KINDS)
        return queryset.filter(kind=kind) if kind else queryset

    def filter_text(self, queryset, name, text):
        return queryset.search(text) if text.strip() else queryset
