"""People and the offices they hold over time (Popolo's persons and memberships)."""

import datetime

from concurrency.fields import IntegerVersionField
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from events.models.base import http_url_validator, record_url, slug_taken_by_another, unique_slug, wikidata_validator
from events.models.countries import Country
from events.vocab.dates import PartialDate, Precision, format_partial_date, normalise


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
            self.slug = unique_slug(self.name, is_taken=slug_taken_by_another(Leader, self.pk))
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
    title = models.CharField(
        max_length=200, help_text="e.g. President of the Philippines, Ambassador of Russia to the Philippines."
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", help_text="The country the office belongs to."
    )
    start_date = models.DateField(
        null=True, blank=True, help_text="First day in office; for a month or year only, its first day."
    )
    start_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    end_date = models.DateField(null=True, blank=True, help_text="Last day in office; empty while still in office.")
    end_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    source_url = models.URLField(max_length=1000, blank=True, validators=[http_url_validator])

    history = HistoricalRecords()

    class Meta:
        ordering = ["leader", "start_date", "pk"]  # pk: offices from the same day in the order entered
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


def title_on(leader: Leader, date: datetime.date) -> str:
    office = leader.office_on(date)
    return office.title if office else ""
