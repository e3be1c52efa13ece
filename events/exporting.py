"""
Exporting the record in the import format (CONTRACT.md), so that an export
imported into an empty database gives back the same records.

`event_record()` is the one description of a stored event in file terms: the
exporter writes it out and the importer compares against it to tell what is
unchanged.
"""

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from .importing import (
    LEADERS,
    MEETINGS,
    OTHER_EVENTS,
    STATEMENTS,
    SUMMITS,
    EventRecord,
    ParticipantRecord,
    QuoteRecord,
)
from .models import MEETING_KINDS, Event, EventKind, Leader, ParticipantRole, Summit

FILE_KIND = {EventKind.MEETING: "other"}  # meetings.csv calls a plain meeting "other"


def event_record(event: Event, summit_names: dict[int, str] | None = None) -> EventRecord | None:
    """The stored event as the import files would describe it (None if they cannot: a statement without quotes)."""
    quotes = tuple(
        QuoteRecord(
            ParticipantRecord(q.speaker.name, q.speaker.country_id),
            q.language,
            q.original_text,
            q.english_text,
            q.context,
        )
        for q in event.quotes.all()
    )
    if event.kind == EventKind.STATEMENT and not quotes:
        return None
    if summit_names is not None:
        summit = summit_names.get(event.summit_id, "") if event.summit_id else ""
    else:
        summit = event.summit.short_name if event.summit_id else ""
    return EventRecord(
        file="",
        line=0,
        kind=event.kind,
        date=event.partial_date,
        title=event.title,
        summary=event.summary,
        status=event.status,
        city=event.city,
        summit=summit,
        countries=tuple(sorted(c.iso2 for c in event.countries.all())),
        participants=tuple(ParticipantRecord(p.leader.name, p.country_id, p.role) for p in event.participants.all()),
        quotes=quotes,
        sources=tuple(s.url for s in event.sources.all()),
    )


def person(p: ParticipantRecord) -> str:
    role = "" if p.role == ParticipantRole.PARTICIPANT else f", {p.role}"
    return f"{p.name} ({p.country}{role})"


def joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def meeting_row(r: EventRecord) -> dict:
    return {
        "date": r.date.iso(),
        "title": r.title,
        "participants": joined(person(p) for p in r.participants),
        "city": r.city,
        "summit": r.summit,
        "status": r.status,
        "kind": FILE_KIND.get(r.kind, r.kind),
        "source_url": joined(r.sources),
    }


def statement_rows(r: EventRecord) -> Iterator[dict]:
    for q in r.quotes:
        yield {
            "date": r.date.iso(),
            "speaker": person(q.speaker),
            "about": joined(r.countries),
            "language": q.language,
            "original_text": q.original_text,
            "english_text": q.english_text,
            "context": q.context,
            "source_url": joined(r.sources),
        }


def other_event_row(r: EventRecord) -> dict:
    return {
        "date": r.date.iso(),
        "kind": r.kind,
        "title": r.title,
        "summary": r.summary,
        "countries": joined(r.countries),
        "city": r.city,
        "summit": r.summit,
        "status": r.status,
        "source_url": joined(r.sources),
    }


def summit_row(summit: Summit) -> dict:
    return {
        "name": summit.name,
        "short_name": summit.short_name,
        "forum": summit.forum,
        "host_country": summit.host_country_id,
        "city": summit.city,
        "start_date": summit.start_date.isoformat(),
        "end_date": summit.end_date.isoformat(),
        "source_url": joined(s.url for s in summit.sources.all()),
    }


def leader_rows(leader: Leader) -> Iterator[dict]:
    common = {
        "name": leader.name,
        "country": leader.country_id,
        "other_names": joined(leader.other_names.splitlines()),
        "wikidata_id": leader.wikidata_id,
    }
    sources = joined(s.url for s in leader.sources.all())
    offices = list(leader.offices.all())
    if not offices:
        yield {**common, "office_title": "", "office_country": "", "start_date": "", "end_date": "", "source_url": sources}
    for office in offices:
        yield {
            **common,
            "office_title": office.title,
            "office_country": office.country_id,
            "start_date": office.start.iso() if office.start else "",
            "end_date": office.end.iso() if office.end else "",
            "source_url": office.source_url or sources,
        }


def export_directory(directory: str | Path, events=None) -> dict[str, int]:
    """Write the five import files for `events`, with the summits and leaders they need.

    Without `events`, everything: every event, summit and leader.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    events_given = events
    events = (events if events is not None else Event.objects.all()).chronological().with_related().prefetch_related("countries")
    counts = {}
    writers = {}
    files = []
    try:
        for spec in (MEETINGS, STATEMENTS, OTHER_EVENTS, SUMMITS, LEADERS):
            handle = open(directory / spec.name, "w", newline="", encoding="utf-8")
            files.append(handle)
            writer = csv.DictWriter(handle, fieldnames=list(spec.columns))
            writer.writeheader()
            writers[spec.name] = writer
            counts[spec.name] = 0
        summit_ids, leader_ids = set(), set()
        for event in events.iterator(chunk_size=2000):
            record = event_record(event)
            if record is None:
                continue
            if event.summit_id:
                summit_ids.add(event.summit_id)
            leader_ids.update(p.leader_id for p in event.participants.all())
            leader_ids.update(q.speaker_id for q in event.quotes.all())
            if event.kind in MEETING_KINDS:
                rows = [meeting_row(record)]
                name = MEETINGS.name
            elif event.kind == EventKind.STATEMENT:
                rows = list(statement_rows(record))
                name = STATEMENTS.name
            else:
                rows = [other_event_row(record)]
                name = OTHER_EVENTS.name
            writers[name].writerows(rows)
            counts[name] += len(rows)
        everything = events_given is None
        summits = Summit.objects.all() if everything else Summit.objects.filter(pk__in=summit_ids)
        leaders = Leader.objects.all() if everything else Leader.objects.filter(pk__in=leader_ids)
        for summit in summits.order_by("start_date", "short_name").prefetch_related("sources"):
            writers[SUMMITS.name].writerow(summit_row(summit))
            counts[SUMMITS.name] += 1
        for leader in leaders.order_by("name", "country").prefetch_related("offices", "sources"):
            rows = list(leader_rows(leader))
            writers[LEADERS.name].writerows(rows)
            counts[LEADERS.name] += len(rows)
    finally:
        for handle in files:
            handle.close()
    return counts
