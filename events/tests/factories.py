"""Small helpers that make valid rows with sensible defaults; tests override what they check."""

import datetime
import itertools

from events.models import (
    Event,
    EventKind,
    EventSource,
    EventStatus,
    Leader,
    Office,
    Participant,
    Quote,
    Summit,
)
from events.services import involvement

_counter = itertools.count(1)


def make_leader(name=None, country="PH", office=None, office_start=datetime.date(2016, 6, 30), **fields):
    leader = Leader.objects.create(name=name or f"Leader {next(_counter)}", country_id=country, **fields)
    if office:
        Office.objects.create(leader=leader, title=office, country_id=country, start_date=office_start)
    return leader


def make_summit(short_name=None, host="PE", start=datetime.date(2016, 11, 19), end=None, **fields):
    short_name = short_name or f"Summit {next(_counter)}"
    fields.setdefault("name", short_name)
    fields.setdefault("city", "Lima")
    return Summit.objects.create(
        short_name=short_name, host_country_id=host, start_date=start, end_date=end or start, **fields
    )


def make_event(
    title=None,
    *,
    kind=EventKind.MEETING,
    date=datetime.date(2016, 11, 19),
    participants=(),
    countries=(),
    sources=("https://example.org/report",),
    **fields,
):
    """An event; `participants` are Leader rows (or (leader, role) pairs).

    Written as the admin writes one (`involvement.deferred()`): its derived rows
    synced and its page scopes bumped once, after all its rows.
    """
    with involvement.deferred():
        event = Event.objects.create(
            kind=kind,
            title=title or f"Event {next(_counter)}",
            date=date,
            status=fields.pop("status", EventStatus.HELD),
            **fields,
        )
        for position, p in enumerate(participants):
            leader, role = p if isinstance(p, tuple) else (p, "participant")
            Participant.objects.create(event=event, leader=leader, role=role, position=position)
        if countries:
            event.countries.add(*countries)
        for url in sources:
            EventSource.objects.create(event=event, url=url)
    return event


def make_quote(event, speaker, original="I want to be friends with him.", language="en", english="", **fields):
    return Quote.objects.create(
        event=event, speaker=speaker, original_text=original, language=language, english_text=english, **fields
    )


def make_meeting(a, b, **fields):
    """A held meeting between leaders `a` and `b`."""
    return make_event(participants=(a, b), **fields)


def make_disagreement(event, about, versions):
    """A disagreement on `event`; `versions` are (source URL, what it says), the URLs among the event's sources."""
    from events.models import Disagreement, DisagreementVersion

    disagreement = Disagreement.objects.create(event=event, about=about)
    for url, says in versions:
        DisagreementVersion.objects.create(disagreement=disagreement, source=event.sources.get(url=url), says=says)
    return disagreement


def make_commitment(slug=None, *, countries=("PH",), steps=(), **fields):
    """A commitment; `steps` are (stage, date) pairs or dicts of CommitmentStep fields."""
    from events.models import Commitment, CommitmentKind, CommitmentStep

    slug = slug or f"commitment-{next(_counter)}"
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("kind", CommitmentKind.PLEDGE)
    commitment = Commitment.objects.create(slug=slug, **fields)
    commitment.countries.add(*countries)
    for step in steps:
        step = step if isinstance(step, dict) else {"stage": step[0], "date": step[1]}
        step.setdefault("source_url", "https://example.org/step")
        CommitmentStep.objects.create(commitment=commitment, **step)
    commitment.refresh_from_db()
    return commitment


def empty_the_record_in_bulk():
    """Every row of the record gone, one statement per table: what `TRUNCATE … CASCADE` does.

    Not the countries, the site's versions or the edit history. For tests of what comes back
    after a restore or an import into an empty database: deleting the bundled record through the
    ORM, one row and its signals at a time, takes a minute on PostgreSQL.
    """
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    from events.models import Country, ScopeVersion, SiteVersion
    from events.services import versioning

    kept = {Country, ScopeVersion, SiteVersion}
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("events").get_models(include_auto_created=True)
        if model not in kept and not model.__name__.startswith("Historical") and model._meta.managed
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # TRUNCATE refuses a table with deferred checks pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, allow_cascade=True))
    versioning.bump()
