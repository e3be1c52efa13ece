"""
PLOVER coding of stored events: first suggestions, their direction, and the
hand coding of the bundled data set.

Who acts towards whom (the direction) follows the PLOVER manual where it
speaks and the tracker's perspective where it does not:

* Meetings: the visitor is the actor and the host the target (the manual's
  rule for CONSULT). The host is known from the participants' roles
  (`Name (CC, host)` in an import) or, at a summit, from the summit's host
  country when it is one of the two sides (Trump meeting Duterte at the
  ASEAN summit in Manila: US → PH, and the mode becomes `visit`). Otherwise —
  a third country's summit, a call, or a visit whose host the record does not
  say — the Philippines is the actor and its counterpart the target.
* Statements: the speaker's country is the actor, the country the statement
  is about the target; a statement about several countries is left for an
  editor to direct.
* Agreements, intentions, policy actions and other events: the Philippines
  towards the one other country involved; with more countries, an editor.

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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from . import caching, involvement
from .dates import PartialDate
from .models import MEETING_KINDS, Country, Event, EventKind, ParticipantRole, Participant, Quote
from .plover import CATEGORIES, Suggestion, modes_of, suggest

BATCH = 1000
BUNDLED_CODING = Path(__file__).resolve().parent / "data" / "bundled" / "coding.csv"
CODING_COLUMNS = (
    "date", "title", "plover_category", "plover_mode", "plover_context", "actor", "target",
    "score_override", "score_justification", "note",
)


@dataclass
class Parties:
    """Who took part in an event, as plain codes: what the suggestion rules read."""

    kind: str
    status: str
    participants: list[tuple[str, str]] = field(default_factory=list)  # (country, role), in order
    speakers: list[str] = field(default_factory=list)  # the quotes' speakers' countries, in order
    countries: list[str] = field(default_factory=list)  # the countries an editor named
    summit_host: str | None = None

    @classmethod
    def of(cls, event: Event) -> "Parties":
        """Read from the event's relations (participants, quotes with speakers, countries, summit)."""
        if not event.pk:
            return cls(event.kind, event.status, summit_host=event.summit.host_country_id if event.summit_id else None)
        return cls(
            event.kind,
            event.status,
            [(p.country_id, p.role) for p in event.participants.order_by("position", "id")],
            [q.speaker.country_id for q in event.quotes.select_related("speaker").order_by("position", "id")],
            sorted(event.countries.values_list("iso2", flat=True)),
            event.summit.host_country_id if event.summit_id else None,
        )

    @property
    def involved(self) -> list[str]:
        """The participants' countries in order of appearance, then the named ones, each once."""
        return list(dict.fromkeys([c for c, _ in self.participants] + self.countries))

    def summit_host_among(self, parties: list[str]) -> str | None:
        return self.summit_host if self.summit_host in parties and len(parties) == 2 else None


def _home_first(countries: list[str]) -> tuple[str | None, str | None]:
    home = settings.HOME_COUNTRY
    if len(countries) < 2:
        return None, None
    if home in countries:
        return home, next(c for c in countries if c != home)
    return countries[0], countries[1]


def coding_for(parties: Parties) -> Suggestion:
    """`plover.suggest`, a sideline becoming a `visit` when the summit's host is one side."""
    suggestion = suggest(parties.kind, parties.status)
    if suggestion.mode == "third-party" and parties.summit_host_among(parties.involved):
        return Suggestion(suggestion.category, "visit")
    return suggestion


def direction_for(parties: Parties) -> tuple[str | None, str | None]:
    """(actor, target) as ISO2 codes by the rules of the module docstring; None where an editor must say."""
    if parties.kind in MEETING_KINDS:
        involved = parties.involved
        visitors = [c for c, role in parties.participants if role == ParticipantRole.VISITOR]
        hosts = [c for c, role in parties.participants if role == ParticipantRole.HOST]
        if visitors or hosts:
            actor = visitors[0] if visitors else next((c for c in involved if c not in hosts), None)
            target = hosts[0] if hosts else next((c for c in involved if c != actor), None)
            return (actor, target) if actor and target and actor != target else (None, None)
        host = parties.summit_host_among(involved)
        if host:
            return next(c for c in involved if c != host), host
        return _home_first(involved)
    if parties.kind == EventKind.STATEMENT:
        if not parties.speakers:
            return None, None
        about = [c for c in parties.countries if c != parties.speakers[0]]
        return parties.speakers[0], about[0] if len(about) == 1 else None
    involved = parties.involved
    return _home_first(involved) if len(involved) == 2 else (None, None)


def suggested_coding(event: Event) -> Suggestion:
    return coding_for(Parties.of(event))


def suggested_direction(event: Event) -> tuple[str | None, str | None]:
    return direction_for(Parties.of(event))


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
        "pk", "kind", "status", "summit__host_country_id", "plover_category", "plover_mode",
        "actor_country_id", "target_country_id", "score", "score_override",
    )
    found = {}
    for pk, kind, status, host, category, mode, actor, target, score, override in rows:
        event = Event(pk=pk, kind=kind, status=status, plover_category=category, plover_mode=mode,
                      actor_country_id=actor, target_country_id=target, score=score, score_override=override)
        found[pk] = (event, Parties(kind, status, summit_host=host))
    for event_id, country, role in (
        Participant.objects.filter(event_id__in=pks).order_by("event_id", "position", "id")
        .values_list("event_id", "country_id", "role")
    ):
        found[event_id][1].participants.append((country, role))
    for event_id, country in (
        Quote.objects.filter(event_id__in=pks).order_by("event_id", "position", "id")
        .values_list("event_id", "speaker__country_id")
    ):
        found[event_id][1].speakers.append(country)
    for event_id, country in (
        Event.countries.through.objects.filter(event_id__in=pks).order_by("event_id", "country_id")
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
    a direction from the parties (`suggested_direction`), only where empty:
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
                        plover_category=category, plover_mode=mode, actor_country_id=actor,
                        target_country_id=target, score=score, updated_at=now, **version,
                    )
                # The relationships' monthly temperatures count these scores; an UPDATE sends no signal.
                involvement.refresh_event_months(itertools.chain.from_iterable(groups.values()))
                if mark_changed:  # the importer bumps once for everything it wrote
                    caching.bump()  # An UPDATE sends no signal: mark the record changed for the page cache.
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
            errors.append(f"{where}: {'no' if not matches else len(matches)} events dated {values['date']} titled {values['title']!r}")
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
        updates.append((matches[0], {
            "plover_category": category, "plover_mode": mode, "plover_context": values["plover_context"],
            "actor_country_id": values["actor"] or None, "target_country_id": values["target"] or None,
            "score_override": override, "score_justification": values["score_justification"],
        }))
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
