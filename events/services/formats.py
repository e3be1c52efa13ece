"""
The import and export files (the format CONTRACT.md fixes): their columns, what a row means, and the
stored events described the same way.

Each file is parsed (services/parsing.py) into the plain records below. The
exporter (services/exporting.py) writes rows that parse back into equal records,
and `event_records()` reads the stored events as records: that is how a re-import
recognises what it already holds ("unchanged") without a per-row query, and how
an export imported into an empty database gives back the same records.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from django.db.models import QuerySet

from events.models import (
    MEETING_KINDS,
    DisagreementVersion,
    Event,
    EventKind,
    EventSource,
    EventStatus,
    Participant,
    ParticipantRole,
    Publisher,
    Quote,
    Summit,
)
from events.services.bulk import batched
from events.vocab.dates import PartialDate, Precision

# The longest value any cell may hold: a quote is long, a 10 MB cell is a mistake.
MAX_CELL = 100_000
# The most columns a header may have: every file takes fewer than ten.
MAX_COLUMNS = 100
NUL_MESSAGE = "holds a NUL character (byte 0x00); remove it"  # PostgreSQL stores no NUL in text
csv.field_size_limit(64 * 1024 * 1024)  # read over-long cells, so the error can name the column

MEETING_FILE_KINDS = {
    "state_visit": EventKind.STATE_VISIT,
    "official_visit": EventKind.OFFICIAL_VISIT,
    "working_visit": EventKind.WORKING_VISIT,
    "sideline": EventKind.SIDELINE,
    "call": EventKind.CALL,
    "other": EventKind.MEETING,
}
OTHER_FILE_KINDS = {
    "agreement": EventKind.AGREEMENT,
    "policy_action": EventKind.POLICY_ACTION,
    "intention": EventKind.INTENTION,
    "other": EventKind.OTHER,
}
OTHER_KINDS = frozenset(OTHER_FILE_KINDS.values())


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[str, ...]  # in the order CONTRACT.md lists them; the exporter writes this order
    required: frozenset[str]


# Optional columns of every event file (#13); a file without them imports as before,
# and leaves what they describe as it is stored.
EVENT_EXTRA_COLUMNS = ("end_date", "venue", "source_titles", "source_dates", "disagreements")
# The record's fields they fill; `translated_by` is statements.csv's.
EXTRA_FIELDS = ("end_date", "venue", "source_details", "disagreements", "translated_by")

SUMMITS = FileSpec(
    "summits.csv",
    ("name", "short_name", "forum", "host_country", "city", "start_date", "end_date", "source_url"),
    frozenset({"name", "short_name", "host_country", "start_date", "end_date"}),
)
LEADERS = FileSpec(  # our own addition: people and the offices they held
    "leaders.csv",
    (
        "name",
        "country",
        "other_names",
        "wikidata_id",
        "office_title",
        "office_country",
        "start_date",
        "end_date",
        "source_url",
    ),
    frozenset({"name", "country"}),
)
MEETINGS = FileSpec(
    "meetings.csv",
    (
        "date",
        "title",
        "participants",
        "city",
        "summit",
        "status",
        "kind",
        "source_url",
        "summary",
        *EVENT_EXTRA_COLUMNS,
    ),
    frozenset({"date", "participants"}),
)
STATEMENTS = FileSpec(
    "statements.csv",
    (
        "date",
        "speaker",
        "about",
        "language",
        "original_text",
        "english_text",
        "context",
        "source_url",
        "group",
        "translated_by",
        "summary",
        *EVENT_EXTRA_COLUMNS,
    ),
    frozenset({"date", "speaker", "language", "original_text"}),
)
OTHER_EVENTS = FileSpec(
    "other_events.csv",
    ("date", "kind", "title", "summary", "countries", "city", "summit", "status", "source_url", *EVENT_EXTRA_COLUMNS),
    frozenset({"date", "kind", "countries"}),
)
PUBLISHERS = FileSpec(  # #13: who publishes each source, and what kind of publisher it is
    "publishers.csv", ("domain", "name", "kind", "aggregator"), frozenset({"domain", "name", "kind"})
)
# An event's life (#14): events named by `date` and `title` as the event files write them.
STATUS_HISTORY = FileSpec(
    "status_history.csv",
    ("event_date", "event_title", "status", "date", "source_url", "note"),
    frozenset({"event_date", "event_title", "status", "date", "source_url"}),
)
LINKS = FileSpec(
    "links.csv",
    ("from_date", "from_title", "relation", "to_date", "to_title", "note"),
    frozenset({"from_date", "from_title", "relation", "to_date", "to_title"}),
)
COMMITMENTS = FileSpec(
    "commitments.csv",
    ("slug", "title", "kind", "countries", "amount", "currency", "summary", "source_url"),
    frozenset({"slug", "title", "kind"}),
)
COMMITMENT_STEPS = FileSpec(
    "commitment_steps.csv",
    ("commitment", "stage", "date", "event_date", "event_title", "source_url", "note"),
    frozenset({"commitment", "stage", "date", "source_url"}),
)
READOUTS = FileSpec(  # source_title: our optional addition
    "readouts.csv",
    (
        "event_date",
        "event_title",
        "country",
        "source_url",
        "language",
        "text",
        "english",
        "translated_by",
        "source_title",
    ),
    frozenset({"event_date", "event_title", "country", "source_url", "language", "text"}),
)
LIFE_FILES = (COMMITMENTS, STATUS_HISTORY, LINKS, COMMITMENT_STEPS, READOUTS)
# What the import report calls their records, in the same order.
LIFE_RECORDS = ("commitments", "status changes", "links", "commitment steps", "readouts")
FILES = (SUMMITS, LEADERS, MEETINGS, STATEMENTS, OTHER_EVENTS, PUBLISHERS, *LIFE_FILES)


# ---------------------------------------------------------------------------
# Records: what a row means, independent of the database.
# ---------------------------------------------------------------------------

LeaderKey = tuple[str, str]  # (name, ISO2)


@dataclass(frozen=True)
class SummitRecord:
    name: str
    short_name: str
    forum: str
    host_country: str
    city: str
    start_date: PartialDate
    end_date: PartialDate
    sources: tuple[str, ...]


@dataclass(frozen=True)
class OfficeRecord:
    title: str
    country: str
    start: PartialDate | None
    end: PartialDate | None
    source_url: str


@dataclass
class LeaderRecord:
    name: str
    country: str
    other_names: tuple[str, ...] = ()
    wikidata_id: str = ""
    offices: list[OfficeRecord] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    line: int = 0


@dataclass(frozen=True)
class ParticipantRecord:
    name: str
    country: str
    role: str = ParticipantRole.PARTICIPANT


@dataclass(frozen=True)
class QuoteRecord:
    speaker: ParticipantRecord
    language: str
    original_text: str
    english_text: str
    context: str
    translated_by: str = ""


@dataclass(frozen=True)
class SourceDetail:
    """What a file says of one source beyond its URL (`source_titles`, `source_dates`)."""

    url: str
    title: str = ""
    published: datetime.date | None = None


@dataclass(frozen=True)
class DisagreementRecord:
    """'Sources disagree on <about>': each version is (source URL, what it says)."""

    about: str
    versions: tuple[tuple[str, str], ...]


@dataclass
class EventRecord:
    """One event as the files describe it; `key` identifies it across imports."""

    file: str
    line: int
    kind: str
    date: PartialDate
    title: str
    summary: str = ""
    status: str = EventStatus.HELD
    city: str = ""
    summit: str = ""
    countries: tuple[str, ...] = ()
    participants: tuple[ParticipantRecord, ...] = ()
    quotes: tuple[QuoteRecord, ...] = ()
    sources: tuple[str, ...] = ()
    end_date: PartialDate | None = None
    venue: str = ""
    source_details: tuple[SourceDetail, ...] = ()  # only the sources the file gives a title or date for
    disagreements: tuple[DisagreementRecord, ...] = ()
    # Which optional columns (EVENT_EXTRA_COLUMNS, translated_by) the row's file has: the others
    # are neither compared nor overwritten. A stored event says everything.
    given: frozenset[str] = frozenset(EXTRA_FIELDS)
    # False when the file left the title to be made up (statements.csv has no
    # title column; meetings.csv and other_events.csv may leave it empty). Such
    # a title is neither compared nor overwritten, so an editor's better title
    # survives a re-import, and the event is found by what the file does say.
    title_given: bool = True

    @property
    def family(self) -> str:
        if self.kind == EventKind.STATEMENT:
            return "statements"
        return "meetings" if self.kind in MEETING_KINDS else "other events"

    @property
    def key(self) -> tuple:
        """What identifies the event across imports, given what the file says."""
        if self.kind == EventKind.STATEMENT:
            # The first quote's words too: one speaker's two statements of a day are two events (#13).
            first = self.quotes[0]
            return (
                "statement",
                self.date.date,
                self.date.precision,
                first.speaker.name,
                first.speaker.country,
                first.context,
                first.original_text,
            )
        if not self.title_given:
            return self.untitled_key
        return (self.family, self.date.date, self.date.precision, self.title)

    @property
    def untitled_key(self) -> tuple:
        """The key of a meeting or other event whose row gives no title."""
        if self.kind in MEETING_KINDS:
            return (
                "meetings by participants",
                self.date.date,
                self.date.precision,
                frozenset((p.name, p.country) for p in self.participants),
            )
        return ("other events by summary", self.date.date, self.date.precision, self.kind, self.summary)

    def stored_keys(self) -> list[tuple]:
        """Every key under which a file row may look for this (stored) event."""
        if self.kind == EventKind.STATEMENT:
            return [self.key]
        return [(self.family, self.date.date, self.date.precision, self.title), self.untitled_key]

    @property
    def file_has_countries(self) -> bool:
        """meetings.csv has no countries column: a meeting's countries are left as the editors set them."""
        return self.kind not in MEETING_KINDS

    def same_as(self, stored: EventRecord) -> bool:
        """Whether the stored event already says everything this row says (sources included)."""
        return (
            self.comparable(with_title=self.title_given) == stored.comparable(with_title=self.title_given)
            and set(self.sources) <= set(stored.sources)
            and self.extras(self.given) == stored.extras(self.given)
            and ("source_details" not in self.given or set(self.source_details) <= set(stored.source_details))
        )

    def extras(self, given: frozenset[str]) -> tuple:
        """The optional columns' values (#13), those of `given` only; the sources' details are compared as a subset."""
        return (
            self.end_date if "end_date" in given else None,
            self.venue if "venue" in given else None,
            self.disagreements if "disagreements" in given else None,
            tuple(q.translated_by for q in self.quotes) if "translated_by" in given else None,
        )

    def differences(self, stored: EventRecord) -> list[str]:
        """The columns in which this row would change the stored event (`sources` when it adds one)."""
        mine, theirs = self.comparable(with_title=self.title_given), stored.comparable(with_title=self.title_given)
        changed = [name for name, a, b in zip(COMPARED, mine, theirs, strict=True) if a != b]
        return changed + (["source_url"] if not set(self.sources) <= set(stored.sources) else [])

    def comparable(self, *, with_title: bool = True) -> tuple:
        """What the files say about the event, but its sources (which an import only ever adds to)."""
        return (
            self.kind,
            self.date,
            self.title if with_title else None,
            self.summary,
            self.status,
            self.city,
            self.summit,
            tuple(sorted(self.countries)) if self.file_has_countries else (),
            self.participants,
            tuple(replace(q, translated_by="") for q in self.quotes),  # compared in extras()
        )


# The columns of EventRecord.comparable(), in its order, as the files name them.
COMPARED = ("kind", "date", "title", "summary", "status", "city", "summit", "countries", "participants", "quotes")


# ---------------------------------------------------------------------------
# Errors and the report
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class RowError:
    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        super().__init__(f"{len(errors)} error(s)")


EVENT_FAMILIES = ("meetings", "statements", "other events")


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    dry_run: bool = False
    publish: bool = True  # whether new events with a source are published (else all are drafts)
    change_published: bool = True  # whether rows may change published events (else such rows are errors)
    unsourced: int = 0  # new events without a source, kept as drafts

    def count(self, what: str, outcome: str, n: int = 1) -> None:
        self.counts[what][outcome] += n

    @property
    def changed(self) -> bool:
        return any(c.get("created") or c.get("updated") for c in self.counts.values())

    @property
    def created(self) -> int:
        return sum(c.get("created", 0) for c in self.counts.values())

    def table(self) -> list[tuple[str, int, int, int]]:
        """(what, created, updated, unchanged) for each kind of record the files held."""
        return [
            (what, c.get("created", 0), c.get("updated", 0), c.get("unchanged", 0))
            for what in ("publishers", "summits", "leaders", "offices", *EVENT_FAMILIES, *LIFE_RECORDS)
            if (c := self.counts.get(what)) is not None
        ]

    def notes(self) -> list[str]:
        """What else a person importing should know."""
        events_created = sum(self.counts[what].get("created", 0) for what in EVENT_FAMILIES if what in self.counts)
        if events_created and not self.publish:
            return [
                f"The {events_created} new event(s) are unpublished drafts: publishing needs the publish permission."
            ]
        if self.unsourced:
            return [f"{self.unsourced} new event(s) without a source_url are unpublished drafts."]
        return []

    def lines(self) -> list[str]:
        out = [
            f"{what}: {created} created, {updated} updated, {unchanged} unchanged"
            for what, created, updated, unchanged in self.table()
        ]
        return out + self.notes()


@dataclass(frozen=True)
class PublisherRecord:
    domain: str
    name: str
    kind: str
    aggregator: bool


# ---------------------------------------------------------------------------
# The stored events as the files describe them
# ---------------------------------------------------------------------------


def event_records(events: QuerySet, *, chunk_size: int = 2000) -> Iterator[tuple[int, EventRecord]]:
    """(pk, record) for each event of `events`, in its order: the stored events as the files describe them.

    Five queries per `chunk_size` events and no model instances: Django's
    prefetching builds a queryset per event, which costs more than the whole
    import of that event. A statement without quotes cannot be described by the
    files and is skipped.
    """
    summit_names = dict(Summit.objects.values_list("pk", "short_name"))
    through = Event.countries.through
    rows = events.values_list(
        "pk",
        "kind",
        "title",
        "summary",
        "date",
        "date_precision",
        "date_approximate",
        "status",
        "city",
        "summit_id",
        "end_date",
        "venue",
    ).iterator(chunk_size=chunk_size)
    for chunk in batched(rows, chunk_size):
        ids = [row[0] for row in chunk]
        participants = grouped(
            Participant.objects.filter(event_id__in=ids)
            .order_by("event_id", "position", "id")
            .values_list("event_id", "leader__name", "country_id", "role")
        )
        quotes = grouped(
            Quote.objects.filter(event_id__in=ids)
            .order_by("event_id", "position", "id")
            .values_list(
                "event_id",
                "speaker__name",
                "speaker__country_id",
                "language",
                "original_text",
                "english_text",
                "context",
                "translated_by",
            )
        )
        sources = grouped(
            EventSource.objects.filter(event_id__in=ids)
            .order_by("event_id", "id")
            .values_list("event_id", "url", "title", "published_on")
        )
        countries = grouped(through.objects.filter(event_id__in=ids).values_list("event_id", "country_id"))
        disagreements = disagreement_records(ids)
        for pk, kind, title, summary, date, precision, approximate, status, city, summit_id, end_date, venue in chunk:
            event_quotes = tuple(
                QuoteRecord(ParticipantRecord(name, country), language, original, english, context, translated_by)
                for name, country, language, original, english, context, translated_by in quotes.get(pk, ())
            )
            if kind == EventKind.STATEMENT and not event_quotes:
                continue
            yield (
                pk,
                EventRecord(
                    file="",
                    line=0,
                    kind=kind,
                    date=PartialDate(date, precision, approximate),
                    title=title,
                    summary=summary,
                    status=status,
                    city=city,
                    summit=summit_names.get(summit_id, "") if summit_id else "",
                    countries=tuple(sorted(code for (code,) in countries.get(pk, ()))),
                    participants=tuple(ParticipantRecord(*p) for p in participants.get(pk, ())),
                    quotes=event_quotes,
                    sources=tuple(url for url, *_ in sources.get(pk, ())),
                    end_date=PartialDate(end_date, Precision.DAY) if end_date else None,
                    venue=venue,
                    source_details=tuple(
                        SourceDetail(url, title, published)
                        for url, title, published in sources.get(pk, ())
                        if title or published
                    ),
                    disagreements=disagreements.get(pk, ()),
                ),
            )


def disagreement_records(event_ids: list[int]) -> dict[int, tuple[DisagreementRecord, ...]]:
    """The events' disagreements as the files describe them, in one query."""
    versions = defaultdict(list)  # (event id, position, disagreement id, about) → [(url, says)]
    for event_id, position, disagreement_id, about, url, says in (
        DisagreementVersion.objects.filter(disagreement__event_id__in=event_ids)
        .order_by("disagreement__event_id", "disagreement__position", "disagreement_id", "id")
        .values_list(
            "disagreement__event_id",
            "disagreement__position",
            "disagreement_id",
            "disagreement__about",
            "source__url",
            "says",
        )
    ):
        versions[(event_id, position, disagreement_id, about)].append((url, says))
    records = defaultdict(tuple)
    for (event_id, _, _, about), pairs in versions.items():
        records[event_id] += (DisagreementRecord(about, tuple(pairs)),)
    return records


def extra_cells(r: EventRecord) -> dict:
    """The optional columns every event file has (EVENT_EXTRA_COLUMNS), for `r`."""
    details = {d.url: d for d in r.source_details}
    return {
        "end_date": r.end_date.iso() if r.end_date else "",
        "venue": r.venue,
        "source_titles": " | ".join(
            details[url].title.replace("|", "||") if url in details else "" for url in r.sources
        )
        if any(d.title for d in details.values())
        else "",
        "source_dates": ";".join(
            details[url].published.isoformat() if url in details and details[url].published else "" for url in r.sources
        )
        if any(d.published for d in details.values())
        else "",
        "disagreements": disagreements_json(r.disagreements),
    }


def disagreements_json(disagreements: tuple[DisagreementRecord, ...]) -> str:
    if not disagreements:
        return ""
    return json.dumps(
        [
            {"about": d.about, "versions": [{"url": url, "says": says} for url, says in d.versions]}
            for d in disagreements
        ],
        ensure_ascii=False,
    )


def publisher_row(publisher: Publisher) -> dict:
    return {
        "domain": publisher.domain,
        "name": publisher.name,
        "kind": publisher.kind,
        "aggregator": "true" if publisher.aggregator else "false",
    }


def grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """Rows whose first value is an event id, as {event id: [the rest of each row]}, in query order."""
    groups = defaultdict(list)
    for event_id, *rest in rows:
        groups[event_id].append(tuple(rest))
    return groups
