"""
The text filter (`q`): full-text search on PostgreSQL, a substring match elsewhere.

On PostgreSQL an event matches when every word of the query starts a word of
its title, summary or quotes (original or English): `dut` finds "Duterte".
Each event's whole text is one stored `tsvector`, `search_document`, kept by
triggers and indexed by GIN (migration 0014), so that a rare word is an index
lookup and a common one a walk down the page's date order that stops at the
page's end, at any size; the `simple` configuration does not stem, because the
quotes are in many languages.
SQLite, for the default local setup, keeps the plain case-insensitive
substring match, which needs no index at that size.
"""

import re

from django.db import connections
from django.db.models import BooleanField, Func, Q

CONFIG = "simple"
_WORD = re.compile(r"[^\W_]+")


def prefix_query(text: str):
    """Every word of `text`, each as a prefix: `south china` → 'south':* & 'china':*; None without words."""
    from django.contrib.postgres.search import SearchQuery

    words = _WORD.findall(text.lower())
    if not words:
        return None
    return SearchQuery(" & ".join(f"'{word}':*" for word in words), search_type="raw", config=CONFIG)


def search_events(events, text: str):
    """`events` narrowed to those whose title, summary or quotes match `text`."""
    text = text.strip()
    query = prefix_query(text) if connections[events.db].vendor == "postgresql" else None
    if query is None:
        # The quotes' model through the relation, not an import: events.py imports this module.
        Quote = events.model._meta.get_field("quotes").related_model
        in_quotes = Quote.objects.filter(Q(original_text__icontains=text) | Q(english_text__icontains=text))
        return events.filter(
            Q(title__icontains=text) | Q(summary__icontains=text) | Q(pk__in=in_quotes.values("event_id"))
        )
    # The event's stored document (migration 0014: title, summary and quotes, kept by triggers): a
    # test on the row itself, so that the planner may walk the page's date-ordered index and stop at
    # the 51st match, or, for a rare word, look the word up in the column's GIN index.
    # Unqualified on purpose: inside a subquery (a bounded count) the table is re-aliased.
    return events.filter(DocumentMatches(query))


class DocumentMatches(Func):
    """`search_document @@ query`: whether the event's stored search document matches a SearchQuery."""

    template = "search_document @@ %(expressions)s"
    output_field = BooleanField()
