"""Events, the timeline's spine, and their participants and quotes."""

import datetime
import functools
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from concurrency.fields import IntegerVersionField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from events.models import reference
from events.models.base import choice_label, record_url
from events.models.countries import Country
from events.models.derived import EventCountry
from events.models.people import Leader, title_on
from events.models.search import search_events
from events.models.sources import EventSource
from events.models.summits import Summit
from events.vocab.coding import (
    EventText,
    Parties,
    direction_for,
    people_names_for,
    place_names_for,
    suggestion_for,
)
from events.vocab.dates import PartialDate, Precision, normalise
from events.vocab.kinds import MEETING_KINDS, EventKind, EventStatus, LifeStatus, ParticipantRole
from events.vocab.languages import language_name, validate_language_tag
from events.vocab.plover import PloverCategory, default_score, modes_of


class JSONRows(models.Subquery):
    """A correlated queryset's rows as one JSON array of arrays, in its order, inside the parent's query.

    For the small children every row of a list shows (an event's sources,
    participants and quotes): they come with their event, saving a prefetch
    query each, and as plain lists, saving the model instances. `fields` are
    the queryset's fields or lookups across its foreign keys (`leader__name`).
    """

    output_field = models.JSONField()

    def __init__(self, queryset: models.QuerySet, *fields: str):
        # Each value under an alias of its own, which the outer SELECT names.
        self.aliases = [f"c{i}" for i in range(len(fields))]
        queryset = queryset.annotate(**{alias: models.F(field) for alias, field in zip(self.aliases, fields)})
        super().__init__(queryset.values_list(*self.aliases))

    def as_sql(self, compiler, connection, template=None, **extra_context):
        columns = ", ".join(f"children.{connection.ops.quote_name(alias)}" for alias in self.aliases)
        if connection.vendor == "postgresql":
            template = (
                f"(SELECT COALESCE(jsonb_agg(jsonb_build_array({columns})), '[]'::jsonb) "
                "FROM (%(subquery)s) AS children)"
            )
        else:  # SQLite's JSON1 functions
            template = f"(SELECT json_group_array(json_array({columns})) FROM (%(subquery)s) AS children)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


class SourceLink(NamedTuple):
    """A source as a list shows it: read by `Event.source_links` from the event's own row."""

    url: str
    title: str
    publisher: str


class StatusStep(NamedTuple):
    """A dated step of an event's life as a list shows it (`Event.status_history`): 'announced 15 November 2016'."""

    status: str
    date: PartialDate
    source_url: str
    note: str = ""

    @property
    def label(self) -> str:
        return LifeStatus(self.status).label

    @property
    def date_display(self) -> str:
        return str(self.date)


class LeaderLink(NamedTuple):
    """A leader as a list links to them: participants and speakers read from their event's row."""

    id: int
    name: str
    slug: str

    def get_absolute_url(self):
        return record_url("events:leader_detail", slug=self.slug)


class ParticipantLink(NamedTuple):
    """A participant as a list shows them (`Event.participant_list`): what a `Participant` shows, read-only."""

    leader: LeaderLink
    country: "Country"
    role: str
    title: str

    @property
    def country_id(self) -> str:
        return self.country.iso2

    def get_role_display(self) -> str:
        return ParticipantRole(self.role).label


class QuoteLanguage:
    """What a quote shows of its language; shared by `Quote` and the rows of `Event.quote_list`."""

    language: str

    @property
    def is_english(self) -> bool:
        return self.language == "en" or self.language.startswith("en-")

    @property
    def language_name(self) -> str:
        return language_name(self.language)


@dataclass(slots=True)
class QuoteText(QuoteLanguage):
    """A quote as a list shows it (`Event.quote_list`), read from its event's row."""

    speaker: LeaderLink
    speaker_title: str
    language: str
    original_text: str
    english_text: str
    context: str
    translated_by: str = ""


class EventQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: published events with at least one source.

        An event cannot be public without a source: the admin refuses to publish
        one and the importer keeps unsourced rows as drafts, and should another
        write path slip, the event still stays out of public view.
        """
        return self.filter(published=True).filter(
            models.Exists(EventSource.objects.filter(event_id=models.OuterRef("pk")))
        )

    def featuring(self, leader):
        """Events the leader took part in or spoke at.

        One UNION subquery, so that the planner can join it: `pk IN (a) OR pk IN (b)`
        can only be checked row by row, against every event.
        """
        taking_part = Participant.objects.filter(leader=leader).order_by().values("event_id")
        speaking = Quote.objects.filter(speaker=leader).order_by().values("event_id")
        return self.filter(pk__in=taking_part.union(speaking))

    def visible_to(self, user):
        """Published events for the public; staff also see drafts (marked as such on the pages)."""
        return self if user.is_staff else self.published()

    def involving(self, *iso2_codes: str):
        """Events involving every one of the given countries (ISO2, any case), as one subquery.

        One correlated `EXISTS (… country IN (…) HAVING COUNT(*) = n)`, not a
        join per country: twenty joins cost PostgreSQL seconds of planning
        (DESIGN-NOTES.md), this costs the same for any n. EventCountry holds
        an (event, country) pair once, so the count is of distinct countries.
        """
        codes = sorted({code.upper() for code in iso2_codes})
        if not codes:
            return self
        rows = (
            EventCountry.objects.filter(event=models.OuterRef("pk"), country_id__in=codes)
            .order_by()
            .values("event")
            .annotate(found=models.Count("*"))
            .filter(found=len(codes))
        )
        return self.filter(models.Exists(rows))

    def for_pair(self, a: str, b: str):
        """The events of the bilateral relationship between countries `a` and `b`."""
        return self.filter(pairs__pair=pair_key(a, b))

    def search(self, text: str):
        """Events whose title, summary or quotes (original or English) match `text`; see models/search.py."""
        return search_events(self, text)

    def chronological(self):
        return self.order_by("date", "id")

    def with_related(self):
        """Everything a list or timeline shows of each event, in one query whatever their number.

        The summit is joined; the sources (`source_links`), participants
        (`participant_list`), quotes (`quote_list`) and the dated steps of its
        life (`status_history`) come in the event's own row as JSON arrays: a prefetch would cost a query each and a model
        instance per child, which at 50 events a page was most of its time.
        """
        return self.select_related("summit").annotate(**_event_children())


@functools.cache
def _event_children() -> dict[str, "JSONRows"]:
    """The JSON subqueries of `with_related()`, built once per process.

    A queryset annotated with one resolves a copy of it, so one set serves
    every request; building them was a millisecond of every list page.
    """

    def of(model, order, *fields):
        return JSONRows(model.objects.filter(event_id=models.OuterRef("pk")).order_by(*order), *fields)

    # models/life.py builds on this module: its StatusChange is reached through the reverse relation.
    status_change = Event._meta.get_field("status_changes").related_model

    return {
        "source_rows": of(EventSource, ["id"], "url", "title", "publisher"),
        "participant_rows": of(
            Participant, ["position", "id"], "leader_id", "leader__name", "leader__slug", "country_id", "role", "title"
        ),
        "quote_rows": of(
            Quote,
            ["position", "id"],
            "speaker_id",
            "speaker__name",
            "speaker__slug",
            "speaker_title",
            "language",
            "original_text",
            "english_text",
            "context",
            "translated_by",
        ),
        "status_rows": of(
            status_change, ["date", "id"], "status", "date", "date_precision", "date_approximate", "source_url", "note"
        ),
    }


def _as_date(value) -> datetime.date:
    """A date read from a JSON row ('2016-11-19') or from the database."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def pair_key(a: str, b: str) -> str:
    """The unordered pair of two countries as stored: `pair_key("PH", "cn") == "cn-ph"`."""
    return "-".join(sorted((a.lower(), b.lower())))


class Event(models.Model):
    """Something that happened (or was to happen) between countries, on a date."""

    kind = models.CharField(max_length=20, choices=EventKind.choices, db_index=False)
    title = models.CharField(max_length=300, help_text="A short headline, e.g. Duterte meets Putin in Lima.")
    summary = models.TextField(blank=True, help_text="What happened, in a few sentences.")
    date = models.DateField(
        help_text="The day; for a month-only or year-only date enter its first day and set the precision."
    )
    date_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    date_approximate = models.BooleanField("approximate date", default=False)
    end_date = models.DateField(null=True, blank=True, help_text="For events spanning several days (optional).")
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.HELD)
    summit = models.ForeignKey(
        Summit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        help_text="The summit it happened at or on the sidelines of (optional).",
    )
    city = models.CharField(max_length=100, blank=True, help_text="Left empty at a summit, the summit's city is shown.")
    venue = models.CharField(max_length=200, blank=True, help_text="e.g. Malacañang Palace (optional).")
    countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="+",
        help_text=(
            "Countries the event is about or involves beyond its participants and speakers "
            "(those are added automatically)."
        ),
    )
    published = models.BooleanField(default=True, help_text="Unpublished events are hidden from the public site.")

    # Event-data coding (PLOVER): what kind of act, by which country towards which,
    # and where it sits on the cooperation (+10) to conflict (-10) scale.
    plover_category = models.CharField(
        "PLOVER category",
        max_length=10,
        choices=PloverCategory.choices,
        blank=True,
        help_text="Suggested from the kind and status; always editable.",
    )
    plover_mode = models.CharField(
        "PLOVER mode", max_length=40, blank=True, help_text="e.g. visit, phone, third-party."
    )
    plover_context = models.CharField(
        "PLOVER context", max_length=100, blank=True, help_text="e.g. diplomatic, military, economic (comma-separated)."
    )
    actor_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The country that acts (the source of the event).",
    )
    target_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The country acted towards (the target).",
    )
    score = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
        help_text="Effective cooperation–conflict score: the override if given, else the category's default.",
    )
    score_override = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Overrides the default score for the category and mode (−10 to +10); needs a justification.",
    )
    score_justification = models.TextField(blank=True, help_text="Why the score differs from the default.")
    plover_reviewed = models.BooleanField(
        "PLOVER coding reviewed",
        default=False,
        help_text=(
            "Checked: an editor coded or accepted the category, mode and direction. Unchecked: they are "
            "the machine's suggestion, shown as “suggested” and renewed whenever the event changes. "
            "Changing the coding checks it."
        ),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = IntegerVersionField()

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[countries])

    class Meta:
        ordering = ["date", "id"]
        permissions = [("publish_event", "Can publish and unpublish events")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("date")),
                name="event_ends_after_it_starts",
                violation_error_message="The end date cannot be before the date.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="event_title_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=EventStatus.values), name="event_status_valid"),
            models.CheckConstraint(condition=Q(date_precision__in=Precision.values), name="event_precision_valid"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=-10, score__lte=10),
                name="event_score_in_range",
                violation_error_message="A score lies between −10 and +10.",
            ),
            models.CheckConstraint(
                condition=Q(score_override__isnull=True) | Q(score_override__gte=-10, score_override__lte=10),
                name="event_score_override_in_range",
                violation_error_message="A score lies between −10 and +10.",
            ),
            models.CheckConstraint(
                condition=Q(score_override__isnull=True) | ~Q(score_justification=""),
                name="event_score_override_justified",
                violation_error_message="Explain why the score differs from the default.",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "id"], name="event_date_idx"),
            models.Index(fields=["summit", "date"], name="event_summit_date_idx"),
            models.Index(fields=["kind", "date"], name="event_kind_date_idx"),
            models.Index(fields=["status", "date"], name="event_status_date_idx"),
        ]

    def __str__(self):
        return f"{self.date_display}: {self.title}"

    def save(self, *args, **kwargs):
        self.date = normalise(self.date, self.date_precision)
        self.score = self.effective_score()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"plover_category", "plover_mode", "score_override"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "score"}
        super().save(*args, **kwargs)
        self.loaded_shape = self.shape()  # what the next save of this instance is compared with

    def get_absolute_url(self):
        return record_url("events:event_detail", pk=self.pk, slug=self.slug)

    # The columns that decide where an event appears in a list and what a list shows beside its
    # cards: every one but these, which only its card and its own page show (and `q`'s matches:
    # a page filtered by words is keyed by every edit, events/web/caching.py). A save that
    # changes only these leaves the lists' shape as it was (services/versioning.py).
    CARD_ONLY_FIELDS = frozenset(
        {"title", "summary", "city", "venue", "score_justification", "created_at", "updated_at", "version"}
    )

    # The shape columns as read from the database or last saved (None: neither), what a save is
    # compared with: to tell a card-only edit, and the summit an event leaves (services/signals.py).
    NOT_LOADED = object()
    loaded_shape: tuple | None = None

    def shape(self) -> tuple:
        """This instance's values of the columns that are not card-only (NOT_LOADED for a deferred one)."""
        return tuple(self.__dict__.get(name, self.NOT_LOADED) for name in _shape_fields())

    def loaded(self, attname: str):
        """A shape column's value as read or last saved; NOT_LOADED when never read (a query tells)."""
        if self.loaded_shape is None:
            return self.NOT_LOADED
        return self.loaded_shape[_shape_fields().index(attname)]

    def only_card_changed(self) -> bool:
        """Whether this save, of an event read from the database, changed card-only columns at most."""
        loaded = self.loaded_shape
        return loaded is not None and self.NOT_LOADED not in loaded and loaded == self.shape()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_shape = instance.shape()
        return instance

    def get_kind_display(self) -> str:
        return choice_label(EventKind, self.kind)

    def get_status_display(self) -> str:
        return choice_label(EventStatus, self.status)

    @cached_property
    def source_links(self) -> list[SourceLink]:
        """The sources, oldest first: from the row when read `with_related()`, otherwise a query."""
        rows = getattr(self, "source_rows", None)
        if rows is None:
            return [SourceLink(s.url, s.title, s.publisher) for s in self.sources.all()]
        return [SourceLink(*row) for row in rows]

    @cached_property
    def participant_list(self) -> "list[ParticipantLink] | list[Participant]":
        """Who took part, in order: from the row when read `with_related()`, otherwise a query."""
        rows = getattr(self, "participant_rows", None)
        if rows is None:
            return list(self.participants.select_related("leader", "country"))
        return [
            ParticipantLink(LeaderLink(leader_id, name, slug), reference.country(code), role, title)
            for leader_id, name, slug, code, role, title in rows
        ]

    @cached_property
    def quote_list(self) -> "list[QuoteText] | list[Quote]":
        """What was said, in order: from the row when read `with_related()`, otherwise a query."""
        rows = getattr(self, "quote_rows", None)
        if rows is None:
            return list(self.quotes.select_related("speaker"))
        return [QuoteText(LeaderLink(*row[:3]), *row[3:]) for row in rows]

    @cached_property
    def status_history(self) -> list[StatusStep]:
        """The dated steps of its life, oldest first: from the row when read `with_related()`, otherwise a query."""
        rows = getattr(self, "status_rows", None)
        if rows is None:
            rows = self.status_changes.order_by("date", "id").values_list(
                "status", "date", "date_precision", "date_approximate", "source_url", "note"
            )
        return [
            StatusStep(status, PartialDate(_as_date(day), precision, bool(approximate)), url, note)
            for status, day, precision, approximate, url, note in rows
        ]

    def clean(self):
        super().clean()
        errors = {}
        category, mode = self.plover_category, self.plover_mode
        if mode and not category:
            errors["plover_mode"] = "Choose the category this mode belongs to, or leave the mode empty."
        elif mode and mode not in modes_of(category):
            modes = modes_of(category)
            errors["plover_mode"] = (
                f"“{mode}” is not a mode of {category}: use one of {', '.join(modes)}, or none."
                if modes
                else f"{category} has no modes in PLOVER: leave the mode empty."
            )
        if self.score_override is not None and not category:
            errors["plover_category"] = "An overridden score needs the category whose default it overrides."
        if self.actor_country_id and self.actor_country_id == self.target_country_id:
            errors["target_country"] = "The target is the country acted towards: another country than the actor."
        if errors:
            raise ValidationError(errors)

    def effective_score(self):
        """The editor's override if given, else the default of the category and mode; None while uncoded."""
        if self.score_override is not None:
            return self.score_override
        return default_score(self.plover_category, self.plover_mode)

    def apply_plover_defaults(self) -> list[str]:
        """Suggest the PLOVER coding no editor reviewed; returns the names of the fields it changed.

        Not reviewed (`plover_reviewed`), the category, mode and direction are
        the machine's suggestion from the kind, status, parties and text
        (`suggestion_for`, events/vocab/coding.py), renewed on every call; the
        direction only once the event is saved with its participants. Reviewed,
        the editor's coding stands: only an empty direction is filled
        (`direction_for`). The caller saves.
        """
        filled, parties = [], self.parties()
        if not self.plover_reviewed or not self.plover_category:
            self.plover_reviewed = False
            suggestion = suggestion_for(parties, self.text())
            coding = {"plover_category": suggestion.category, "plover_mode": suggestion.mode}
            if self.pk:
                coding.update(actor_country=suggestion.actor, target_country=suggestion.target)
            for name, value in coding.items():
                attname = self._meta.get_field(name).attname
                if getattr(self, attname) != value:
                    setattr(self, attname, value)
                    filled.append(name)
        elif self.pk and not self.actor_country_id and not self.target_country_id:
            actor, target = direction_for(parties)
            if actor:
                self.actor_country_id = actor
                filled.append("actor_country")
            if target:
                self.target_country_id = target
                filled.append("target_country")
        return filled

    def text(self) -> EventText:
        """What the event says in words, for the lexicon (events/vocab/coding.py); two queries once saved."""
        places = place_names_for({iso2: country.name for iso2, country in reference.countries().items()})
        text = EventText(self.title, self.summary, place=f"{self.city} {self.venue}".strip(), names=places)
        if self.pk:
            leaders = [(p.leader.name, p.country_id) for p in self.participants.select_related("leader")]
            for quote in self.quotes.select_related("speaker"):
                text.quotes.append((quote.language, quote.original_text, quote.english_text))
                leaders.append((quote.speaker.name, quote.speaker.country_id))
            text.people = people_names_for(leaders)
        return text

    def parties(self) -> Parties:
        """Who took part, as plain codes, for the coding rules (events/vocab/coding.py); a few queries."""
        summit_host = self.summit.host_country_id if self.summit_id else None
        if not self.pk:
            return Parties(self.kind, self.status, summit_host=summit_host)
        return Parties(
            self.kind,
            self.status,
            [(p.country_id, p.role) for p in self.participants.order_by("position", "id")],
            [q.speaker.country_id for q in self.quotes.select_related("speaker").order_by("position", "id")],
            sorted(self.countries.values_list("iso2", flat=True)),
            summit_host,
        )

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60].strip("-") or "event"

    @property
    def partial_date(self) -> PartialDate:
        return PartialDate(self.date, self.date_precision, self.date_approximate)

    @property
    def date_display(self) -> str:
        return str(self.partial_date)

    @property
    def place(self) -> str:
        """Where it happened: the city, or the summit's city."""
        return self.city or (self.summit.city if self.summit_id else "")

    @property
    def is_meeting(self) -> bool:
        return self.kind in MEETING_KINDS


@functools.cache
def _shape_fields() -> tuple[str, ...]:
    return tuple(field.attname for field in Event._meta.concrete_fields if field.attname not in Event.CARD_ONLY_FIELDS)


class Participant(models.Model):
    """A leader taking part in an event, for a country, in a role."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="participations")
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="+",
        blank=True,
        help_text="The country represented; left empty, the leader's own.",
    )
    role = models.CharField(max_length=12, choices=ParticipantRole.choices, default=ParticipantRole.PARTICIPANT)
    title = models.CharField(
        "title at the time",
        max_length=200,
        blank=True,
        help_text="Left empty, taken from the office the leader held on the event's date.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "leader"], name="participant_once_per_event"),
        ]
        indexes = [
            # A leader's events (the `leader` filter) from the index alone.
            models.Index(fields=["leader", "event"], name="participant_leader_event_idx"),
        ]

    def __str__(self):
        return f"{self.leader.name} ({self.get_role_display().lower()})"

    def save(self, *args, **kwargs):
        if not self.country_id:
            self.country_id = self.leader.country_id
        if not self.title:
            self.title = title_on(self.leader, self.event.date)
        super().save(*args, **kwargs)


class Quote(QuoteLanguage, models.Model):
    """Words someone said, in the language they said them, with an English translation."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotes")
    speaker = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="quotes")
    speaker_title = models.CharField(
        "speaker's title at the time",
        max_length=200,
        blank=True,
        help_text="Left empty, taken from the office the speaker held on the event's date.",
    )
    language = models.CharField(
        max_length=35,
        default="en",
        validators=[validate_language_tag],
        help_text="BCP 47 tag of the original: en, fil, tl, zh, ja, ru, ... Mixed Filipino and English is fil.",
    )
    original_text = models.TextField(help_text="Verbatim, in the original language.")
    english_text = models.TextField(
        "English translation", blank=True, help_text="Required unless the original is in English."
    )
    context = models.CharField(max_length=300, blank=True, help_text="Where and to whom, e.g. dinner with reporters.")
    translated_by = models.CharField(
        max_length=200, blank=True, help_text="Whose English translation this is, e.g. Rappler or PCO (optional)."
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(original_text=""),
                name="quote_has_text",
                violation_error_message="A quote needs its original text.",
            ),
            models.CheckConstraint(
                condition=~Q(english_text="") | Q(language="en") | Q(language__startswith="en-"),
                name="quote_translated_unless_english",
                violation_error_message="Give the English translation of a quote that is not in English.",
            ),
            models.CheckConstraint(condition=~Q(language=""), name="quote_language_not_empty"),
        ]
        indexes = [
            # The events a leader spoke at (the `leader` filter) from the index alone.
            models.Index(fields=["speaker", "event"], name="quote_speaker_event_idx"),
        ]

    def __str__(self):
        text = self.english_text or self.original_text
        return f"{self.speaker.name}: “{text[:60]}”"

    def save(self, *args, **kwargs):
        if not self.speaker_title:
            self.speaker_title = title_on(self.speaker, self.event.date)
        super().save(*args, **kwargs)
