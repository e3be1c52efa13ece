"""
The read path of a relationship: its events in order, and the list of relationships.

A relationship's timeline is one ordered query over `EventPair` (the derived
row per event and pair of countries), so filtering and pagination happen in
the database and every kind of event sits in one chronological list.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery

from .dates import Precision
from .models import Country, Event, EventPair, Leader, pair_key


@dataclass(frozen=True)
class Relationship:
    home: Country
    other: Country
    event_count: int = 0
    latest_date: datetime.date | None = None
    latest_event: Event | None = None

    @property
    def key(self) -> str:
        return pair_key(self.home.iso2, self.other.iso2)

    @property
    def slug(self) -> str:
        """The canonical URL form: the home country first, `ph-ru`."""
        return f"{self.home.code}-{self.other.code}"

    def __str__(self):
        return f"{self.home.name}–{self.other.name}"


def relationship_timeline(a: str, b: str, *, published_only: bool = True):
    """The events of the relationship between `a` and `b`, oldest first, with what a timeline shows."""
    events = Event.objects.for_pair(a, b)
    if published_only:
        events = events.published()
    return events.chronological().with_related()


def relationship_for(first: Country, second: Country) -> Relationship:
    """The relationship as its canonical page shows it: the home country first, otherwise alphabetical."""
    if second.iso2 == settings.HOME_COUNTRY or (first.iso2 != settings.HOME_COUNTRY and second.iso2 < first.iso2):
        first, second = second, first
    return Relationship(first, second)


@dataclass(frozen=True)
class RelationshipSummary:
    event_count: int
    first_date: datetime.date | None
    last_date: datetime.date | None


def relationship_summary(a: str, b: str) -> RelationshipSummary:
    """How many published events a relationship holds and the years they span (one query)."""
    stats = EventPair.objects.filter(pair=pair_key(a, b), published=True).aggregate(
        count=Count("id"), first=Min("date"), last=Max("date")
    )
    return RelationshipSummary(stats["count"], stats["first"], stats["last"])


def home_relationships(*, home: str | None = None) -> list[Relationship]:
    """Every relationship of the home country that has at least one published event, busiest first.

    Three queries whatever the number of relationships: the counts (with each
    pair's latest event id), the countries, and those latest events.
    """
    home = (home or settings.HOME_COUNTRY).lower()
    latest_event = (
        EventPair.objects.filter(pair=OuterRef("pair"), published=True)
        .order_by("-date", "-event_id")
        .values("event_id")[:1]
    )
    stats = (
        EventPair.objects.filter(Q(pair__startswith=f"{home}-") | Q(pair__endswith=f"-{home}"), published=True)
        .values("pair")
        .annotate(count=Count("id"), latest=Max("date"), latest_event=Subquery(latest_event))
        .order_by()
    )
    codes = {}
    for row in stats:
        a, b = row["pair"].split("-")
        other = b if a == home else a
        codes[other.upper()] = row
    if not codes:
        return []
    countries = Country.objects.in_bulk([home.upper(), *codes])
    home_country = countries[home.upper()]
    latest_events = Event.objects.only(
        "title", "kind", "status", "date", "date_precision", "date_approximate"
    ).in_bulk([row["latest_event"] for row in codes.values()])
    relationships = [
        Relationship(home_country, countries[iso2], row["count"], row["latest"], latest_events.get(row["latest_event"]))
        for iso2, row in codes.items()
    ]
    relationships.sort(key=lambda r: (-r.event_count, r.other.name))
    return relationships


def event_relationships(event: Event) -> list[Relationship]:
    """The relationships an event appears in, the home country's first.

    Reads `event.pairs` and `event.involvements` (with their countries); prefetch
    both, as `EventDetailView` does, to keep this free of queries.
    """
    countries = {involvement.country_id.lower(): involvement.country for involvement in event.involvements.all()}
    relationships = []
    for row in event.pairs.all():
        a, b = row.pair.split("-")
        if a in countries and b in countries:
            relationships.append(relationship_for(countries[a], countries[b]))
    home = settings.HOME_COUNTRY
    relationships.sort(key=lambda r: (r.home.iso2 != home, r.home.name, r.other.name))
    return relationships


def leader_timeline(leader: Leader, *, published_only: bool = True):
    """The events a leader took part in or spoke at, oldest first, with what a timeline shows."""
    events = Event.objects.featuring(leader)
    if published_only:
        events = events.published()
    return events.chronological().with_related()


@dataclass
class MonthGroup:
    """The events of one month on a timeline page; `month` is None for dates known only to the year."""

    year: int
    month: int | None
    events: list[Event] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.month is None:
            return f"{self.year}, month unknown"
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def datetime(self) -> str:
        """The value of the heading's `<time datetime>`."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"


@dataclass
class YearGroup:
    year: int
    months: list[MonthGroup] = field(default_factory=list)


def by_year_and_month(events: Iterable[Event]) -> list[YearGroup]:
    """Consecutive events grouped under year and month headings, in the order given.

    A date known only to the year has no month: it gets its own group, which
    sorts first in its year because a partial date is stored as its first day.
    """
    years: list[YearGroup] = []
    for event in events:
        month = None if event.date_precision == Precision.YEAR else event.date.month
        if not years or years[-1].year != event.date.year:
            years.append(YearGroup(event.date.year))
        months = years[-1].months
        if not months or months[-1].month != month:
            months.append(MonthGroup(event.date.year, month))
        months[-1].events.append(event)
    return years
