"""
What changed in the public record, from the edit history (django-simple-history): `/changes/feed/`.

An entry is one historical row of an event, or of one of its quotes,
sources, status changes or readouts, whose event is public now; an event's own rows count only when they
were public themselves (`published` in the historical row), so that an edit to
a draft never shows, not even by the names of the fields it changed. Each
table gives at most `limit` rows (newest first, off its `history_date`
index), and the newest `limit` of them all are the feed.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery

from events.models import Event, EventSource, Quote, Readout, StatusChange

# Bookkeeping that changes with every save and says nothing to a reader.
UNTOLD_FIELDS = frozenset({"id", "version", "created_at", "updated_at", "score", "event", "position"})
ACTIONS = {"+": "added", "~": "changed", "-": "removed"}


@dataclass(frozen=True)
class Change:
    """One edit: which record, what happened to it, which of its fields changed, and the event it belongs to."""

    key: str  # unique and stable: `event-12`, `quote-40` (the history row's id)
    when: datetime.datetime
    record: str  # "Event", "Quote", "Source", "Status change", "Readout"
    action: str  # added, changed, removed
    fields: tuple[str, ...]  # the verbose names of the fields changed (empty when added or removed)
    event: Event

    @property
    def headline(self) -> str:
        if self.record == "Event":
            return f"Event {self.action}: {self.event.title}"
        return f"{self.record} {self.action} on “{self.event.title}”"


def recent_changes(limit: int) -> list[Change]:
    """The `limit` latest edits to public records, newest first: a few queries whatever the history's size."""
    public = Event.objects.published()
    changes = [
        *_changes(Event, public.filter(pk=OuterRef("id")), limit, own_rows_public=True),
        *_changes(Quote, public.filter(pk=OuterRef("event_id")), limit),
        *_changes(EventSource, public.filter(pk=OuterRef("event_id")), limit),
        *_changes(StatusChange, public.filter(pk=OuterRef("event_id")), limit),
        *_changes(Readout, public.filter(pk=OuterRef("event_id")), limit),
    ]
    changes.sort(key=lambda change: change.when, reverse=True)
    changes = changes[:limit]
    events = Event.objects.in_bulk({change.event.pk for change in changes})
    return [
        Change(c.key, c.when, c.record, c.action, c.fields, events[c.event.pk]) for c in changes if c.event.pk in events
    ]


def _changes(model, public_event, limit: int, *, own_rows_public: bool = False) -> list[Change]:
    history = model.history.model
    rows = history.objects.filter(Exists(public_event))
    if own_rows_public:
        rows = rows.filter(published=True)
    previous = history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    rows = list(
        rows.annotate(previous_id=Subquery(previous.values("history_id")[:1])).order_by("-history_date", "-history_id")[
            :limit
        ]
    )
    earlier = history.objects.in_bulk([row.previous_id for row in rows if row.previous_id])
    told = [f for f in model._meta.concrete_fields if f.name not in UNTOLD_FIELDS]
    name = model._meta.verbose_name.capitalize()
    changes = []
    for row in rows:
        before = earlier.get(row.previous_id)
        changed = ()
        if row.history_type == "~" and before is not None:
            changed = tuple(str(f.verbose_name) for f in told if getattr(row, f.attname) != getattr(before, f.attname))
        event_id = row.id if model is Event else row.event_id
        changes.append(
            Change(
                f"{model._meta.model_name}-{row.history_id}",
                row.history_date,
                name,
                ACTIONS.get(row.history_type, "changed"),
                changed,
                Event(pk=event_id),
            )
        )
    return changes
