"""
An event's life and what it set going (#14).

`StatusChange`: the dated steps of an event's life (announced, confirmed,
postponed, cancelled, held), each with its source. `EventLink`: how one event
bears on another (follows up, fulfils, reverses, responds to). `Commitment`:
an agreement, pledge or announced intention followed through its dated
`CommitmentStep`s; its `stage` is derived, the stage of its latest step (kept
by events/services/commitments.py). `Readout`: one government's account of a
meeting or call, in its language with an English translation.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from events.models.base import http_url_validator, record_url
from events.models.countries import Country
from events.models.events import Event, QuoteLanguage
from events.vocab.currencies import validate_currency_code
from events.vocab.dates import PartialDate, Precision, normalise
from events.vocab.kinds import (
    LINK_INVERSES,
    MEETING_KINDS,
    CommitmentKind,
    CommitmentStage,
    LifeStatus,
    LinkRelation,
)
from events.vocab.languages import validate_language_tag


def _http_only(prefix: str, field: str = "source_url"):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__startswith": "http://"}) | Q(**{f"{field}__startswith": "https://"}),
        name=f"{prefix}_{field}_http",
        violation_error_message="A source must be an http:// or https:// address.",
    )


class PartialDated(models.Model):
    """A date as precise as it is known, stored as Event's is: the first day of the period and its precision."""

    date = models.DateField(
        help_text="The day; for a month-only or year-only date enter its first day and set the precision."
    )
    date_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    date_approximate = models.BooleanField("approximate date", default=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.date = normalise(self.date, self.date_precision)
        super().save(*args, **kwargs)

    @property
    def partial_date(self) -> PartialDate:
        return PartialDate(self.date, self.date_precision, self.date_approximate)

    @property
    def date_display(self) -> str:
        return str(self.partial_date)


class StatusChange(PartialDated):
    """A dated step of an event's life, as its source reports it: 'announced on 15 November 2016'."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=10, choices=LifeStatus.choices)
    source_url = models.URLField(
        "source", max_length=1000, validators=[http_url_validator], help_text="Where this step is reported."
    )
    note = models.CharField(max_length=300, blank=True, help_text="e.g. cancelled by the White House (optional).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "status change"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LifeStatus.values), name="status_change_status_valid"),
            models.CheckConstraint(
                condition=Q(date_precision__in=Precision.values), name="status_change_precision_valid"
            ),
            _http_only("status_change"),
        ]
        indexes = [models.Index(fields=["event", "date"], name="status_change_event_date_idx")]

    def __str__(self):
        return f"{self.get_status_display()} {self.date_display}"


class EventLink(models.Model):
    """How one event bears on another: the 19 November meeting fulfils the 15 November announcement."""

    from_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="links_out")
    relation = models.CharField(max_length=12, choices=LinkRelation.choices)
    to_event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="links_in", help_text="The event this one bears on."
    )
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = "link to another event"
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_event=F("to_event")),
                name="event_link_not_to_itself",
                violation_error_message="An event cannot be linked to itself.",
            ),
            models.UniqueConstraint(
                fields=["from_event", "relation", "to_event"],
                name="event_link_once",
                violation_error_message="These two events are already linked this way.",
            ),
            models.CheckConstraint(condition=Q(relation__in=LinkRelation.values), name="event_link_relation_valid"),
        ]
        indexes = [models.Index(fields=["to_event"], name="event_link_to_idx")]

    def __str__(self):
        return f"{self.get_relation_display()} event {self.to_event_id}"

    def clean(self):
        super().clean()
        # The constraint says it too, but a form for the event's inline links leaves the
        # event out of the constraints it checks.
        if self.from_event_id and self.from_event_id == self.to_event_id:
            raise ValidationError({"to_event": "An event cannot be linked to itself."})

    @property
    def inverse_label(self) -> str:
        """How the link reads from the other event: 'Followed up by'."""
        return LINK_INVERSES[LinkRelation(self.relation)]


class CommitmentQuerySet(models.QuerySet):
    def involving(self, *iso2_codes: str):
        """Commitments naming every one of the given countries (ISO2, any case), as one subquery."""
        codes = sorted({code.upper() for code in iso2_codes})
        if not codes:
            return self
        rows = (
            Commitment.countries.through.objects.filter(commitment=models.OuterRef("pk"), country_id__in=codes)
            .order_by()
            .values("commitment")
            .annotate(found=models.Count("*"))
            .filter(found=len(codes))
        )
        return self.filter(models.Exists(rows))


class Commitment(models.Model):
    """An agreement, pledge or announced intention, followed from announcement to what was delivered."""

    slug = models.SlugField(max_length=80, unique=True, help_text="Its address: /commitments/<slug>/.")
    title = models.CharField(max_length=300, help_text="e.g. China's 2016 pledges of loans and investment.")
    kind = models.CharField(max_length=10, choices=CommitmentKind.choices)
    countries = models.ManyToManyField(
        Country, blank=True, related_name="+", help_text="The countries that made or received it."
    )
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, help_text="The value given, if any (with its currency)."
    )
    currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency_code], help_text="ISO 4217 code, e.g. USD, PHP, JPY."
    )
    summary = models.TextField(blank=True, help_text="What was committed, in a few sentences.")
    source_url = models.URLField(
        "source",
        max_length=1000,
        blank=True,
        validators=[http_url_validator],
        help_text="Where the commitment is described as a whole (each step has its own source).",
    )
    stage = models.CharField(
        max_length=16,
        choices=CommitmentStage.choices,
        blank=True,
        editable=False,
        help_text="The stage of its latest step; kept by the steps.",
    )

    objects = CommitmentQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[countries])

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="commitment_title_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="commitment_slug_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=CommitmentKind.values), name="commitment_kind_valid"),
            models.CheckConstraint(
                condition=Q(stage="") | Q(stage__in=CommitmentStage.values), name="commitment_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(currency=""),
                name="commitment_amount_has_currency",
                violation_error_message="Give the currency of the amount (ISO 4217, e.g. USD).",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="commitment_amount_not_negative",
                violation_error_message="An amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(source_url="") | Q(source_url__startswith="http://") | Q(source_url__startswith="https://"),
                name="commitment_source_url_http",
                violation_error_message="A source must be an http:// or https:// address.",
            ),
        ]
        indexes = [models.Index(fields=["stage", "title"], name="commitment_stage_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("events:commitment_detail", slug=self.slug)

    @property
    def value_display(self) -> str:
        """'USD 24,000,000,000' or '' when no amount is given."""
        if self.amount is None:
            return ""
        amount = f"{self.amount:,.2f}".removesuffix(".00")
        return f"{self.currency} {amount}"


class CommitmentStep(PartialDated):
    """A dated step of a commitment (signed, delivered, lapsed, ...), the event that moved it, its source."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(max_length=16, choices=CommitmentStage.choices)
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitment_steps",
        help_text="The event that moved it to this stage (optional).",
    )
    source_url = models.URLField("source", max_length=1000, validators=[http_url_validator])
    note = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "step"
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=CommitmentStage.values), name="commitment_step_stage_valid"),
            models.CheckConstraint(
                condition=Q(date_precision__in=Precision.values), name="commitment_step_precision_valid"
            ),
            _http_only("commitment_step"),
        ]
        indexes = [models.Index(fields=["commitment", "date", "id"], name="commitment_step_order_idx")]

    def __str__(self):
        return f"{self.get_stage_display()} {self.date_display}"


class Readout(QuoteLanguage, models.Model):
    """One government's account of a meeting or call, in its original language with an English translation."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="readouts", help_text="A meeting or a call."
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", help_text="Whose readout.")
    source_url = models.URLField("source", max_length=1000, validators=[http_url_validator])
    source_title = models.CharField(max_length=300, blank=True)
    language = models.CharField(
        max_length=35,
        default="en",
        validators=[validate_language_tag],
        help_text="BCP 47 tag of the original: en, fil, zh, ja, ru, ...",
    )
    text = models.TextField("original text", help_text="The readout or an excerpt, verbatim, in its language.")
    english = models.TextField(
        "English translation", blank=True, help_text="Required unless the original is in English."
    )
    translated_by = models.CharField(max_length=200, blank=True, help_text="Whose English translation (optional).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "country"],
                name="readout_once_per_country",
                violation_error_message="This event already has that country's readout.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="readout_has_text", violation_error_message="A readout needs its text."
            ),
            models.CheckConstraint(
                condition=~Q(english="") | Q(language="en") | Q(language__startswith="en-"),
                name="readout_translated_unless_english",
                violation_error_message="Give the English translation of a readout that is not in English.",
            ),
            _http_only("readout"),
        ]

    def __str__(self):
        return f"{self.country_id} readout"

    def clean(self):
        super().clean()
        try:
            event = self.event  # in the admin, the event being saved with its new kind
        except Event.DoesNotExist:
            return
        if event.kind not in MEETING_KINDS:
            raise ValidationError(
                f"A readout belongs to a meeting or a call, not to this {event.get_kind_display().lower()}."
            )
