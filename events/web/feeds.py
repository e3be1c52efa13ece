"""
Atom feeds: any search's (`/events/feed/?<filters>`), a relationship's
(`/relationships/<a>-<b>/feed/`), and what changed (`/changes/feed/`).

The event feeds take the filters of /events/ (`?kind=statement` follows only
statements); a malformed filter is a 400, as on the other exports. Each is
bounded: at most settings.FEED_LENGTH entries, newest first.
"""

import datetime
from dataclasses import replace
from typing import NamedTuple

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext

from events.models import Event
from events.queries.changes import Change, recent_changes
from events.queries.pagination import paginator_for
from events.queries.relationships import Relationship
from events.web.exports import bad_filter, relationship_or_404
from events.web.filters import EventFilter


class BadFilter(Exception):
    def __init__(self, errors):
        self.errors = errors


class FeedSubject(NamedTuple):
    relationship: Relationship | None
    events: list[Event]
    base_url: str  # scheme and host, for entry ids
    query: str  # the filters in force, as a query string ("" for none)


class EventsFeed(Feed):
    """`/events/feed/?<filters>`: the latest events of any /events/ query, newest first (by their date).

    At most settings.FEED_LENGTH entries, read as one keyset page through the
    narrowest index the filters allow (queries/pagination.py).
    """

    feed_type = Atom1Feed
    author_name = "Philippine foreign-policy tracker"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except BadFilter as bad:  # the client's mistake, said as on the other exports
            return bad_filter(bad.errors)

    def get_object(self, request, pair=None):
        relationship = relationship_or_404(pair) if pair else None
        filterset = EventFilter(request.GET or None, queryset=Event.objects.published().with_related())
        if filterset.is_bound and not filterset.is_valid():
            raise BadFilter(filterset.form.errors)
        paginator = paginator_for(
            filterset,
            pair=relationship.key if relationship else None,
            per_page=settings.FEED_LENGTH,
            descending=True,
        )
        events = paginator.page().object_list
        base_url = request.build_absolute_uri("/")[:-1]
        for event in events:
            # The entry id: the event's address without its slug, so a new title is not a new entry.
            event.feed_id = base_url + reverse("events:event_detail", kwargs={"pk": event.pk})
        return FeedSubject(relationship, events, base_url, filterset.export_query())

    def title(self, subject):
        if subject.query:
            return gettext("Philippine foreign relations: events %(query)s") % {"query": subject.query}
        return gettext("Philippine foreign relations: every event")

    def subtitle(self, subject):
        return gettext("The latest %(count)d events at most matching this search, newest first.") % {
            "count": settings.FEED_LENGTH
        }

    def link(self, subject):
        return reverse("events:event_list") + subject.query

    def feed_url(self, subject):
        return reverse("events:events_feed") + subject.query

    def items(self, subject):
        return subject.events

    def item_title(self, event):
        return f"{event.date_display}: {event.title}"

    def item_description(self, event):
        """HTML, as Atom's `type="html"` summary: every stored text escaped."""
        parts = []
        if event.summary:
            parts.append(format_html("<p>{}</p>", event.summary))
        participants = event.participant_list
        if participants:
            parts.append(format_html("<p>{}</p>", "; ".join(f"{p.leader.name} ({p.country_id})" for p in participants)))
        for quote in event.quote_list:
            translation = format_html("<p>“{}”</p>", quote.english_text) if quote.english_text else ""
            parts.append(
                format_html(
                    '<blockquote lang="{}"><p>“{}”</p>{}<p>— {}</p></blockquote>',
                    quote.language,
                    quote.original_text,
                    translation,
                    quote.speaker.name,
                )
            )
        parts.append(format_html("<p>{} · {}</p>", event.get_kind_display(), event.get_status_display()))
        return "".join(parts)

    def item_link(self, event):
        return event.get_absolute_url()

    def item_guid(self, event):
        return event.feed_id

    def item_pubdate(self, event):
        """When it happened (its first day, for a month or a year)."""
        return datetime.datetime.combine(event.date, datetime.time(), tzinfo=datetime.UTC)

    def item_updateddate(self, event):
        return event.updated_at

    def item_categories(self, event):
        return [event.get_kind_display()]


class RelationshipFeed(EventsFeed):
    """`/relationships/<a>-<b>/feed/`: the relationship's latest events, newest first; the filters narrow it."""

    def title(self, subject):
        return gettext("%(relationship)s: the timeline of the relationship") % {"relationship": subject.relationship}

    def subtitle(self, subject):
        r = subject.relationship
        return gettext(
            "Meetings, statements, agreements and other events between %(home)s and %(other)s, "
            "newest first (the latest %(count)d at most)."
        ) % {"home": r.home.name, "other": r.other.name, "count": settings.FEED_LENGTH}

    def link(self, subject):
        return reverse("events:relationship", kwargs={"pair": subject.relationship.slug}) + subject.query

    def feed_url(self, subject):
        return reverse("events:relationship_feed", kwargs={"pair": subject.relationship.slug}) + subject.query


class ChangesFeed(Feed):
    """`/changes/feed/`: the latest edits to public records, newest first (queries/changes.py)."""

    feed_type = Atom1Feed
    author_name = "Philippine foreign-policy tracker"

    def title(self):
        return gettext("Philippine foreign relations: what changed")

    def subtitle(self):
        return gettext(
            "Events, quotes, sources, status changes and readouts added, changed or removed in the public record, "
            "newest first."
        )

    def get_object(self, request):
        return request.build_absolute_uri(reverse("events:changes_feed"))

    def link(self):
        return reverse("events:event_list")

    def feed_url(self):
        return reverse("events:changes_feed")

    def items(self, feed_address):
        # Each entry's id: the feed's address and the history row, unique and never reused.
        return [replace(c, key=f"{feed_address}#{c.key}") for c in recent_changes(settings.FEED_LENGTH)]

    def item_title(self, change: Change):
        return change.headline

    def item_description(self, change: Change):
        if change.fields:
            return format_html("<p>Changed: {}.</p>", ", ".join(change.fields))
        return format_html("<p>{} {}.</p>", change.record, change.action)

    def item_link(self, change: Change):
        return change.event.get_absolute_url()

    def item_guid(self, change: Change):
        return change.key

    def item_guid_is_permalink(self, change):
        return False

    def item_pubdate(self, change: Change):
        return change.when

    def item_updateddate(self, change: Change):
        return change.when
