"""
PLOVER coding of stored events in bulk: first suggestions, their direction
(by the rules of events/vocab/coding.py), and the hand coding of the bundled
data set.

`code_events(queryset)` fills what is empty and never overwrites an editor's
coding; the importer calls it after writing. `apply_coding_file()` applies the
bundled hand coding (events/data/bundled/coding.csv), which does overwrite:
the file is the editors' considered coding of those events.
"""

import csv
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from events.models import Country, Event, Participant, Quote
from events.services import involvement, versioning
from events.services.bulk import BATCH
from events.vocab.coding import Parties, coding_for, direction_for
from events.vocab.dates import PartialDate
from events.vocab.plover import CATEGORIES, modes_of

BUNDLED_CODING = Path(__file__).resolve().parents[1] / "data" / "bundled" / "coding.csv"
CODING_COLUMNS = (
    "date",
    "title",
    "plover_category",
    "plover_mode",
    "plover_context",
    "actor",
    "target",
    "score_override",
    "score_justification",
    "note",
)


@dataclass
class CodingReport:
    examined: int = 0
    categorised: int = 0
    directed: int = 0
    hand_coded: int = 0
    hand_unchanged: int = 0
    uncoded: int = 0  # Examined and still without a category: for an editor.

    def lines(self) -> list[str]:
        lines = []
        if self.hand_coded or self.hand_unchanged:
            lines.append(f"Hand coding: {self.hand_coded} events coded, {self.hand_unchanged} unchanged.")
        lines.append(
            f"Suggestions: {self.categorised} events given a category, {self.directed} a direction "
            f"({self.examined} examined); {self.uncoded} left for an editor."
        )
        return lines


def _parties_of(pks: list[int]) -> dict[int, tuple[Event, Parties]]:
    """The coding fields and parties of these events, as plain values (five queries, no model instances)."""
    rows = Event.objects.filter(pk__in=pks).values_list(
        "pk",
        "kind",
        "status",
        "summit__host_country_id",
        "plover_category",
        "plover_mode",
        "actor_country_id",
        "target_country_id",
        "score",
        "score_override",
    )
    found = {}
    for pk, kind, status, host, category, mode, actor, target, score, override in rows:
        event = Event(
            pk=pk,
            kind=kind,
            status=status,
            plover_category=category,
            plover_mode=mode,
            actor_country_id=actor,
            target_country_id=target,
            score=score,
            score_override=override,
        )
        found[pk] = (event, Parties(kind, status, summit_host=host))
    for event_id, country, role in (
        Participant.objects.filter(event_id__in=pks)
        .order_by("event_id", "position", "id")
        .values_list("event_id", "country_id", "role")
    ):
        found[event_id][1].participants.append((country, role))
    for event_id, country in (
        Quote.objects.filter(event_id__in=pks)
        .order_by("event_id", "position", "id")
        .values_list("event_id", "speaker__country_id")
    ):
        found[event_id][1].speakers.append(country)
    for event_id, country in (
        Event.countries.through.objects.filter(event_id__in=pks)
        .order_by("event_id", "country_id")
        .values_list("event_id", "country_id")
    ):
        found[event_id][1].countries.append(country)
    return found


def _version_change() -> dict:
    """The optimistic-locking field's new value for an UPDATE, when the model has one.

    A batch write must change it too: otherwise an editor's form opened
    before this run would silently undo the coding. Its rule (see
    django-concurrency's IntegerVersionField): above the old value, and
    at least the current time-based stamp.
    """
    meta = getattr(Event, "_concurrencymeta", None)
    if meta is None:
        return {}
    stamp = meta.field._get_next_version(Event())
    return {meta.field.attname: Greatest(F(meta.field.attname) + 1, Value(stamp))}


def code_events(queryset=None, *, report: CodingReport | None = None, mark_changed: bool = True) -> CodingReport:
    """Fill the empty PLOVER codes of these events (every event when None) and recompute their scores.

    A category and mode are suggested from kind and status (`plover.suggest`),
    a direction from the parties (`direction_for`), only where empty:
    an editor's coding always stands. Runs in batches of `BATCH` events, a few
    queries each; idempotent, so safe to call after every import:
    `code_events(Event.objects.filter(pk__in=written_ids))`.
    """
    report = report or CodingReport()
    queryset = Event.objects.all() if queryset is None else queryset
    needs_work = (
        Q(plover_category="")
        | Q(actor_country__isnull=True, target_country__isnull=True)
        | (Q(score__isnull=True) & ~Q(plover_category=""))
    )
    pks = list(queryset.filter(needs_work).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        # Events getting the same coding are updated together: a handful of
        # UPDATEs per batch, where bulk_update's CASE per row is slow.
        groups: dict[tuple, list[int]] = defaultdict(list)
        for event, parties in _parties_of(pks[start : start + BATCH]).values():
            report.examined += 1
            before = (event.plover_category, event.plover_mode, event.actor_country_id, event.target_country_id)
            if not event.plover_category:
                suggestion = coding_for(parties)
                if suggestion:
                    event.plover_category, event.plover_mode = suggestion
                    report.categorised += 1
            if not event.actor_country_id and not event.target_country_id:
                event.actor_country_id, event.target_country_id = direction_for(parties)
                report.directed += bool(event.actor_country_id or event.target_country_id)
            report.uncoded += not event.plover_category
            after = (event.plover_category, event.plover_mode, event.actor_country_id, event.target_country_id)
            score = event.effective_score()
            if before != after or score != event.score:
                groups[(*after, score)].append(event.pk)
        if groups:
            with transaction.atomic():
                now, version = timezone.now(), _version_change()
                for (category, mode, actor, target, score), ids in groups.items():
                    Event.objects.filter(pk__in=ids).update(
                        plover_category=category,
                        plover_mode=mode,
                        actor_country_id=actor,
                        target_country_id=target,
                        score=score,
                        updated_at=now,
                        **version,
                    )
                # The relationships' monthly temperatures count these scores; an UPDATE sends no signal.
                involvement.refresh_event_months(itertools.chain.from_iterable(groups.values()))
                if mark_changed:  # the importer bumps once for everything it wrote
                    versioning.bump()  # An UPDATE sends no signal: mark the record changed for the page cache.
    return report


@dataclass
class CodingFileError(Exception):
    errors: list[str] = field(default_factory=list)

    def __str__(self):
        return "\n".join(self.errors)


def apply_coding_file(path: str | Path = BUNDLED_CODING, *, report: CodingReport | None = None) -> CodingReport:
    """Apply a hand-coding file: every row names one event by date and exact title and sets its coding.

    All or nothing: any unknown event, category, mode or country, or an
    override without its justification, raises CodingFileError listing every
    problem as `FILE:LINE: message`, and nothing is written. Rows whose
    coding is already stored are left alone, so a second run changes nothing.
    """
    report = report or CodingReport()
    path = Path(path)
    errors, updates = [], []
    countries = set(Country.objects.values_list("iso2", flat=True))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(CODING_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise CodingFileError([f"{path.name}:1: missing columns: {', '.join(sorted(missing))}"])
        rows = [(reader.line_num, row) for row in reader]
    for line, row in rows:
        where = f"{path.name}:{line}"
        values = {k: (row.get(k) or "").strip() for k in CODING_COLUMNS}
        try:
            date = PartialDate.parse(values["date"]).date
        except ValueError as exc:
            errors.append(f"{where}: date: {exc}")
            continue
        matches = list(Event.objects.filter(date=date, title=values["title"]))
        if len(matches) != 1:
            errors.append(
                f"{where}: {'no' if not matches else len(matches)} events dated {values['date']} titled {values['title']!r}"
            )
            continue
        category, mode = values["plover_category"], values["plover_mode"]
        if category not in CATEGORIES:
            errors.append(f"{where}: plover_category: {category!r} is not a PLOVER category")
        elif mode and mode not in modes_of(category):
            errors.append(f"{where}: plover_mode: {mode!r} is not a mode of {category}")
        for column in ("actor", "target"):
            if values[column] and values[column] not in countries:
                errors.append(f"{where}: {column}: {values[column]!r} is not a country code")
        override = None
        if values["score_override"]:
            try:
                override = Decimal(values["score_override"])
            except InvalidOperation:
                errors.append(f"{where}: score_override: {values['score_override']!r} is not a number")
            if not values["score_justification"]:
                errors.append(f"{where}: score_justification: an override needs its justification")
        updates.append(
            (
                matches[0],
                {
                    "plover_category": category,
                    "plover_mode": mode,
                    "plover_context": values["plover_context"],
                    "actor_country_id": values["actor"] or None,
                    "target_country_id": values["target"] or None,
                    "score_override": override,
                    "score_justification": values["score_justification"],
                    "plover_reviewed": True,  # the editors' coding: never replaced by a suggestion
                },
            )
        )
    if errors:
        raise CodingFileError(errors)
    with transaction.atomic():
        for event, coding in updates:
            if all(getattr(event, name) == value for name, value in coding.items()):
                report.hand_unchanged += 1
                continue
            for name, value in coding.items():
                setattr(event, name, value)
            try:
                event.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise CodingFileError([f"{path.name}: {event.title!r}: {'; '.join(exc.messages)}"]) from exc
            event.save()
            report.hand_coded += 1
    return report
