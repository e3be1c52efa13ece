"""Summits: the multilateral gatherings where leaders meet."""

import datetime

from concurrency.fields import IntegerVersionField
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from events.models.base import record_url, slug_taken_by_another, unique_slug
from events.models.countries import Country
from events.vocab.dates import Precision, format_partial_date


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
    short_name = models.CharField(
        max_length=80, unique=True, help_text="Short and unique, e.g. APEC 2016. The slug is made from it."
    )
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
            self.slug = unique_slug(self.short_name, is_taken=slug_taken_by_another(Summit, self.pk))
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
