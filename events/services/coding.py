"""
PLOVER coding of stored events in bulk: first suggestions, their direction
(by the rules of events/vocab/coding.py), and the hand coding of the bundled
data set.

`code_events(queryset)` gives every event not reviewed by an editor the
machine's suggestion (`suggestion_for`: kind, status, parties and the text's
cue words), renewed from what the event says now, and never touches a reviewed
coding (`Event.plover_reviewed`) beyond filling an empty direction; the
importer calls it after writing. `apply_coding_file()` applies the
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

from events.models import Country, Event, Participant, Quote, reference
from events.services import involvement, versioning
from events.services.bulk import BATCH
from events.vocab.coding import (
    EventText,
    Parties,
    direction_for,
    people_names_for,
    place_names_for,
    suggestion_for,
)
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
    suggested: int = 0  # Examined and coded by the machine's suggestion, not yet reviewed.

    def lines(self) -> list[str]:
        lines = []
        if self.hand_coded or self.hand_unchanged:
            lines.append(f"Hand coding: {self.hand_coded} events coded, {self.hand_unchanged} unchanged.")
        lines.append(
            f"Suggestions: {self.categorised} events given a category, {self.directed} a direction "
            f"({self.examined} examined); {self.suggested} suggested, not reviewed; "
            f"{self.uncoded} without a category."
        )
        return lines


def _parties_of(pks: list[int]) -> dict[int, tuple[Event, Parties, EventText]]:
    """The coding fields, parties and text of these events, as plain values (five queries, no model instances)."""
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
        "plover_reviewed",
        "title",
        "summary",
        "city",
        "venue",
    )
    places = place_names_for({iso2: country.name for iso2, country in reference.countries().items()})
    found = {}
    for pk, kind, status, host, category, mode, actor, target, score, override, reviewed, *words in rows:
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
            plover_reviewed=reviewed,
        )
        title, summary, city, venue = words
        text = EventText(title, summary, place=f"{city} {venue}".strip(), names=places)
        found[pk] = (event, Parties(kind, status, summit_host=host), text)
    leaders = defaultdict(list)
    for event_id, country, role, name in (
        Participant.objects.filter(event_id__in=pks)
        .order_by("event_id", "position", "id")
        .values_list("event_id", "country_id", "role", "leader__name")
    ):
        found[event_id][1].participants.append((country, role))
        leaders[event_id].append((name, country))
    for event_id, country, name, language, original, english in (
        Quote.objects.filter(event_id__in=pks)
        .order_by("event_id", "position", "id")
        .values_list("event_id", "speaker__country_id", "speaker__name", "language", "original_text", "english_text")
    ):
        found[event_id][1].speakers.append(country)
        found[event_id][2].quotes.append((language, original, english))
        leaders[event_id].append((name, country))
    for event_id, country in (
        Event.countries.through.objects.filter(event_id__in=pks)
        .order_by("event_id", "country_id")
        .values_list("event_id", "country_id")
    ):
        found[event_id][1].countries.append(country)
    for event_id, named in leaders.items():
        found[event_id][2].people = people_names_for(named)
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
    """Suggest the PLOVER codes of these events (every event when None) and recompute their scores.

    An event no editor reviewed gets the machine's suggestion (`suggestion_for`)
    in full, category, mode and direction, replacing the previous suggestion;
    a reviewed one keeps its coding, only an empty direction filled
    (`direction_for`): an editor's coding always stands. Runs in batches of `BATCH` events, a few
    queries each; idempotent, so safe to call after every import:
    `code_events(Event.objects.filter(pk__in=written_ids))`.
    """
    report = report or CodingReport()
    queryset = Event.objects.all() if queryset is None else queryset
    needs_work = (
        Q(plover_reviewed=False)
        | Q(plover_category="")
        | Q(actor_country__isnull=True, target_country__isnull=True)
        | (Q(score__isnull=True) & ~Q(plover_category=""))
    )
    pks = list(queryset.filter(needs_work).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        # Events getting the same coding are updated together: a handful of
        # UPDATEs per batch, where bulk_update's CASE per row is slow.
        groups: dict[tuple, list[int]] = defaultdict(list)
        for event, parties, text in _parties_of(pks[start : start + BATCH]).values():
            report.examined += 1
            before = (event.plover_category, event.plover_mode, event.actor_country_id, event.target_country_id)
            if not event.plover_reviewed or not event.plover_category:
                # The machine's own suggestion: renewed from what the event says now.
                event.plover_reviewed = False
                suggestion = suggestion_for(parties, text)
                event.plover_category, event.plover_mode = suggestion.category, suggestion.mode
                event.actor_country_id, event.target_country_id = suggestion.actor, suggestion.target
            elif not event.actor_country_id and not event.target_country_id:
                event.actor_country_id, event.target_country_id = direction_for(parties)
            after = (event.plover_category, event.plover_mode, event.actor_country_id, event.target_country_id)
            report.categorised += before[:2] != after[:2]
            report.directed += before[2:] != after[2:]
            report.uncoded += not event.plover_category
            report.suggested += not event.plover_reviewed
            score = event.effective_score()
            if before != after or score != event.score:
                groups[(*after, event.plover_reviewed, score)].append(event.pk)
        if groups:
            with transaction.atomic():
                now, version = timezone.now(), _version_change()
                for (category, mode, actor, target, reviewed, score), ids in groups.items():
                    Event.objects.filter(pk__in=ids).update(
                        plover_category=category,
                        plover_mode=mode,
                        actor_country_id=actor,
                        target_country_id=target,
                        plover_reviewed=reviewed,
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


@dataclass
class Trial:
    """One hand-coded event: the editors' coding beside the machine's suggestion made without it."""

    title: str
    kind: str
    hand: tuple[str, str, str | None, str | None]  # category, mode, actor, target
    suggested: tuple[str, str, str | None, str | None]
    reason: str


@dataclass
class Evaluation:
    trials: list[Trial] = field(default_factory=list)

    def accuracy(self, trials: list[Trial] | None = None, *, part=lambda coding: coding[0]) -> tuple[int, int]:
        trials = self.trials if trials is None else trials
        return sum(part(t.hand) == part(t.suggested) for t in trials), len(trials)

    def by_kind(self) -> dict[str, list[Trial]]:
        kinds = defaultdict(list)
        for trial in self.trials:
            kinds[trial.kind].append(trial)
        return dict(sorted(kinds.items()))

    def confusion(self) -> dict[tuple[str, str], int]:
        """(hand category, suggested category) → how many events."""
        counts = defaultdict(int)
        for trial in self.trials:
            counts[(trial.hand[0], trial.suggested[0])] += 1
        return dict(counts)


def evaluate_suggestions(path: str | Path = BUNDLED_CODING) -> Evaluation:
    """The machine's suggestion for each hand-coded event of `path`, made as if it had no coding, beside the hand's.

    Reads only: the suggestion never looks at the stored coding, so hiding the
    hand codes is not writing them away. Every event the file names must be
    stored (`load_bundled_data`); CodingFileError lists those that are not.
    """
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = [(line, row) for line, row in enumerate(csv.DictReader(handle), start=2)]
    events, missing = {}, []
    for line, row in rows:
        date = PartialDate.parse(row["date"].strip()).date
        pk = Event.objects.filter(date=date, title=row["title"].strip()).values_list("pk", flat=True).first()
        if pk is None:
            missing.append(f"{Path(path).name}:{line}: no event dated {row['date']} titled {row['title']!r}")
        events[line] = pk
    if missing:
        raise CodingFileError(missing)
    found = _parties_of(list(events.values()))
    evaluation = Evaluation()
    for line, row in rows:
        event, parties, text = found[events[line]]
        suggestion = suggestion_for(parties, text)
        evaluation.trials.append(
            Trial(
                row["title"].strip(),
                parties.kind,
                (row["plover_category"], row["plover_mode"], row["actor"] or None, row["target"] or None),
                (suggestion.category, suggestion.mode, suggestion.actor, suggestion.target),
                suggestion.reason,
            )
        )
    return evaluation
