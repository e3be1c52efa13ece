"""
Event cards rendered once per row: the cheap re-rendering of a page the page cache must render again.

An edit re-renders every page of its scopes (events/web/caching.py), and on
each of them 49 of the 50 cards are as they were: a tenth of a millisecond to
look up instead of half a millisecond each to render (issue 16). A card is
cached under a key made from the very row the page query read, so it is never
stale by construction:

- the event's columns and its children as the query brought them, in the row
  (`with_related()`: sources, participants with their leaders' names, quotes,
  the dated steps of its life), hashed;
- the version of `*`, which every write that is not an event's bumps (a
  leader, a summit, a publisher, a country: what a card shows beyond its row);
- the interface's language and the card's heading level.

Only for the pages the page cache serves (anonymous readers, `PAGE_CACHE` on),
inside its `cached_cards()` block; everywhere else, and for staff, each card is
rendered as before.
"""

import contextlib
import contextvars
import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from markupsafe import Markup

from events.models import Event
from events.models.events import _event_children

_everything = contextvars.ContextVar("card_stamp", default=None)
_shown = contextvars.ContextVar("shown_events", default=None)


@contextlib.contextmanager
def noting_shown():
    """Inside, `render_cards` adds the ids of the events whose cards it renders to the set this yields."""
    shown: set[int] = set()
    token = _shown.set(shown)
    try:
        yield shown
    finally:
        _shown.reset(token)


@contextlib.contextmanager
def cached_cards(everything_stamp: str):
    """Inside, `render_cards` keeps each card under its row's key, with `*`'s stamp (versioning.Stamps.everything)."""
    token = _everything.set(everything_stamp)
    try:
        yield
    finally:
        _everything.reset(token)


@functools.cache
def _row_fields() -> tuple[str, ...]:
    return (*(field.attname for field in Event._meta.concrete_fields), *_event_children())


def row_digest(event: Event) -> str:
    """The digest of what the page query read of the event: its columns and its children's rows."""
    values = event.__dict__
    row = repr(tuple(values.get(name) for name in _row_fields()))
    return hashlib.blake2b(row.encode(), digest_size=16).hexdigest()


def render_cards(card, events, level: int) -> dict[int, Markup]:
    """{event id: its card}: `card` is the template's macro, rendered for the rows the cache does not hold."""
    shown = _shown.get()
    if shown is not None:
        shown.update(event.pk for event in events)
    everything = _everything.get()
    if everything is None:
        return {event.pk: card(event, level) for event in events}
    prefix = f"card:{everything}:{translation.get_language()}:{level}:"
    keys = {event.pk: prefix + row_digest(event) for event in events}
    found = cache.get_many(list(keys.values()))
    rendered, new = {}, {}
    for event in events:
        html = found.get(keys[event.pk])
        if html is None:
            html = new[keys[event.pk]] = str(card(event, level))
        rendered[event.pk] = Markup(html)
    if new:
        cache.set_many(new, getattr(settings, "PAGE_CACHE_TIMEOUT", 60 * 60))
    return rendered


def events_of(years) -> list[Event]:
    """The events of a page grouped by year and month (queries.relationships.by_year_and_month), in order."""
    return [event for year in years for month in year.months for event in month.events]
