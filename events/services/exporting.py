"""
Exporting the record: in the import format (CONTRACT.md), so that an export
imported into an empty database gives back the same records; and for the web
(CSV, JSON, TimelineJS 3, iCalendar), at the end of this module.

`event_records()` is the one description of stored events in file terms: the
exporter writes it out and the importer compares against it to tell what is
unchanged.
"""

import csv
import datetime
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urljoin

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from icalendar import Calendar as ICalendar
from icalendar import Event as ICalEvent

from events.models import (
    MEETING_KINDS,
    Event,
    EventCountry,
    EventKind,
    EventLink,
    EventSource,
    Leader,
    Participant,
    ParticipantRole,
    Publisher,
    Quote,
    Readout,
    StatusChange,
    Summit,
    publisher_for,
)
from events.services.bulk import batched
from events.services.formats import (
    LEADERS,
    LIFE_FILES,
    MEETINGS,
    OTHER_EVENTS,
    PUBLISHERS,
    STATEMENTS,
    SUMMITS,
    DisagreementRecord,
    EventRecord,
    ParticipantRecord,
    disagreement_records,
    event_records,
    extra_cells,
    publisher_row,
)
from events.services.life_files import life_rows
from events.vocab.administrations import ADMINISTRATIONS
from events.vocab.dates import Precision
from events.vocab.kinds import LINK_INVERSES, LinkRelation

FILE_KIND = {EventKind.MEETING: "other"}  # meetings.csv calls a plain meeting "other"


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
        "summary": r.summary,
        **extra_cells(r),
    }


def statement_rows(r: EventRecord, group: str = "") -> Iterator[dict]:
    """The rows of one statement; several quotes share `group`, which makes them one event again."""
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
            "group": group if len(r.quotes) > 1 else "",
            "translated_by": q.translated_by,
            "summary": r.summary,
            **extra_cells(r),
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
        **extra_cells(r),
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
    # The importer reads an office row's first URL as the office's source and every
    # URL as the leader's: office rows carry their office's source only, and one
    # row without an office carries the leader's other sources.
    offices = list(leader.offices.all())
    for office in offices:
        yield {
            **common,
            "office_title": office.title,
            "office_country": office.country_id,
            "start_date": office.start.iso() if office.start else "",
            "end_date": office.end.iso() if office.end else "",
            "source_url": office.source_url,
        }
    office_sources = {office.source_url for office in offices}
    other_sources = [s.url for s in leader.sources.all() if s.url not in office_sources]
    if other_sources or not offices:
        yield {
            **common,
            "office_title": "",
            "office_country": "",
            "start_date": "",
            "end_date": "",
            "source_url": joined(other_sources),
        }


def export_directory(directory: str | Path, events: QuerySet | None = None) -> dict[str, int]:
    """Write the import files for `events`: with the summits and leaders they need, the publishers, and their life (#14).

    Without `events`, everything: every event, summit and leader. Cells are
    written as stored, not neutralised for spreadsheets as /events.csv is
    (spreadsheet_safe): these files are for re-import, which must be exact.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    everything = events is None
    events = (Event.objects.all() if everything else events).chronological()
    counts = {}
    writers = {}
    files = []
    try:
        for spec in (MEETINGS, STATEMENTS, OTHER_EVENTS, SUMMITS, LEADERS, PUBLISHERS, *LIFE_FILES):
            handle = open(directory / spec.name, "w", newline="", encoding="utf-8")
            files.append(handle)
            writer = csv.DictWriter(handle, fieldnames=list(spec.columns))
            writer.writeheader()
            writers[spec.name] = writer
            counts[spec.name] = 0
        for pk, record in event_records(events):
            if record.kind in MEETING_KINDS:
                rows, name = [meeting_row(record)], MEETINGS.name
            elif record.kind == EventKind.STATEMENT:
                rows, name = list(statement_rows(record, group=f"event-{pk}")), STATEMENTS.name
            else:
                rows, name = [other_event_row(record)], OTHER_EVENTS.name
            writers[name].writerows(rows)
            counts[name] += len(rows)
        if everything:
            summits, leaders = Summit.objects.all(), Leader.objects.all()
        else:
            summits = Summit.objects.filter(pk__in=events.values("summit_id"))
            leaders = Leader.objects.filter(
                Q(pk__in=Participant.objects.filter(event__in=events).values("leader_id"))
                | Q(pk__in=Quote.objects.filter(event__in=events).values("speaker_id"))
            )
        for summit in summits.order_by("start_date", "short_name").prefetch_related("sources"):
            writers[SUMMITS.name].writerow(summit_row(summit))
            counts[SUMMITS.name] += 1
        for leader in leaders.order_by("name", "country").prefetch_related("offices", "sources"):
            rows = list(leader_rows(leader))
            writers[LEADERS.name].writerows(rows)
            counts[LEADERS.name] += len(rows)
        # Reference data, like the countries: every publisher, whichever events are exported.
        for publisher in Publisher.objects.order_by("domain"):
            writers[PUBLISHERS.name].writerow(publisher_row(publisher))
            counts[PUBLISHERS.name] += 1
        for name, rows in life_rows(events).items():
            for row in rows:
                writers[name].writerow(row)
                counts[name] += 1
    finally:
        for handle in files:
            handle.close()
    return counts


# ---------------------------------------------------------------------------
# Web exports: /events.csv, /events.json, a relationship's timeline.json
# (TimelineJS 3) and /calendar.ics. The views (events/web/exports.py) choose the
# events; these functions turn them into rows, slides and calendar entries.
# ---------------------------------------------------------------------------

EXPORT_CHUNK = 2000  # events per database round trip: memory stays flat whatever the size of the export

CSV_COLUMNS = (
    "id",
    "url",
    "date",
    "date_display",
    "kind",
    "status",
    "title",
    "summary",
    "countries",
    "participants",
    "summit",
    "city",
    "sources",
    "source_kinds",
    "disagreements",  # #13
    # #14, #15: everything the page shows. Scalars in columns of their own, titles ` | `-separated
    # (in the order of `participants` and `sources`), records as the JSON arrays of /events.json.
    "participant_titles",
    "source_titles",
    "quotes",
    "plover_category",
    "plover_mode",
    "plover_score",
    "plover_actor",
    "plover_target",
    "plover_reviewed",
    "status_history",
    "links",
    "readouts",
)

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may read past before a formula: spaces, and the separators of the
# locales that split a line on `,` or `;` (there, `;=1+1` is an empty cell and a formula).
LEADING_SEPARATORS = " \t\r\n,;"


class QuoteRecord(NamedTuple):
    speaker: str
    speaker_country: str
    speaker_title: str
    language: str
    text: str
    english: str
    translated_by: str


class SourceRecord(NamedTuple):
    url: str
    title: str


@dataclass
class EventParts:
    """What an export shows of an event beyond its own row, loaded for a chunk of events at a time."""

    countries: list[str] = field(default_factory=list)  # involved, ISO2
    participants: list[ParticipantRecord] = field(default_factory=list)
    participant_titles: list[str] = field(default_factory=list)  # in the order of `participants`
    sources: list[SourceRecord] = field(default_factory=list)
    quotes: list[QuoteRecord] = field(default_factory=list)
    disagreements: tuple[DisagreementRecord, ...] = ()
    status_history: list[dict] = field(default_factory=list)  # #14, in date order
    links: list[dict] = field(default_factory=list)  # #14: to and from public events, the path of the other
    readouts: list[dict] = field(default_factory=list)  # #14


def events_with_parts(events: QuerySet | list[Event]) -> Iterator[tuple[Event, EventParts]]:
    """Each event of `events` (in its order) with its parts: constant memory, 8 queries per chunk.

    `events` is a queryset (read `EXPORT_CHUNK` at a time) or a page of events
    already read, their summit joined. Use it for exports of any size; pages use
    `EventQuerySet.with_related()`, whose JSON subqueries cost more per row than
    these plain value queries at a thousand rows.
    """
    if isinstance(events, QuerySet):
        events = events.select_related("summit").iterator(chunk_size=EXPORT_CHUNK)
    for chunk in batched(events, EXPORT_CHUNK):
        parts = parts_of([event.pk for event in chunk])
        for event in chunk:
            yield event, parts[event.pk]


def parts_of(ids: list[int]) -> dict[int, EventParts]:
    """The parts of the events `ids`, in 8 queries whatever their number."""
    parts = defaultdict(EventParts)
    for event_id, iso2 in (
        EventCountry.objects.filter(event_id__in=ids)
        .order_by("event_id", "country_id")
        .values_list("event_id", "country_id")
    ):
        parts[event_id].countries.append(iso2)
    for event_id, name, country, role, title in (
        Participant.objects.filter(event_id__in=ids)
        .order_by("event_id", "position", "id")
        .values_list("event_id", "leader__name", "country_id", "role", "title")
    ):
        parts[event_id].participants.append(ParticipantRecord(name, country, role))
        parts[event_id].participant_titles.append(title)
    for event_id, *source in (
        EventSource.objects.filter(event_id__in=ids).order_by("event_id", "id").values_list("event_id", "url", "title")
    ):
        parts[event_id].sources.append(SourceRecord(*source))
    for event_id, *quote in (
        Quote.objects.filter(event_id__in=ids)
        .order_by("event_id", "position", "id")
        .values_list(
            "event_id",
            "speaker__name",
            "speaker__country_id",
            "speaker_title",
            "language",
            "original_text",
            "english_text",
            "translated_by",
        )
    ):
        parts[event_id].quotes.append(QuoteRecord(*quote))
    for event_id, records in disagreement_records(ids).items():
        parts[event_id].disagreements = records
    for change in StatusChange.objects.filter(event_id__in=ids).order_by("event_id", "date", "id"):
        parts[change.event_id].status_history.append(
            {
                "status": change.status,
                "date": change.partial_date.iso(),
                "sources": [change.source_url],
                "note": change.note,
            }
        )
    public, wanted = Event.objects.published().values("pk"), set(ids)
    for link in (
        EventLink.objects.filter(
            Q(from_event_id__in=ids, to_event__in=public) | Q(to_event_id__in=ids, from_event__in=public)
        )
        .order_by("id")
        .values("from_event_id", "relation", "to_event_id", "from_event__title", "to_event__title")
    ):
        relation = LinkRelation(link["relation"])
        if link["from_event_id"] in wanted:
            other = Event(pk=link["to_event_id"], title=link["to_event__title"])
            parts[link["from_event_id"]].links.append(
                {"relation": relation.value, "event": other.pk, "url": other.get_absolute_url()}
            )
        if link["to_event_id"] in wanted:
            other = Event(pk=link["from_event_id"], title=link["from_event__title"])
            parts[link["to_event_id"]].links.append(
                {"relation": inverse_relation(relation), "event": other.pk, "url": other.get_absolute_url()}
            )
    for event_id, *readout in (
        Readout.objects.filter(event_id__in=ids)
        .order_by("event_id", "id")
        .values_list(
            "event_id", "country_id", "source_url", "source_title", "language", "text", "english", "translated_by"
        )
    ):
        parts[event_id].readouts.append(
            dict(zip(("country", "source", "source_title", "language", "text", "english", "translated_by"), readout))
        )
    return parts


def inverse_relation(relation: LinkRelation) -> str:
    """How a link reads from the event it points to, as a code: `fulfils` → `fulfilled_by`.

    From the English label whatever the page's language: a code, unlike a label, is not translated (/fil/events.json).
    """
    with translation.override("en"):
        return str(LINK_INVERSES[relation]).lower().replace(" ", "_")


def event_row(event: Event, parts: EventParts, url: str) -> dict:
    """One event as /events.json (and the API) gives it; /events.csv flattens it (`csv_cells`).

    `event` has its summit joined; `parts` are its rows from `events_with_parts()`.
    """
    return {
        "id": event.pk,
        "url": url,
        "date": event.partial_date.iso(),
        "date_display": event.date_display,
        "kind": event.kind,
        "status": event.status,
        "title": event.title,
        "summary": event.summary,
        "countries": parts.countries,
        "participants": [
            {"name": p.name, "country": p.country, "role": p.role, "title": title}
            for p, title in zip(parts.participants, parts.participant_titles, strict=True)
        ],
        "summit": event.summit.short_name if event.summit_id else None,
        "city": event.place,
        "sources": [s.url for s in parts.sources],
        **graded_sources(parts),
        "quotes": [
            {
                "speaker": q.speaker,
                "speaker_country": q.speaker_country,
                "speaker_title": q.speaker_title,
                "language": q.language,
                "text": q.text,
                "english": q.english,  # empty when the original is English
                "translated_by": q.translated_by,
            }
            for q in parts.quotes
        ],
        "plover": plover_object(event),
        "status_history": parts.status_history,
        # Both ways: an outgoing link by its relation (`fulfils`), an incoming one by the inverse (`fulfilled_by`).
        "links": [{**link, "url": urljoin(url, link["url"])} for link in parts.links],
        "readouts": parts.readouts,
    }


def plover_object(event: Event) -> dict:
    """The event's PLOVER coding; `reviewed`: by an editor (true), or suggested by the machine (false)."""
    return {
        "category": event.plover_category or None,
        "mode": event.plover_mode or None,
        "score": float(event.score) if event.score is not None else None,
        "actor": event.actor_country_id,
        "target": event.target_country_id,
        "reviewed": event.plover_reviewed,
    }


def graded_sources(parts: EventParts) -> dict:
    """#13: each source's title, publisher and its kind, and where the sources disagree."""
    publishers = {s.url: publisher_for(s.url) for s in parts.sources}
    return {
        "source_publishers": [
            {
                "url": s.url,
                "title": s.title,
                "name": publishers[s.url].name if publishers[s.url] else None,
                "kind": publishers[s.url].kind if publishers[s.url] else None,
            }
            for s in parts.sources
        ],
        "disagreements": [
            {
                "about": d.about,
                "versions": [
                    {"source": url, "publisher": publishers[url].name if publishers.get(url) else None, "says": says}
                    for url, says in d.versions
                ],
            }
            for d in parts.disagreements
        ],
    }


def csv_cells(row: dict) -> list[str]:
    """The CSV cells of `event_row()`, formulas neutralised.

    Lists of codes and names joined with `; ` as in the import files; titles,
    which may hold a `;`, with ` | ` (a `|` inside one doubled, as in the
    import files' `source_titles`); records (quotes, disagreements, status
    history, links, readouts) as the JSON arrays /events.json gives.
    """
    plover = row["plover"]
    flat = {
        **row,
        "countries": joined(row["countries"]),
        "participants": joined(
            person(ParticipantRecord(p["name"], p["country"], p["role"])) for p in row["participants"]
        ),
        "summit": row["summit"] or "",
        "sources": joined(row["sources"]),
        "source_kinds": joined(p["kind"] or "" for p in row["source_publishers"]),
        "participant_titles": titles_cell(p["title"] for p in row["participants"]),
        "source_titles": titles_cell(p["title"] for p in row["source_publishers"]),
        **{
            f"plover_{key}": "" if value is None else str(value).lower() if key == "reviewed" else value
            for key, value in plover.items()
        },
        **{key: json_cell(row[key]) for key in ("disagreements", "quotes", "status_history", "links", "readouts")},
    }
    return [spreadsheet_safe(flat[column]) for column in CSV_COLUMNS]


def titles_cell(titles: Iterable[str]) -> str:
    titles = [title.replace("|", "||") for title in titles]
    return " | ".join(titles) if any(titles) else ""


def json_cell(records: list) -> str:
    return json.dumps(records, ensure_ascii=False) if records else ""


ROWS_PER_WRITE = 500  # rows joined into one chunk of a file or response: fewer, larger writes


def take(buffer: io.StringIO) -> str:
    """What `buffer` holds, emptying it."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_object(
    head: dict, list_key: str, items: Iterable[dict], *, tail: Callable[[], dict] | None = None
) -> Iterator[str]:
    """`{...head, list_key: [items...], "count": n, ...tail()}` as JSON text, a few hundred items per chunk.

    `tail` is called once the items are written: for what is known only then.
    """
    opening = json.dumps(head, ensure_ascii=False)[:-1]  # the head object, left open
    yield f'{opening}{", " if head else ""}"{list_key}": ['
    count, pending = 0, []
    for item in items:
        pending.append(json.dumps(item, ensure_ascii=False))
        count += 1
        if len(pending) == ROWS_PER_WRITE:
            yield ("," if count > ROWS_PER_WRITE else "") + ",".join(pending)
            pending = []
    if pending:
        yield ("," if count > len(pending) else "") + ",".join(pending)
    closing = json.dumps(tail(), ensure_ascii=False)[1:] if tail else "}"  # the tail object, opened
    yield f'], "count": {count}{", " if closing != "}" else ""}{closing}'


def spreadsheet_safe(value):
    """`'=HYPERLINK(...)`, `';=1+1` rather than a live formula when the file is opened in a spreadsheet (OWASP).

    For /events.csv only. The import files (export_directory) are written as
    stored: they are for re-import, which must give back exactly what was
    exported, and a `'` would become part of the text.
    """
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or value.lstrip(LEADING_SEPARATORS).startswith(FORMULA_TRIGGERS)
    ):
        return "'" + value
    return value


# -- TimelineJS 3 ------------------------------------------------------------


def timeline_date(date: datetime.date, precision: str = Precision.DAY) -> dict:
    """A TimelineJS date object holding only what is known: {year}, {year, month} or {year, month, day}."""
    value = {"year": date.year}
    if precision in (Precision.MONTH, Precision.DAY):
        value["month"] = date.month
    if precision == Precision.DAY:
        value["day"] = date.day
    return value


def timeline_slide(event: Event, parts: EventParts, url: str) -> dict:
    """One event as a TimelineJS slide. TimelineJS renders headline and text as HTML: all stored text is escaped."""
    slide = {
        "unique_id": f"event-{event.pk}",
        "start_date": timeline_date(event.date, event.date_precision),
        "display_date": event.date_display,
        "group": event.get_kind_display(),
        "text": {"headline": escape(event.title), "text": slide_text(event, parts, url)},
    }
    if event.end_date:
        slide["end_date"] = timeline_date(event.end_date)
    return slide


def slide_text(event: Event, parts: EventParts, url: str) -> str:
    paragraphs = []
    if event.summary:
        paragraphs.append(format_html("<p>{}</p>", event.summary))
    if parts.participants:
        paragraphs.append(format_html("<p>{}</p>", "; ".join(f"{p.name} ({p.country})" for p in parts.participants)))
    for q in parts.quotes:
        name, country, language, original, english = q.speaker, q.speaker_country, q.language, q.text, q.english
        translation = format_html("<p>“{}”</p>", english) if english else ""
        paragraphs.append(
            format_html(
                '<blockquote lang="{}"><p>“{}”</p>{}<p>— {} ({})</p></blockquote>',
                language,
                original,
                translation,
                name,
                country,
            )
        )
    place = event.place
    facts = f"{event.get_status_display()}, {place}" if place else event.get_status_display()
    paragraphs.append(format_html('<p>{}. <a href="{}">Details and sources</a></p>', facts, url))
    return "".join(paragraphs)


def timeline_eras(first: datetime.date | None, last: datetime.date | None) -> list[dict]:
    """The administrations overlapping [first, last], clipped to it: the span the timeline's events cover."""
    if first is None or last is None:
        return []
    eras = []
    for administration in ADMINISTRATIONS:
        start, end = max(administration.start, first), min(administration.end or last, last)
        if start <= end:
            eras.append(
                {
                    "start_date": timeline_date(start),
                    "end_date": timeline_date(end),
                    "text": {"headline": str(administration)},
                }
            )
    return eras


# -- iCalendar -----------------------------------------------------------------


def calendar_ics(
    summits: Iterable[Summit], events: Iterable[Event], *, name: str, description: str, uid_domain: str, absolute
) -> bytes:
    """Summits and events as all-day iCalendar events (RFC 5545), with UIDs that never change.

    An all-day event's DTEND is exclusive: the day after the last day. An
    event dated to a month or a year spans that month or year.
    """
    calendar = ICalendar()
    calendar.add("prodid", "-//Philippine foreign-policy tracker//diplomacy//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    stamp = timezone.now()
    for summit in summits:
        entry = ICalEvent()
        entry.add("uid", f"summit-{summit.pk}@{uid_domain}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", summit.start_date)
        entry.add("dtend", summit.end_date + datetime.timedelta(days=1))
        entry.add("summary", summit.name)
        entry.add("location", ", ".join(filter(None, [summit.city, summit.host_country.name])))
        entry.add("url", absolute(summit.get_absolute_url()))
        entry.add("categories", ["Summit"])
        calendar.add_component(entry)
    for event in events:
        last = event.end_date or event.partial_date.last_day
        entry = ICalEvent()
        entry.add("uid", f"event-{event.pk}@{uid_domain}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.date)
        entry.add("dtend", last + datetime.timedelta(days=1))
        entry.add("summary", event.title)
        entry.add("description", f"{event.get_status_display()}: {event.date_display}. {event.get_kind_display()}.")
        if event.place:
            entry.add("location", event.place)
        entry.add("url", absolute(event.get_absolute_url()))
        entry.add("categories", [event.get_kind_display()])
        calendar.add_component(entry)
    return calendar.to_ical()
