"""
Importing the record from CSV files (the format is fixed by CONTRACT.md; services/formats.py).

`import_directory(path)` reads `summits.csv`, `leaders.csv`, `meetings.csv`,
`statements.csv`, `other_events.csv` and `publishers.csv`, and an event's life
(#14: status_history.csv, links.csv, commitments.csv, commitment_steps.csv,
readouts.csv; services/life_files.py), any of them missing,
checks every row (services/parsing.py), and writes nothing unless every row is
good: all or nothing, in one transaction.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from simple_history.utils import bulk_create_with_history

from events.models import (
    DERIVED_MODELS,
    Country,
    Disagreement,
    DisagreementVersion,
    Event,
    EventCountry,
    EventLeader,
    EventPair,
    EventSource,
    Leader,
    LeaderSource,
    Office,
    Participant,
    Publisher,
    Quote,
    Summit,
    SummitSource,
    publisher_from_url,
    publisher_table,
    title_on,
    unique_slug,
)
from events.services import involvement, revisions, versioning
from events.services.bulk import BATCH, batched, insert_rows
from events.services.formats import (
    FILES,
    LEADERS,
    MEETINGS,
    OTHER_EVENTS,
    PUBLISHERS,
    STATEMENTS,
    SUMMITS,
    EventRecord,
    ImportFailed,
    ImportReport,
    LeaderKey,
    LeaderRecord,
    PublisherRecord,
    RowError,
    SummitRecord,
)
from events.services.life_files import LifeFiles
from events.services.parsing import Parser, read_rows

# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def import_directory(
    directory: str | Path,
    *,
    dry_run: bool = False,
    publish: bool = True,
    change_published: bool = True,
    progress: Callable[[Iterable, str, int], Iterator] | None = None,
) -> ImportReport:
    """Check every file in `directory`, then write everything or nothing.

    New events with a source are published unless `publish` is false (an
    editor who may not publish imports drafts); events without one are drafts
    either way. Unless `change_published`, a row that would change a published
    event is an error (an Editor's import must not rewrite the live record
    without review). Raises ImportFailed with every error found; on success
    returns the counts.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFailed([RowError(str(directory), 0, "-", "no such directory")])
    errors: list[RowError] = []
    rows = {
        spec.name: read_rows(directory / spec.name, spec, errors) for spec in FILES if (directory / spec.name).exists()
    }
    if not rows:
        raise ImportFailed([RowError(str(directory), 0, "-", f"none of {', '.join(s.name for s in FILES)} is there")])

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
    life = LifeFiles(parser)
    life.parse(rows)
    life.check(events)
    if parser.errors:
        raise ImportFailed(parser.errors)

    report = ImportReport(dry_run=dry_run, publish=publish, change_published=change_published)
    progress = progress or (lambda iterable, label, total: iter(iterable))
    try:
        with transaction.atomic(), involvement.deferred(), revisions.deferred():
            Writer(report, progress).write_publishers(publishers)
            Writer(report, progress).write(summits, leaders, events)
            life.write(report, writes=not dry_run)
            if dry_run:
                raise _DryRun  # the Writer wrote nothing; the rollback is the safety net
            if report.changed:
                from events.services.coding import code_events

                # Suggested PLOVER codes for what came in; an editor's coding is never overwritten.
                code_events(Event.objects.filter(date__in={record.date.date for record in events}), mark_changed=False)
                versioning.bump()  # bulk writes send no signals; cached pages must not outlive the import
    except _DryRun:
        pass
    if not dry_run and report.created >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Until autovacuum catches up, PostgreSQL would plan queries on these tables (the
        # next import's look-ups among them) with the statistics of before the import.
        with connection.cursor() as cursor:
            tables = (Event, Participant, Quote, EventSource, Event.countries.through, *DERIVED_MODELS)
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables))
    return report


ANALYZE_AFTER = 10_000  # created rows after which the planner's statistics are refreshed


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def free_slug(text: str, taken: set[str]) -> str:
    """`unique_slug()`'s rule against a set of slugs already in use, which it extends: no query per row."""
    slug = unique_slug(text, is_taken=taken.__contains__)
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
        # A dry run reads and counts what the import would do, and writes nothing: no dead
        # rows, no primary keys drawn from the sequences (the preview used to write and roll back).
        self.writes = not report.dry_run

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
                if self.writes:
                    summit.save()
                outcome = "updated"
            sources.extend((summit, url) for url in record.sources if url not in stored_sources)
            self.report.count("summits", outcome)
        if not self.writes:
            return {}
        bulk_create_with_history(created, Summit, batch_size=BATCH)
        SummitSource.objects.bulk_create(
            (SummitSource(summit_id=summit.pk, url=url, publisher=publisher_from_url(url)) for summit, url in sources),
            batch_size=BATCH,
        )
        return {short_name: s.pk for short_name, s in existing.items()}

    # -- leaders and offices -----------------------------------------------

    def write_leaders(
        self, records: dict[LeaderKey, LeaderRecord], events: list[EventRecord]
    ) -> dict[LeaderKey, Leader]:
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
                if changed and self.writes:
                    leader.save()
                self.report.count("leaders", "updated" if changed else "unchanged")
        if self.writes:
            bulk_create_with_history(created, Leader, batch_size=BATCH)
        self.write_offices({key: existing[key] for key in records}, records, new={id(leader) for leader in created})
        if not self.writes:
            return existing
        # office_on() must see the offices just written: fetch them afresh, in one query per batch.
        leaders = list(existing.values())
        for leader in leaders:
            getattr(leader, "_prefetched_objects_cache", {}).pop("offices", None)
        for batch in batched(leaders):
            prefetch_related_objects(batch, "offices")
        return existing

    def write_offices(
        self, leaders: dict[LeaderKey, Leader], records: dict[LeaderKey, LeaderRecord], new: set[int]
    ) -> None:
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
                        Office(
                            leader=leader,
                            title=office.title,
                            start_date=office_key[1],
                            start_precision=office_key[2],
                            **values,
                        )
                    )
                    self.report.count("offices", "created")
                elif all(getattr(existing, k) == v for k, v in values.items()):
                    self.report.count("offices", "unchanged")
                else:
                    for k, v in values.items():
                        setattr(existing, k, v)
                    if self.writes:
                        existing.save()
                    self.report.count("offices", "updated")
            stored_sources = set() if is_new else {s.url for s in leader.sources.all()}
            sources.extend(
                LeaderSource(leader=leader, url=url, publisher=publisher_from_url(url))
                for url in record.sources
                if url not in stored_sources
            )
        if self.writes:
            bulk_create_with_history(created, Office, batch_size=BATCH)
            LeaderSource.objects.bulk_create(sources, batch_size=BATCH)

    # -- events ------------------------------------------------------------

    def stored_events(self, records: list[EventRecord]) -> dict[tuple, tuple[int, EventRecord]]:
        """The stored events on the dates the files mention, by every key a row may find them under."""
        from events.services.exporting import event_records  # the exporter's view of stored events

        stored: dict[tuple, tuple[int, EventRecord]] = {}
        for dates in batched(sorted({r.date.date for r in records})):
            for pk, existing in event_records(Event.objects.filter(date__in=dates).order_by("pk"), chunk_size=BATCH):
                for key in existing.stored_keys():
                    stored.setdefault(key, (pk, existing))
        return stored

    def write_events(self, records: list[EventRecord], summit_ids: dict[str, int], leaders: dict[LeaderKey, Leader]):
        stored = self.stored_events(records)
        published = set() if self.report.change_published else self.published_among(stored)
        refused: list[RowError] = []
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
            if pk in published:
                refused.append(
                    RowError(
                        record.file,
                        record.line,
                        "-",
                        f"would change the published event {pk} ({', '.join(record.differences(existing))}); "
                        "changing a published event by import needs the publish and delete permissions: "
                        "leave the row out, or ask a Publisher to import it",
                    )
                )
                continue
            if self.writes:
                self.update_event(pk, existing, record, fields, leaders)
            self.report.count(record.family, "updated")
        if refused:
            raise ImportFailed(refused)  # inside the import's transaction: nothing is written
        self.create_events(new, leaders)

    @staticmethod
    def published_among(stored: dict[tuple, tuple[int, EventRecord]]) -> set[int]:
        """The primary keys of the published events among `stored`."""
        pks = sorted({pk for pk, _ in stored.values()})
        published = set()
        for batch in batched(pks):
            published.update(Event.objects.filter(pk__in=batch, published=True).values_list("pk", flat=True))
        return published

    def create_events(self, pending: list[tuple[EventRecord, dict]], leaders: dict[LeaderKey, Leader]) -> None:
        if not pending or not self.writes:
            return
        columns = tuple(pending[0][1])
        pks = insert_rows(Event, columns, [tuple(values.values()) for _, values in pending], returning=True)
        events = [
            (record, NewEvent(pk, values["date"], values["published"])) for pk, (record, values) in zip(pks, pending)
        ]
        self.write_parts(events, leaders, new=True)
        # Inside involvement.deferred(): recounted once, when the import ends.
        involvement.refresh_summit_counts({values["summit_id"] for _, values in pending})

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
            taking_part, speaking = [], []  # (leader id, country), for the involvement
            for position, p in enumerate(record.participants):
                leader = leaders[(p.name, p.country)]
                taking_part.append((leader.pk, p.country))
                participants.append((pk, leader.pk, p.country, p.role, title_on(leader, date), position))
            for position, q in enumerate(record.quotes):
                leader = leaders[(q.speaker.name, q.speaker.country)]
                speaking.append((leader.pk, q.speaker.country))
                quotes.append(
                    (
                        pk,
                        leader.pk,
                        title_on(leader, date),
                        q.language,
                        q.original_text,
                        q.english_text,
                        q.context,
                        q.translated_by,
                        position,
                    )
                )
            details = {d.url: d for d in record.source_details}
            sources.extend(
                (
                    pk,
                    url,
                    publisher_of(url),
                    details[url].title if url in details else "",
                    details[url].published if url in details else None,
                )
                for url in record.sources
                if url not in skip_sources
            )
            if record.file_has_countries:
                countries.extend((pk, code) for code in record.countries)
            if new:
                # What involvement.sync_involvement() derives, by its rule, without reading it back
                # (tests compare the two with involvement.drift()).
                derived = involvement.involvement_of(
                    participants=taking_part,
                    speakers=speaking,
                    named=record.countries if record.file_has_countries else (),
                )
                involved.extend((pk, code, date, event.published) for code in derived.countries)
                event_pairs.extend((pk, pair, date, event.published) for pair in derived.pairs)
                featured.extend((pk, leader_id, date, event.published) for leader_id in derived.leaders)
        if not new:
            # Inside involvement.deferred(): collected here, synced when the import ends.
            involvement.sync_involvement([event.pk for _, event in pairs])
        insert_rows(Participant, ("event_id", "leader_id", "country_id", "role", "title", "position"), participants)
        insert_rows(
            Quote,
            (
                "event_id",
                "speaker_id",
                "speaker_title",
                "language",
                "original_text",
                "english_text",
                "context",
                "translated_by",
                "position",
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
