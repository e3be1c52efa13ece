"""
Keeping the derived tables `EventCountry`, `EventPair`, `EventLeader`, `PairMonth` and `SummitCount` in step with the record.

The countries an event involves are: its participants' countries, its
speakers' countries, and the countries an editor names (`Event.countries`).
From them follow the unordered pairs (`cn-ph`, `ph-ru`, ...) under which the
event appears on relationship timelines. Its participants and speakers are
the leaders it features (`EventLeader`, a leader page's rows). From the timeline rows and the
events' coding follow each relationship's months in figures (`PairMonth`):
how many published events, and their temperature (see events/queries/temperature.py).
Each summit's public events are counted in `SummitCount`: a sync recounts the
summits its events are at, and those they left (`note_left_summit`, from the
event's pre-save signal).

Every write path ends here: model signals cover the admin and the shell; the
importer wraps its work in `deferred()` and syncs the touched events once, in
bulk, at the end; the generator writes the derived rows itself and then
rebuilds `PairMonth` whole (`rebuild_pair_months()`).

A month's figures are never adjusted by a difference, always recomputed from
the timeline rows: a write notes the (pair, month) buckets its events left and
joined, and `refresh_pair_months()` recomputes exactly those, a DELETE and an
INSERT … SELECT whatever their number.
"""

import calendar
import contextlib
import datetime
import functools
import itertools
import operator
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Count, DateField, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr, Trunc, Upper

from events.models import (
    PAIR_MONTH_REVIEWED_FIGURES,
    Event,
    EventCountry,
    EventLeader,
    EventPair,
    PairMonth,
    Participant,
    Quote,
    SummitCount,
    pair_key,
)
from events.services import versioning
from events.services.bulk import BATCH
from events.vocab.plover import QUAD_CATEGORIES, Quad, quad_of

_state = threading.local()
# Up to this many runs of consecutive months, a refresh names each; beyond (a
# large import, a restore), it recomputes its pairs over the whole span
# touched. At a million events, on PostgreSQL, a run costs about a millisecond
# and the whole span about five seconds, but an OR of a thousand runs is planned
# worse than the span; SQLite refuses an expression over 1,000 deep.
MONTH_RUNS = 256

Bucket = tuple[str, datetime.date]  # (pair, first day of the month)
PAIR_MONTH_FIGURES = ("events", "scored", "score_total", "quad_0", "quad_1", "quad_2", "quad_3")
# Then the same of the events whose coding an editor reviewed (#14).
ALL_PAIR_MONTH_FIGURES = PAIR_MONTH_FIGURES + PAIR_MONTH_REVIEWED_FIGURES


@dataclass(frozen=True)
class Involvement:
    """An event's derived rows, by the one rule every writer follows (`involvement_of`)."""

    countries: tuple[str, ...]  # ISO2, each once, sorted
    pairs: tuple[str, ...]  # every unordered pair of those countries, as `pair_key` writes it
    leaders: tuple[int, ...]  # leader ids, each once, in order of appearance


def involvement_of(
    *, participants: Iterable[tuple[int, str]] = (), speakers: Iterable[tuple[int, str]] = (), named: Iterable[str] = ()
) -> Involvement:
    """Which countries, pairs and leaders an event involves: the rule, written once.

    `participants` and `speakers` are (leader id, ISO2 of the country they act
    for); `named` are the countries an editor names. The countries involved are
    all of those; the leaders featured, the participants and the speakers. The
    sync below, the importer's bulk path and the generator all call this.
    """
    participants, speakers = list(participants), list(speakers)
    codes = sorted({code for _, code in participants} | {code for _, code in speakers} | set(named))
    return Involvement(
        tuple(codes),
        tuple(pair_key(a, b) for a, b in itertools.combinations(codes, 2)),
        tuple(dict.fromkeys(leader for leader, _ in (*participants, *speakers))),
    )


def involvements(event_ids: Iterable[int]) -> dict[int, Involvement]:
    """For each event id, its `Involvement` as stored parts say (3 queries per batch)."""
    event_ids = list(event_ids)
    parts: dict[int, tuple[list, list, list]] = {pk: ([], [], []) for pk in event_ids}
    through = Event.countries.through
    for event_id, leader_id, iso2 in Participant.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "leader_id", "country_id"
    ):
        parts[event_id][0].append((leader_id, iso2))
    for event_id, leader_id, iso2 in Quote.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "speaker_id", "speaker__country_id"
    ):
        parts[event_id][1].append((leader_id, iso2))
    for event_id, iso2 in through.objects.filter(event_id__in=event_ids).values_list("event_id", "country_id"):
        parts[event_id][2].append(iso2)
    return {
        pk: involvement_of(participants=taking_part, speakers=speaking, named=named)
        for pk, (taking_part, speaking, named) in parts.items()
    }


@dataclass
class _Pending:
    """What a `deferred()` block has collected."""

    events: set[int] = field(default_factory=set)  # to sync
    buckets: set[Bucket] = field(default_factory=set)  # to recompute
    summits: set[int] = field(default_factory=set)  # to recount
    left: set[int] = field(default_factory=set)  # left by an event: recounted, and their pages bumped


def _pending() -> _Pending | None:
    return getattr(_state, "pending", None)


def sync_involvement(event_ids: Iterable[int]) -> None:
    """Rebuild the derived rows of these events from the source of truth."""
    pending = _pending()
    if pending is not None:
        pending.events.update(event_ids)
        return
    with transaction.atomic():
        refresh_pair_months(_sync(event_ids))


def _sync(event_ids: Iterable[int], summits: Iterable[int] = (), left: Iterable[int] = ()) -> set[Bucket]:
    """Rebuild the involvement rows of these events and recount their summits, `summits` and those they `left`.

    Returns the months their timeline rows left or joined.
    """
    event_ids = sorted(set(event_ids))
    left = {*left, *_take_left_summits()} - {None}
    summits = {*summits, *left} - {None}
    touched: set[Bucket] = set()
    for start in range(0, len(event_ids), BATCH):
        touched |= _sync_batch(event_ids[start : start + BATCH], summits)
    refresh_summit_counts(summits)
    # The pages of the summits the events left (those of the summits they are at, the write's own signal bumps).
    if left:
        versioning.bump_scopes({versioning.WHOLE_RECORD} | versioning.summit_scopes(left))
    return touched


def _sync_batch(event_ids: list[int], summits: set[int]) -> set[Bucket]:
    rows = list(Event.objects.filter(pk__in=event_ids).values_list("pk", "date", "summit_id"))
    events = {pk: date for pk, date, _ in rows}
    summits.update(summit_id for _, _, summit_id in rows)
    published = set(Event.objects.filter(pk__in=event_ids).published().values_list("pk", flat=True))
    derived = involvements(events)
    left = months_of(event_ids)
    old_pairs = set(EventPair.objects.filter(event_id__in=event_ids).values_list("pair", flat=True))
    old_leaders = set(EventLeader.objects.filter(event_id__in=event_ids).values_list("leader_id", flat=True))
    old_countries = set(EventCountry.objects.filter(event_id__in=event_ids).values_list("country_id", flat=True))
    EventCountry.objects.filter(event_id__in=event_ids).delete()
    EventPair.objects.filter(event_id__in=event_ids).delete()
    EventLeader.objects.filter(event_id__in=event_ids).delete()
    EventLeader.objects.bulk_create(
        EventLeader(event_id=pk, leader_id=leader_id, date=events[pk], published=pk in published)
        for pk, involvement in derived.items()
        for leader_id in involvement.leaders
    )
    EventCountry.objects.bulk_create(
        EventCountry(event_id=pk, country_id=iso2, date=events[pk], published=pk in published)
        for pk, involvement in derived.items()
        for iso2 in involvement.countries
    )
    pairs = [
        EventPair(event_id=pk, pair=pair, date=events[pk], published=pk in published)
        for pk, involvement in derived.items()
        for pair in involvement.pairs
    ]
    EventPair.objects.bulk_create(pairs)
    # The pages of a relationship, country or leader the events left or joined: the write's own signal
    # bumps those the events are in when it runs, before this sync or after it (versioning.py).
    moved_pairs = old_pairs ^ {row.pair for row in pairs}
    moved_leaders = old_leaders ^ {leader for involvement in derived.values() for leader in involvement.leaders}
    moved_countries = old_countries ^ {code for involvement in derived.values() for code in involvement.countries}
    if moved_pairs or moved_leaders or moved_countries:
        versioning.bump_scopes(
            {versioning.WHOLE_RECORD, *(f"pair:{pair}" for pair in moved_pairs)}
            | versioning.leader_scopes(moved_leaders)
            | versioning.country_scopes(moved_countries)
        )
    return left | {(row.pair, month_start(row.date)) for row in pairs if row.published}


@contextlib.contextmanager
def deferred():
    """Collect the events touched inside the block and sync them once at its end."""
    if _pending() is not None:
        yield  # Already deferring: the outermost block syncs.
        return
    # The page cache's scopes too: bumped once, after the sync, for every event touched.
    with versioning.coalesced():
        _state.pending = _Pending()
        try:
            yield
            pending = _state.pending
        finally:
            _state.pending = None
        with transaction.atomic():
            refresh_pair_months(pending.buckets | _sync(pending.events, pending.summits, pending.left))


# ---------------------------------------------------------------------------
# Concurrent recounts
# ---------------------------------------------------------------------------

# Two transactions recounting the same summit (or pair and month) would each
# delete the stored row, count what they see, and insert: the second insert
# fails on the first one's row, and neither count includes the other's event.
# So a recount first takes a lock on what it recounts, held to the commit: the
# second waits, then counts what the first committed. PostgreSQL's advisory
# locks, keyed (table, key); SQLite has one writer at a time already.
SUMMIT_COUNTS, PAIR_MONTHS = 1, 2
# Beyond this many keys (an import, a restore) a recount locks its whole table
# instead: the lock table is shared and small (max_locks_per_transaction).
MOST_KEY_LOCKS = 64


def _lock_recounts(table: int, keys: Iterable | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Wait for, then hold to the commit, the right to recount these keys of `table` (None: all of it)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    keys = None if keys is None else sorted({_lock_key(key) for key in keys})  # one order: no deadlock
    with connection.cursor() as cursor:
        if keys is None or len(keys) > MOST_KEY_LOCKS:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [table])
            return
        # Every key's holder shares (table, 0), which the whole table's recount takes alone.
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s, 0), count(pg_advisory_xact_lock(%s, key))"
            " FROM unnest(%s::int[]) AS key",
            [table, table, keys],
        )


def _lock_key(key) -> int:
    """A key as a nonzero int4: a summit's id, or a hash of a (pair, month) bucket (a clash only makes one wait)."""
    if isinstance(key, int):
        return key % 0x7FFFFFFF or 1
    return zlib.crc32(repr(key).encode()) % 0x7FFFFFFF or 1


# ---------------------------------------------------------------------------
# SummitCount: each summit's public events
# ---------------------------------------------------------------------------


def note_left_summit(summit_id: int | None) -> None:
    """An event is about to leave this summit: recount it with the next sync (or at the end of `deferred()`)."""
    if summit_id is None:
        return
    pending = _pending()
    if pending is not None:
        pending.left.add(summit_id)
    else:
        _state.__dict__.setdefault("left_summits", set()).add(summit_id)


def _take_left_summits() -> set[int]:
    return _state.__dict__.pop("left_summits", set())


def _summit_counts(events: models.QuerySet) -> models.QuerySet:
    """(summit id, public events) of these events' summits, as `EventQuerySet.published` counts them."""
    return events.published().exclude(summit=None).order_by().values_list("summit_id").annotate(n=Count("pk"))


def refresh_summit_counts(summit_ids: Iterable[int | None]) -> None:
    """Recount these summits' public events (two queries a batch; deferred inside `deferred()`)."""
    summit_ids = sorted({pk for pk in summit_ids if pk is not None})
    pending = _pending()
    if pending is not None:
        pending.summits.update(summit_ids)
        return
    with transaction.atomic():
        _lock_recounts(SUMMIT_COUNTS, summit_ids)
        for start in range(0, len(summit_ids), BATCH):
            batch = summit_ids[start : start + BATCH]
            SummitCount.objects.filter(summit_id__in=batch).delete()
            counts = _summit_counts(Event.objects.filter(summit_id__in=batch))
            SummitCount.objects.bulk_create(SummitCount(summit_id=pk, events=n) for pk, n in counts)


def rebuild_summit_counts() -> None:
    """Recount every summit (a DELETE and one grouped count): after loading events in bulk."""
    with transaction.atomic():
        _lock_recounts(SUMMIT_COUNTS, None)
        SummitCount.objects.all().delete()
        SummitCount.objects.bulk_create(
            (SummitCount(summit_id=pk, events=n) for pk, n in _summit_counts(Event.objects.all())), batch_size=BATCH
        )


def summit_count_drift() -> dict[int, tuple[int, int]]:
    """Summits whose stored count differs from a count of their public events: {summit id: (stored, expected)}."""
    public = Event.objects.published().exclude(summit=None).values_list("summit_id", flat=True)
    expected: dict[int, int] = defaultdict(int)
    for summit_id in public:
        expected[summit_id] += 1
    stored = dict(SummitCount.objects.values_list("summit_id", "events"))
    return {
        pk: (stored.get(pk, 0), expected.get(pk, 0))
        for pk in stored.keys() | expected.keys()
        if stored.get(pk, 0) != expected.get(pk, 0)
    }


# ---------------------------------------------------------------------------
# PairMonth: a relationship's months in figures
# ---------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_of(event_ids: Iterable[int]) -> set[Bucket]:
    """The months whose figures count these events: those of their published timeline rows (a query per batch)."""
    event_ids = list(event_ids)
    buckets = set()
    for start in range(0, len(event_ids), BATCH):
        rows = EventPair.objects.filter(event_id__in=event_ids[start : start + BATCH], published=True)
        buckets.update((pair, month_start(day)) for pair, day in rows.values_list("pair", "date").distinct())
    return buckets


def refresh_event_months(event_ids: Iterable[int]) -> None:
    """Recompute the months these events count in.

    For writes that change events' coding or scores in place, with an UPDATE
    that sends no signal: their timeline rows stay as they are, the figures of
    their months do not.
    """
    refresh_pair_months(months_of(event_ids))


def refresh_pair_months(buckets: Iterable[Bucket]) -> None:
    """Recompute the figures of these (pair, month) buckets from the timeline rows (two queries, deferred inside `deferred()`)."""
    pending = _pending()
    if pending is not None:
        pending.buckets.update(buckets)
        return
    buckets = set(buckets)
    if not buckets:
        return
    stored, counted = _bucket_filters(buckets)
    with transaction.atomic():
        _lock_recounts(PAIR_MONTHS, buckets)
        PairMonth.objects.filter(stored).delete()
        insert_pair_months(EventPair.objects.filter(counted))


def rebuild_pair_months() -> None:
    """Recompute every relationship's months (a DELETE and an INSERT … SELECT): after filling EventPair in bulk."""
    with transaction.atomic():
        _lock_recounts(PAIR_MONTHS, None)
        PairMonth.objects.all().delete()
        insert_pair_months(EventPair.objects.all())


def _month_runs(months: Iterable[datetime.date]) -> Iterator[tuple[datetime.date, datetime.date]]:
    """Sorted months as runs of consecutive ones: (first, last) each."""
    first = last = None
    for month in months:
        if last is not None and month == month_end(last) + datetime.timedelta(days=1):
            last = month
            continue
        if first is not None:
            yield first, last
        first = last = month
    if first is not None:
        yield first, last


def _bucket_filters(buckets: set[Bucket]) -> tuple[Q, Q]:
    """The buckets as filters: on PairMonth (pair, month) and on EventPair (pair, date)."""
    runs = [
        (pair, first, last)
        for pair, group in itertools.groupby(sorted(buckets), key=operator.itemgetter(0))
        for first, last in _month_runs(month for _, month in group)
    ]
    if len(runs) > MONTH_RUNS:
        pairs = {pair for pair, _ in buckets}
        first, last = min(month for _, month in buckets), max(month for _, month in buckets)
        return (
            Q(pair__in=pairs, month__range=(first, last)),
            Q(pair__in=pairs, date__range=(first, month_end(last))),
        )
    return (
        functools.reduce(operator.or_, (Q(pair=pair, month__range=(first, last)) for pair, first, last in runs)),
        functools.reduce(
            operator.or_, (Q(pair=pair, date__range=(first, month_end(last))) for pair, first, last in runs)
        ),
    )


def pair_month_figures(event_pairs: models.QuerySet) -> models.QuerySet:
    """PairMonth's columns, aggregated from these timeline rows and their events: one row per (pair, month).

    An event counts for its relationship's month when its timeline row is
    published; for the temperature, when it is also scored and coded between
    the two countries, actor one of them and target the other (in either
    direction). Field names only, so that a migration can pass its historical models.
    """
    first, second = Upper(Substr("pair", 1, 2)), Upper(Substr("pair", 4, 2))
    scored = Q(event__score__isnull=False) & (
        Q(event__actor_country=first, event__target_country=second)
        | Q(event__actor_country=second, event__target_country=first)
    )
    quads = {
        f"quad_{i}": Count("id", filter=scored & Q(event__plover_category__in=QUAD_CATEGORIES[quad]))
        for i, quad in enumerate(Quad.values)
    }
    reviewed = scored & Q(event__plover_reviewed=True)
    quads |= {
        f"reviewed_quad_{i}": Count("id", filter=reviewed & Q(event__plover_category__in=QUAD_CATEGORIES[quad]))
        for i, quad in enumerate(Quad.values)
    }
    return (
        event_pairs.filter(published=True)
        .annotate(month=Trunc("date", "month", output_field=DateField()))
        .values("pair", "month")
        .annotate(
            events=Count("id"),
            scored=Count("id", filter=scored),
            score_total=Coalesce(
                Sum("event__score", filter=scored),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=12, decimal_places=1),
            ),
            reviewed=Count("id", filter=reviewed),
            reviewed_total=Coalesce(
                Sum("event__score", filter=reviewed),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=12, decimal_places=1),
            ),
            **quads,
        )
        .values_list("pair", "month", *ALL_PAIR_MONTH_FIGURES)
        .order_by()
    )


def insert_pair_months(event_pairs: models.QuerySet, *, into: type[models.Model] = PairMonth) -> None:
    """INSERT … SELECT the figures of these timeline rows: they never leave the database."""
    figures = pair_month_figures(event_pairs)
    connection = connections[figures.db or DEFAULT_DB_ALIAS]
    select, params = figures.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(into._meta.get_field(name).column) for name in ("pair", "month", *ALL_PAIR_MONTH_FIGURES))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(into._meta.db_table)} ({columns}) {select}", params)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def drift(event_ids: Iterable[int] | None = None) -> dict:
    """What the derived tables hold that a fresh computation would not.

    Events whose stored countries, pairs or leaders differ, or whose rows' copied
    date or visibility is stale: {id: (stored countries, expected countries)}; and,
    when every event is checked (no `event_ids`), the months whose figures
    differ: {(pair, month): (stored, expected)}, see `pair_month_drift()`, and
    the summits whose counts do: {("summit", id): (stored, expected)}.
    """
    check_months = event_ids is None
    if event_ids is None:
        event_ids = Event.objects.values_list("pk", flat=True)
    event_ids = list(event_ids)
    expected = involvements(event_ids)
    dates = dict(Event.objects.filter(pk__in=event_ids).values_list("pk", "date"))
    stored: dict[int, set[str]] = defaultdict(set)
    for event_id, iso2 in EventCountry.objects.filter(event_id__in=event_ids).values_list("event_id", "country_id"):
        stored[event_id].add(iso2)
    stored_pairs: dict[int, set[str]] = defaultdict(set)
    for event_id, pair in EventPair.objects.filter(event_id__in=event_ids).values_list("event_id", "pair"):
        stored_pairs[event_id].add(pair)
    stored_leaders: dict[int, set[int]] = defaultdict(set)
    for event_id, leader_id in EventLeader.objects.filter(event_id__in=event_ids).values_list("event_id", "leader_id"):
        stored_leaders[event_id].add(leader_id)
    # A derived row whose copied date or visibility no longer matches its event.
    public = set(Event.objects.filter(pk__in=event_ids).published().values_list("pk", flat=True))
    stale = set()
    for model in (EventPair, EventCountry, EventLeader):
        for event_id, date, published in model.objects.filter(event_id__in=event_ids).values_list(
            "event_id", "date", "published"
        ):
            if date != dates[event_id] or published != (event_id in public):
                stale.add(event_id)
    result = {}
    for pk in dates:
        involvement = expected[pk]
        countries = set(involvement.countries)
        if (
            stored[pk] != countries
            or stored_pairs[pk] != set(involvement.pairs)
            or stored_leaders[pk] != set(involvement.leaders)
            or pk in stale
        ):
            result[pk] = (stored[pk], countries)
    if check_months:
        result.update(pair_month_drift())
        result.update({("summit", pk): counts for pk, counts in summit_count_drift().items()})
    return result


def pair_month_drift() -> dict[Bucket, tuple[tuple | None, tuple | None]]:
    """Months whose stored figures differ from a count of the timeline rows: {(pair, month): (stored, expected)}.

    Counted here in Python, by the rule `pair_month_figures()` states, rather
    than by its query, so that a mistake in either shows.
    """
    counted: dict[Bucket, list] = defaultdict(lambda: [0, 0, Decimal(0), 0, 0, 0, 0, 0, Decimal(0), 0, 0, 0, 0])
    rows = EventPair.objects.filter(published=True).values_list(
        "pair",
        "date",
        "event__score",
        "event__actor_country_id",
        "event__target_country_id",
        "event__plover_category",
        "event__plover_reviewed",
    )
    for pair, day, score, actor, target, category, reviewed in rows:
        figures = counted[(pair, month_start(day))]
        figures[0] += 1
        if score is not None and actor and target and actor != target and pair_key(actor, target) == pair:
            # The figures of every scored event (from 1), then of the reviewed ones (from 7).
            for offset in (0, 6) if reviewed else (0,):
                figures[offset + 1] += 1
                figures[offset + 2] += score
                if quad_of(category):
                    figures[offset + 3 + Quad.values.index(quad_of(category))] += 1
    expected = {bucket: tuple(figures) for bucket, figures in counted.items()}
    stored = {
        (pair, month): tuple(figures)
        for pair, month, *figures in PairMonth.objects.values_list("pair", "month", *ALL_PAIR_MONTH_FIGURES)
    }
    return {
        bucket: (stored.get(bucket), expected.get(bucket))
        for bucket in stored.keys() | expected.keys()
        if stored.get(bucket) != expected.get(bucket)
    }
