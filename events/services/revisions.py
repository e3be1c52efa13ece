"""
Numbered revisions of each event's record, so that a citation can name the one it read.

Every write to an event or its parts (participants, quotes, sources, the
countries an editor adds) ends in a snapshot of the whole record
(`EventRevision`), numbered from 1. The writes of one transaction make one
revision: a second write in the same transaction refreshes the snapshot it
already made. The state before an event's first edit is kept too (as
revision 1), read from the database before that edit changes it, so that a
record imported in bulk (which writes no revisions) can still be cited as it
was first published.

`deferred()` (the admin's saves, the importer) collects the events a block
touches and snapshots each once, at the block's end, inside its transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max, OuterRef, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from events.models import Event, EventRevision, EventSource, Participant, Quote, Summit
from events.vocab.dates import Precision

# The parts of an event's record whose edits make a new revision; `Event` itself too.
PART_MODELS = (Participant, Quote, EventSource)
# The event's own fields a revision keeps (what its page shows).
FIELDS = (
    "title",
    "kind",
    "status",
    "summary",
    "date",
    "date_precision",
    "date_approximate",
    "end_date",
    "city",
    "venue",
    "summit_id",
    "published",
    "plover_category",
    "plover_mode",
)


def _latest(field: str) -> Subquery:
    return Subquery(EventRevision.objects.filter(event_id=OuterRef("pk")).order_by("-number").values(field)[:1])


def latest_number() -> Subquery:
    """The number of an event's latest stored revision, for `annotate()` (None when it has none)."""
    return _latest("number")


def latest_recorded_at() -> Subquery:
    """When an event's latest stored revision was made, for `annotate()` (None when it has none)."""
    return _latest("recorded_at")


# ---------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------


def snapshot(event_id: int, using: str = DEFAULT_DB_ALIAS) -> dict | None:
    """The record as stored now, as a revision keeps it (None when the event is gone)."""
    event = Event.objects.using(using).with_related().filter(pk=event_id).first()
    if event is None:
        return None
    fields = {}
    for name in FIELDS:
        value = getattr(event, name)
        fields[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return {
        "fields": fields,
        "participant_rows": event.participant_rows,
        "quote_rows": event.quote_rows,
        "sources": [
            {
                "url": s.url,
                "title": s.title,
                "publisher": s.publisher,
                "published_on": s.published_on.isoformat() if s.published_on else None,
            }
            for s in EventSource.objects.using(using).filter(event_id=event_id).order_by("id")
        ],
        "countries": sorted(event.countries.using(using).values_list("iso2", flat=True)),
    }


def as_event(revision: EventRevision | dict) -> Event:
    """An unsaved `Event` that reads as the record did then: what the event page's macros take."""
    data = revision.data if isinstance(revision, EventRevision) else revision
    fields = dict(data["fields"])
    for name in ("date", "end_date"):
        if fields.get(name):
            fields[name] = datetime.date.fromisoformat(fields[name])
    fields.setdefault("date_precision", Precision.DAY)
    event = Event(**fields)
    event.participant_rows = data["participant_rows"]
    event.quote_rows = data["quote_rows"]
    event.source_rows = [(s["url"], s["title"], s["publisher"]) for s in data["sources"]]
    event.revision_sources = [
        SimpleNamespace(
            url=s["url"],
            title=s["title"],
            publisher=s["publisher"],
            published_on=datetime.date.fromisoformat(s["published_on"]) if s["published_on"] else None,
        )
        for s in data["sources"]
    ]
    summit_id = fields.get("summit_id")
    event.summit = Summit.objects.filter(pk=summit_id).first() if summit_id else None
    return event


# ---------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------


@dataclass
class _Pending:
    """What a block of writes has touched: the events to snapshot, and their records as they were."""

    block: object = None  # the outermost atomic block it belongs to (held, so its identity is not reused)
    touched: set[int] = field(default_factory=set)
    before: dict[int, dict] = field(default_factory=dict)  # records never revised, as they read first
    created: set[int] = field(default_factory=set)
    flush_registered: bool = False


_state = threading.local()


def _deferring() -> dict[str, _Pending] | None:
    return getattr(_state, "deferred", None)


def _pending(using: str) -> _Pending:
    """The pending writes of the current scope: the `deferred()` block, or the transaction."""
    blocks = _deferring()
    if blocks is not None:
        return blocks.setdefault(using, _Pending())
    connection = connections[using]
    outer = connection.atomic_blocks[0] if connection.in_atomic_block else None
    scopes = _state.__dict__.setdefault("transactions", {})
    pending = scopes.get(using)
    if pending is None or outer is None or pending.block is not outer:
        pending = scopes[using] = _Pending(block=outer)
    return pending


def flush(pending: _Pending, using: str) -> None:
    """Write the revisions of what the scope touched: each event's first record if it had none, then the new one."""
    revisions = EventRevision.objects.using(using)
    for event_id in sorted(pending.touched):
        data = snapshot(event_id, using)
        if data is None:
            continue  # Deleted: its revisions went with it.
        latest = revisions.filter(event_id=event_id).aggregate(n=Max("number"))["n"] or 0
        before = pending.before.get(event_id)
        if latest == 0 and before is not None and event_id not in pending.created:
            created_at = Event.objects.using(using).filter(pk=event_id).values_list("created_at", flat=True)[0]
            revisions.create(event_id=event_id, number=1, recorded_at=created_at, data=before)
            latest = 1
        revisions.create(event_id=event_id, number=latest + 1, recorded_at=timezone.now(), data=data)
    pending.touched.clear()
    pending.before.clear()
    pending.created.clear()


@contextlib.contextmanager
def deferred(using: str = DEFAULT_DB_ALIAS):
    """Snapshot the events written inside the block once each, at its end (inside its transaction)."""
    if _deferring() is not None:
        yield  # Already deferring: the outermost block writes.
        return
    _state.deferred = {}
    try:
        yield
        blocks = _state.deferred
    finally:
        _state.deferred = None
    for alias, pending in blocks.items():
        flush(pending, alias)


def _flush_after_commit(pending: _Pending, using: str):
    def run():
        with transaction.atomic(using=using):
            flush(pending, using)

    return run


def _event_id(instance) -> int | None:
    return instance.pk if isinstance(instance, Event) else getattr(instance, "event_id", None)


def _before_write(sender, instance, using=DEFAULT_DB_ALIAS, raw=False, **kwargs):
    event_id = _event_id(instance)
    if raw or event_id is None:
        return
    pending = _pending(using)
    if event_id in pending.before or event_id in pending.created or event_id in pending.touched:
        return
    if not EventRevision.objects.using(using).filter(event_id=event_id).exists():
        data = snapshot(event_id, using)
        if data is not None:
            pending.before[event_id] = data


def _after_write(sender, instance, using=DEFAULT_DB_ALIAS, raw=False, created=False, **kwargs):
    event_id = _event_id(instance)
    if raw or event_id is None:
        return
    pending = _pending(using)
    if created and isinstance(instance, Event):
        pending.created.add(event_id)
    pending.touched.add(event_id)
    if _deferring() is None and not pending.flush_registered:
        # Outside a deferred() block: once the transaction commits (at once, in autocommit).
        pending.flush_registered = True
        transaction.on_commit(_flush_after_commit(pending, using), using=using)


def _countries_changed(sender, instance, action, using=DEFAULT_DB_ALIAS, **kwargs):
    if not isinstance(instance, Event):
        return
    if action.startswith("pre_"):
        _before_write(sender, instance, using)
    else:
        _after_write(sender, instance, using)


def connect_signals() -> None:
    """Snapshot an event's record after every save and delete of it or its parts."""
    pre_save.connect(_before_write, sender=Event, dispatch_uid="revisions:event:pre_save")
    post_save.connect(_after_write, sender=Event, dispatch_uid="revisions:event:save")
    for model in PART_MODELS:
        label = model._meta.label_lower
        pre_save.connect(_before_write, sender=model, dispatch_uid=f"revisions:{label}:pre_save")
        pre_delete.connect(_before_write, sender=model, dispatch_uid=f"revisions:{label}:pre_delete")
        post_save.connect(_after_write, sender=model, dispatch_uid=f"revisions:{label}:save")
        post_delete.connect(_after_write, sender=model, dispatch_uid=f"revisions:{label}:delete")
    m2m_changed.connect(_countries_changed, sender=Event.countries.through, dispatch_uid="revisions:event:countries")
