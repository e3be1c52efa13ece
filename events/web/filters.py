"""
The filters of CONTRACT.md, shared by `/events/`, every timeline and the exports.

`country` (ISO2, repeatable: events involving all of them), `summit` (slug),
`leader` (slug: participant or speaker), `kind` (an event kind, or `meeting`
for any meeting), `status`, `date_after`, `date_before` (YYYY-MM-DD) and `q`
(text in titles, summaries and quotes in both languages).
"""

import datetime
import functools
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import F, Q, Value
from django.forms.renderers import Jinja2
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from events.models import (
    MEETING_KINDS,
    Commitment,
    CommitmentStage,
    Event,
    EventKind,
    EventStatus,
    Leader,
    Summit,
    reference,
)
from events.vocab.dates import Precision, format_partial_date

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# `kind=meeting` means any kind of meeting (see filter_kind), so the plain
# "Meeting" kind is not offered a second time under the same value.
KIND_CHOICES = [("meeting", _("Any meeting")), *(c for c in EventKind.choices if c[0] != "meeting")]


# "Involves all of these": more than a handful names no real relationship, and
# each one is work for the database; the cap answers 400 before any query.
MAX_COUNTRIES = 5


class CountryCodesField(forms.MultipleChoiceField):
    """Accepts `US`, `us` or `Us`, each once; the choices are the stored countries. An empty `country=` means any.

    A code given twice counts once (`country=PH&country=ph` is the Philippines);
    more than MAX_COUNTRIES different codes is an error, raised before the
    codes are checked against the list.
    """

    def to_python(self, value):
        return list(dict.fromkeys(v.strip().upper() for v in super().to_python(value) if v.strip()))

    def validate(self, value):
        if len(value) > MAX_COUNTRIES:
            raise forms.ValidationError(
                _("Choose at most %(limit)d countries; this asked for %(count)d."),
                code="too_many",
                params={"limit": MAX_COUNTRIES, "count": len(value)},
            )
        super().validate(value)


class CountryPicker(forms.SelectMultiple):
    """The countries chosen so far as ticked boxes, and a drop-down to add one more (events/models/reference.py's countries).

    A `<select multiple>` of some 250 countries needs Ctrl-click to choose two and
    makes the browser lay out every option on every page; this needs neither and
    works without JavaScript. The drop-down's empty choice sends `country=`,
    which the field ignores.
    """

    def render(self, name, value, attrs=None, renderer=None):
        codes = dict.fromkeys(v.strip().upper() for v in self.format_value(value))
        chosen = [country for country in map(reference.country, codes) if country is not None]
        ticked = format_html_join(
            "",
            '<li><label><input type="checkbox" name="{}" value="{}" checked> {}</label></li>',
            ((name, country.iso2, country.name) for country in chosen),
        )
        options = country_options()
        return format_html(
            '{}<select name="{}"{}><option value="">{}</option>{}</select>',
            format_html('<ul class="picked">{}</ul>', ticked) if chosen else "",
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            _("Add another country") if chosen else _("Any country"),
            options,
        )


@functools.cache
def country_options() -> str:
    """Every country as an HTML `<option>`, escaped once per process (249 of them on every filter form)."""
    return format_html_join("", '<option value="{}">{}</option>', reference.country_choices())


def forget_country_options(**kwargs) -> None:
    """Drop the copy (connected to post_migrate in apps.py, with reference.forget)."""
    country_options.cache_clear()


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


# Django's own wording, marked here so that the Filipino catalogue carries it: Django has no
# Filipino translation of its form messages (docs/i18n.md).
FIELD_ERRORS = {
    "invalid": _("Enter a valid date."),
    "invalid_choice": _("Select a valid choice. %(value)s is not one of the available choices."),
    "max_length": _("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."),
}


class EventFilterForm(forms.Form):
    """Resolves the `leader` and `summit` the reader typed to records, both in one query.

    A reader may type a name ("Vladimir Putin", "APEC 2016") or the slug of its
    page address (`vladimir-putin`, `apec-2016`). Text inputs rather than
    drop-downs: at a million events there are hundreds of each, and a list of
    every one would cost a query and some 60 kB on every page.

    Its inputs are rendered with Django's Jinja2 widget templates: the same
    markup as the default ones in half the time, on every page with a filter
    form (the admin's forms keep the default renderer).
    """

    default_renderer = Jinja2()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(FIELD_ERRORS)

    def clean(self):
        data = super().clean()
        wanted = {name: data.get(name) for name in ("leader", "summit") if data.get(name)}
        if wanted:
            found = find_leader_and_summit(wanted.get("leader"), wanted.get("summit"))
            for name, text in wanted.items():
                if name in found:
                    data[name] = found[name]
                else:
                    self.add_error(name, NOT_RECORDED[name] % {"text": text})
        return data


NOT_RECORDED = {
    "leader": _("No leader is recorded as “%(text)s”."),
    "summit": _("No summit is recorded as “%(text)s”."),
}


def find_leader_and_summit(leader: str | None, summit: str | None) -> dict[str, Leader | Summit]:
    """The leader and the summit meant by these texts (slug, or name in any case), in one query.

    A slug beats a name, so `?leader=` with a page's slug always means that page's leader.
    """
    parts = []
    if leader:
        parts.append(
            Leader.objects.filter(Q(slug=leader) | Q(name__iexact=leader))
            .annotate(record=Value("leader"), exact=Q(slug=leader), label=F("name"))
            .values_list("record", "exact", "pk", "slug", "label")
            .order_by()
        )
    if summit:
        parts.append(
            Summit.objects.filter(Q(slug=summit) | Q(short_name__iexact=summit) | Q(name__iexact=summit))
            .annotate(record=Value("summit"), exact=Q(slug=summit), label=F("short_name"))
            .values_list("record", "exact", "pk", "slug", "label")
            .order_by()
        )
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    found = {}
    for record, _exact, pk, slug, label in sorted(rows, key=lambda row: (row[0], not row[1], row[2])):
        if record not in found:
            found[record] = (
                Leader(pk=pk, slug=slug, name=label)
                if record == "leader"
                else Summit(pk=pk, slug=slug, short_name=label)
            )
    return found


@dataclass(frozen=True)
class ActiveFilter:
    """One filter in force, as the page lists it: 'Summit: APEC 2016', with a link that drops it."""

    label: str
    value: str
    remove_query: str  # The query string without this value, `?` included; empty when nothing is left.


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Text"), method="filter_text", max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    country = CountryCodesFilter(
        label=_("Countries involved"),
        method="filter_countries",
        widget=CountryPicker(),
        help_text=_("Events involving every country chosen."),
    )
    summit = django_filters.CharFilter(
        label=_("Summit"),
        method="filter_summit",
        max_length=200,
        help_text=_("Its short name or address, e.g. APEC 2016."),
    )
    leader = django_filters.CharFilter(
        label=_("Leader"), method="filter_leader", max_length=200, help_text=_("A name, e.g. Vladimir Putin.")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=KIND_CHOICES, method="filter_kind", empty_label=_("Any kind")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EventStatus.choices, empty_label=_("Any status"))
    date_after = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", input_formats=["%Y-%m-%d"], widget=IsoDateInput()
    )
    date_before = django_filters.DateFilter(
        label=_("Until"), field_name="date", lookup_expr="lte", input_formats=["%Y-%m-%d"], widget=IsoDateInput()
    )

    class Meta:
        model = Event
        form = EventFilterForm
        fields = ["q", "country", "summit", "leader", "kind", "status", "date_after", "date_before"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["country"].extra["choices"] = reference.country_choices

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
                    active.append(
                        ActiveFilter(label, country_names.get(code, code), self._query_with(country=remaining))
                    )
                continue
            if name in ("kind", "status"):
                text = dict(self.form.fields[name].choices).get(value, value)
            elif name in ("date_after", "date_before"):
                text = format_partial_date(value, Precision.DAY)
            elif name == "q":
                text = f"“{value}”"
            elif name == "leader":
                text = value.name
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
        # The list's position is no filter: exports and feeds start from their own beginning.
        for key in [key for key, values in query.lists() if key in ("page", "after", "before") or not any(values)]:
            del query[key]
        for key, value in changes.items():
            if value:
                query.setlist(key, value)
            else:
                query.pop(key, None)
        return f"?{query.urlencode()}" if query else ""

    def filter_countries(self, queryset, name, codes):
        return queryset.involving(*codes) if codes else queryset

    def filter_summit(self, queryset, name, summit):
        return queryset.filter(summit_id=summit.pk) if summit else queryset

    def filter_leader(self, queryset, name, leader):
        return queryset.featuring(leader.pk) if leader else queryset

    def filter_kind(self, queryset, name, kind):
        if kind == "meeting":
            return queryset.filter(kind__in=MEETING_KINDS)
        return queryset.filter(kind=kind) if kind else queryset

    def filter_text(self, queryset, name, text):
        return queryset.search(text) if text.strip() else queryset


class CommitmentFilter(django_filters.FilterSet):
    """/commitments/: by the countries named (all of them) and by stage."""

    country = CountryCodesFilter(
        label=_("Countries"),
        method="filter_countries",
        widget=CountryPicker(),
        help_text=_("Commitments naming every country chosen."),
    )
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=CommitmentStage.choices, empty_label=_("Any stage"))

    class Meta:
        model = Commitment
        fields = ["country", "stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["country"].extra["choices"] = reference.country_choices

    filter_countries = EventFilter.filter_countries  # Commitment's queryset has `involving()` too
