"""
A relationship's Atom feed, `/relationships/<a>-<b>/feed/`: its latest events, newest first.

It takes the filters of /events/ (`?kind=statement` follows only statements);
a malformed filter is a 400, as on the other exports.
"""

import datetime
from typing import NamedTuple

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from events.models import Event
from events.queries.relationships import Relationship
from events.web.exports import bad_filter, relationship_or_404
from events.web.filters import EventFilter

FEED_LENGTH = 50  # entries: a feed says what is new, the timeline and the exports hold the rest


class BadFilter(Exception):
    def __init__(self, errors):
        self.errors = errors


class FeedSubject(NamedTuple):
    relationship: Relationship
    events: QuerySet
    base_url: str  # scheme and host, for entry ids


class RelationshipFeed(Feed):
    feed_type = Atom1Feed
    author_name = "Philippine foreign-policy tracker"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except BadFilter as bad:  # the client's mistake, said as on the other exports
            return bad_filter(bad.errors)

    def get_object(self, request, pair):
        relationship = relationship_or_404(pair)
        events = Event.objects.for_pair(relationship.home.iso2, relationship.other.iso2).published()
        filterset = EventFilter(request.GET or None, queryset=events)
        if filterset.is_bound and not filterset.is_valid():
            raise BadFilter(filterset.form.errors)
        events = filterset.qs.with_related().order_by("-date", "-id")
        return FeedSubject(relationship, events, request.build_absolute_uri("/")[:-1])

    def title(self, subject):
        return f"{subject.relationship}: the timeline of the relationship"

    def subtitle(self, subject):
        r = subject.relationship
        return (
            f"Meetings, statements, agreements and other events between {r.home.name} and {r.other.name}, newest first."
        )

    def link(self, subject):
        return reverse("events:relationship", kwargs={"pair": subject.relationship.slug})

    def feed_url(self, subject):
        return reverse("events:relationship_feed", kwargs={"pair": subject.relationship.slug})

    def items(self, subject):
        items = list(subject.events[:FEED_LENGTH])
        for event in items:
            # The entry id: the event's address without its slug, so a new title is not a new entry.
            event.feed_id = subject.base_url + reverse("events:event_detail", kwargs={"pk": event.pk})
        return items

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
