"""
The record of the Philippines' foreign relations.

People (`Leader`) hold offices over time (`Office`, Popolo's memberships);
`Summit`s gather them; `Event`s are the timeline's spine. Meetings, statements,
agreements, policy actions and intentions are all events, distinguished by
`kind`, so that a relationship's timeline is one ordered query over one table.

Which countries an event *involves* is derived (participants, speakers, the
countries an editor names) and stored in `EventCountry` and `EventPair`, kept
in step by `Event.sync_involvement()` on every write path; see `involvement.py`.
So is `PairMonth`, each relationship's months in figures.
"""

import datetime
import functools
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple
from urllib.parse import urlsplit

import langcodes
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords
from concurrency.fields import IntegerVersionField

from .dates import PartialDate, Precision, format_partial_date, normalise
from .plover import PloverCategory

# Stand-ins that reverse() accepts and that occur in no real address.
_URL_PLACEHOLDERS = {"pk": "2147480001", "slug": "slug-stand-in-0x7e1"}


@functools.lru_cache(maxsize=32)
def _url_pattern(name: str, script_prefix: str, keys: tuple[str, ...]) -> str:
    return reverse(name, kwargs={key: _URL_PLACEHOLDERS[key] for key in keys})


def record_url(name: str, **kwargs) -> str:
    """`reverse(name, kwargs=...)` for the links a list repeats hundreds of times.

    Each pattern is reversed once per script prefix, with stand-ins, and then
    filled in: a list of 50 events links to some 250 records, and reverse()
    would be a tenth of the page's time. Only for ids and slugs, which need no
    quoting in a path.
    """
    url = _url_pattern(name, get_script_prefix(), tuple(sorted(kwargs)))
    for key, value in kwargs.items():
        url = url.replace(_URL_PLACEHOLDERS[key], str(value))
    return url

# ---------------------------------------------------------------------------
# Validators
# ---------------------------------------------------------------------------

http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address that starts with http:// or https://."
)

wikidata_validator = RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id is Q followed by digits, e.g. Q457.")


def validate_language_tag(value: str) -> None:
    if not langcodes.tag_is_valid(value) or value.lower() in {"und", "zxx", "mul", "mis"}:
        raise ValidationError(
            "%(value)s is not a BCP 47 language tag (e.g. en, fil, tl, zh, ja, ru).", params={"value": value}
        )


def unique_slug(model, text: str, *, instance_pk=None, max_length: int = 80) -> str:
    """`text` slugified; a numeric suffix only when another row already has it."""
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, n = base, 2
    others = model._default_manager.exclude(pk=instance_pk) if instance_pk else model._default_manager.all()
    while others.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    return slug


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------


class CountryQuerySet(models.QuerySet):
    def get_by_natural_key(self, iso2):
        return self.get(iso2=iso2)


class Country(models.Model):
    """An ISO 3166-1 country, loaded from pycountry by a data migration."""

    iso2 = models.CharField("ISO 3166-1 alpha-2", max_length=2, primary_key=True)
    iso3 = models.CharField("ISO 3166-1 alpha-3", max_length=3, unique=True)
    name = models.CharField(max_length=100, help_text="Common English short name.")
    official_name = models.CharField(max_length=200, blank=True)

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(iso2=Upper("iso2")), name="country_iso2_upper_case"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.iso2,)

    @property
    def code(self) -> str:
        """The lower-case code used in URLs (`/relationships/ph-ru/`)."""
        return self.iso2.lower()


# ---------------------------------------------------------------------------
# People and offices
# ---------------------------------------------------------------------------


class LeaderQuerySet(models.QuerySet):
    def get_by_natural_key(self, name, country):
        return self.get(name=name, country_id=country)


class Leader(models.Model):
    """A person who acts for a country: head of state, minister, envoy."""

    name = models.CharField(max_length=200, help_text="The name as usually written in English, e.g. Rodrigo Duterte.")
    other_names = models.TextField(
        blank=True, help_text="Other spellings and nicknames, one per line (e.g. Digong, Rodrigo Roa Duterte)."
    )
    slug = models.SlugField(max_length=80, unique=True, blank=True, help_text="Left empty, made from the name.")
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="leaders", help_text="The country this person represents."
    )
    wikidata_id = models.CharField(
        "Wikidata id", max_length=20, blank=True, validators=[wikidata_validator], help_text="e.g. Q457 (optional)."
    )
    description = models.TextField(blank=True, help_text="One or two sentences for the leader's page (optional).")
    # Optimistic locking: a save from a stale form is refused, never silently applied.
    version = IntegerVersionField()

    objects = LeaderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="leader_unique_name_country"),
            models.UniqueConstraint(
                fields=["wikidata_id"], condition=~Q(wikidata_id=""), name="leader_unique_wikidata_id"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="leader_name_not_empty"),
        ]

    def __str__(self):
        return f"{self.name} ({self.country_id})"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Leader, self.name, instance_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("events:leader_detail", slug=self.slug)

    # No natural_key(): the edit history keeps the ids of deleted leaders, and
    # a backup's dumpdata --natural-foreign would fail looking them up.

    def office_on(self, date: datetime.date):
        """The office this person held on `date`, using prefetched offices when present."""
        for office in self.offices.all():
            if office.covers(date):
                return office
        return None


class Office(models.Model):
    """An office held for a while: 'President of the Philippines', 30 June 2016 – 30 June 2022."""

    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="offices")
    title = models.CharField(max_length=200, help_text="e.g. President of the Philippines, Ambassador of Russia to the Philippines.")
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", help_text="The country the office belongs to."
    )
    start_date = models.DateField(null=True, blank=True, help_text="First day in office; for a month or year only, its first day.")
    start_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    end_date = models.DateField(null=True, blank=True, help_text="Last day in office; empty while still in office.")
    end_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    source_url = models.URLField(max_length=1000, blank=True, validators=[http_url_validator])

    history = HistoricalRecords()

    class Meta:
        ordering = ["leader", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="office_ends_after_it_starts",
                violation_error_message="The office cannot end before it starts.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="office_title_not_empty"),
            models.CheckConstraint(
                condition=Q(source_url="") | Q(source_url__startswith="http://") | Q(source_url__startswith="https://"),
                name="office_source_url_http",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.tenure})"

    def save(self, *args, **kwargs):
        if self.start_date:
            self.start_date = normalise(self.start_date, self.start_precision)
        if self.end_date:
            self.end_date = normalise(self.end_date, self.end_precision)
        super().save(*args, **kwargs)

    @property
    def start(self) -> PartialDate | None:
        return PartialDate(self.start_date, self.start_precision) if self.start_date else None

    @property
    def end(self) -> PartialDate | None:
        return PartialDate(self.end_date, self.end_precision) if self.end_date else None

    @property
    def tenure(self) -> str:
        start = format_partial_date(self.start_date, self.start_precision) or "?"
        end = format_partial_date(self.end_date, self.end_precision) if self.end_date else "present"
        return f"{start} – {end}"

    def covers(self, date: datetime.date) -> bool:
        """Whether the office was held on `date` (partial bounds count as their whole period)."""
        if self.start_date and date < self.start_date:
            return False
        if self.end_date and date > self.end.last_day:
            return False
        return True


# ---------------------------------------------------------------------------
# Summits
# ---------------------------------------------------------------------------


class SummitQuerySet(models.QuerySet):
    def get_by_natural_key(self, short_name):
        return self.get(short_name=short_name)

    def upcoming(self, today: datetime.date):
        return self.filter(end_date__gte=today).order_by("start_date")

    def recent(self, today: datetime.date):
        return self.filter(end_date__lt=today).order_by("-start_date")


class Summit(models.Model):
    """A multilateral gathering: APEC 2016 in Lima, the ASEAN summits in Vientiane."""

    name = models.CharField(max_length=200, help_text="Full name, e.g. 24th APEC Economic Leaders' Meeting.")
    short_name = models.CharField(max_length=80, unique=True, help_text="Short and unique, e.g. APEC 2016. The slug is made from it.")
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    forum = models.CharField(max_length=80, blank=True, help_text="The series it belongs to: APEC, ASEAN, G20, ...")
    host_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="summits_hosted")
    city = models.CharField(max_length=100, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day; the same as the start for a one-day summit.")
    description = models.TextField(blank=True)
    version = IntegerVersionField()

    objects = SummitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="summit_ends_after_it_starts",
                violation_error_message="A summit cannot end before it starts.",
            ),
            models.CheckConstraint(condition=~Q(short_name=""), name="summit_short_name_not_empty"),
        ]
        indexes = [models.Index(fields=["start_date"], name="summit_start_idx")]

    def __str__(self):
        return self.short_name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Summit, self.short_name, instance_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("events:summit_detail", slug=self.slug)

    # No natural_key(), for the same reason as Leader.

    @property
    def dates_display(self) -> str:
        start, end = self.start_date, self.end_date
        if start == end:
            return format_partial_date(start, Precision.DAY)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{format_partial_date(end, Precision.DAY)}"
        return f"{format_partial_date(start, Precision.DAY)} – {format_partial_date(end, Precision.DAY)}"


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


class EventKind(models.TextChoices):
    STATE_VISIT = "state_visit", "State visit"
    OFFICIAL_VISIT = "official_visit", "Official visit"
    WORKING_VISIT = "working_visit", "Working visit"
    SIDELINE = "sideline", "Meeting on the sidelines"
    CALL = "call", "Telephone call"
    MEETING = "meeting", "Meeting"
    STATEMENT = "statement", "Statement"
    AGREEMENT = "agreement", "Agreement or commitment"
    POLICY_ACTION = "policy_action", "Policy action"
    INTENTION = "intention", "Announced intention"
    OTHER = "other", "Other event"


MEETING_KINDS = frozenset(
    {
        EventKind.STATE_VISIT,
        EventKind.OFFICIAL_VISIT,
        EventKind.WORKING_VISIT,
        EventKind.SIDELINE,
        EventKind.CALL,
        EventKind.MEETING,
    }
)


class EventStatus(models.TextChoices):
    HELD = "held", "Held"
    PLANNED = "planned", "Planned"
    CANCELLED = "cancelled", "Cancelled"
    POSTPONED = "postponed", "Postponed"


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

    def between(self, start: datetime.date | None, end: datetime.date | None):
        if start:
            self = self.filter(date__gte=start)
        if end:
            self = self.filter(date__lte=end)
        return self

    def meetings(self):
        return self.filter(kind__in=MEETING_KINDS)

    def search(self, text: str):
        """Events whose title, summary or quotes (original or English) match `text`; see search.py."""
        from .search import search_events

        return search_events(self, text)

    def chronological(self):
        return self.order_by("date", "id")

    def with_related(self):
        """Everything a list or timeline shows of each event, in one query whatever their number.

        The summit is joined; the sources (`source_links`), participants
        (`participant_list`) and quotes (`quote_list`) come in the event's own
        row as JSON arrays: a prefetch would cost a query each and a model
        instance per child, which at 50 events a page was most of its time.
        """
        return self.select_related("summit").annotate(**_event_children())

    def with_source_links(self):
        """Each event's sources in its own row, read by `Event.source_links`."""
        return self.annotate(source_rows=_event_children()["source_rows"])


@functools.cache
def _event_children() -> dict[str, "JSONRows"]:
    """The JSON subqueries of `with_related()`, built once per process.

    A queryset annotated with one resolves a copy of it, so one set serves
    every request; building them was a millisecond of every list page.
    """

    def of(model, order, *fields):
        return JSONRows(model.objects.filter(event_id=models.OuterRef("pk")).order_by(*order), *fields)

    return {
        "source_rows": of(EventSource, ["id"], "url", "title", "publisher"),
        "participant_rows": of(
            Participant, ["position", "id"], "leader_id", "leader__name", "leader__slug", "country_id", "role", "title"
        ),
        "quote_rows": of(
            Quote, ["position", "id"], "speaker_id", "speaker__name", "speaker__slug", "speaker_title",
            "language", "original_text", "english_text", "context", "translated_by",
        ),
    }


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
        "PLOVER category", max_length=10, choices=PloverCategory.choices, blank=True,
        help_text="Suggested from the kind and status; always editable.",
    )
    plover_mode = models.CharField("PLOVER mode", max_length=40, blank=True, help_text="e.g. visit, phone, third-party.")
    plover_context = models.CharField(
        "PLOVER context", max_length=100, blank=True, help_text="e.g. diplomatic, military, economic (comma-separated)."
    )
    actor_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The country that acts (the source of the event).",
    )
    target_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The country acted towards (the target).",
    )
    score = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, editable=False,
        help_text="Effective cooperation–conflict score: the override if given, else the category's default.",
    )
    score_override = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True,
        help_text="Overrides the default score for the category and mode (−10 to +10); needs a justification.",
    )
    score_justification = models.TextField(blank=True, help_text="Why the score differs from the default.")

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

    def get_absolute_url(self):
        return record_url("events:event_detail", pk=self.pk, slug=self.slug)

    @cached_property
    def source_links(self) -> list[SourceLink]:
        """The sources, oldest first: from the row when read `with_source_links()`, otherwise a query."""
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
        from .reference import country  # Here: reference.py imports this module.

        return [
            ParticipantLink(LeaderLink(leader_id, name, slug), country(code), role, title)
            for leader_id, name, slug, code, role, title in rows
        ]

    @cached_property
    def quote_list(self) -> "list[QuoteText] | list[Quote]":
        """What was said, in order: from the row when read `with_related()`, otherwise a query."""
        rows = getattr(self, "quote_rows", None)
        if rows is None:
            return list(self.quotes.select_related("speaker"))
        return [QuoteText(LeaderLink(*row[:3]), *row[3:]) for row in rows]

    def clean(self):
        from .plover import modes_of

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
        from .plover import default_score

        if self.score_override is not None:
            return self.score_override
        return default_score(self.plover_category, self.plover_mode)

    @property
    def plover_quad(self) -> str | None:
        """verbal_cooperation, material_cooperation, verbal_conflict or material_conflict."""
        from .plover import quad_of

        return quad_of(self.plover_category)

    def apply_plover_defaults(self) -> list[str]:
        """Fill the PLOVER coding an editor left empty; returns the names of the fields filled.

        The category and mode come from the kind and status (`plover.suggest`);
        the direction from the participants, speakers and countries, so only
        once the event is saved with them (the rules: `coding.py`). Nothing an
        editor set is changed. The caller saves.
        """
        from .coding import Parties, coding_for, direction_for

        filled, parties = [], Parties.of(self)
        if not self.plover_category:
            suggestion = coding_for(parties)
            if suggestion:
                self.plover_category, self.plover_mode = suggestion
                filled += ["plover_category", "plover_mode"]
        if self.pk and not self.actor_country_id and not self.target_country_id:
            actor, target = direction_for(parties)
            if actor:
                self.actor_country_id = actor
                filled.append("actor_country")
            if target:
                self.target_country_id = target
                filled.append("target_country")
        return filled

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

    @property
    def is_statement(self) -> bool:
        return self.kind == EventKind.STATEMENT

    def sync_involvement(self) -> None:
        """Recompute which countries and pairs this event involves; see `involvement.py`."""
        from .involvement import sync_involvement

        sync_involvement([self.pk])


class ParticipantRole(models.TextChoices):
    HOST = "host", "Host"
    VISITOR = "visitor", "Visitor"
    PARTICIPANT = "participant", "Participant"


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


def title_on(leader: Leader, date: datetime.date) -> str:
    office = leader.office_on(date)
    return office.title if office else ""


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



def language_name(tag: str) -> str:
    """'Filipino' for 'fil', 'Chinese' for 'zh-Hans'; the tag itself when unknown."""
    import pycountry

    primary = tag.split("-")[0].lower()
    try:
        return pycountry.languages.lookup(primary).name
    except LookupError:
        return tag


# ---------------------------------------------------------------------------
# Sources: every record carries its own (as in Popolo), each an http(s) URL.
# ---------------------------------------------------------------------------


class SourceBase(models.Model):
    url = models.URLField("URL", max_length=1000, validators=[http_url_validator])
    title = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="Left empty, the web site's name is used.")
    published_on = models.DateField("publication date", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        if not self.publisher:
            self.publisher = publisher_from_url(self.url)
        super().save(*args, **kwargs)


def publisher_from_url(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _http_only(prefix: str):
    return models.CheckConstraint(
        condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
        name=f"{prefix}_url_http",
        violation_error_message="A source must be an http:// or https:// address.",
    )


class EventSource(SourceBase):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sources")

    history = HistoricalRecords()

    class Meta(SourceBase.Meta):
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(fields=["event", "url"], name="event_source_once"),
            _http_only("event_source"),
        ]


class SummitSource(SourceBase):
    summit = models.ForeignKey(Summit, on_delete=models.CASCADE, related_name="sources")

    history = HistoricalRecords()

    class Meta(SourceBase.Meta):
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(fields=["summit", "url"], name="summit_source_once"),
            _http_only("summit_source"),
        ]


class LeaderSource(SourceBase):
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="sources")

    history = HistoricalRecords()

    class Meta(SourceBase.Meta):
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(fields=["leader", "url"], name="leader_source_once"),
            _http_only("leader_source"),
        ]


# ---------------------------------------------------------------------------
# Derived: which countries, pairs of countries and leaders each event involves,
# and each pair's months in figures. Never edited by hand; rebuilt by
# involvement.sync_involvement().
# ---------------------------------------------------------------------------


class EventCountry(models.Model):
    """One row per (event, involved country): answers `country=US`."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="involvements")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    # Copies of the event's sort key and visibility, so that a country's events
    # come off one index in date order.
    date = models.DateField()
    published = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "country"], name="event_country_once")]
        indexes = [
            models.Index(
                fields=["country", "date", "event"], condition=Q(published=True), name="event_country_pub_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event_id} involves {self.country_id}"


class EventPair(models.Model):
    """One row per (event, unordered pair of involved countries): a relationship's timeline."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="pairs")
    pair = models.CharField(max_length=5, help_text="Two lower-case ISO2 codes in alphabetical order: cn-ph.")
    date = models.DateField()
    published = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "pair"], name="event_pair_once")]
        indexes = [
            # Keyset pagination of a timeline: one range scan, page 1 and page 50 alike.
            models.Index(fields=["pair", "date", "event"], condition=Q(published=True), name="event_pair_pub_idx"),
        ]

    def __str__(self):
        return f"{self.event_id} in {self.pair}"


class EventLeader(models.Model):
    """One row per (event, leader taking part or quoted): a leader's events in date order.

    `EventQuerySet.featuring()` answers "which events" but not "in what
    order": for a leader in a tenth of a million events the database would
    gather them all and sort them for every page. This row carries the
    event's date, and its index gives a page of them in one range scan.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="leaders")
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    published = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "leader"], name="event_leader_once")]
        indexes = [
            models.Index(fields=["leader", "date", "event"], condition=Q(published=True), name="event_leader_pub_idx"),
        ]

    def __str__(self):
        return f"{self.event_id} features leader {self.leader_id}"


class PairMonth(models.Model):
    """A relationship's month in figures: its published events and their temperature.

    What a relationship page and the home page sum, a few hundred rows, instead
    of counting and averaging a big relationship's hundred thousand timeline rows
    on every view. Derived from `EventPair` and the events' coding; months
    without published events have no row.
    """

    pair = models.CharField(max_length=5, help_text="Two lower-case ISO2 codes in alphabetical order: cn-ph.")
    month = models.DateField(help_text="The month's first day.")
    events = models.PositiveIntegerField(help_text="Published events of the pair dated in the month.")
    # The temperature (see temperature.py): of those events, the ones scored and
    # coded between the two countries, their total score and how many fall in each quad.
    scored = models.PositiveIntegerField()
    # Event.score's decimal places; the digits of a month of a busy relationship's sum.
    score_total = models.DecimalField(max_digits=12, decimal_places=1)
    quad_0 = models.PositiveIntegerField("verbal cooperation")
    quad_1 = models.PositiveIntegerField("material cooperation")
    quad_2 = models.PositiveIntegerField("verbal conflict")
    quad_3 = models.PositiveIntegerField("material conflict")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pair", "month"], name="pair_month_once"),
            models.CheckConstraint(condition=Q(events__gt=0), name="pair_month_has_events"),
        ]

    def __str__(self):
        return f"{self.pair} in {self.month:%Y-%m}"


# ---------------------------------------------------------------------------
# Caching: one number that every write bumps (see caching.py).
# ---------------------------------------------------------------------------


# The derived tables, rebuilt from the record and never edited: the writers that load
# in bulk list them, the page cache and the backup leave them out.
DERIVED_MODELS = (EventCountry, EventPair, EventLeader, PairMonth)


class SiteVersion(models.Model):
    """The record's version: bumped by every write, folded into page-cache keys and ETags.

    One row, in the database rather than in a process, so that every worker
    serving the site agrees on it.
    """

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(help_text="When the record last changed.")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="site_version_single_row")]

    def __str__(self):
        return f"version {self.version} of {self.changed_at:%Y-%m-%d %H:%M:%S}"


# ---------------------------------------------------------------------------
# Publishers and disagreements between sources (#13): what kind of publisher
# each source is, and where sources say different things about one event.
# ---------------------------------------------------------------------------


class PublisherKind(models.TextChoices):
    OFFICIAL_PH = "official_ph", "Official (Philippine government)"
    OFFICIAL_FOREIGN = "official_foreign", "Official (foreign government)"
    STATE_MEDIA = "state_media", "State media"
    NEWS = "news", "Independent news"
    REFERENCE = "reference", "Reference or other"


OFFICIAL_KINDS = frozenset({PublisherKind.OFFICIAL_PH, PublisherKind.OFFICIAL_FOREIGN})


def normalise_domain(value: str) -> str:
    """`www.Rappler.com.` → `rappler.com`: how a publisher's domain is stored and looked up."""
    return value.strip().lower().rstrip(".").removeprefix("www.")


class Publisher(models.Model):
    """A web site sources come from: its name, what kind of publisher it is, whether it only copies others."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Lower case, without www.; covers its sub-domains too (inquirer.net covers newsinfo.inquirer.net).",
    )
    name = models.CharField(max_length=200, help_text="As readers know it, e.g. Rappler, Philippine News Agency.")
    kind = models.CharField(max_length=20, choices=PublisherKind.choices, help_text="Shown beside every source.")
    aggregator = models.BooleanField(
        "mirror or aggregator",
        default=False,
        help_text="Copies others' reporting: never enough as an event's only source.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(condition=~Q(domain=""), name="publisher_domain_not_empty"),
            models.CheckConstraint(condition=~Q(domain__startswith="www."), name="publisher_domain_without_www"),
            models.CheckConstraint(condition=Q(kind__in=PublisherKind.values), name="publisher_kind_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.domain})"

    def save(self, *args, **kwargs):
        self.domain = normalise_domain(self.domain)
        super().save(*args, **kwargs)
        publisher_table.cache_clear()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        publisher_table.cache_clear()
        return result

    @property
    def label(self) -> str:
        """'Rappler · Independent news', as shown beside a source."""
        return f"{self.name} · {self.get_kind_display()}"


class PublisherInfo(NamedTuple):
    """What the pages and exports show of a source's publisher."""

    name: str
    kind: str
    aggregator: bool

    @property
    def kind_label(self) -> str:
        return PublisherKind(self.kind).label

    @property
    def label(self) -> str:
        return f"{self.name} · {self.kind_label}"

    @property
    def official(self) -> bool:
        return self.kind in OFFICIAL_KINDS


@functools.cache
def publisher_table() -> dict[str, PublisherInfo]:
    """Every publisher by domain: a few hundred rows, read once per process.

    Cleared when a publisher is saved or deleted through the model (the admin)
    and by the importer after it writes publishers; another process sees the
    change when it restarts.
    """
    return {
        domain: PublisherInfo(name, kind, aggregator)
        for domain, name, kind, aggregator in Publisher.objects.values_list("domain", "name", "kind", "aggregator")
    }


def publisher_for(url: str) -> PublisherInfo | None:
    """The publisher of `url`: the longest stored domain that is its host or a parent of it."""
    host = normalise_domain(urlsplit(url).hostname or "")
    table = publisher_table()
    while host:
        if host in table:
            return table[host]
        host = host.partition(".")[2]
    return None


class Disagreement(models.Model):
    """Sources that disagree about one point of an event: 'the visit's classification'."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="disagreements")
    about = models.CharField(
        max_length=300, help_text="What the sources disagree on, e.g. the visit's classification."
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=~Q(about=""), name="disagreement_about_not_empty")]

    def __str__(self):
        return f"Sources disagree on {self.about}"


class DisagreementVersion(models.Model):
    """What one of the event's sources says on the disputed point."""

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="versions")
    source = models.ForeignKey(
        EventSource, on_delete=models.CASCADE, related_name="+", help_text="One of the event's sources."
    )
    says = models.TextField(help_text="What this source says, verbatim or nearly: “a state visit”.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["disagreement", "source"], name="disagreement_version_once_per_source"),
            models.CheckConstraint(condition=~Q(says=""), name="disagreement_version_says_something"),
        ]

    def __str__(self):
        return self.says[:80]

    def clean(self):
        super().clean()
        if self.disagreement_id and self.source_id and self.source.event_id != self.disagreement.event_id:
            raise ValidationError({"source": "Choose one of this event's own sources."})
