"""
The read path of a relationship: its events in order, and the list of relationships.

A relationship's timeline is one ordered query over `EventPair` (the derived
row per event and pair of countries), so filtering and pagination happen in
the database and every kind of event sits in one chronological list.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q

from .models import Country, Event, EventPair, pair_key


@dataclass(frozen=True)
class Relationship:
    home: Country
    other: Country
    event_count: int = 0
    latest_date: datetime.date | None = None

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


def home_relationships(*, home: str | None = None) -> list[Relationship]:
    """Every relationship of the home country that has at least one published event, busiest first."""
    home = (home or settings.HOME_COUNTRY).lower()
    stats = (
        EventPair.objects.filter(Q(pair__startswith=f"{home}-") | Q(pair__endswith=f"-{home}"), published=True)
        .values("pair")
        .annotate(count=Count("id"), latest=Max("date"))
    )
    codes = {}
    for row in stats:
        a, b = row["pair"].split("-")
        other = b if a == home else a
        codes[other.upper()] = row
    countries = Country.objects.in_bulk([home.upper(), *codes])
    home_country = countries[home.upper()]
    relationships = [
        Relationship(home_country, countries[iso2], row["count"], row["latest"]) for iso2, row in codes.items()
    ]
    relationships.sort(key=lambda r: (-r.event_count, r.other.name))
    return relationships
