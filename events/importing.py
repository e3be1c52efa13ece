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
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects

from . import involvement
from .dates import PartialDate
from .models import (
    MEETING_KINDS,
    Country,
    Event,
    EventKind,
    EventSource,
    EventStatus,
    Leader,
    LeaderSource,
    Office,
    Participant,
    ParticipantRole,
    Quote,
    Summit,
    SummitSource,
    http_url_validator,
    publisher_from_url,
    unique_slug,
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
    ("date", "title", "participants", "city", "summit", "status", "kind", "source_url"),
    frozenset({"date", "participants"}),
)
STATEMENTS = FileSpec(
    "statements.csv",
    ("date", "speaker", "about", "language", "original_text", "english_text", "context", "source_url"),
    frozenset({"date", "speaker", "language", "original_text"}),
)
OTHER_EVENTS = FileSpec(
    "other_events.csv",
    ("date", "kind", "title", "summary", "countries", "city", "summit", "status", "source_url"),
    frozenset({"date", "kind", "countries"}),
)
FILES = (SUMMITS, LEADERS, MEETINGS, STATEMENTS, OTHER_EVENTS)


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

    @property
    def key(self) -> tuple:
        if self.kind == EventKind.STATEMENT:
            first = self.quotes[0]
            return ("statement", self.date.date, self.date.precision, first.speaker.name, first.speaker.country, first.context)
        family = "meeting" if self.kind in MEETING_KINDS else "other"
        return (family, self.date.date, self.date.precision, self.title)

    @property
    def file_has_countries(self) -> bool:
        """meetings.csv has no countries column: a meeting's countries are left as the editors set them."""
        return self.kind not in MEETING_KINDS

    def comparable(self) -> tuple:
        """What the files say about the event, but its sources (which an import only ever adds to)."""
        return (
            self.kind,
            self.date,
            self.title,
            self.summary,
            self.status,
            self.city,
            self.summit,
            tuple(sorted(self.countries)) if self.file_has_countries else (),
            self.participants,
            self.quotes,
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


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    dry_run: bool = False

    def count(self, what: str, outcome: str, n: int = 1) -> None:
        self.counts[what][outcome] += n

    @property
    def changed(self) -> bool:
        return any(c.get("created") or c.get("updated") for c in self.counts.values())

    def lines(self) -> list[str]:
        out = []
        for what in ("summits", "leaders", "offices", "meetings", "statements", "other events"):
            if what in self.counts:
                c = self.counts[what]
                out.append(
                    f"{what}: {c.get('created', 0)} created, {c.get('updated', 0)} updated, {c.get('unchanged', 0)} unchanged"
                )
        return out


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]

    def error(self, column: str, message: str) -> RowError:
        return RowError(self.file, self.line, column, message)


def read_rows(path: Path, spec: FileSpec, errors: list[RowError]) -> list[Row]:
    """The rows of one file, with the line each starts on; header problems go to `errors`."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        errors.append(RowError(spec.name, line, "-", f"the file is not UTF-8 (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        errors.append(RowError(spec.name, 1, "-", "the file is empty; it needs a header row"))
        return []
    except csv.Error as exc:
        errors.append(RowError(spec.name, 1, "-", f"cannot read the header: {exc}"))
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
        for column, value in values.items():
            if len(value) > MAX_CELL:
                errors.append(RowError(spec.name, start, column, f"{len(value):,} characters; the most is {MAX_CELL:,}"))
                values[column] = ""
        rows.append(Row(spec.name, start, values))
    return rows


# ---------------------------------------------------------------------------
# Parsing values
# ---------------------------------------------------------------------------

_PERSON = re.compile(r"^(?P<name>[^()]+?)\s*\(\s*(?P<cc>[A-Za-z]{2})\s*(?:,\s*(?P<role>[a-z]+)\s*)?\)$")


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


class Parser:
    """Turns rows into records, collecting every error instead of stopping at the first."""

    def __init__(self, countries: set[str], known_summits: set[str]):
        self.countries = countries
        self.known_summits = known_summits
        self.errors: list[RowError] = []

    def fail(self, row: Row, column: str, message: str) -> None:
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
        if role not in ParticipantRole.values:
            self.fail(row, column, f"{value!r}: role {role!r} is not one of {', '.join(ParticipantRole.values)}")
            return None
        return ParticipantRecord(" ".join(match["name"].split()), code, role) if code else None

    def choice(self, row: Row, column: str, choices: dict[str, str] | Iterable[str], default: str | None = None) -> str | None:
        value = row.values.get(column, "").lower()
        if not value and default is not None:
            return default
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
            try:
                http_url_validator(url)
            except ValidationError:
                self.fail(row, column, f"{url[:80]!r} is not an http:// or https:// address")
                continue
            if len(url) > 1000:
                self.fail(row, column, "a URL is longer than 1,000 characters")
                continue
            urls.append(url)
        return tuple(dict.fromkeys(urls))

    # -- files -------------------------------------------------------------

    def summits(self, rows: list[Row]) -> list[SummitRecord]:
        records, seen = [], {}
        for row in rows:
            before = len(self.errors)
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
            if len(self.errors) == before:
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
            for url in self.urls(row):
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
            office = OfficeRecord(title, office_country or "", start, end, (row.values.get("source_url") or "").split()[0] if row.values.get("source_url") else "")
            if any((o.title, o.start) == (office.title, office.start) for o in leader.offices):
                self.fail(row, "office_title", f"{title!r} from the same date already appears for {name}")
            else:
                leader.offices.append(office)
        return leaders

    def event_common(self, row: Row) -> dict:
        return dict(
            file=row.file,
            line=row.line,
            date=self.date(row, "date"),
            status=self.choice(row, "status", EventStatus.values, default=EventStatus.HELD),
            city=self.text(row, "city", max_length=100),
            summit=self.summit(row),
            sources=self.urls(row),
        )

    def meetings(self, rows: list[Row]) -> list[EventRecord]:
        records = []
        for row in rows:
            before = len(self.errors)
            participants = [self.person(row, "participants", v) for v in split_list(row.values.get("participants", ""))]
            participants = [p for p in participants if p]
            if len(self.errors) == before and len(participants) < 1:
                self.fail(row, "participants", "is empty; list the leaders as Name (CC); Name (CC)")
            names = [(p.name, p.country) for p in participants]
            if len(set(names)) != len(names):
                self.fail(row, "participants", "lists the same leader twice")
            kind = self.choice(row, "kind", MEETING_FILE_KINDS, default="other")
            title = self.text(row, "title", max_length=300) or meeting_title(kind, participants)
            record = EventRecord(
                kind=kind, title=title, participants=tuple(participants), **self.event_common(row)
            )
            if len(self.errors) == before:
                records.append(record)
        return records

    def statements(self, rows: list[Row]) -> list[EventRecord]:
        grouped: dict[tuple, EventRecord] = {}
        for row in rows:
            before = len(self.errors)
            speaker = self.person(row, "speaker", row.values.get("speaker", ""))
            language = self.text(row, "language", required=True, max_length=35)
            if language:
                try:
                    validate_language_tag(language)
                except ValidationError as exc:
                    self.fail(row, "language", exc.messages[0])
            original = self.text(row, "original_text", required=True)
            english = self.text(row, "english_text")
            if language and not english and not (language == "en" or language.startswith("en-")):
                self.fail(row, "english_text", f"is empty; a quote in {language!r} needs its English translation")
            context = self.text(row, "context", max_length=300)
            common = self.event_common(row)
            about = self.country_list(row, "about")
            if len(self.errors) != before:
                continue
            quote = QuoteRecord(speaker, language, original, english, context)
            key = (common["date"], speaker, context)
            if key in grouped:
                record = grouped[key]
                if quote in record.quotes:
                    self.fail(row, "original_text", f"the same quote already appears on line {record.line}")
                    continue
                record.quotes += (quote,)
                record.countries = tuple(dict.fromkeys(record.countries + about))
                record.sources = tuple(dict.fromkeys(record.sources + common["sources"]))
            else:
                grouped[key] = EventRecord(
                    kind=EventKind.STATEMENT, title="", countries=about, quotes=(quote,), **common
                )
        records = list(grouped.values())
        for record in records:
            record.title = statement_title(record.quotes)
        return records

    def other_events(self, rows: list[Row]) -> list[EventRecord]:
        records = []
        for row in rows:
            before = len(self.errors)
            kind = self.choice(row, "kind", OTHER_FILE_KINDS)
            summary = self.text(row, "summary")
            title = self.text(row, "title", max_length=300) or headline(summary)
            if not title:
                self.fail(row, "title", "is empty and so is the summary; give at least one")
            record = EventRecord(
                kind=kind,
                title=title,
                summary=summary,
                countries=self.country_list(row, "countries", required=True),
                **self.event_common(row),
            )
            if len(self.errors) == before:
                records.append(record)
        return records

    def check_duplicates(self, records: list[EventRecord]) -> None:
        seen: dict[tuple, EventRecord] = {}
        for record in records:
            other = seen.get(record.key)
            if other:
                self.errors.append(
                    RowError(record.file, record.line, "-", f"the same event as {other.file} line {other.line} (same kind, date and title)")
                )
            else:
                seen[record.key] = record


def meeting_title(kind: str | None, participants: list[ParticipantRecord]) -> str:
    names = [p.name for p in participants]
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
    directory: str | Path, *, dry_run: bool = False, progress: Callable[[Iterable, str, int], Iterator] | None = None
) -> ImportReport:
    """Check every file in `directory`, then write everything or nothing.

    Raises ImportFailed with every error found; on success returns the counts.
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

    report = ImportReport(dry_run=dry_run)
    progress = progress or (lambda iterable, label, total: iter(iterable))
    try:
        with transaction.atomic(), involvement.deferred():
            Writer(report, progress).write(summits, leaders, events)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Writer:
    def __init__(self, report: ImportReport, progress):
        self.report = report
        self.progress = progress

    def write(self, summits, leaders, events):
        summit_ids = self.write_summits(summits)
        leader_ids = self.write_leaders(leaders, events)
        self.write_events(events, summit_ids, leader_ids)

    # -- summits -----------------------------------------------------------

    def write_summits(self, records: list[SummitRecord]) -> dict[str, int]:
        existing = {s.short_name: s for s in Summit.objects.prefetch_related("sources")}
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
            if summit is None:
                summit = Summit(short_name=record.short_name, **values)
                summit.save()
                existing[record.short_name] = summit
                outcome = "created"
            elif all(getattr(summit, k) == v for k, v in values.items()) and set(record.sources) <= {s.url for s in summit.sources.all()}:
                self.report.count("summits", "unchanged")
                continue
            else:
                for k, v in values.items():
                    setattr(summit, k, v)
                summit.save()
                outcome = "updated"
            stored = set(summit.sources.values_list("url", flat=True))
            SummitSource.objects.bulk_create(
                SummitSource(summit=summit, url=url, publisher=publisher_from_url(url))
                for url in record.sources
                if url not in stored
            )
            self.report.count("summits", outcome)
        return {short_name: s.pk for short_name, s in existing.items()}

    # -- leaders and offices -----------------------------------------------

    def write_leaders(self, records: dict[LeaderKey, LeaderRecord], events: list[EventRecord]) -> dict[LeaderKey, Leader]:
        """Leaders from leaders.csv, plus every participant and speaker not yet stored."""
        mentioned = {(p.name, p.country) for e in events for p in e.participants}
        mentioned |= {(q.speaker.name, q.speaker.country) for e in events for q in e.quotes}
        wanted = set(records) | mentioned
        names = {name for name, _ in wanted}
        existing = {
            (leader.name, leader.country_id): leader
            for leader in Leader.objects.filter(name__in=names).prefetch_related("offices", "sources")
        }
        for key in sorted(wanted):
            record = records.get(key)
            leader = existing.get(key)
            if leader is None:
                leader = Leader(name=key[0], country_id=key[1])
                if record:
                    leader.other_names = "\n".join(record.other_names)
                    leader.wikidata_id = record.wikidata_id
                leader.slug = unique_slug(Leader, leader.name)
                leader.save()
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
            if record:
                self.write_offices(leader, record)
        return existing

    def write_offices(self, leader: Leader, record: LeaderRecord) -> None:
        stored = {(o.title, o.start_date, o.start_precision): o for o in leader.offices.all()}
        for office in record.offices:
            start = office.start
            key = (office.title, start.date if start else None, start.precision if start else "day")
            values = dict(
                country_id=office.country,
                end_date=office.end.date if office.end else None,
                end_precision=office.end.precision if office.end else "day",
                source_url=office.source_url,
            )
            existing = stored.get(key)
            if existing and all(getattr(existing, k) == v for k, v in values.items()):
                self.report.count("offices", "unchanged")
                continue
            if existing:
                for k, v in values.items():
                    setattr(existing, k, v)
                existing.save()
                self.report.count("offices", "updated")
            else:
                Office.objects.create(leader=leader, title=office.title, start_date=key[1], start_precision=key[2], **values)
                self.report.count("offices", "created")
        getattr(leader, "_prefetched_objects_cache", {}).pop("offices", None)  # office_on() must see the new ones
        stored_sources = {s.url for s in leader.sources.all()}
        LeaderSource.objects.bulk_create(
            LeaderSource(leader=leader, url=url, publisher=publisher_from_url(url))
            for url in record.sources
            if url not in stored_sources
        )

    # -- events ------------------------------------------------------------

    def write_events(self, records: list[EventRecord], summit_ids: dict[str, int], leaders: dict[LeaderKey, Leader]):
        from .exporting import event_record  # the exporter's view of a stored event

        prefetch_related_objects(list(leaders.values()), "offices")
        summit_names = {pk: name for name, pk in summit_ids.items()}

        dates = {r.date.date for r in records}
        stored: dict[tuple, Event] = {}
        if dates:
            candidates = Event.objects.filter(date__in=dates).with_related().prefetch_related("countries")
            for event in candidates:
                existing = event_record(event, summit_names)
                if existing is not None:
                    stored.setdefault(existing.key, (event, existing))

        label = {"meeting": "meetings", "statement": "statements", "other": "other events"}
        new: list[tuple[EventRecord, Event]] = []
        for record in self.progress(records, "events", len(records)):
            what = label[record.key[0]]
            found = stored.get(record.key)
            summit_id = summit_ids.get(record.summit) if record.summit else None
            fields = dict(
                kind=record.kind,
                title=record.title,
                summary=record.summary,
                date=record.date.date,
                date_precision=record.date.precision,
                date_approximate=record.date.approximate,
                status=record.status,
                city=record.city,
                summit_id=summit_id,
            )
            if found is None:
                new.append((record, Event(**fields)))
                self.report.count(what, "created")
                continue
            event, existing = found
            if existing.comparable() == record.comparable() and set(record.sources) <= set(existing.sources):
                self.report.count(what, "unchanged")
                continue
            for k, v in fields.items():
                setattr(event, k, v)
            event.save()
            # The file is the truth for participants, quotes and (where it has them)
            # countries; sources are only added, so that editors' additions survive.
            event.participants.all().delete()
            event.quotes.all().delete()
            if record.file_has_countries:
                event.countries.clear()
            known_sources = set(existing.sources)
            self.write_parts([(record, event)], leaders, skip_sources=known_sources)
            self.report.count(what, "updated")

        for start in range(0, len(new), 1000):
            batch = new[start : start + 1000]
            Event.objects.bulk_create([event for _, event in batch])
            self.write_parts(batch, leaders)

    def write_parts(
        self, pairs: list[tuple[EventRecord, Event]], leaders: dict[LeaderKey, Leader], skip_sources=frozenset()
    ) -> None:
        participants, quotes, sources, countries = [], [], [], []
        through = Event.countries.through
        for record, event in pairs:
            for position, p in enumerate(record.participants):
                leader = leaders[(p.name, p.country)]
                office = leader.office_on(event.date)
                participants.append(
                    Participant(
                        event_id=event.pk,
                        leader_id=leader.pk,
                        country_id=p.country,
                        role=p.role,
                        title=office.title if office else "",
                        position=position,
                    )
                )
            for position, q in enumerate(record.quotes):
                leader = leaders[(q.speaker.name, q.speaker.country)]
                office = leader.office_on(event.date)
                quotes.append(
                    Quote(
                        event_id=event.pk,
                        speaker_id=leader.pk,
                        speaker_title=office.title if office else "",
                        language=q.language,
                        original_text=q.original_text,
                        english_text=q.english_text,
                        context=q.context,
                        position=position,
                    )
                )
            sources.extend(
                EventSource(event_id=event.pk, url=url, publisher=publisher_from_url(url))
                for url in record.sources
                if url not in skip_sources
            )
            if record.file_has_countries:
                countries.extend(through(event_id=event.pk, country_id=code) for code in record.countries)
            involvement.sync_involvement([event.pk])
        Participant.objects.bulk_create(participants)
        Quote.objects.bulk_create(quotes)
        EventSource.objects.bulk_create(sources)
        through.objects.bulk_create(countries)
