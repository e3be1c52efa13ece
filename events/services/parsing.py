"""
Reading the import files: rows out of CSV, values checked, records built (services/formats.py).

Every error is kept with its file, line and column (`FILE:LINE: column: message`,
LINE being the line on which the record starts, the header line 1), so that an
import can list them all and write nothing.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from events.models import (
    MEETING_KINDS,
    Event,
    EventKind,
    EventStatus,
    Leader,
    ParticipantRole,
    PublisherKind,
    http_url_validator,
    normalise_domain,
    validate_language_tag,
    wikidata_validator,
)
from events.services.formats import (
    MAX_CELL,
    MAX_COLUMNS,
    MEETING_FILE_KINDS,
    NUL_MESSAGE,
    OTHER_FILE_KINDS,
    DisagreementRecord,
    EventRecord,
    FileSpec,
    LeaderKey,
    LeaderRecord,
    OfficeRecord,
    ParticipantRecord,
    PublisherRecord,
    QuoteRecord,
    RowError,
    SourceDetail,
    SummitRecord,
)
from events.vocab.dates import PartialDate

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
        errors.append(RowError(spec.name, 1, "-", 'the file is UTF-16 (Excel\'s "Unicode text"); save it as CSV UTF-8'))
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
    if len(header) > MAX_COLUMNS:
        errors.append(
            RowError(
                spec.name,
                1,
                "-",
                f"the header has {len(header):,} columns; the most is {MAX_COLUMNS} ({spec.name} takes {len(spec.columns)})",
            )
        )
        return []
    if any(_UNDECODABLE.search(h) for h in header):
        errors.append(
            RowError(spec.name, 1, "-", f"the header {undecodable(','.join(header))}; save the file as UTF-8")
        )
        return []
    if any("\x00" in h for h in header):
        errors.append(RowError(spec.name, 1, "-", f"the header {NUL_MESSAGE}"))
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
    duplicated = {c for c, n in Counter(header).items() if n > 1}  # one pass: header.count() per column was quadratic
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
            elif "\x00" in value:
                row.failed[column] = NUL_MESSAGE
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
LEADER_NAME_LENGTH = Leader._meta.get_field("name").max_length
TITLE_LENGTH = Event._meta.get_field("title").max_length
STATUSES = tuple(EventStatus.values)


TITLE_SEPARATOR = re.compile(r"(?<!\|)\|(?!\|)")


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
        name = " ".join(match["name"].split())
        if len(name) > LEADER_NAME_LENGTH:
            self.fail(row, column, f"a name of {len(name)} characters; the most is {LEADER_NAME_LENGTH}")
            return None
        code = self.country(row, column, match["cc"])
        role = match["role"] or ParticipantRole.PARTICIPANT
        if role not in PARTICIPANT_ROLES:
            self.fail(row, column, f"{value!r}: role {role!r} is not one of {', '.join(ParticipantRole.values)}")
            return None
        return ParticipantRecord(name, code, role) if code else None

    def choice(
        self, row: Row, column: str, choices: dict[str, str] | Iterable[str], default: str | None = None
    ) -> str | None:
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
                    kind=EventKind.STATEMENT,
                    title="",
                    title_given=False,
                    countries=about,
                    quotes=(quote,),
                    summary=summary,
                    **common,
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
                        record.file,
                        record.line,
                        "original_text",
                        f"the same statement as line {other.line} (same date, speaker, context and words); "
                        "rows of one statement share a group",
                    )
                )
            elif record.title_given:
                self.errors.append(
                    RowError(
                        record.file,
                        record.line,
                        "title",
                        f"the same event as {other.file} line {other.line} (same date and title)",
                    )
                )
            else:
                column, what = (
                    ("participants", "participants")
                    if record.kind in MEETING_KINDS
                    else ("summary", "kind and summary")
                )
                self.errors.append(
                    RowError(
                        record.file,
                        record.line,
                        column,
                        f"the same event as {other.file} line {other.line} (same date and {what}, no title)",
                    )
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
        # A single `|` separates the titles (an empty one stays in its place, first or last
        # included, though the cell's outer spaces are stripped); a `|` inside a title is `||`.
        titles = (
            [t.strip().replace("||", "|") for t in TITLE_SEPARATOR.split(row.values["source_titles"])]
            if row.values.get("source_titles")
            else []
        )
        dates = (
            [d.strip() for d in row.values.get("source_dates", "").split(";")] if row.values.get("source_dates") else []
        )
        for column, values in (("source_titles", titles), ("source_dates", dates)):
            if len(values) > len(sources):
                self.fail(
                    row, column, f"{len(values)} values for {len(sources)} source URL(s); give one per URL, in order"
                )
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
        shape = (
            'a JSON array [{"about": "...", "versions": [{"url": "<one of the row\'s source URLs>", "says": "..."}]}]'
        )
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
                self.fail(
                    row,
                    "disagreements",
                    f'item {n}: "about" must say what the sources disagree on (text, at most 300 characters)',
                )
                return ()
            if not isinstance(versions, list) or len(versions) < 2:
                self.fail(row, "disagreements", f"item {n} ({about!r}): give at least two versions, one per source")
                return ()
            pairs = []
            for version in versions:
                url = version.get("url") if isinstance(version, dict) else None
                says = version.get("says") if isinstance(version, dict) else None
                if url not in sources:
                    self.fail(
                        row,
                        "disagreements",
                        f"item {n} ({about!r}): {str(url)[:80]!r} is not one of the row's source URLs",
                    )
                    return ()
                if not isinstance(says, str) or not says.strip():
                    self.fail(row, "disagreements", f'item {n} ({about!r}): "says" is empty for {url[:80]!r}')
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


def meeting_title(kind: str | None, participants: list[ParticipantRecord]) -> str:
    names = [p.name for p in participants]
    if not names:
        return ""  # the row is in error already
    if len(names) == 1:
        return f"Meeting of {names[0]}"
    joined = " and ".join(names) if len(names) == 2 else ", ".join(names[:-1]) + " and " + names[-1]
    if kind == EventKind.CALL:
        return fitting(f"Telephone call: {joined}")
    return fitting(f"{names[0]} meets {' and '.join(names[1:]) if len(names) <= 3 else ', '.join(names[1:])}")


def fitting(title: str, length: int = TITLE_LENGTH) -> str:
    """`title` cut at a word, with an ellipsis, to the length a title holds (names can be 200 characters each)."""
    if len(title) <= length:
        return title
    return title[: length - 1].rsplit(" ", 1)[0] + "…"


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
