import contextlib
import datetime
import json

from concurrency.admin import ConcurrentModelAdmin
from concurrency.forms import ConcurrentForm
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from events.admin import imports as admin_import
from events.models import (
    Commitment,
    CommitmentStep,
    Country,
    Disagreement,
    DisagreementVersion,
    Event,
    EventKind,
    EventLeader,
    EventLink,
    EventSource,
    EventStatus,
    Leader,
    LeaderSource,
    Office,
    Participant,
    Publisher,
    Quote,
    Readout,
    StatusChange,
    Summit,
    SummitSource,
)
from events.queries.temperature import format_score
from events.services import citations, involvement, revisions
from events.vocab.plover import MODE_CHOICES, score_source, suggest
from events.web import cite


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    """ISO 3166 reference data, written by migrations only: viewed and searched here, never edited.

    The public pages read the list once per process (events/models/reference.py); an edit
    here would not reach them, so there is none.
    """

    list_display = ["iso2", "iso3", "name"]
    search_fields = ["iso2", "iso3", "name", "official_name"]
    ordering = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Sources are http(s) only; say so instead of Django's generic "Enter a valid URL."
# A scheme-less address is taken as https (Django 6's default).
HTTP_URL_FIELD = {
    models.URLField: {
        "assume_scheme": "https",
        "error_messages": {"invalid": "Enter a web address that starts with http:// or https://."},
    }
}


class StaleFormSafeForm(ConcurrentForm):
    """Refuses a save made from a form opened before someone else's save, and says what to do."""

    # A plain number rather than django-concurrency's signed value, whose
    # tampering raises an exception the admin turns into a 500.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, initial=0, required=False)

    def clean(self):
        field = self.instance._concurrencymeta.field.name
        if self.instance.pk and field in self.cleaned_data:
            # The admin saves inside a transaction: the row lock holds until the save
            # commits, so no other save can slip in between this check and ours.
            current = (
                type(self.instance)
                ._base_manager.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list(field, flat=True)
                .first()
            )
            if current is not None and current != (self.cleaned_data[field] or 0):
                raise ValidationError(
                    "Someone else saved this record after you opened it. Nothing of yours was saved: "
                    "open the record again to see their changes, then make yours.",
                    code="stale",
                )
        return forms.ModelForm.clean(self)


class RecordAdmin(SimpleHistoryAdmin, ConcurrentModelAdmin):
    """Every editable record: full edit history with restore, and no silent overwrites."""

    form = StaleFormSafeForm

    def history_view(self, request, object_id, extra_context=None):
        self.valid_ids_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.valid_ids_or_404(object_id, version_id)
        # Restoring a version is a save like the change form's, which the admin runs in a
        # transaction: the stale-edit check's row lock needs one (PostgreSQL refuses
        # select_for_update() outside), and simple-history's view opens none.
        with self.one_write():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":  # showing the form writes nothing
            return super().changeform_view(request, object_id, form_url, extra_context)
        # One sync of the derived tables for the whole save: each inline row saved would
        # otherwise sync the event again. Inside the save's transaction, so that the derived
        # rows commit with the record and the version it bumps (never a page cached stale).
        with self.one_write():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def response_action(self, request, queryset):
        # The change list sends "id,version" for each selected row (django-concurrency), which
        # raises ImproperlyConfigured, a 500, on anything else: a hand-made or mangled request.
        if request.POST.get("select_across") != "1" and not all(
            map(self.selected_row_is_valid, request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        ):
            self.message_user(
                request, "The selection was not understood: reload the list and choose again.", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def selected_row_is_valid(self, value: str) -> bool:
        pk, _, version = value.rpartition(",")
        try:
            self.model._meta.pk.to_python(pk)
            int(version)
        except (ValidationError, ValueError):
            return False
        return bool(pk)

    def delete_model(self, request, obj):
        with self.one_write():
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # "Delete selected": one sync of the derived tables, one snapshot pass and one bump of
        # the page cache for all of them, not one per event and per each of its rows; at a
        # million events 100 events took 12 s, 9,000 queries (issue 16).
        with self.one_write():
            super().delete_queryset(request, queryset)

    @contextlib.contextmanager
    def one_write(self):
        """One transaction, and one sync of the derived tables at its end (inside it), for a whole save."""
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using), involvement.deferred(), revisions.deferred(using):
            yield

    def valid_ids_or_404(self, object_id: str, version_id: str | None = None) -> None:
        """404 for an address whose record or version id is not one (`history/abc/`): simple-history lets it be a 500."""
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                history._meta.pk.to_python(version_id)
        except ValidationError:
            raise Http404("No such record or version.") from None


class OfficeInline(admin.TabularInline):
    model = Office
    formfield_overrides = HTTP_URL_FIELD
    extra = 0
    autocomplete_fields = ["country"]
    fields = ["title", "country", "start_date", "start_precision", "end_date", "end_precision", "source_url"]


class LeaderSourceInline(admin.TabularInline):
    model = LeaderSource
    formfield_overrides = HTTP_URL_FIELD
    extra = 0
    fields = ["url", "title", "publisher", "published_on"]


@admin.register(Leader)
class LeaderAdmin(RecordAdmin):
    list_display = ["name", "country", "wikidata_id"]
    list_filter = ["country"]
    list_select_related = ["country"]
    search_fields = ["name", "other_names", "slug"]
    autocomplete_fields = ["country"]
    inlines = [OfficeInline, LeaderSourceInline]


class SummitSourceInline(admin.TabularInline):
    model = SummitSource
    formfield_overrides = HTTP_URL_FIELD
    extra = 0
    fields = ["url", "title", "publisher", "published_on"]


@admin.register(Summit)
class SummitAdmin(RecordAdmin):
    list_display = ["short_name", "name", "forum", "host_country", "city", "start_date", "end_date"]
    list_filter = ["forum"]
    list_select_related = ["host_country"]
    search_fields = ["name", "short_name", "forum", "city"]
    autocomplete_fields = ["host_country"]
    date_hierarchy = "start_date"
    inlines = [SummitSourceInline]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["leader", "country"]
    fields = ["leader", "role", "country", "title", "position"]


class QuoteInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kind = self.instance.kind
        if kind != EventKind.STATEMENT or any(self._errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError("A statement needs at least one quote: who said what, in which language.")


class QuoteInline(admin.StackedInline):
    model = Quote
    formset = QuoteInlineFormSet
    extra = 0
    autocomplete_fields = ["speaker"]
    fields = [
        ("speaker", "speaker_title"),
        ("language", "context"),
        "original_text",
        ("english_text", "translated_by"),
        "position",
    ]


class EventSourceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self._errors) or not self.instance.published:
            return
        kept = [f for f in self.forms if f.cleaned_data.get("url") and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(
                "A published event needs at least one source: add its web address here, "
                "or untick “published” to keep the event as a draft."
            )


class EventSourceInline(admin.TabularInline):
    model = EventSource
    formset = EventSourceFormSet
    formfield_overrides = HTTP_URL_FIELD
    extra = 1
    fields = ["url", "title", "publisher", "published_on"]


# -- #13: where the event's sources disagree -------------------------------------


class DisagreementInline(admin.TabularInline):
    """What the sources disagree on; each source's version is edited on the disagreement's own page.

    Django has no nested inlines: the versions, tied to the event's sources, are
    an inline of DisagreementAdmin, reached by the "change" link.
    """

    model = Disagreement
    extra = 0
    fields = ["about", "position", "versions_given"]
    readonly_fields = ["versions_given"]
    show_change_link = True

    @admin.display(description="versions")
    def versions_given(self, disagreement):
        if not disagreement.pk:
            return "Save the event, then open the disagreement (“change”) to give each source's version."
        versions = [f"{v.source.publisher}: “{v.says}”" for v in disagreement.versions.select_related("source")]
        return "; ".join(versions) or "None yet: open the disagreement (“change”) to give each source's version."


# -- #14: an event's life, its links, the governments' readouts -------------------

PARTIAL_DATE_FIELD = {
    models.DateField: {
        "error_messages": {
            "invalid": "Enter the date as YYYY-MM-DD; for a month or a year, its first day, and set the precision."
        }
    },
    **HTTP_URL_FIELD,
}


class StatusChangeInline(admin.TabularInline):
    """The dated steps of the event's life (announced, confirmed, postponed, cancelled, held), each with its source."""

    model = StatusChange
    formfield_overrides = PARTIAL_DATE_FIELD
    extra = 0
    fields = ["status", "date", "date_precision", "date_approximate", "source_url", "note"]


class EventLinkInline(admin.TabularInline):
    """How this event bears on others; the other event shows the link the other way round."""

    model = EventLink
    fk_name = "from_event"
    extra = 0
    autocomplete_fields = ["to_event"]
    fields = ["relation", "to_event", "note"]
    verbose_name_plural = "links to other events"


class ReadoutInline(admin.StackedInline):
    """Each government's readout of a meeting or call, in its language with an English translation."""

    model = Readout
    formfield_overrides = HTTP_URL_FIELD
    extra = 0
    autocomplete_fields = ["country"]
    fields = [("country", "language"), ("source_url", "source_title"), "text", ("english", "translated_by")]


class YearFilter(admin.SimpleListFilter):
    """The events of one year, newest years first: in place of `date_hierarchy` on the events' list.

    The date hierarchy asked the listed events for their distinct years, and
    for their first and last dates, on every page: 0.3 s for the whole table
    at a million events, and with a word found nowhere a walk of the whole
    date index (5 s). The years here come from the table's first and last
    dates, two index look-ups; the parameter is the hierarchy's own
    (`?date__year=2016`), so that its links still work.
    """

    title = "year"
    parameter_name = "date__year"

    def lookups(self, request, model_admin):
        span = model_admin.model._default_manager.aggregate(first=Min("date"), last=Max("date"))
        if not span["first"]:
            return []
        return [(str(year), str(year)) for year in range(span["last"].year, span["first"].year - 1, -1)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            year = int(self.value())
            first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        except ValueError:  # "abc", or beyond the years a date can have
            # Nothing listed rather than every year, and the reason (the admin's own answer
            # to a bad filter is a page blaming the database installation).
            messages.error(request, f"“{self.value()}” is not a year: give one such as 2016.")
            return queryset.none()
        return queryset.filter(date__gte=first, date__lte=last)


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = ["title", "date_display", "kind", "status", "summit", "published", "source_count", "coding"]
    list_filter = [
        "kind",
        "status",
        "published",
        ("plover_reviewed", admin.BooleanFieldListFilter),
        "date_precision",
        # Every summit, not only those with events: "only those with events" asked the whole
        # events table for its distinct summits, a second per change-list page at a million.
        "summit",
        YearFilter,
    ]
    actions = ["mark_coding_reviewed"]
    list_select_related = ["summit"]
    search_fields = ["title"]  # shows the search box; what it searches is get_search_results()'s
    search_help_text = "Words of the title, summary or quotes (a word's start is enough), or part of a leader's name."
    autocomplete_fields = ["summit", "countries", "actor_country", "target_country"]
    show_full_result_count = False  # "12 of 1,000,000": a second count of the whole table
    save_on_top = True
    inlines = [
        ParticipantInline,
        QuoteInline,
        EventSourceInline,
        DisagreementInline,
        StatusChangeInline,
        EventLinkInline,
        ReadoutInline,
    ]
    fieldsets = [
        (None, {"fields": ["kind", "title", "summary", "status", "published"]}),
        ("When", {"fields": [("date", "date_precision", "date_approximate"), "end_date"]}),
        ("Where", {"fields": ["summit", ("city", "venue")]}),
        ("Countries", {"fields": ["countries", "version"]}),
        (
            "Coding (PLOVER)",
            {
                "description": "Until an editor reviews it, the coding is the machine's suggestion from the kind, "
                "status, participants and the text's cue words, renewed on every save. Accept it by checking "
                "“PLOVER coding reviewed”; changing the coding checks it. "
                "Scores run from −10 (conflict) to +10 (cooperation).",
                "fields": [
                    "coding_state",
                    "plover_reviewed",
                    ("plover_category", "plover_mode"),
                    "plover_context",
                    ("actor_country", "target_country"),
                    "effective_score",
                    ("score_override", "score_justification"),
                ],
            },
        ),
    ]
    readonly_fields = ["effective_score", "coding_state"]
    # The fields of an editor's coding: changing one marks the coding reviewed.
    coding_fields = frozenset(
        {"plover_category", "plover_mode", "plover_context", "actor_country", "target_country", "score_override"}
    )

    class Media:
        js = ["plover-suggest.js"]  # Optional: pre-fills the suggestion as kind and status change.

    def get_queryset(self, request):
        # Each listed event's sources counted on its own row (a subquery, run for the 100 listed),
        # not by grouping the whole table by event: 3.5 s a page at a million events.
        sources = EventSource.objects.filter(event=OuterRef("pk")).order_by().values("event")
        total = Coalesce(Subquery(sources.annotate(n=Count("*")).values("n")), 0)
        return super().get_queryset(request).annotate(source_total=total)

    def get_search_results(self, request, queryset, search_term):
        """The public site's text search (title, summary, quotes; models/search.py), and the leaders' names.

        Not `search_fields`' OR of substring matches across joins, which read the
        whole table and its quotes, and ran past the statement timeout at a million.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        found = queryset.search(term)
        leaders = Leader.objects.filter(name__icontains=term).values("pk")
        if leaders.exists():
            # A union of ids, each half off its own index: an OR of the two tests made the
            # database walk the whole table (2.8 s for a leader's name at a million).
            featuring = EventLeader.objects.filter(leader__in=leaders).values("event_id")
            found = queryset.filter(pk__in=found.order_by().values("pk").union(featuring))
        return found, False

    def get_urls(self):
        # Upload CSV files, preview, confirm: the same import as `manage.py import_events` (events/admin/imports.py).
        import_view = self.admin_site.admin_view(lambda request: admin_import.import_view(request, self))
        return [path("import/", import_view, name="events_event_import"), *super().get_urls()]

    @staticmethod
    def can_publish(request) -> bool:
        return request.user.has_perm("events.publish_event")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if self.can_publish(request) else [*readonly, "published"]

    def save_form(self, request, form, change):
        event = super().save_form(request, form, change)
        if self.coded_by_editor(form) and "plover_reviewed" not in form.changed_data:
            event.plover_reviewed = True
        if not self.can_publish(request):
            # An Editor's new event waits for a Publisher, and an edit keeps `published` as stored:
            # a restored version's instance carries the flag of its day, which would republish
            # a retracted event.
            stored = Event.objects.filter(pk=event.pk).values_list("published", flat=True).first() if change else None
            event.published = bool(stored)
        return event

    def coded_by_editor(self, form) -> bool:
        """Whether the editor changed the coding in this form, the kind/status pre-fill of a new event aside.

        plover-suggest.js fills an empty category from the kind and status, as the
        server would: that is the machine's suggestion, not the editor's choice.
        """
        changed = self.coding_fields & set(form.changed_data)
        data = form.cleaned_data
        prefilled = suggest(data.get("kind", ""), data.get("status", ""))
        if changed <= {"plover_category", "plover_mode"} and prefilled and not form.initial.get("plover_category"):
            return (data.get("plover_category"), data.get("plover_mode")) != tuple(prefilled)
        return bool(changed)

    @admin.display(description="coding")
    def coding(self, event):
        code = "/".join(filter(None, [event.plover_category, event.plover_mode])) or "—"
        return code if event.plover_reviewed else f"{code} (suggested, not reviewed)"

    @admin.display(description="PLOVER coding")
    def coding_state(self, event):
        if not event.pk:
            return "Suggested on saving, not reviewed, unless you code it."
        if event.plover_reviewed:
            return "Reviewed: an editor coded or accepted it. Suggestions no longer replace it."
        return (
            "Suggested, not reviewed: the machine's coding, renewed on every save. Check it, then check "
            "“PLOVER coding reviewed” to accept it, or change it."
        )

    @admin.action(description="Accept the PLOVER coding of the selected events (mark it reviewed)")
    def mark_coding_reviewed(self, request, queryset):
        with self.one_write():
            events = list(queryset.filter(plover_reviewed=False).exclude(plover_category=""))
            for event in events:
                event.plover_reviewed = True
                event.save()
        self.message_user(request, f"{len(events)} suggested codings marked reviewed.", messages.SUCCESS)

    @admin.display(description="date", ordering="date")
    def date_display(self, event):
        return event.date_display

    @admin.display(description="effective score")
    def effective_score(self, event):
        if event.score is None:
            return "— (not coded)"
        source = (
            "overridden" if event.score_override is not None else score_source(event.plover_category, event.plover_mode)
        )
        return f"{format_score(event.score)} ({source})"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "plover_mode":
            kwargs["widget"] = forms.Select(choices=MODE_CHOICES)
        if db_field.name == "plover_category":
            table = {f"{k}|{s}": suggest(k, s) for k in EventKind.values for s in EventStatus.values if suggest(k, s)}
            kwargs["widget"] = forms.Select(attrs={"data-plover-suggestions": json.dumps(table)})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        suggestion = suggest(initial.get("kind", ""), initial.get("status", EventStatus.HELD))
        if suggestion and not initial.get("plover_category"):
            initial.update(plover_category=suggestion.category, plover_mode=suggestion.mode)
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        saved = getattr(request, "saved_event_id", None)
        if saved is not None and response.status_code == 302:  # saved and committed
            self.cite_ahead(request, saved)
        return response

    @staticmethod
    def cite_ahead(request, event_id: int) -> None:
        """Format the saved event's citations at its new revision now, for the next reader of its page.

        citeproc-py takes some 17 ms a style, several times that on a busy
        server: in the mixed run the pages read first after an edit were the
        slowest 1 % (issue 16), and most of their time was these two texts.
        The save pays instead. The citations are cached under their item, and
        the item names the address this request reached, as the page's will.
        """
        event = (
            Event.objects.published()
            .filter(pk=event_id)
            .annotate(revision_number=revisions.latest_number(), revision_recorded_at=revisions.latest_recorded_at())
            .first()
        )
        if event is not None:
            citations.all_formatted(cite.event_citable(request, event))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        request.saved_event_id = form.instance.pk  # for cite_ahead(), once the save commits
        # Now that the participants and quotes are saved, the direction can be suggested too.
        event = form.instance
        filled = event.apply_plover_defaults()
        if filled:
            # The suggestion is written into the row just saved, not by a second save (which
            # would bump the version and sync again): an UPDATE of the coding alone, the
            # derived figures resynced with the rest of this save (changeform_view defers).
            event.score = event.effective_score()
            coding = {
                field: getattr(event, Event._meta.get_field(field).attname)
                for field in (*filled, "score", "plover_reviewed")
            }
            Event.objects.filter(pk=event.pk).update(
                **{Event._meta.get_field(name).attname: value for name, value in coding.items()}
            )
            involvement.sync_involvement([event.pk])
            # One admin save, one history entry: the suggestion joins the entry just recorded.
            latest = event.history.first() if hasattr(event, "history") else None
            if latest is not None:
                type(latest).objects.filter(pk=latest.pk).update(
                    **{f.attname: getattr(event, f.attname) for f in Event._meta.concrete_fields}
                )
            actor, target = event.actor_country or "?", event.target_country or "?"
            coding = "/".join(filter(None, [event.plover_category, event.plover_mode])) or "no category"
            self.message_user(
                request,
                f"Suggested PLOVER coding: {coding}, {actor} → {target}, score {format_score(event.score)}; "
                "suggested, not reviewed. Check it: accept it (“PLOVER coding reviewed”) or correct it.",
                messages.INFO,
            )

    @admin.display(description="sources")  # not sortable: that would count every event's sources
    def source_count(self, event):
        return event.source_total


# -- #13: the publisher table and the versions of a disagreement --------------------


@admin.register(Publisher)
class PublisherAdmin(SimpleHistoryAdmin):
    """The domains sources come from, with their kind, shown beside every source."""

    list_display = ["domain", "name", "kind", "aggregator"]
    list_filter = ["kind", "aggregator"]
    search_fields = ["domain", "name"]
    ordering = ["domain"]


class DisagreementVersionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self._errors):
            return
        kept = [f for f in self.forms if f.cleaned_data.get("source") and not f.cleaned_data.get("DELETE")]
        for form in kept:
            if form.cleaned_data["source"].event_id != self.instance.event_id:
                raise ValidationError("Each version must come from one of the event's own sources.")
        if len({f.cleaned_data["source"].pk for f in kept}) != len(kept):
            raise ValidationError("Give each source's version once.")


class DisagreementVersionInline(admin.TabularInline):
    model = DisagreementVersion
    formset = DisagreementVersionFormSet
    extra = 2
    fields = ["source", "says"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            # The event's own sources only; on a new disagreement, none until it is saved with its event.
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            event_id = Disagreement.objects.filter(pk=object_id).values("event_id")[:1] if object_id else None
            kwargs["queryset"] = (
                EventSource.objects.filter(event_id__in=event_id)
                if event_id is not None
                else EventSource.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Disagreement)
class DisagreementAdmin(SimpleHistoryAdmin):
    """One point the sources disagree on, with what each of them says."""

    list_display = ["about", "event"]
    list_select_related = ["event"]
    search_fields = ["about", "event__title"]
    raw_id_fields = ["event"]
    fields = ["event", "about", "position"]
    inlines = [DisagreementVersionInline]


# -- #14: commitments followed through their steps --------------------------------


class CommitmentStepInline(admin.TabularInline):
    model = CommitmentStep
    formfield_overrides = PARTIAL_DATE_FIELD
    extra = 1
    autocomplete_fields = ["event"]
    fields = ["stage", "date", "date_precision", "date_approximate", "event", "source_url", "note"]


@admin.register(Commitment)
class CommitmentAdmin(SimpleHistoryAdmin):
    """An agreement, pledge or intention; its stage is its latest step's, kept as the steps are saved."""

    list_display = ["title", "kind", "stage", "value_display", "slug"]
    list_filter = ["kind", "stage"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["countries"]
    formfield_overrides = HTTP_URL_FIELD
    fields = ["title", "slug", "kind", "countries", ("amount", "currency"), "summary", "source_url", "stage"]
    readonly_fields = ["stage"]
    inlines = [CommitmentStepInline]

    @admin.display(description="value")
    def value_display(self, commitment):
        return commitment.value_display
