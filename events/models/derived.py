"""
Derived: which countries, pairs of countries and leaders each event involves,
each pair's months in figures, and each summit's public events counted. Never edited by hand; kept by
events/services/involvement.py on every write path.
"""

from django.db import models
from django.db.models import Q


class EventCountry(models.Model):
    """One row per (event, involved country): answers `country=US`."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="involvements")
    country = models.ForeignKey("events.Country", on_delete=models.CASCADE, related_name="+")
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

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="pairs")
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

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="leaders")
    leader = models.ForeignKey("events.Leader", on_delete=models.CASCADE, related_name="+")
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
    # The temperature (see events/queries/temperature.py): of those events, the ones scored and
    # coded between the two countries, their total score and how many fall in each quad.
    scored = models.PositiveIntegerField()
    # Event.score's decimal places; the digits of a month of a busy relationship's sum.
    score_total = models.DecimalField(max_digits=12, decimal_places=1)
    quad_0 = models.PositiveIntegerField("verbal cooperation")
    quad_1 = models.PositiveIntegerField("material cooperation")
    quad_2 = models.PositiveIntegerField("verbal conflict")
    quad_3 = models.PositiveIntegerField("material conflict")
    # The same figures of the events among them whose coding an editor reviewed (Event.plover_reviewed):
    # the chart drawn from reviewed codes only (`?coding=reviewed`), and its count of suggested ones.
    reviewed = models.PositiveIntegerField(db_default=0)
    reviewed_total = models.DecimalField(max_digits=12, decimal_places=1, db_default=0)
    reviewed_quad_0 = models.PositiveIntegerField("reviewed verbal cooperation", db_default=0)
    reviewed_quad_1 = models.PositiveIntegerField("reviewed material cooperation", db_default=0)
    reviewed_quad_2 = models.PositiveIntegerField("reviewed verbal conflict", db_default=0)
    reviewed_quad_3 = models.PositiveIntegerField("reviewed material conflict", db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pair", "month"], name="pair_month_once"),
            models.CheckConstraint(condition=Q(events__gt=0), name="pair_month_has_events"),
        ]

    def __str__(self):
        return f"{self.pair} in {self.month:%Y-%m}"


# PairMonth's figures of the reviewed codes, in the order of its own (scored, score_total, quad_0 … quad_3).
PAIR_MONTH_REVIEWED_FIGURES = (
    "reviewed",
    "reviewed_total",
    "reviewed_quad_0",
    "reviewed_quad_1",
    "reviewed_quad_2",
    "reviewed_quad_3",
)


class SummitCount(models.Model):
    """How many public events a summit has: what /summits/ shows beside each one.

    Counted once per write of the summit's events rather than per request: the
    list's hundred summits have some 80,000 events at a million, whose counting
    took 0.8 s a page. A summit without public events has no row (zero).
    """

    summit = models.OneToOneField("events.Summit", on_delete=models.CASCADE, primary_key=True, related_name="counted")
    events = models.PositiveIntegerField(help_text="Published, sourced events of the summit (EventQuerySet.published).")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(events__gt=0), name="summit_count_has_events")]

    def __str__(self):
        return f"{self.summit_id}: {self.events}"


# The derived tables, rebuilt from the record and never edited: the writers that load
# in bulk list them, the page cache and the backup leave them out.
DERIVED_MODELS = (EventCountry, EventPair, EventLeader, PairMonth, SummitCount)
