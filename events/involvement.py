"""
Keeping the derived tables `EventCountry` and `EventPair` in step with the record.

The countries an event involves are: its participants' countries, its
speakers' countries, and the countries an editor names (`Event.countries`).
From them follow the unordered pairs (`cn-ph`, `ph-ru`, ...) under which the
event appears on relationship timelines.

Every write path ends here: model signals cover the admin and the shell; bulk
writers (the importer, the generator) wrap their work in `deferred()` and sync
the touched events once, in bulk, at the end.
"""

import contextlib
import itertools
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from .models import Event, EventCountry, EventPair, Participant, Quote, pair_key

_state = threading.local()
BATCH = 2000


def involved_countries(event_ids: Iterable[int]) -> dict[int, set[str]]:
    """For each event id, the ISO2 codes of the countries it involves (4 queries per batch)."""
    event_ids = list(event_ids)
    countries: dict[int, set[str]] = {pk: set() for pk in event_ids}
    through = Event.countries.through
    rows = itertools.chain(
        through.objects.filter(event_id__in=event_ids).values_list("event_id", "country_id"),
        Participant.objects.filter(event_id__in=event_ids).values_list("event_id", "country_id"),
        Quote.objects.filter(event_id__in=event_ids).values_list("event_id", "speaker__country_id"),
    )
    for event_id, iso2 in rows:
        countries[event_id].add(iso2)
    return countries


def sync_involvement(event_ids: Iterable[int]) -> None:
    """Rebuild the derived rows of these events from the source of truth."""
    if getattr(_state, "deferred", None) is not None:
        _state.deferred.update(event_ids)
        return
    event_ids = sorted(set(event_ids))
    with transaction.atomic():
        for start in range(0, len(event_ids), BATCH):
            _sync_batch(event_ids[start : start + BATCH])


def _sync_batch(event_ids: list[int]) -> None:
    events = dict(Event.objects.filter(pk__in=event_ids).values_list("pk", "date"))
    published = set(Event.objects.filter(pk__in=event_ids).published().values_list("pk", flat=True))
    countries = involved_countries(events)
    EventCountry.objects.filter(event_id__in=event_ids).delete()
    EventPair.objects.filter(event_id__in=event_ids).delete()
    EventCountry.objects.bulk_create(
        EventCountry(event_id=pk, country_id=iso2, date=events[pk], published=pk in published)
        for pk, codes in countries.items()
        for iso2 in codes
    )
    EventPair.objects.bulk_create(
        EventPair(event_id=pk, pair=pair_key(a, b), date=events[pk], published=pk in published)
        for pk, codes in countries.items()
        for a, b in itertools.combinations(sorted(codes), 2)
    )


@contextlib.contextmanager
def deferred():
    """Collect the events touched inside the block and sync them once at its end."""
    if getattr(_state, "deferred", None) is not None:
        yield  # Already deferring: the outermost block syncs.
        return
    _state.deferred = set()
    try:
        yield
        touched = _state.deferred
    finally:
        _state.deferred = None
    sync_involvement(touched)


def drift(event_ids: Iterable[int] | None = None) -> dict[int, tuple[set[str], set[str]]]:
    """Events whose stored involvement differs from a fresh computation: {id: (stored, expected)}."""
    if event_ids is None:
        event_ids = Event.objects.values_list("pk", flat=True)
    event_ids = list(event_ids)
    expected = involved_countries(event_ids)
    dates = dict(Event.objects.filter(pk__in=event_ids).values_list("pk", "date"))
    stored: dict[int, set[str]] = defaultdict(set)
    for event_id, iso2 in EventCountry.objects.filter(event_id__in=event_ids).values_list("event_id", "country_id"):
        stored[event_id].add(iso2)
    stored_pairs: dict[int, set[str]] = defaultdict(set)
    for event_id, pair in EventPair.objects.filter(event_id__in=event_ids).values_list("event_id", "pair"):
        stored_pairs[event_id].add(pair)
    # A derived row whose copied date or visibility no longer matches its event.
    public = set(Event.objects.filter(pk__in=event_ids).published().values_list("pk", flat=True))
    stale = set()
    for model in (EventPair, EventCountry):
        for event_id, date, published in model.objects.filter(event_id__in=event_ids).values_list(
            "event_id", "date", "published"
        ):
            if date != dates[event_id] or published != (event_id in public):
                stale.add(event_id)
    result = {}
    for pk in dates:
        pairs = {pair_key(a, b) for a, b in itertools.combinations(sorted(expected[pk]), 2)}
        if stored[pk] != expected[pk] or stored_pairs[pk] != pairs or pk in stale:
            result[pk] = (stored[pk], expected[pk])
    return result

