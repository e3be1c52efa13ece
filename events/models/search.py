"""
The text filter (`q`): full-text search on PostgreSQL, a substring match elsewhere.

On PostgreSQL an event matches when every word of the query starts a word of
its title, summary or one of its quotes (original or English): `dut` finds
"Duterte". The documents are indexed by GIN expression indexes (migration
0005), so the search is an index lookup at any size; the `simple`
configuration does not stem, because the quotes are in many languages.
SQLite, for the default local setup, keeps the plain case-insensitive
substring match, which needs no index at that size.
"""

import re

from django.db import connections
from django.db.models import Q

CONFIG = "simple"
_WORD = re.compile(r"[^\W_]+")


def event_document():
    """The searchable text of an event, exactly as its GIN index `event_search_idx` is built."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", "summary", config=CONFIG)


def quote_document():
    """The searchable text of a quote, exactly as its GIN index `quote_search_idx` is built."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("original_text", "english_text", config=CONFIG)


def prefix_query(text: str):
    """Every word of `text`, each as a prefix: `south china` → 'south':* & 'china':*; None without words."""
    from django.contrib.postgres.search import SearchQuery

    words = _WORD.findall(text.lower())
    if not words:
        return None
    return SearchQuery(" & ".join(f"'{word}':*" for word in words), search_type="raw", config=CONFIG)


def search_events(events, text: str):
    """`events` narrowed to those whose title, summary or quotes match `text`."""
    # The quotes' model through the relation, not an import: events.py imports this module.
    Quote = events.model._meta.get_field("quotes").related_model
    text = text.strip()
    query = prefix_query(text) if connections[events.db].vendor == "postgresql" else None
    if query is None:
        in_quotes = Quote.objects.filter(Q(original_text__icontains=text) | Q(english_text__icontains=text))
        return events.filter(
            Q(title__icontains=text) | Q(summary__icontains=text) | Q(pk__in=in_quotes.values("event_id"))
        )
    # One IN over a UNION, not `a OR b`: each side is a bitmap scan of its own
    # GIN index, where an OR across two tables would be a filter on every row.
    in_events = events.model._base_manager.annotate(document=event_document()).filter(document=query)
    in_quotes = Quote.objects.annotate(document=quote_document()).filter(document=query)
    matching = in_events.order_by().values("pk").union(in_quotes.order_by().values("event_id"))
    return events.filter(pk__in=matching)
