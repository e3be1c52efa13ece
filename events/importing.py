"""
Importing the record from CSV files (the format is fixed by CONTRACT.md).

`import_directory(path)` reads `summits.csv`, `leaders.csv`, `meetings.csv`,
`statements.csv` and `other_events.csv` (any may be missing), checks every row,
and writes nothing unless every row is good: all or nothing, in one
transaction. Errors read `FILE:LINE: column: message`, LINE being the line on
which the record starts (the header is line 1).

Each file is parsed into plain records (the dataclasses below). The exporter
writes rows that parse back into equal records, which is how a re-import
recognises what it already holds ("unchanged") without a per-row query.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from . import caching, involvement
from .dates import PartialDate
from .models import (
    DERIVED_MODELS,
    MEETING_KINDS,
    Country,
    Disagreement,
    DisagreementVersion,
    Event,
    EventCountry,
    EventLeader,
    EventKind,
    EventPair,
    EventSource,
    EventStatus,
    Leader,
    LeaderSource,
    Office,
    Participant,
    ParticipantRole,
    Publisher,
    PublisherKind,
    Quote,
    Summit,
    SummitSource,
    http_url_validator,
    normalise_domain,
    publisher_table,
    pair_key,
    publisher_from_url,
    title_on,
    validate_language_tag,
    wikidata_validator,
)

# The longest value any cell may hold: a quote is long, a 10 MB cell is a mistake.
MAX_CELL = 100_000
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
TITLE_SEPARATOR = re.compile(r"(?<!\|)\|(?!\|)")  # in source_titles: a `|` that is not half of `||`
# The record's fields they fill; `translated_by` is statements.csv's.
EXTRA_FIELDS = ("end_date", "venue", "source_details", "disagreements", "translated_by")

SUMMITS = FileSpec(
    "summits.csv",
    ("name", "short_name", "forum", "host_country", "city", "start_date", "end_date", "source_url"),
    frozenset({"name", "short_name", "host_country", "start_date", "end_date"}),
)
LEADERS = FileSpec(  # our own addition: people and the offices they held
    "leaders.csv",
    ("name", "country", "other_names", "wikidata_id", "office_title", "office_country", "start_date", "end_date", "source_url"),
    frozenset({"name", "country"}),
)
MEETINGS = FileSpec(
    "meetings.csv",
    ("date", "title", "participants", "city", "summit", "status", "kind", "source_url", "summary", *EVENT_EXTRA_COLUMNS),
    frozenset({"date", "participants"}),
)
STATEMENTS = FileSpec(
    "statements.csv",
    (
        "date", "speaker", "about", "language", "original_text", "english_text", "context", "source_url",
        "group", "translated_by", "summary", *EVENT_EXTRA_COLUMNS,
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
FILES = (SUMMITS, LEADERS, MEETINGS, STATEMENTS, OTHER_EVENTS, PUBLISHERS)


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
                "statement", self.date.date, self.date.precision, first.speaker.name, first.speaker.country,
                first.context, first.original_text,
            )
        if not self.title_given:
            return self.untitled_key
        return (self.family, self.date.date, self.date.precision, self.title)

    @property
    def untitled_key(self) -> tuple:
        """The key of a meeting or other event whose row gives no title."""
        if self.kind in MEETING_KINDS:
            return ("meetings by participants", self.date.date, self.date.precision, frozenset((p.name, p.country) for p in self.participants))
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

    def same_as(self, stored: "EventRecord") -> bool:
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
            for what in ("publishers", "summits", "leaders", "offices", *EVENT_FAMILIES)
            if (c := self.counts.get(what)) is not None
        ]

    def notes(self) -> list[str]:
        """What else a person importing should know."""
        events_created = sum(self.counts[what].get("created", 0) for what in EVENT_FAMILIES if what in self.counts)
        if events_created and not self.publish:
            return [f"The {events_created} new event(s) are unpublished drafts: publishing needs the publish permission."]
        if self.unsourced:
            return [f"{self.unsourced} new event(s) without a source_url are unpublished drafts."]
        return []

    def lines(self) -> list[str]:
        out = [
            f"{what}: {created} created, {updated} updated, {unchanged} unchanged"
            for what, created, updated, unchanged in self.table()
        ]
        return out + self.notes()


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]
    failed: dict[str, str] = field(default_factory=dict)  # column → the error already reported for it

    def error(self, column: str, message: str) -> RowError:
        return RowError(self.file, self.line, column, message)


_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by "surrogateescape"


def read_rows(path: Path, spec: FileSpec, errors: list[RowError]) -> list[Row]:
    """The rows of one file, with the line each starts on; header problems go to `errors`."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        errors.append(RowError(spec.name, 1, "-", "the file is UTF-16 (Excel's \"Unicode text\"); save it as CSV UTF-8"))
        return []
    # Undecodable bytes are kept as surrogates so that the error can name the cell that holds them.
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        errors.append(RowError(spec.name, 1, "-", "the file is empty; it needs a header row"))
        return []
    except csv.Error as exc:
        errors.append(RowError(spec.name, 1, "-", f"cannot read the header: {exc}"))
        return []
    if any(_UNDECODABLE.search(h) for h in header):
        errors.append(RowError(spec.name, 1, "-", f"the header {undecodable(','.join(header))}; save the file as UTF-8"))
        return []
    header = [h.strip().lower() for h in header]
    header_ok = True
    for column in header:
        if column not in spec.columns:
            errors.append(
                RowError(spec.name, 1, column or "-", f"unknown column; {spec.name} takes {', '.join(spec.columns)}")
            )
            header_ok = False
    for column in spec.columns:
        if column in spec.required and column not in header:
            errors.append(RowError(spec.name, 1, column, "required column is missing"))
            header_ok = False
    duplicated = {c for c in header if header.count(c) > 1}
    for column in sorted(duplicated):
        errors.append(RowError(spec.name, 1, column, "column appears more than once"))
        header_ok = False
    if not header_ok:
        return []

    rows = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(spec.name, start, "-", f"malformed CSV: {exc}"))
            break
        if not any(c.strip() for c in cells):
            continue  # blank lines are not records
        if len(cells) != len(header):
            errors.append(RowError(spec.name, start, "-", f"{len(cells)} cells where the header has {len(header)}"))
            continue
        values = {column: cell.strip() for column, cell in zip(header, cells)}
        row = Row(spec.name, start, values)
        for column, value in values.items():
            if _UNDECODABLE.search(value):
                row.failed[column] = f"{undecodable(value)}; save the file as UTF-8"
            elif len(value) > MAX_CELL:
                row.failed[column] = f"{len(value):,} characters; the most is {MAX_CELL:,}"
                values[column] = value[:MAX_CELL]  # checked no further: one error per cell
        errors.extend(row.error(column, message) for column, message in row.failed.items())
        rows.append(row)
    return rows


def undecodable(value: str) -> str:
    """'is not UTF-8 (byte 0xe9 in 'R�union')', for a cell decoded with surrogateescape."""
    byte = ord(_UNDECODABLE.search(value).group()) - 0xDC00
    shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return f"is not UTF-8 (byte 0x{byte:02x} in {shown!r})"


# ---------------------------------------------------------------------------
# Parsing values
# ---------------------------------------------------------------------------

_PERSON = re.compile(r"^(?P<name>[^()]+?)\s*\(\s*(?P<cc>[A-Za-z]{2})\s*(?:,\s*(?P<role>[a-z]+)\s*)?\)$")


# Ordinary web addresses, checked without URLValidator, which costs more than the rest of a row.
# Everything this accepts URLValidator(schemes=["http", "https"]) accepts too; anything else
# (ports, IP addresses, user names, non-ASCII hosts) goes to the validator.
_PLAIN_URL = re.compile(
    r"https?://(?=[a-z0-9.-]{1,253}(?:[/?#]|\Z))(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:[/?#][!-~]*)?\Z",
    re.IGNORECASE,
)
PARTICIPANT_ROLES = frozenset(ParticipantRole.values)
STATUSES = tuple(EventStatus.values)


@functools.lru_cache(maxsize=1000)
def language_error(tag: str) -> str | None:
    """Why `tag` is not a language tag, or None; a file uses a handful of tags on many rows."""
    try:
        validate_language_tag(tag)
    except ValidationError as exc:
        return exc.messages[0]
    return None


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


class Parser:
    """Turns rows into records, collecting every error instead of stopping at the first."""

    def __init__(self, countries: set[str], known_summits: set[str]):
        self.countries = countries
        self.known_summits = known_summits
        self.errors: list[RowError] = []

    def fail(self, row: Row, column: str, message: str) -> None:
        # One error per cell: the first says what is wrong; more would be noise.
        if column in row.failed:
            return
        row.failed[column] = message
        self.errors.append(row.error(column, message))

    def text(self, row: Row, column: str, *, required=False, max_length: int | None = None) -> str:
        value = row.values.get(column, "")
        if required and not value:
            self.fail(row, column, "is empty")
        if max_length and len(value) > max_length:
            self.fail(row, column, f"{len(value)} characters; the most is {max_length}")
        return value

    def date(self, row: Row, column: str, *, required=True) -> PartialDate | None:
        value = row.values.get(column, "")
        if not value:
            if required:
                self.fail(row, column, "is empty; write YYYY, YYYY-MM or YYYY-MM-DD")
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            self.fail(row, column, str(exc))
            return None

    def country(self, row: Row, column: str, value: str) -> str | None:
        code = value.strip().upper()
        if code not in self.countries:
            self.fail(row, column, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
            return None
        return code

    def country_list(self, row: Row, column: str, *, required=False) -> tuple[str, ...]:
        codes = [self.country(row, column, v) for v in split_list(row.values.get(column, ""))]
        if required and not codes:
            self.fail(row, column, "is empty; give at least one ISO2 country code")
        return tuple(dict.fromkeys(c for c in codes if c))

    def person(self, row: Row, column: str, value: str) -> ParticipantRecord | None:
        match = _PERSON.match(value.strip())
        if not match:
            self.fail(row, column, f"{value!r} is not in the form Name (CC), e.g. Vladimir Putin (RU)")
            return None
        code = self.country(row, column, match["cc"])
        role = match["role"] or ParticipantRole.PARTICIPANT
        if role not in PARTICIPANT_ROLES:
            self.fail(row, column, f"{value!r}: role {role!r} is not one of {', '.join(ParticipantRole.values)}")
            return None
        return ParticipantRecord(" ".join(match["name"].split()), code, role) if code else None

    def choice(self, row: Row, column: str, choices: dict[str, str] | Iterable[str], default: str | None = None) -> str | None:
        value = row.values.get(column, "").lower() or (default or "")
        if value not in choices:
            self.fail(row, column, f"{value!r} is not one of {', '.join(choices)}")
            return None
        return choices[value] if isinstance(choices, dict) else value

    def summit(self, row: Row) -> str:
        value = row.values.get("summit", "")
        if value and value not in self.known_summits:
            self.fail(row, "summit", f"no summit has the short name {value!r} (in summits.csv or already stored)")
        return value

    def urls(self, row: Row, column: str = "source_url") -> tuple[str, ...]:
        urls = []
        for url in row.values.get(column, "").split():
            url = url.strip(";")
            if not url:
                continue
            if len(url) > 1000:
                self.fail(row, column, "a URL is longer than 1,000 characters")
                continue
            if not _PLAIN_URL.match(url):
                try:
                    http_url_validator(url)
                except ValidationError:
                    self.fail(row, column, f"{url[:80]!r} is not an http:// or https:// address")
                    continue
            urls.append(url)
        return tuple(dict.fromkeys(urls))

    # -- files -------------------------------------------------------------

    def summits(self, rows: list[Row]) -> list[SummitRecord]:
        records, seen = [], {}
        for row in rows:
            short_name = self.text(row, "short_name", required=True, max_length=80)
            if short_name in seen:
                self.fail(row, "short_name", f"{short_name!r} already appears on line {seen[short_name]}")
            seen.setdefault(short_name, row.line)
            name = self.text(row, "name", required=True, max_length=200)
            host = self.country(row, "host_country", row.values.get("host_country", ""))
            start = self.date(row, "start_date")
            end = self.date(row, "end_date")
            for column, value in (("start_date", start), ("end_date", end)):
                if value and value.precision != "day":
                    self.fail(row, column, "a summit's dates are full dates: YYYY-MM-DD")
            if start and end and end.date < start.date:
                self.fail(row, "end_date", f"{end.iso()} is before the start date {start.iso()}")
            record = SummitRecord(
                name=name,
                short_name=short_name,
                forum=self.text(row, "forum", max_length=80),
                host_country=host or "",
                city=self.text(row, "city", max_length=100),
                start_date=start,
                end_date=end,
                sources=self.urls(row),
            )
            if not row.failed:
                records.append(record)
        return records

    def leaders(self, rows: list[Row]) -> dict[LeaderKey, LeaderRecord]:
        leaders: dict[LeaderKey, LeaderRecord] = {}
        for row in rows:
            name = " ".join(self.text(row, "name", required=True, max_length=200).split())
            country = self.country(row, "country", row.values.get("country", ""))
            wikidata_id = self.text(row, "wikidata_id", max_length=20)
            if wikidata_id:
                try:
                    wikidata_validator(wikidata_id)
                except ValidationError as exc:
                    self.fail(row, "wikidata_id", exc.messages[0])
            if not (name and country):
                continue
            leader = leaders.setdefault((name, country), LeaderRecord(name, country, line=row.line))
            other_names = tuple(split_list(row.values.get("other_names", "")))
            for attr, value in (("other_names", other_names), ("wikidata_id", wikidata_id)):
                if value and getattr(leader, attr) and getattr(leader, attr) != value:
                    self.fail(row, attr, f"differs from line {leader.line} for the same leader")
                elif value:
                    setattr(leader, attr, value)
            # One source column serves the leader and, on an office row, that office too.
            urls = self.urls(row)
            for url in urls:
                if url not in leader.sources:
                    leader.sources.append(url)
            title = self.text(row, "office_title", max_length=200)
            start = self.date(row, "start_date", required=False)
            end = self.date(row, "end_date", required=False)
            if not title:
                if start or end or row.values.get("office_country"):
                    self.fail(row, "office_title", "is empty, but the row gives other details of an office")
                continue
            office_country = self.country(row, "office_country", row.values.get("office_country") or country)
            if start and end and end.date < start.date:
                self.fail(row, "end_date", f"{end.iso()} is before the start date {start.iso()}")
            office = OfficeRecord(title, office_country or "", start, end, urls[0] if urls else "")
            if any((o.title, o.start) == (office.title, office.start) for o in leader.offices):
                self.fail(row, "office_title", f"{title!r} from the same date already appears for {name}")
            else:
                leader.offices.append(office)
        return leaders

    def event_common(self, row: Row) -> dict:
        common = dict(
            file=row.file,
            line=row.line,
            date=self.date(row, "date"),
            status=self.choice(row, "status", STATUSES, default=EventStatus.HELD),
            city=self.text(row, "city", max_length=100),
            summit=self.summit(row),
            sources=self.urls(row),
        )
        return {**common, **self.event_extras(row, common["date"], common["sources"])}

    def meetings(self, rows: list[Row]) -> list[EventRecord]:
        records = []
        for row in rows:
            participants = [self.person(row, "participants", v) for v in split_list(row.values.get("participants", ""))]
            participants = [p for p in participants if p]
            if not participants:
                self.fail(row, "participants", "is empty; list the leaders as Name (CC); Name (CC)")
            names = [(p.name, p.country) for p in participants]
            if len(set(names)) != len(names):
                self.fail(row, "participants", "lists the same leader twice")
            kind = self.choice(row, "kind", MEETING_FILE_KINDS, default="other")
            title = self.text(row, "title", max_length=300)
            record = EventRecord(
                kind=kind,
                title=title or meeting_title(kind, participants),
                title_given=bool(title),
                summary=self.text(row, "summary"),
                participants=tuple(participants),
                **self.event_common(row),
            )
            if not row.failed:
                records.append(record)
        return records

    def statements(self, rows: list[Row]) -> list[EventRecord]:
        grouped: dict[tuple, EventRecord] = {}
        for row in rows:
            speaker = self.person(row, "speaker", row.values.get("speaker", ""))
            language = self.text(row, "language", required=True, max_length=35)
            if language and (problem := language_error(language)):
                self.fail(row, "language", problem)
            original = self.text(row, "original_text", required=True)
            english = self.text(row, "english_text")
            if language and not english and not (language == "en" or language.startswith("en-")):
                self.fail(row, "english_text", f"is empty; a quote in {language!r} needs its English translation")
            context = self.text(row, "context", max_length=300)
            translated_by = self.text(row, "translated_by", max_length=200)
            summary = self.text(row, "summary")
            group = self.text(row, "group", max_length=100)
            common = self.event_common(row)
            about = self.country_list(row, "about")
            if row.failed:
                continue
            quote = QuoteRecord(speaker, language, original, english, context, translated_by)
            # Rows are one event only where the file says so, with a shared `group` (#13):
            # one speaker's words of a day about China and about the US are two statements.
            key = ("group", group) if group else ("row", row.line)
            if key in grouped:
                record = grouped[key]
                if common["date"] != record.date:
                    self.fail(row, "date", f"differs from line {record.line} of the same group {group!r}")
                    continue
                if quote in record.quotes:
                    self.fail(row, "original_text", f"the same quote already appears on line {record.line}")
                    continue
                if not self.merge_group_row(row, record, summary, common):
                    continue
                record.quotes += (quote,)
                record.countries = tuple(dict.fromkeys(record.countries + about))
                record.sources = tuple(dict.fromkeys(record.sources + common["sources"]))
            else:
                grouped[key] = EventRecord(
                    kind=EventKind.STATEMENT, title="", title_given=False, countries=about, quotes=(quote,),
                    summary=summary, **common,
                )
        records = list(grouped.values())
        for record in records:
            record.title = statement_title(record.quotes)
        return records

    def other_events(self, rows: list[Row]) -> list[EventRecord]:
        records = []
        for row in rows:
            kind = self.choice(row, "kind", OTHER_FILE_KINDS)
            summary = self.text(row, "summary")
            title = self.text(row, "title", max_length=300)
            if not (title or summary):
                self.fail(row, "title", "is empty and so is the summary; give at least one")
            record = EventRecord(
                kind=kind,
                title=title or headline(summary),
                title_given=bool(title),
                summary=summary,
                countries=self.country_list(row, "countries", required=True),
                **self.event_common(row),
            )
            if not row.failed:
                records.append(record)
        return records

    def check_duplicates(self, records: list[EventRecord]) -> None:
        seen: dict[tuple, EventRecord] = {}
        for record in records:
            other = seen.get(record.key)
            if other is None:
                seen[record.key] = record
            elif record.kind == EventKind.STATEMENT:
                self.errors.append(
                    RowError(
                        record.file, record.line, "original_text",
                        f"the same statement as line {other.line} (same date, speaker, context and words); "
                        "rows of one statement share a group",
                    )
                )
            elif record.title_given:
                self.errors.append(
                    RowError(record.file, record.line, "title", f"the same event as {other.file} line {other.line} (same date and title)")
                )
            else:
                column, what = ("participants", "participants") if record.kind in MEETING_KINDS else ("summary", "kind and summary")
                self.errors.append(
                    RowError(record.file, record.line, column, f"the same event as {other.file} line {other.line} (same date and {what}, no title)")
                )

    # -- the optional columns of #13 -----------------------------------------

    def event_extras(self, row: Row, date: PartialDate | None, sources: tuple[str, ...]) -> dict:
        """end_date, venue, the sources' titles and dates, and disagreements, where the file has the columns."""
        header = row.values.keys()
        given = {name for name in ("end_date", "venue", "disagreements") if name in header}
        if "translated_by" in header:
            given.add("translated_by")
        if {"source_titles", "source_dates"} & header:
            given.add("source_details")
        end = self.date(row, "end_date", required=False)
        if end and date and end.date < date.date:
            self.fail(row, "end_date", f"{end.iso()} is before the date {date.iso()}")
        return {
            "end_date": end,
            "venue": self.text(row, "venue", max_length=200),
            "source_details": self.source_details(row, sources),
            "disagreements": self.disagreements(row, sources),
            "given": frozenset(given),
        }

    def source_details(self, row: Row, sources: tuple[str, ...]) -> tuple[SourceDetail, ...]:
        # A lone `|` separates the titles (` | ` as written; a cell's edges lose their spaces);
        # a `|` inside a title is written `||`.
        titles = (
            [t.strip().replace("||", "|") for t in TITLE_SEPARATOR.split(row.values["source_titles"])]
            if row.values.get("source_titles")
            else []
        )
        dates = [d.strip() for d in row.values.get("source_dates", "").split(";")] if row.values.get("source_dates") else []
        for column, values in (("source_titles", titles), ("source_dates", dates)):
            if len(values) > len(sources):
                self.fail(row, column, f"{len(values)} values for {len(sources)} source URL(s); give one per URL, in order")
                return ()
        if any(len(t) > 300 for t in titles):
            self.fail(row, "source_titles", "a title is longer than 300 characters")
        published = []
        for value in dates:
            try:
                published.append(datetime.date.fromisoformat(value) if value else None)
            except ValueError:
                self.fail(row, "source_dates", f"{value!r} is not a date: write YYYY-MM-DD, or leave it empty")
                return ()
        details = []
        for i, url in enumerate(sources):
            title = titles[i] if i < len(titles) else ""
            day = published[i] if i < len(published) else None
            if title or day:
                details.append(SourceDetail(url, title, day))
        return tuple(details)

    def disagreements(self, row: Row, sources: tuple[str, ...]) -> tuple[DisagreementRecord, ...]:
        value = row.values.get("disagreements", "")
        if not value:
            return ()
        shape = 'a JSON array [{"about": "...", "versions": [{"url": "<one of the row\'s source URLs>", "says": "..."}]}]'
        try:
            items = json.loads(value)
        except ValueError as exc:
            self.fail(row, "disagreements", f"is not JSON ({exc.msg}, character {exc.pos}); write {shape}")
            return ()
        records = []
        if not isinstance(items, list):
            self.fail(row, "disagreements", f"is not an array; write {shape}")
            return ()
        for n, item in enumerate(items, 1):
            about = item.get("about") if isinstance(item, dict) else None
            versions = item.get("versions") if isinstance(item, dict) else None
            if not isinstance(about, str) or not about.strip() or len(about) > 300:
                self.fail(row, "disagreements", f"item {n}: \"about\" must say what the sources disagree on (text, at most 300 characters)")
                return ()
            if not isinstance(versions, list) or len(versions) < 2:
                self.fail(row, "disagreements", f"item {n} ({about!r}): give at least two versions, one per source")
                return ()
            pairs = []
            for version in versions:
                url = version.get("url") if isinstance(version, dict) else None
                says = version.get("says") if isinstance(version, dict) else None
                if url not in sources:
                    self.fail(row, "disagreements", f"item {n} ({about!r}): {str(url)[:80]!r} is not one of the row's source URLs")
                    return ()
                if not isinstance(says, str) or not says.strip():
                    self.fail(row, "disagreements", f"item {n} ({about!r}): \"says\" is empty for {url[:80]!r}")
                    return ()
                if any(url == other for other, _ in pairs):
                    self.fail(row, "disagreements", f"item {n} ({about!r}): {url[:80]!r} has two versions")
                    return ()
                pairs.append((url, says.strip()))
            records.append(DisagreementRecord(about.strip(), tuple(pairs)))
        return tuple(records)

    def merge_group_row(self, row: Row, record: EventRecord, summary: str, common: dict) -> bool:
        """Adds a grouped statement row's event-wide values to its event; False (with an error) if they clash."""
        for column, mine, theirs in (
            ("summary", summary, record.summary),
            ("end_date", common["end_date"], record.end_date),
            ("venue", common["venue"], record.venue),
            ("disagreements", common["disagreements"], record.disagreements),
        ):
            if mine and theirs and mine != theirs:
                self.fail(row, column, f"differs from line {record.line} of the same group")
                return False
        record.summary = record.summary or summary
        record.end_date = record.end_date or common["end_date"]
        record.venue = record.venue or common["venue"]
        record.disagreements = record.disagreements or common["disagreements"]
        known = {d.url for d in record.source_details}
        record.source_details += tuple(d for d in common["source_details"] if d.url not in known)
        record.given |= common["given"]
        return True

    def publishers(self, rows: list[Row]) -> list[PublisherRecord]:
        records, seen = [], {}
        for row in rows:
            domain = normalise_domain(self.text(row, "domain", required=True, max_length=253))
            if domain and not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", domain):
                self.fail(row, "domain", f"{domain!r} is not a domain name such as rappler.com")
            if domain in seen:
                self.fail(row, "domain", f"{domain!r} already appears on line {seen[domain]}")
            seen.setdefault(domain, row.line)
            name = self.text(row, "name", required=True, max_length=200)
            kind = self.choice(row, "kind", PublisherKind.values)
            aggregator = row.values.get("aggregator", "").lower()
            if aggregator not in ("", "true", "false", "yes", "no", "1", "0"):
                self.fail(row, "aggregator", f"{aggregator!r} is not true or false")
            if not row.failed:
                records.append(PublisherRecord(domain, name, kind, aggregator in ("true", "yes", "1")))
        return records


@dataclass(frozen=True)
class PublisherRecord:
    domain: str
    name: str
    kind: str
    aggregator: bool


def meeting_title(kind: str | None, participants: list[ParticipantRecord]) -> str:
    names = [p.name for p in participants]
    if not names:
        return ""  # the row is in error already
    if len(names) == 1:
        return f"Meeting of {names[0]}"
    joined = " and ".join(names) if len(names) == 2 else ", ".join(names[:-1]) + " and " + names[-1]
    if kind == EventKind.CALL:
        return f"Telephone call: {joined}"
    return f"{names[0]} meets {' and '.join(names[1:]) if len(names) <= 3 else ', '.join(names[1:])}"[:300]


def statement_title(quotes: tuple[QuoteRecord, ...]) -> str:
    first = quotes[0]
    words = headline(first.english_text or first.original_text, 90)
    return f"{first.speaker.name}: “{words}”"[:300]


def headline(text: str, length: int = 120) -> str:
    """The first sentence of `text`, cut at a word boundary."""
    text = " ".join(text.split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(sentence) <= length:
        return sentence.rstrip(".")
    return sentence[:length].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def import_directory(
    directory: str | Path,
    *,
    dry_run: bool = False,
    publish: bool = True,
    progress: Callable[[Iterable, str, int], Iterator] | None = None,
) -> ImportReport:
    """Check every file in `directory`, then write everything or nothing.

    New events with a source are published unless `publish` is false (an
    editor who may not publish imports drafts); events without one are drafts
    either way. Raises ImportFailed with every error found; on success returns
    the counts.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFailed([RowError(str(directory), 0, "-", "no such directory")])
    errors: list[RowError] = []
    rows = {spec.name: read_rows(directory / spec.name, spec, errors) for spec in FILES if (directory / spec.name).exists()}
    if not rows:
        raise ImportFailed(
            [RowError(str(directory), 0, "-", f"none of {', '.join(s.name for s in FILES)} is there")]
        )

    countries = set(Country.objects.values_list("iso2", flat=True))
    stored_summits = set(Summit.objects.values_list("short_name", flat=True))
    file_summits = {r.values.get("short_name", "") for r in rows.get(SUMMITS.name, [])}
    parser = Parser(countries, stored_summits | file_summits)
    parser.errors = errors
    publishers = parser.publishers(rows.get(PUBLISHERS.name, []))
    summits = parser.summits(rows.get(SUMMITS.name, []))
    leaders = parser.leaders(rows.get(LEADERS.name, []))
    events = (
        parser.meetings(rows.get(MEETINGS.name, []))
        + parser.statements(rows.get(STATEMENTS.name, []))
        + parser.other_events(rows.get(OTHER_EVENTS.name, []))
    )
    parser.check_duplicates(events)
    if parser.errors:
        raise ImportFailed(parser.errors)

    report = ImportReport(dry_run=dry_run, publish=publish)
    progress = progress or (lambda iterable, label, total: iter(iterable))
    try:
        with transaction.atomic(), involvement.deferred():
            Writer(report, progress).write_publishers(publishers)
            Writer(report, progress).write(summits, leaders, events)
            if dry_run:
                raise _DryRun
            if report.changed:
                from .coding import code_events

                # Suggested PLOVER codes for what came in; an editor's coding is never overwritten.
                code_events(Event.objects.filter(date__in={record.date.date for record in events}), mark_changed=False)
                caching.bump()  # bulk writes send no signals; cached pages must not outlive the import
    except _DryRun:
        pass
    if report.created >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Until autovacuum catches up, PostgreSQL would plan queries on these tables (the
        # next import's look-ups among them) with the statistics of before the import.
        with connection.cursor() as cursor:
            tables = (Event, Participant, Quote, EventSource, Event.countries.through, *DERIVED_MODELS)
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables))
    return report


ANALYZE_AFTER = 10_000  # created rows after which the planner's statistics are refreshed


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


BATCH = 1000  # rows per bulk INSERT, and the most values in one IN (...) list


def batched(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def free_slug(text: str, taken: set[str], max_length: int = 80) -> str:
    """`unique_slug()` against a set of slugs already in use, which it extends: no query per row."""
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    taken.add(slug)
    return slug


class Writer:
    """Writes checked records in bulk: a fixed number of queries per thousand rows, none per new row.

    Rows that change a stored record are saved one by one (with their history);
    new summits, leaders and offices are bulk-created with a history entry each;
    new events, their parts and their involvement rows go in with insert_rows()
    (COPY on PostgreSQL), without history entries, as bulk_create() did before.
    """

    def __init__(self, report: ImportReport, progress):
        self.report = report
        self.progress = progress

    def write(self, summits, leaders, events):
        summit_ids = self.write_summits(summits)
        leader_objects = self.write_leaders(leaders, events)
        self.write_events(events, summit_ids, leader_objects)

    # -- summits -----------------------------------------------------------

    def write_summits(self, records: list[SummitRecord]) -> dict[str, int]:
        existing = {s.short_name: s for s in Summit.objects.prefetch_related("sources")}
        taken = {s.slug for s in existing.values()}
        created, sources = [], []
        for record in records:
            summit = existing.get(record.short_name)
            values = dict(
                name=record.name,
                forum=record.forum,
                host_country_id=record.host_country,
                city=record.city,
                start_date=record.start_date.date,
                end_date=record.end_date.date,
            )
            stored_sources = {s.url for s in summit.sources.all()} if summit else set()
            if summit is None:
                summit = Summit(short_name=record.short_name, slug=free_slug(record.short_name, taken), **values)
                created.append(summit)
                existing[record.short_name] = summit
                outcome = "created"
            elif all(getattr(summit, k) == v for k, v in values.items()) and set(record.sources) <= stored_sources:
                self.report.count("summits", "unchanged")
                continue
            else:
                for k, v in values.items():
                    setattr(summit, k, v)
                summit.save()
                outcome = "updated"
            sources.extend((summit, url) for url in record.sources if url not in stored_sources)
            self.report.count("summits", outcome)
        bulk_create_with_history(created, Summit, batch_size=BATCH)
        SummitSource.objects.bulk_create(
            (SummitSource(summit_id=summit.pk, url=url, publisher=publisher_from_url(url)) for summit, url in sources),
            batch_size=BATCH,
        )
        return {short_name: s.pk for short_name, s in existing.items()}

    # -- leaders and offices -----------------------------------------------

    def write_leaders(self, records: dict[LeaderKey, LeaderRecord], events: list[EventRecord]) -> dict[LeaderKey, Leader]:
        """Leaders from leaders.csv, plus every participant and speaker not yet stored, with their offices."""
        mentioned = {(p.name, p.country) for e in events for p in e.participants}
        mentioned |= {(q.speaker.name, q.speaker.country) for e in events for q in e.quotes}
        wanted = set(records) | mentioned
        existing: dict[LeaderKey, Leader] = {}
        for names in batched(sorted({name for name, _ in wanted})):
            for leader in Leader.objects.filter(name__in=names).prefetch_related("offices", "sources"):
                existing[(leader.name, leader.country_id)] = leader
        taken = set(Leader.objects.values_list("slug", flat=True)) if wanted - set(existing) else set()
        created = []
        for key in sorted(wanted):
            record = records.get(key)
            leader = existing.get(key)
            if leader is None:
                leader = Leader(name=key[0], country_id=key[1], slug=free_slug(key[0], taken))
                if record:
                    leader.other_names = "\n".join(record.other_names)
                    leader.wikidata_id = record.wikidata_id
                created.append(leader)
                existing[key] = leader
                self.report.count("leaders", "created")
            elif record:
                changed = False
                if record.other_names and leader.other_names != "\n".join(record.other_names):
                    leader.other_names, changed = "\n".join(record.other_names), True
                if record.wikidata_id and leader.wikidata_id != record.wikidata_id:
                    leader.wikidata_id, changed = record.wikidata_id, True
                if changed:
                    leader.save()
                self.report.count("leaders", "updated" if changed else "unchanged")
        bulk_create_with_history(created, Leader, batch_size=BATCH)
        self.write_offices({key: existing[key] for key in records}, records, new={id(leader) for leader in created})
        # office_on() must see the offices just written: fetch them afresh, in one query per batch.
        leaders = list(existing.values())
        for leader in leaders:
            getattr(leader, "_prefetched_objects_cache", {}).pop("offices", None)
        for batch in batched(leaders):
            prefetch_related_objects(batch, "offices")
        return existing

    def write_offices(self, leaders: dict[LeaderKey, Leader], records: dict[LeaderKey, LeaderRecord], new: set[int]) -> None:
        created, sources = [], []
        for key, record in records.items():
            leader = leaders[key]
            is_new = id(leader) in new
            stored = {} if is_new else {(o.title, o.start_date, o.start_precision): o for o in leader.offices.all()}
            for office in record.offices:
                start = office.start
                office_key = (office.title, start.date if start else None, start.precision if start else "day")
                values = dict(
                    country_id=office.country,
                    end_date=office.end.date if office.end else None,
                    end_precision=office.end.precision if office.end else "day",
                    source_url=office.source_url,
                )
                existing = stored.get(office_key)
                if existing is None:
                    created.append(
                        Office(leader=leader, title=office.title, start_date=office_key[1], start_precision=office_key[2], **values)
                    )
                    self.report.count("offices", "created")
                elif all(getattr(existing, k) == v for k, v in values.items()):
                    self.report.count("offices", "unchanged")
                else:
                    for k, v in values.items():
                        setattr(existing, k, v)
                    existing.save()
                    self.report.count("offices", "updated")
            stored_sources = set() if is_new else {s.url for s in leader.sources.all()}
            sources.extend(
                LeaderSource(leader=leader, url=url, publisher=publisher_from_url(url))
                for url in record.sources
                if url not in stored_sources
            )
        bulk_create_with_history(created, Office, batch_size=BATCH)
        LeaderSource.objects.bulk_create(sources, batch_size=BATCH)

    # -- events ------------------------------------------------------------

    def stored_events(self, records: list[EventRecord]) -> dict[tuple, tuple[int, EventRecord]]:
        """The stored events on the dates the files mention, by every key a row may find them under."""
        from .exporting import event_records  # the exporter's view of stored events

        stored: dict[tuple, tuple[int, EventRecord]] = {}
        for dates in batched(sorted({r.date.date for r in records})):
            for pk, existing in event_records(Event.objects.filter(date__in=dates).order_by("pk"), chunk_size=BATCH):
                for key in existing.stored_keys():
                    stored.setdefault(key, (pk, existing))
        return stored

    def write_events(self, records: list[EventRecord], summit_ids: dict[str, int], leaders: dict[LeaderKey, Leader]):
        stored = self.stored_events(records)
        new: list[tuple[EventRecord, dict]] = []
        for record in self.progress(records, "events", len(records)):
            fields = dict(
                kind=record.kind,
                title=record.title,
                summary=record.summary,
                date=record.date.date,
                date_precision=record.date.precision,
                date_approximate=record.date.approximate,
                status=record.status,
                city=record.city,
                summit_id=summit_ids.get(record.summit) if record.summit else None,
                end_date=record.end_date.date if record.end_date else None,
                venue=record.venue,
            )
            found = stored.get(record.key)
            if found is None:
                # No public event without a source (EventQuerySet.published): an unsourced row is a draft.
                new.append((record, {**fields, "published": bool(record.sources) and self.report.publish}))
                self.report.count(record.family, "created")
                if not record.sources:
                    self.report.unsourced += 1
                if len(new) == BATCH:
                    self.create_events(new, leaders)
                    new = []
                continue
            pk, existing = found
            if record.same_as(existing):
                self.report.count(record.family, "unchanged")
                continue
            self.update_event(pk, existing, record, fields, leaders)
            self.report.count(record.family, "updated")
        self.create_events(new, leaders)

    def create_events(self, pending: list[tuple[EventRecord, dict]], leaders: dict[LeaderKey, Leader]) -> None:
        if not pending:
            return
        columns = tuple(pending[0][1])
        pks = insert_rows(Event, columns, [tuple(values.values()) for _, values in pending], returning=True)
        events = [
            (record, NewEvent(pk, values["date"], values["published"])) for pk, (record, values) in zip(pks, pending)
        ]
        self.write_parts(events, leaders, new=True)

    def update_event(self, pk: int, existing: EventRecord, record: EventRecord, fields: dict, leaders) -> None:
        event = Event.objects.get(pk=pk)
        if not record.title_given:
            del fields["title"]  # made up from the row: the stored (perhaps edited) title stays
        for name in ("end_date", "venue"):
            if name not in record.given:
                del fields[name]  # the file has no such column: what is stored stays
        for k, v in fields.items():
            setattr(event, k, v)
        event.save()
        # The file is the truth for participants, quotes and (where it has them)
        # countries; sources are only added, so that editors' additions survive.
        event.participants.all().delete()
        event.quotes.all().delete()
        if record.file_has_countries:
            event.countries.clear()
        record = self.keep_unsaid(record, existing)
        self.update_sources(pk, record)
        if "disagreements" in record.given:
            event.disagreements.all().delete()
        self.write_parts([(record, event)], leaders, skip_sources=set(existing.sources))

    def write_parts(
        self,
        pairs: list[tuple[EventRecord, Event | NewEvent]],
        leaders: dict[LeaderKey, Leader],
        *,
        skip_sources=frozenset(),
        new: bool = False,
    ) -> None:
        """Participants, quotes, sources and countries of `pairs`; for `new` events, their involvement too."""
        participants, quotes, sources, countries, involved, event_pairs, featured = [], [], [], [], [], [], []
        for record, event in pairs:
            pk, date = event.pk, event.date
            leader_ids = {}  # The leaders the event features, in order, once each.
            for position, p in enumerate(record.participants):
                leader = leaders[(p.name, p.country)]
                leader_ids[leader.pk] = None
                participants.append((pk, leader.pk, p.country, p.role, title_on(leader, date), position))
            for position, q in enumerate(record.quotes):
                leader = leaders[(q.speaker.name, q.speaker.country)]
                leader_ids[leader.pk] = None
                quotes.append(
                    (
                        pk, leader.pk, title_on(leader, date), q.language, q.original_text, q.english_text, q.context,
                        q.translated_by, position,
                    )
                )
            details = {d.url: d for d in record.source_details}
            sources.extend(
                (pk, url, publisher_of(url), details[url].title if url in details else "", details[url].published if url in details else None)
                for url in record.sources
                if url not in skip_sources
            )
            if record.file_has_countries:
                countries.extend((pk, code) for code in record.countries)
            if new:
                # What involvement.sync_involvement() would derive, known here without reading it back
                # (tests compare the two with involvement.drift()).
                codes = sorted(
                    {p.country for p in record.participants}
                    | {q.speaker.country for q in record.quotes}
                    | (set(record.countries) if record.file_has_countries else set())
                )
                involved.extend((pk, code, date, event.published) for code in codes)
                event_pairs.extend((pk, pair_key(a, b), date, event.published) for a, b in itertools.combinations(codes, 2))
                featured.extend((pk, leader_id, date, event.published) for leader_id in leader_ids)
        if not new:
            # Inside involvement.deferred(): collected here, synced when the import ends.
            involvement.sync_involvement([event.pk for _, event in pairs])
        insert_rows(Participant, ("event_id", "leader_id", "country_id", "role", "title", "position"), participants)
        insert_rows(
            Quote,
            (
                "event_id", "speaker_id", "speaker_title", "language", "original_text", "english_text", "context",
                "translated_by", "position",
            ),
            quotes,
        )
        insert_rows(EventSource, ("event_id", "url", "publisher", "title", "published_on"), sources)
        self.write_disagreements([(record, event.pk) for record, event in pairs if record.disagreements])
        insert_rows(Event.countries.through, ("event_id", "country_id"), countries)
        insert_rows(EventCountry, ("event_id", "country_id", "date", "published"), involved)
        insert_rows(EventPair, ("event_id", "pair", "date", "published"), event_pairs)
        insert_rows(EventLeader, ("event_id", "leader_id", "date", "published"), featured)
        # Inside involvement.deferred() too: recomputed once, when the import ends.
        involvement.refresh_pair_months(
            {(pair, involvement.month_start(date)) for _, pair, date, published in event_pairs if published}
        )

    # -- #13: publishers, the sources' details, disagreements -----------------

    def write_publishers(self, records: list[PublisherRecord]) -> None:
        stored = {p.domain: p for p in Publisher.objects.all()}
        created = []
        for record in records:
            values = dict(name=record.name, kind=record.kind, aggregator=record.aggregator)
            publisher = stored.get(record.domain)
            if publisher is None:
                created.append(Publisher(domain=record.domain, **values))
                self.report.count("publishers", "created")
            elif all(getattr(publisher, k) == v for k, v in values.items()):
                self.report.count("publishers", "unchanged")
            else:
                for k, v in values.items():
                    setattr(publisher, k, v)
                publisher.save()
                self.report.count("publishers", "updated")
        bulk_create_with_history(created, Publisher, batch_size=BATCH)
        publisher_table.cache_clear()

    @staticmethod
    def keep_unsaid(record: EventRecord, existing: EventRecord) -> EventRecord:
        """`record` with the translations' attributions it has no column for taken from the stored event."""
        if "translated_by" in record.given:
            return record
        stored = {(q.speaker, q.original_text): q.translated_by for q in existing.quotes}
        quotes = tuple(replace(q, translated_by=stored.get((q.speaker, q.original_text), "")) for q in record.quotes)
        return replace(record, quotes=quotes)

    @staticmethod
    def update_sources(pk: int, record: EventRecord) -> None:
        """New titles and dates the file gives for sources the event already has."""
        for detail in record.source_details:
            EventSource.objects.filter(event_id=pk, url=detail.url).exclude(
                title=detail.title, published_on=detail.published
            ).update(title=detail.title, published_on=detail.published)

    @staticmethod
    def write_disagreements(pairs: list[tuple[EventRecord, int]]) -> None:
        """Each event's disagreements, their versions tied to the event's sources (a handful per import)."""
        if not pairs:
            return
        source_ids = {
            (event_id, url): pk
            for pk, event_id, url in EventSource.objects.filter(event_id__in=[pk for _, pk in pairs]).values_list(
                "pk", "event_id", "url"
            )
        }
        for record, pk in pairs:
            for position, item in enumerate(record.disagreements):
                disagreement = Disagreement.objects.create(event_id=pk, about=item.about, position=position)
                DisagreementVersion.objects.bulk_create(
                    DisagreementVersion(disagreement=disagreement, source_id=source_ids[(pk, url)], says=says)
                    for url, says in item.versions
                )


def copy_text(value) -> str:
    """A value in the text format of PostgreSQL's COPY: \\N for NULL, tabs, newlines and backslashes escaped."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class NewEvent(NamedTuple):
    """What writing an event's parts needs of an event just inserted."""

    pk: int
    date: datetime.date
    published: bool


@functools.lru_cache(maxsize=10_000)
def _publisher_of_origin(origin: str) -> str:
    return publisher_from_url(origin)


def publisher_of(url: str) -> str:
    """publisher_from_url(), computed once per site rather than once per source."""
    return _publisher_of_origin("/".join(url.split("/", 3)[:3]))


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple], *, returning: bool = False) -> list[int]:
    """INSERT `rows` (values in the order of `columns`) in multi-row statements, without model instances.

    bulk_create() for the hundreds of thousands of events, participants, quotes
    and sources of a large import spends more time building and compiling model
    instances than the database spends storing them. Like bulk_create(), this
    sends no signals and writes no history; a field left out gets what a new
    instance would (its default, `auto_now`, a version number); with
    `returning`, the new primary keys come back in the order of `rows` (from
    the sequence on PostgreSQL; from INSERT ... RETURNING elsewhere, whose order
    bulk_create() relies on as well).
    """
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(column) for column in columns]
    defaulted = [f for f in meta.concrete_fields if not f.primary_key and f not in given]
    fields = given + defaulted
    template = model()
    defaults = tuple(f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in defaulted)
    # Prepared only where the driver cannot take the Python value as it is (dates on SQLite).
    prepare = [
        (i, f.get_db_prep_save) for i, f in enumerate(given) if f.get_internal_type() in ("DateField", "DateTimeField")
    ]
    quote = connection.ops.quote_name
    table_and_columns = f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    if connection.vendor == "postgresql":
        # COPY: PostgreSQL's bulk-load path, several times faster than INSERT for big batches.
        # New primary keys are drawn from the table's sequence first, as the INSERT would.
        pks = []
        with connection.cursor() as cursor:
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, len(rows)],
                )
                pks = [pk for (pk,) in cursor.fetchall()]
                rows = [(pk, *row) for pk, row in zip(pks, rows)]
                table_and_columns = f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in [meta.pk, *fields])})"
            for batch in batched(rows, 20 * BATCH):
                text = "".join("\t".join(map(copy_text, (*row, *defaults))) + "\n" for row in batch)
                cursor.cursor.copy_expert(f"COPY {table_and_columns} FROM STDIN", io.StringIO(text))
        return pks
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, min(BATCH, (connection.features.max_query_params or 1 << 16) // len(fields)))
    head = f"INSERT INTO {table_and_columns} VALUES "
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    pks = []
    with connection.cursor() as cursor:
        for batch in batched(rows, per_statement):
            params = []
            for row in batch:
                if prepare:
                    row = list(row)
                    for i, prep in prepare:
                        row[i] = prep(row[i], connection)
                params.extend(row)
                params.extend(defaults)
            cursor.execute(head + ", ".join([placeholder] * len(batch)) + tail, params)
            if returning:
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks
