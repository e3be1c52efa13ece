"""
The import files of an event's life (#14): status_history.csv, links.csv, commitments.csv,
commitment_steps.csv and readouts.csv (their columns: services/formats.py).

Each names its events by `date` and `title` exactly as the event files write
them (as coding.csv does): an event of this import or one already stored. Rows
are parsed and every reference checked before anything is written
(`LifeFiles.parse`, `LifeFiles.check`); `LifeFiles.write` then runs inside the
import's transaction, after the events, and counts what it created, updated or
found unchanged. Rows are only ever added or changed: a file never deletes a
status change, link, step or readout it does not mention. `life_rows()` gives
the stored records back as rows of the same files, for export_directory().
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from events.models import (
    MEETING_KINDS,
    Commitment,
    CommitmentKind,
    CommitmentStage,
    CommitmentStep,
    Event,
    EventKind,
    EventLink,
    LifeStatus,
    LinkRelation,
    Readout,
    StatusChange,
)
from events.services.bulk import BATCH, batched
from events.services.commitments import sync_stages
from events.services.formats import (
    COMMITMENT_STEPS,
    COMMITMENTS,
    LIFE_FILES,
    LIFE_RECORDS,
    LINKS,
    READOUTS,
    STATUS_HISTORY,
    EventRecord,
    ImportFailed,
    ImportReport,
    RowError,
)
from events.services.parsing import Parser, Row, language_error
from events.vocab.currencies import validate_currency_code
from events.vocab.dates import PartialDate

AMOUNT_DIGITS = Commitment._meta.get_field("amount").max_digits - Commitment._meta.get_field("amount").decimal_places


@dataclass(frozen=True)
class EventRef:
    """An event as these files name it: its date (first day) and its exact title."""

    day: datetime.date
    title: str
    written: str = field(default="", compare=False)  # the date as the file wrote it

    def __str__(self):
        return f"{self.written or self.day.isoformat()} {self.title!r}"


@dataclass(frozen=True)
class StatusRecord:
    event: EventRef
    status: str
    date: PartialDate
    source_url: str
    note: str = ""

    @property
    def key(self):
        return ("status", self.event, self.status, self.date.date)


@dataclass(frozen=True)
class LinkRecord:
    from_event: EventRef
    relation: str
    to_event: EventRef
    note: str = ""

    @property
    def key(self):
        return ("link", self.from_event, self.relation, self.to_event)


@dataclass(frozen=True)
class CommitmentRecord:
    slug: str
    title: str
    kind: str
    countries: tuple[str, ...]  # sorted
    amount: Decimal | None
    currency: str
    summary: str
    source_url: str

    @property
    def key(self):
        return ("commitment", self.slug)


@dataclass(frozen=True)
class StepRecord:
    commitment: str  # its slug
    stage: str
    date: PartialDate
    event: EventRef | None
    source_url: str
    note: str = ""

    @property
    def key(self):
        return ("step", self.commitment, self.stage, self.date.date)


@dataclass(frozen=True)
class ReadoutRecord:
    event: EventRef
    country: str
    source_url: str
    language: str
    text: str
    english: str
    translated_by: str = ""
    source_title: str = ""

    @property
    def key(self):
        return ("readout", self.event, self.country)


# What the report calls each file's records, in the order they are written.
WHAT = {spec.name: what for spec, what in zip(LIFE_FILES, LIFE_RECORDS, strict=True)}


@dataclass
class Parsed:
    file: str
    line: int
    record: object


class LifeFiles:
    """The five files of one import, from their rows to the database."""

    def __init__(self, parser: Parser):
        self.parser = parser
        self.parsed: dict[str, list[Parsed]] = defaultdict(list)

    # -- parsing -------------------------------------------------------------

    def parse(self, rows: dict[str, list[Row]]) -> None:
        readers = {
            STATUS_HISTORY.name: self.status_row,
            LINKS.name: self.link_row,
            COMMITMENTS.name: self.commitment_row,
            COMMITMENT_STEPS.name: self.step_row,
            READOUTS.name: self.readout_row,
        }
        for name, read in readers.items():
            seen: dict[tuple, int] = {}
            for row in rows.get(name, []):
                record = read(row)
                if row.failed or record is None:
                    continue
                if record.key in seen:
                    self.parser.fail(row, "-", f"the same {WHAT[name][:-1]} as line {seen[record.key]}")
                    continue
                seen[record.key] = row.line
                self.parsed[name].append(Parsed(row.file, row.line, record))

    def event_ref(self, row: Row, date_column: str, title_column: str, *, required=True) -> EventRef | None:
        written = row.values.get(date_column, "")
        title = row.values.get(title_column, "")
        if not required and not written and not title:
            return None
        date = self.parser.date(row, date_column)
        if not title:
            self.parser.fail(row, title_column, "is empty; give the event's title exactly as the event files write it")
        return EventRef(date.date, title, date.iso()) if date and title else None

    def url(self, row: Row, column: str = "source_url", *, required=True) -> str:
        urls = self.parser.urls(row, column)
        if len(urls) > 1:
            self.parser.fail(row, column, "give one URL")
        elif required and not urls and column not in row.failed:
            self.parser.fail(row, column, "is empty; every row cites its source")
        return urls[0] if urls else ""

    def status_row(self, row: Row) -> StatusRecord | None:
        event = self.event_ref(row, "event_date", "event_title")
        status = self.parser.choice(row, "status", LifeStatus.values)
        date = self.parser.date(row, "date")
        source = self.url(row)
        note = self.parser.text(row, "note", max_length=300)
        return StatusRecord(event, status, date, source, note) if event and status and date else None

    def link_row(self, row: Row) -> LinkRecord | None:
        from_event = self.event_ref(row, "from_date", "from_title")
        relation = self.parser.choice(row, "relation", LinkRelation.values)
        to_event = self.event_ref(row, "to_date", "to_title")
        note = self.parser.text(row, "note", max_length=300)
        if from_event and from_event == to_event:
            self.parser.fail(row, "to_title", "is the same event as the link's from_date and from_title")
        return LinkRecord(from_event, relation, to_event, note) if from_event and relation and to_event else None

    def commitment_row(self, row: Row) -> CommitmentRecord | None:
        slug = self.parser.text(row, "slug", required=True, max_length=80)
        if slug and not Commitment._meta.get_field("slug").validators[0].regex.match(slug):
            self.parser.fail(row, "slug", f"{slug!r}: use letters, digits, hyphens and underscores only")
        title = self.parser.text(row, "title", required=True, max_length=300)
        kind = self.parser.choice(row, "kind", CommitmentKind.values)
        countries = tuple(sorted(self.parser.country_list(row, "countries")))
        amount = self.amount(row)
        currency = self.parser.text(row, "currency").upper()
        if currency:
            try:
                validate_currency_code(currency)
            except ValidationError as exc:
                self.parser.fail(row, "currency", exc.messages[0])
        elif amount is not None:
            self.parser.fail(row, "currency", "is empty; an amount needs its ISO 4217 currency, e.g. USD")
        summary = self.parser.text(row, "summary")
        source = self.url(row, required=False)
        if not (slug and title and kind):
            return None
        return CommitmentRecord(slug, title, kind, countries, amount, currency, summary, source)

    def amount(self, row: Row) -> Decimal | None:
        value = row.values.get("amount", "").replace(",", "").replace("_", "")
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            self.parser.fail(row, "amount", f"{value!r} is not a number: write e.g. 24000000000 or 500.5")
            return None
        if not amount.is_finite() or amount < 0:
            self.parser.fail(row, "amount", f"{value!r}: an amount is a number of zero or more")
            return None
        if amount != amount.quantize(Decimal("0.01")) or amount >= 10**AMOUNT_DIGITS:
            self.parser.fail(row, "amount", f"{value!r}: at most {AMOUNT_DIGITS} digits and 2 decimals")
            return None
        return amount

    def step_row(self, row: Row) -> StepRecord | None:
        commitment = self.parser.text(row, "commitment", required=True, max_length=80)
        stage = self.parser.choice(row, "stage", CommitmentStage.values)
        date = self.parser.date(row, "date")
        event = self.event_ref(row, "event_date", "event_title", required=False)
        source = self.url(row)
        note = self.parser.text(row, "note", max_length=500)
        return StepRecord(commitment, stage, date, event, source, note) if commitment and stage and date else None

    def readout_row(self, row: Row) -> ReadoutRecord | None:
        event = self.event_ref(row, "event_date", "event_title")
        country = self.parser.country(row, "country", row.values.get("country", ""))
        source = self.url(row)
        language = self.parser.text(row, "language", required=True, max_length=35)
        if language and (problem := language_error(language)):
            self.parser.fail(row, "language", problem)
        text = self.parser.text(row, "text", required=True)
        english = self.parser.text(row, "english")
        if language and not english and not (language == "en" or language.startswith("en-")):
            self.parser.fail(row, "english", f"is empty; a readout in {language!r} needs its English translation")
        translated_by = self.parser.text(row, "translated_by", max_length=200)
        source_title = self.parser.text(row, "source_title", max_length=300)
        if not (event and country):
            return None
        return ReadoutRecord(event, country, source, language, text, english, translated_by, source_title)

    # -- references ------------------------------------------------------------

    def refs(self) -> Iterator[tuple[Parsed, str, EventRef]]:
        """(row, column, reference) for every event the rows name."""
        for parsed in self.parsed[STATUS_HISTORY.name] + self.parsed[READOUTS.name]:
            yield parsed, "event_title", parsed.record.event
        for parsed in self.parsed[LINKS.name]:
            yield parsed, "from_title", parsed.record.from_event
            yield parsed, "to_title", parsed.record.to_event
        for parsed in self.parsed[COMMITMENT_STEPS.name]:
            if parsed.record.event:
                yield parsed, "event_title", parsed.record.event

    def check(self, events: list[EventRecord]) -> None:
        """Every event and commitment the rows name exists, once, in the files or stored; readouts are of meetings."""
        in_files = {EventRef(r.date.date, r.title): r.kind for r in events}
        stored = stored_events({ref for _, _, ref in self.refs()} - set(in_files))
        for parsed, column, ref in self.refs():
            kinds = [in_files[ref]] if ref in in_files else stored.get(ref, [])
            if not kinds:
                self.error(parsed, column, f"no event dated {ref} (in the event files of this import or stored)")
            elif len(kinds) > 1:
                self.error(parsed, column, f"{len(kinds)} stored events are dated {ref}: the title must name one")
            elif isinstance(parsed.record, ReadoutRecord) and kinds[0] not in MEETING_KINDS:
                self.error(
                    parsed,
                    column,
                    f"{ref} is not a meeting or a call: a readout belongs to one, "
                    f"not to this {EventKind(kinds[0]).label.lower()}",
                )
        slugs = {p.record.slug for p in self.parsed[COMMITMENTS.name]}
        wanted = {p.record.commitment for p in self.parsed[COMMITMENT_STEPS.name]} - slugs
        slugs |= set(Commitment.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        for parsed in self.parsed[COMMITMENT_STEPS.name]:
            if parsed.record.commitment not in slugs:
                self.error(
                    parsed,
                    "commitment",
                    f"no commitment has the slug {parsed.record.commitment!r} (in commitments.csv or stored)",
                )

    def error(self, parsed: Parsed, column: str, message: str) -> None:
        self.parser.errors.append(RowError(parsed.file, parsed.line, column, message))

    # -- writing -------------------------------------------------------------

    def write(self, report: ImportReport, *, writes: bool) -> None:
        """Create or update what the rows say, in order (commitments before their steps); count each outcome.

        Unless `report.change_published`, a row that would add to or change what a
        published event shows is an error, as an event row would be (services/importing.py).
        """
        if not any(self.parsed.values()):
            return
        stored = stored_records(self.parsed)
        plan: dict[str, tuple[list, list]] = {}
        changing: list[Parsed] = []
        for name, what in WHAT.items():
            created, updated = [], []
            for parsed in self.parsed[name]:
                record = parsed.record
                existing = stored.get(record.key)
                if existing is None:
                    created.append(record)
                    report.count(what, "created")
                elif existing[1] == record:
                    report.count(what, "unchanged")
                    continue
                else:
                    updated.append((existing[0], record))
                    report.count(what, "updated")
                changing.append(parsed)
            plan[name] = (created, updated)
        refs = {ref for _, _, ref in self.refs()}
        pks = {ref: kinds_pks[0][1] for ref, kinds_pks in stored_events(refs, with_pk=True).items()}
        if not report.change_published:
            self.refuse_published(changing, pks)
        if not writes:
            return
        if any(ref not in pks for ref in refs):  # events this import has just written
            pks = {ref: kinds_pks[0][1] for ref, kinds_pks in stored_events(refs, with_pk=True).items()}
        writer = _RowWriter(pks)
        for name in WHAT:
            created, updated = plan[name]
            writer.write(name, created, updated)
        sync_stages(writer.commitments_touched)

    @staticmethod
    def refuse_published(changing: list[Parsed], pks: dict[EventRef, int]) -> None:
        """ImportFailed for the rows among `changing` that name a published event."""
        published = set(Event.objects.filter(pk__in=set(pks.values()), published=True).values_list("pk", flat=True))
        refused = []
        for parsed in changing:
            record = parsed.record
            named = [getattr(record, name, None) for name in ("event", "from_event", "to_event")]
            ref = next((ref for ref in named if ref and pks.get(ref) in published), None)
            if ref is not None:
                refused.append(
                    RowError(
                        parsed.file,
                        parsed.line,
                        "-",
                        f"would change what the published event {ref} shows; that needs the publish and delete "
                        "permissions: leave the row out, or ask a Publisher to import it",
                    )
                )
        if refused:
            raise ImportFailed(refused)  # inside the import's transaction: nothing is written


class _RowWriter:
    """Turns records into rows, given the primary keys of the events they name."""

    def __init__(self, event_pks: dict[EventRef, int]):
        self.event_pks = event_pks
        self.commitment_pks: dict[str, int] = {}
        self.commitments_touched: set[int] = set()

    def write(self, name: str, created: list, updated: list[tuple[int, object]]) -> None:
        model, values = {
            COMMITMENTS.name: (Commitment, self.commitment_values),
            STATUS_HISTORY.name: (StatusChange, self.status_values),
            LINKS.name: (EventLink, self.link_values),
            COMMITMENT_STEPS.name: (CommitmentStep, self.step_values),
            READOUTS.name: (Readout, self.readout_values),
        }[name]
        if name == COMMITMENT_STEPS.name:
            wanted = {r.commitment for r in created} | {r.commitment for _, r in updated}
            self.commitment_pks |= dict(Commitment.objects.filter(slug__in=wanted).values_list("slug", "pk"))
        objects = [model(**values(record)) for record in created]
        for batch in batched(objects, BATCH):
            bulk_create_with_history(batch, model, batch_size=BATCH)
        for pk, record in updated:
            instance = model.objects.get(pk=pk)
            for attribute, value in values(record).items():
                setattr(instance, attribute, value)
            instance.save()
        if model is Commitment:
            stored = dict(Commitment.objects.filter(slug__in=[r.slug for r in created]).values_list("slug", "pk"))
            through = Commitment.countries.through
            through.objects.bulk_create(
                through(commitment_id=stored[r.slug], country_id=code) for r in created for code in r.countries
            )
            for pk, record in updated:
                Commitment.objects.get(pk=pk).countries.set(record.countries)
            self.commitment_pks |= stored
        if model is CommitmentStep:
            self.commitments_touched |= {self.commitment_pks[r.commitment] for r in created}
            self.commitments_touched |= {self.commitment_pks[r.commitment] for _, r in updated}

    @staticmethod
    def dated(date: PartialDate) -> dict:
        return {"date": date.date, "date_precision": date.precision, "date_approximate": date.approximate}

    def commitment_values(self, r: CommitmentRecord) -> dict:
        return {
            "slug": r.slug,
            "title": r.title,
            "kind": r.kind,
            "amount": r.amount,
            "currency": r.currency,
            "summary": r.summary,
            "source_url": r.source_url,
        }

    def status_values(self, r: StatusRecord) -> dict:
        return {
            "event_id": self.event_pks[r.event],
            "status": r.status,
            **self.dated(r.date),
            "source_url": r.source_url,
            "note": r.note,
        }

    def link_values(self, r: LinkRecord) -> dict:
        return {
            "from_event_id": self.event_pks[r.from_event],
            "relation": r.relation,
            "to_event_id": self.event_pks[r.to_event],
            "note": r.note,
        }

    def step_values(self, r: StepRecord) -> dict:
        return {
            "commitment_id": self.commitment_pks[r.commitment],
            "stage": r.stage,
            **self.dated(r.date),
            "event_id": self.event_pks[r.event] if r.event else None,
            "source_url": r.source_url,
            "note": r.note,
        }

    def readout_values(self, r: ReadoutRecord) -> dict:
        return {
            "event_id": self.event_pks[r.event],
            "country_id": r.country,
            **{f.name: getattr(r, f.name) for f in fields(r) if f.name not in ("event", "country")},
        }


# ---------------------------------------------------------------------------
# The stored records, as the files describe them
# ---------------------------------------------------------------------------


def stored_events(refs: Iterable[EventRef], *, with_pk: bool = False) -> dict[EventRef, list]:
    """The stored events named by `refs`: {ref: [kind, ...]} (or [(kind, pk), ...]), one query per batch of dates."""
    refs = set(refs)
    found: dict[EventRef, list] = defaultdict(list)
    for days in batched(sorted({r.day for r in refs})):
        titles = {r.title for r in refs if r.day in days}
        for pk, day, title, kind in Event.objects.filter(date__in=days, title__in=titles).values_list(
            "pk", "date", "title", "kind"
        ):
            ref = EventRef(day, title)
            if ref in refs:
                found[ref].append((kind, pk) if with_pk else kind)
    return found


def _ref(date, precision, approximate, title) -> EventRef:
    return EventRef(date, title, PartialDate(date, precision, approximate).iso())


EVENT_COLUMNS = ("date", "date_precision", "date_approximate", "title")


def _event_columns(prefix: str) -> list[str]:
    return [f"{prefix}__{c}" for c in EVENT_COLUMNS]


def status_records(changes) -> Iterator[tuple[int, StatusRecord]]:
    for pk, *event, status, date, precision, approximate, url, note in changes.values_list(
        "pk", *_event_columns("event"), "status", "date", "date_precision", "date_approximate", "source_url", "note"
    ):
        yield pk, StatusRecord(_ref(*event), status, PartialDate(date, precision, approximate), url, note)


def link_records(links) -> Iterator[tuple[int, LinkRecord]]:
    for pk, *row in links.values_list(
        "pk", *_event_columns("from_event"), "relation", *_event_columns("to_event"), "note"
    ):
        yield pk, LinkRecord(_ref(*row[:4]), row[4], _ref(*row[5:9]), row[9])


def commitment_records(commitments) -> Iterator[tuple[int, CommitmentRecord]]:
    countries = defaultdict(list)
    through = Commitment.countries.through
    for commitment_id, code in through.objects.filter(commitment__in=commitments).values_list(
        "commitment_id", "country_id"
    ):
        countries[commitment_id].append(code)
    for pk, slug, title, kind, amount, currency, summary, url in commitments.values_list(
        "pk", "slug", "title", "kind", "amount", "currency", "summary", "source_url"
    ):
        yield pk, CommitmentRecord(slug, title, kind, tuple(sorted(countries[pk])), amount, currency, summary, url)


def step_records(steps) -> Iterator[tuple[int, StepRecord]]:
    for pk, slug, stage, date, precision, approximate, *event, url, note in steps.values_list(
        "pk",
        "commitment__slug",
        "stage",
        "date",
        "date_precision",
        "date_approximate",
        *_event_columns("event"),
        "source_url",
        "note",
    ):
        ref = _ref(*event) if event[0] else None
        yield pk, StepRecord(slug, stage, PartialDate(date, precision, approximate), ref, url, note)


def readout_records(readouts) -> Iterator[tuple[int, ReadoutRecord]]:
    text_fields = [f.name for f in fields(ReadoutRecord)][2:]  # after the event and the country
    for pk, *row in readouts.values_list("pk", *_event_columns("event"), "country_id", *text_fields):
        yield pk, ReadoutRecord(_ref(*row[:4]), *row[4:])


def _on_events(field_name: str, refs: set[EventRef]) -> Q:
    """Rows whose `field_name` event is on one of the days `refs` name (the titles are compared by key)."""
    return Q(**{f"{field_name}__date__in": {r.day for r in refs}})


def stored_records(parsed: dict[str, list[Parsed]]) -> dict[tuple, tuple[int, object]]:
    """The stored records the rows may describe, by key: {key: (pk, record)}."""

    def records_of(name):
        return [p.record for p in parsed[name]]

    status_refs = {r.event for r in records_of(STATUS_HISTORY.name)}
    readout_refs = {r.event for r in records_of(READOUTS.name)}
    link_refs = {r.from_event for r in records_of(LINKS.name)}
    slugs = {r.slug for r in records_of(COMMITMENTS.name)} | {r.commitment for r in records_of(COMMITMENT_STEPS.name)}
    stored = {}
    sources = (
        status_records(StatusChange.objects.filter(_on_events("event", status_refs))) if status_refs else (),
        readout_records(Readout.objects.filter(_on_events("event", readout_refs))) if readout_refs else (),
        link_records(EventLink.objects.filter(_on_events("from_event", link_refs))) if link_refs else (),
        commitment_records(Commitment.objects.filter(slug__in=slugs)) if slugs else (),
        step_records(CommitmentStep.objects.filter(commitment__slug__in=slugs)) if slugs else (),
    )
    for rows in sources:
        for pk, record in rows:
            stored.setdefault(record.key, (pk, record))
    return stored


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _date_cells(ref: EventRef | None, date_column: str, title_column: str) -> dict:
    return {date_column: ref.written if ref else "", title_column: ref.title if ref else ""}


def _amount_cell(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"{amount:f}".removesuffix(".00")


def life_rows(events) -> dict[str, Iterator[dict]]:
    """The five files' rows for the status changes, links and readouts of `events`, and every commitment.

    A link is written when both its events are among `events`; a commitment's
    step names its event only when that event is exported too.
    """
    event_ids = events.values("pk")
    changes = StatusChange.objects.filter(event__in=event_ids).order_by("event__date", "event_id", "date", "id")
    links = EventLink.objects.filter(from_event__in=event_ids, to_event__in=event_ids).order_by(
        "from_event__date", "from_event_id", "id"
    )
    readouts = Readout.objects.filter(event__in=event_ids).order_by("event__date", "event_id", "id")
    commitments = Commitment.objects.order_by("slug")
    steps = CommitmentStep.objects.filter(Q(event__isnull=True) | Q(event__in=event_ids)).order_by(
        "commitment__slug", "date", "id"
    )
    return {
        STATUS_HISTORY.name: (
            {
                **_date_cells(r.event, "event_date", "event_title"),
                "status": r.status,
                "date": r.date.iso(),
                "source_url": r.source_url,
                "note": r.note,
            }
            for _, r in status_records(changes)
        ),
        LINKS.name: (
            {
                **_date_cells(r.from_event, "from_date", "from_title"),
                "relation": r.relation,
                **_date_cells(r.to_event, "to_date", "to_title"),
                "note": r.note,
            }
            for _, r in link_records(links)
        ),
        COMMITMENTS.name: (
            {
                "slug": r.slug,
                "title": r.title,
                "kind": r.kind,
                "countries": "; ".join(r.countries),
                "amount": _amount_cell(r.amount),
                "currency": r.currency,
                "summary": r.summary,
                "source_url": r.source_url,
            }
            for _, r in commitment_records(commitments)
        ),
        COMMITMENT_STEPS.name: (
            {
                "commitment": r.commitment,
                "stage": r.stage,
                "date": r.date.iso(),
                **_date_cells(r.event, "event_date", "event_title"),
                "source_url": r.source_url,
                "note": r.note,
            }
            for _, r in step_records(steps)
        ),
        READOUTS.name: (
            {
                **_date_cells(r.event, "event_date", "event_title"),
                "country": r.country,
                "source_url": r.source_url,
                "language": r.language,
                "text": r.text,
                "english": r.english,
                "translated_by": r.translated_by,
                "source_title": r.source_title,
            }
            for _, r in readout_records(readouts)
        ),
    }
