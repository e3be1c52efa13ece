"""
The record's version stamp, and when each part of the site last changed.

`SiteVersion.version`, kept in the database so that every worker process
agrees on it, is bumped by every write; it is the standby's measure of how
new it is (events/web/replicas.py) and the bulk files' stamp. Writes bump it
through model signals (`connect_signals`, for the admin and the shell), or by
calling `bump()` inside their transaction (the importer, the coder, the
generator), so that the new version and the data it stands for commit
together.

The page cache keys a page by two rows of `ScopeVersion` instead
(events/web/caching.py `page_scope`): `*`, which a write that does not say
what it touched bumps (a leader, a summit, a commitment, an import), and the
page's own scope, which the writes of an event bump:

- `all`: every edit of an event (lists, home, commitments, feeds; `/summits/`, which shows counts
  only, is keyed by `shape:all`, and `/leaders/`, which shows no event, by `*` alone);
- `event:<id>`: the event's page, and the pages of the events linked to it;
- `pair:<cn-ph>`: each relationship the event was or is on (timeline, its
  exports, feed and citation);
- `leader:<slug>`: each leader it featured or features;
- `country:<cn>`: each country it involved or involves (the list filtered by one country);
- `summit:<slug>`: the summit it was or is at (the summit's page).

"Was or is": the involvement sync bumps the pairs and leaders of the rows it
replaces and of the rows it writes, and the summits its events left; a deleted event's are read before the
cascade removes them. A page read under its scope's version was rendered from
data at least that new, so a page cached under it is never stale.

Each scope but `*` and `event:<id>` has a twin, `shape:<scope>`, for the lists of
event cards (a timeline, the event list, a leader's and a summit's pages): what
decides which events such a list shows, in what order, and what it shows beside
their cards. Every write bumps both, except an edit that changes only what
cards show (`Event.CARD_ONLY_FIELDS`, an event's disagreements and revisions):
it bumps the scopes, not their shapes. A list cached under its
shape notes the events whose cards it shows, and is served only while none of
their `event:<id>` has changed since it was rendered (events/web/caching.py):
an editor's correction to one event re-renders the pages that show that event,
not every page of its relationship.
"""

import contextlib
import datetime
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete
from django.utils import timezone
from simple_history.models import HistoricalChanges

from events.models import (
    DERIVED_MODELS,
    CommitmentStep,
    Disagreement,
    Event,
    EventCountry,
    EventLeader,
    EventLink,
    EventPair,
    EventRevision,
    EventSource,
    Leader,
    Participant,
    Quote,
    Readout,
    ScopeVersion,
    SiteVersion,
    StatusChange,
    Summit,
)

SINGLETON = 1
_VERSION_SQL = "SELECT version, changed_at FROM {table} WHERE id = %s"
_STAMPS_SQL = (
    "SELECT s.version, s.changed_at, e.version, e.changed_at, p.version, p.changed_at{changed} FROM {{site}} s"
    " LEFT JOIN {{scope}} e ON e.scope = %s LEFT JOIN {{scope}} p ON p.scope = %s WHERE s.id = %s"
)
EVERYTHING = "*"
WHOLE_RECORD = "all"
SHAPE = "shape:"
# A write touching more scopes than this (a bulk edit) bumps `*` instead: one row, not thousands.
MAX_SCOPES = 500
_state = threading.local()
# The rows of one event: a write of one changes that event's pages (and `all`), nothing else.
_EVENT_PARTS = (EventSource, Disagreement, Participant, Quote, StatusChange, CommitmentStep, Readout, EventRevision)
# The rows of an event that no list's shape depends on: shown on its card and its page only. Not
# its sources: an event is public only with one (EventQuerySet.published), so the first or the
# last one moves it onto or off every list.
_CARD_PARTS = (Disagreement, EventRevision)


def current_version(using: str = DEFAULT_DB_ALIAS) -> tuple[int, datetime.datetime | None]:
    """The record's version and when it last changed (one query; (0, None) before any write).

    Plain SQL: this runs on every cached request, where the ORM's query
    building would cost more than the query itself.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL.format(table=connection.ops.quote_name(SiteVersion._meta.db_table)), [SINGLETON])
        row = cursor.fetchone()
    if row is None:
        return 0, None
    version, changed_at = row
    return version, _aware(changed_at)


@dataclass(frozen=True)
class Stamps:
    """What the page cache reads for a page (`current_stamps`)."""

    version: tuple[int, datetime.datetime | None]  # the site's: what a standby must have replayed
    key: str  # the page's: the versions of `*` and of its scope, with their times
    changed_at: datetime.datetime | None  # when the page's part last changed
    events_changed: bool = False  # whether an event asked about was bumped since the version asked about

    @property
    def everything(self) -> str:
        """The stamp of `*` alone (the first of `key`'s two): what changes with every write that is not an event's."""
        return self.key.partition("-")[0]


def current_stamps(scope: str, using: str = DEFAULT_DB_ALIAS, events: Iterable[str] = (), since: int = 0) -> Stamps:
    """The site's version and the stamps of `*` and `scope`, in one query (plain SQL, as `current_version`).

    With `events` (scopes `event:<id>`), the same query says whether any was bumped after the site's
    version `since` (`Stamps.events_changed`): the check of a cached list of cards (events/web/caching.py).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    events = list(events)
    changed = ""
    if events:
        marks = ", ".join(["%s"] * len(events))
        changed = f", EXISTS (SELECT 1 FROM {{scope}} WHERE scope IN ({marks}) AND version > %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            _STAMPS_SQL.format(changed=changed).format(
                site=quote(SiteVersion._meta.db_table), scope=quote(ScopeVersion._meta.db_table)
            ),
            [*events, *([since] if events else []), EVERYTHING, scope, SINGLETON],
        )
        row = cursor.fetchone()
    if row is None:
        return Stamps((0, None), "0.0-0.0", None)
    version, changed_at, *parts = row
    times = [_aware(parts[1]), _aware(parts[3])]
    key = "-".join(
        f"{number or 0}.{int(at.timestamp() * 1_000_000) if at else 0}"
        for number, at in ((parts[0], times[0]), (parts[2], times[1]))
    )
    known = [at for at in times if at is not None]
    return Stamps((version, _aware(changed_at)), key, max(known) if known else None, bool(events and parts[4]))


def _aware(value) -> datetime.datetime | None:
    """A time read by plain SQL: SQLite gives naive UTC text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def shape_of(scope: str) -> str:
    """The scope a list of cards in `scope` is keyed by: bumped by every write of the scope but card-only edits."""
    return f"{SHAPE}{scope}"


def bump(using: str = DEFAULT_DB_ALIAS, scopes: Iterable[str] | None = None, card_scopes: Iterable[str] = ()) -> None:
    """Mark the record as changed, in `scopes` and their shapes (None: in every part), and in `card_scopes` alone.

    Call it inside the writing transaction.
    """
    now = timezone.now()
    manager = SiteVersion.objects.using(using)
    if not manager.filter(pk=SINGLETON).update(version=F("version") + 1, changed_at=now):
        try:
            with transaction.atomic(using=using):
                manager.create(pk=SINGLETON, version=1, changed_at=now)
        except IntegrityError:  # Another writer created it first.
            manager.filter(pk=SINGLETON).update(version=F("version") + 1, changed_at=now)
    if scopes is None:
        scopes = [EVERYTHING]
    else:
        scopes, card_scopes = set(scopes), set(card_scopes)
        shapes = {shape_of(scope) for scope in scopes if scope != EVERYTHING and not scope.startswith("event:")}
        scopes = sorted(scopes | card_scopes | shapes)
    if len(scopes) > MAX_SCOPES:
        scopes = [EVERYTHING]
    if not scopes or ScopeVersion._meta.db_table not in _tables(using):
        return
    version = manager.filter(pk=SINGLETON).values_list("version", flat=True).get()
    # Sorted, and after the site row's lock: concurrent writers take the scope rows in one order.
    ScopeVersion.objects.using(using).bulk_create(
        [ScopeVersion(scope=scope, version=version, changed_at=now) for scope in scopes],
        update_conflicts=True,
        unique_fields=["scope"],
        update_fields=["version", "changed_at"],
    )


def _tables(using: str) -> set[str]:
    """The tables that exist, read once per connection (a migration between the two is a test's affair)."""
    connection = connections[using]
    known = getattr(connection, "_scope_tables", None)
    if known is None or ScopeVersion._meta.db_table not in known:
        known = connection._scope_tables = set(connection.introspection.table_names())
    return known


def event_scopes(event_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """The scopes the events' pages are in now: `all`, theirs and their linked events', their pairs, countries, leaders, summit.

    One query (plain SQL: it runs for every row an editor's save writes).
    """
    event_ids = sorted({pk for pk in event_ids if pk is not None})
    if not event_ids:
        return {WHOLE_RECORD}
    connection = connections[using]
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(event_ids))
    tables = {
        "link": quote(EventLink._meta.db_table),
        "pair": quote(EventPair._meta.db_table),
        "country": quote(EventCountry._meta.db_table),
        "event_leader": quote(EventLeader._meta.db_table),
        "leader": quote(Leader._meta.db_table),
        "event": quote(Event._meta.db_table),
        "summit": quote(Summit._meta.db_table),
    }
    sql = (
        f"SELECT 'event:' || to_event_id FROM {tables['link']} WHERE from_event_id IN ({marks})"
        f" UNION SELECT 'event:' || from_event_id FROM {tables['link']} WHERE to_event_id IN ({marks})"
        f" UNION SELECT 'pair:' || pair FROM {tables['pair']} WHERE event_id IN ({marks})"
        f" UNION SELECT 'country:' || lower(country_id) FROM {tables['country']} WHERE event_id IN ({marks})"
        f" UNION SELECT 'leader:' || l.slug FROM {tables['event_leader']} e JOIN {tables['leader']} l"
        f" ON l.id = e.leader_id WHERE e.event_id IN ({marks})"
        f" UNION SELECT 'summit:' || s.slug FROM {tables['event']} e JOIN {tables['summit']} s"
        f" ON s.id = e.summit_id WHERE e.id IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, event_ids * 6)
        found = {row[0] for row in cursor.fetchall()}
    return {WHOLE_RECORD, *(f"event:{pk}" for pk in event_ids)} | found


def country_scopes(codes: Iterable[str]) -> set[str]:
    return {f"country:{code.lower()}" for code in codes}


def summit_scopes(summit_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> set[str]:
    return _slug_scopes(Summit, "summit", summit_ids, using)


def leader_scopes(leader_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> set[str]:
    return _slug_scopes(Leader, "leader", leader_ids, using)


def _slug_scopes(model, prefix: str, ids: Iterable[int], using: str) -> set[str]:
    """`<prefix>:<slug>` of these rows of `model` (one query; none for no ids)."""
    ids = set(ids)
    if not ids:
        return set()
    return {f"{prefix}:{slug}" for slug in model.objects.using(using).filter(pk__in=ids).values_list("slug", flat=True)}


@contextlib.contextmanager
def coalesced(using: str = DEFAULT_DB_ALIAS):
    """Inside, the writes of events only note which events they touched; one bump at the end names all their scopes.

    For many writes in one transaction (an admin save with its inlines, an import, a
    bulk delete): one scope query and one bump instead of some per row. A write that
    is not an event's makes the bump at the end `*`.
    """
    if getattr(_state, "coalescing", None) is not None:
        yield  # Already coalescing: the outermost block bumps.
        return
    _state.coalescing = pending = _Coalesced()
    try:
        yield
    finally:
        _state.coalescing = None
    card_events = pending.card_events - pending.events
    if pending.everything or len(pending.events | card_events) > MAX_SCOPES:
        bump(using)
    elif pending.events or pending.scopes or card_events:
        scopes = event_scopes(pending.events, using) | pending.scopes if pending.events or pending.scopes else set()
        bump(using, scopes, event_scopes(card_events, using) if card_events else ())


class _Coalesced:
    def __init__(self):
        self.events: set[int] = set()  # written: their scopes are read at the end
        self.card_events: set[int] = set()  # written, card-only: their scopes bumped at the end, not their shapes
        self.noted: set[int] = set()  # about to lose rows: their scopes read before, into `scopes`
        self.scopes: set[str] = set()
        self.everything = False


def _coalescing() -> _Coalesced | None:
    return getattr(_state, "coalescing", None)


def bump_scopes(scopes: set[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump these scopes now, or with the rest at the end of the `coalesced()` block this runs in."""
    pending = _coalescing()
    if pending is not None:
        pending.scopes |= scopes
    else:
        bump(using, scopes)


def _event_ids_of(sender, instance, kwargs) -> set[int] | None:
    """The events a write changed, when it is a write of events' rows; None for any other write."""
    if kwargs.get("action"):  # m2m_changed
        if sender is not Event.countries.through:
            return None
        return set(kwargs.get("pk_set") or ()) if kwargs.get("reverse") else {instance.pk}
    if isinstance(instance, Event):
        return {instance.pk}
    if isinstance(instance, EventLink):
        return {instance.from_event_id, instance.to_event_id}
    event_id = getattr(instance, "event_id", None) if type(instance) in _EVENT_PARTS else None
    return {event_id} if event_id is not None else None


def _card_only(instance, kwargs) -> bool:
    """Whether a write changes only what its event's card and page show (see the module's docstring)."""
    if kwargs.get("action"):
        return False
    if isinstance(instance, Event):
        return kwargs.get("signal") is post_save and not kwargs.get("created") and instance.only_card_changed()
    return isinstance(instance, _CARD_PARTS)


def _bump_on_write(sender, instance=None, **kwargs):
    if not kwargs.get("action", "post_").startswith("post_"):
        return
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    event_ids = _event_ids_of(sender, instance, kwargs)
    card_only = event_ids is not None and _card_only(instance, kwargs)
    pending = _coalescing()
    if pending is not None:
        if event_ids is None:
            pending.everything = True
        elif card_only:
            pending.card_events |= event_ids
        else:
            pending.events |= event_ids
        return
    if event_ids is None:
        bump(using)
    elif card_only:
        bump(using, (), event_scopes(event_ids, using))
    else:
        # A deletion's scopes were read before it (`_note_scopes`): the cascade has removed its rows since.
        bump(using, event_scopes(event_ids, using) | getattr(instance, "_page_scopes", set()))


def _note_scopes(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    """Before an event or one of its rows is deleted: the scopes its pages are in, while its rows say."""
    event_ids = _event_ids_of(sender, instance, kwargs)
    if event_ids is None or isinstance(instance, _CARD_PARTS):  # a card's row: its event keeps its rows
        return
    pending = _coalescing()
    if pending is not None:  # a cascade: each event's scopes read once, for all its rows
        new = event_ids - pending.noted
        if new:
            pending.scopes |= event_scopes(new, using)
            pending.noted |= new
        return
    instance._page_scopes = event_scopes(event_ids, using)


def _bump_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # Data migrations change the record without model signals. Migrating back
    # to before the table existed leaves nothing to bump.
    if SiteVersion._meta.db_table in connections[using].introspection.table_names():
        bump(using)


def connect_signals() -> None:
    """Bump the version on every save, delete and many-to-many change of the record, and after migrate.

    Not on the derived tables (models.DERIVED_MODELS: rebuilt only
    along with a record that bumps itself) nor on the edit history: a receiver
    on a model stops Django from deleting its rows in bulk, and would bump once
    per row.
    """
    app = apps.get_app_config("events")
    skipped = (SiteVersion, ScopeVersion, *DERIVED_MODELS)
    for model in app.get_models():
        if model in skipped or issubclass(model, HistoricalChanges):
            continue
        label = model._meta.label_lower
        post_save.connect(_bump_on_write, sender=model, dispatch_uid=f"site_version:{label}:save")
        post_delete.connect(_bump_on_write, sender=model, dispatch_uid=f"site_version:{label}:delete")
        if model is Event or model in _EVENT_PARTS or model is EventLink:
            pre_delete.connect(_note_scopes, sender=model, dispatch_uid=f"site_version:{label}:deleting")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _bump_on_write, sender=through, dispatch_uid=f"site_version:{through._meta.label_lower}"
            )
    post_migrate.connect(_bump_after_migrate, sender=app, dispatch_uid="site_version:migrate")
