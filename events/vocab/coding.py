"""
Who acts towards whom: the rules that suggest an event's PLOVER coding and direction.

The rules read plain codes (`Parties`), not rows: the model gathers them
(`Event.parties()`), services/coding.py applies the result in bulk. They follow the
PLOVER manual where it speaks and the tracker's perspective where it does not:

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
"""

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings

from events.vocab import lexicon
from events.vocab.kinds import MEETING_KINDS, EventKind, EventStatus, ParticipantRole
from events.vocab.plover import QUAD_CATEGORIES, Suggestion, modes_of, suggest


@dataclass
class Parties:
    """Who took part in an event, as plain codes: what the suggestion rules read."""

    kind: str
    status: str
    participants: list[tuple[str, str]] = field(default_factory=list)  # (country, role), in order
    speakers: list[str] = field(default_factory=list)  # the quotes' speakers' countries, in order
    countries: list[str] = field(default_factory=list)  # the countries an editor named
    summit_host: str | None = None

    @property
    def involved(self) -> list[str]:
        """The participants' countries in order of appearance, then the named ones, each once."""
        return list(dict.fromkeys([c for c, _ in self.participants] + self.countries))

    def summit_host_among(self, parties: list[str]) -> str | None:
        return self.summit_host if self.summit_host in parties and len(parties) == 2 else None


def home_first(countries: list[str]) -> tuple[str | None, str | None]:
    """The home country and its counterpart when the home country is among them, else the first two."""
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
        return home_first(involved)
    if parties.kind == EventKind.STATEMENT:
        if not parties.speakers:
            return None, None
        about = [c for c in parties.countries if c != parties.speakers[0]]
        return parties.speakers[0], about[0] if len(about) == 1 else None
    involved = parties.involved
    return home_first(involved) if len(involved) == 2 else (None, None)


# -- #14: a suggestion for every event, from its text where kind and status say too little ----------


@dataclass
class EventText:
    """What an event says in words, for the lexicon (events/vocab/lexicon.py)."""

    title: str = ""
    summary: str = ""
    quotes: list[tuple[str, str, str]] = field(default_factory=list)  # (language, original, English)
    place: str = ""  # the city or venue
    names: dict[str, str] = field(default_factory=dict)  # countries and places → ISO2 (`place_names_for`)
    people: dict[str, str] = field(default_factory=dict)  # the event's leaders, full names and surnames → ISO2

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        return lexicon.mentions(text, self.names, self.people)


class Coding(NamedTuple):
    """A suggested coding and why: the cue words found, or the rule that gave it."""

    category: str = ""
    mode: str = ""
    actor: str | None = None
    target: str | None = None
    reason: str = ""


# Ties between categories go to the first: a rarer, more specific act over the common ones.
PRIORITY = (
    "ASSAULT",
    "COERCE",
    "THREATEN",
    "SANCTION",
    "MOBILIZE",
    "REJECT",
    "ACCUSE",
    "REQUEST",
    "PROTEST",
    "AID",
    "RETREAT",
    "CONCEDE",
    "COOPERATE",
    "AGREE",
    "SUPPORT",
    "CONSULT",
)
FILIPINO = frozenset({"fil"})
MATERIAL_CATEGORIES = frozenset(QUAD_CATEGORIES["material_cooperation"] + QUAD_CATEGORIES["material_conflict"])
# When the text has no cue: the statement's most common coding, and the mildest for the rest.
FALLBACK = {EventKind.STATEMENT: ("SUPPORT", "")}
DEFAULT_FALLBACK = ("CONSULT", "")
_CANCELLING = re.compile(
    r"(?<![\w-])(?:cancel\w*|call(?:s|ed|ing)? off|skip(?:s|ped|ping)?|scrap\w*|pull(?:s|ed)? out|"
    r"(?:decision|decided|decides) not to attend|(?:will|would) not attend)(?![\w-])",
    re.IGNORECASE,
)
_BY = re.compile(r"\s+by\s+(?:the\s+)?", re.IGNORECASE)


def place_names_for(countries: dict[str, str]) -> dict[str, str]:
    """The names that point to a country whatever the event: country names (ISO2 → name) and plover_names.csv."""
    return {**{name: iso2 for iso2, name in countries.items()}, **lexicon.place_names()}


def people_names_for(leaders: list[tuple[str, str]]) -> dict[str, str]:
    """An event's leaders (name, ISO2) by full name and by surname ("Duterte")."""
    names = {}
    for name, iso2 in leaders:
        names[name] = iso2
        names.setdefault(lexicon.surname(name), iso2)
    return names


def _counterpart(actor: str, involved: list[str]) -> str | None:
    """Whom `actor` acts towards among the involved: the home country, else the first other."""
    others = [c for c in involved if c != actor]
    home = settings.HOME_COUNTRY
    return home if home in others else (others[0] if others else None)


def canceller(text: EventText, involved: list[str]) -> str | None:
    """Who called it off, where the text says: "cancelled by the White House" → US, "Marcos cancels" → PH.

    The agent after "by", else the first country named before the verb: the
    subject ("Marcos cancels trip") or the owner of the plan ("Suga's planned
    visit ... cancelled"). None when neither the title nor the summary says.
    """
    for source in (text.title, text.summary):
        verb = _CANCELLING.search(source)
        if verb is None:
            continue
        by = _BY.match(source, verb.end())
        if by:
            after = text.mentions(source[by.end() :])
            if after and after[0][0] == 0:
                return after[0][2]
        before = [iso2 for start, _, iso2 in text.mentions(source[: verb.start()])]
        before = [c for c in before if not involved or c in involved] or before
        if before:
            return before[0]
    return None


def text_matches(kind: str, text: EventText) -> dict[str, lexicon.Match]:
    """The lexicon's matches over the title, summary and quotes (the English, and a translated original's Filipino).

    A statement is a verbal act: what its quotes say of material acts (the aid
    thanked for, the ramming complained of) weighs half, so that the act of
    speaking — thanks, complaint — decides.
    """
    quotes = [lexicon.matches(english or original) for _, original, english in text.quotes]
    # A Filipino original carries cue words its translation renders otherwise (salamat, giyera).
    quotes += [lexicon.matches(original, languages=FILIPINO) for language, original, english in text.quotes if english]
    if kind == EventKind.STATEMENT:
        quotes = [lexicon.scaled(found, 0.5, MATERIAL_CATEGORIES) for found in quotes]
    # A statement's title repeats its quote: counted once, as the quote.
    title = lexicon.matches(text.title) if kind != EventKind.STATEMENT or not text.quotes else {}
    return lexicon.combine(title, lexicon.matches(text.summary), *quotes)


def best_match(matches: dict[str, lexicon.Match]) -> lexicon.Match | None:
    if not matches:
        return None
    return max(matches.values(), key=lambda m: (m.weight, -PRIORITY.index(m.category)))


def _subject(text: EventText, involved: list[str]) -> str | None:
    """The country the title names first among the involved: who acts in "China donates rifles to ..."."""
    for _, _, iso2 in text.mentions(text.title):
        if iso2 in involved:
            return iso2
    return None


def _host(text: EventText, involved: list[str]) -> str | None:
    """The side whose place the event is in (the city field, or "in Davao City" in the title), when known."""
    places = [iso2 for _, _, iso2 in text.mentions(text.place)]
    for where in re.finditer(r"(?<!\w)in ", text.title):
        named = text.mentions(text.title[where.end() :])
        places += [named[0][2]] if named and named[0][0] == 0 else []
    return next((iso2 for iso2 in places if iso2 in involved), None)


def suggestion_for(parties: Parties, text: EventText) -> Coding:
    """A full coding for any event, by the rules of the module docstring and the lexicon; never empty.

    * Cancelled (any kind): REJECT/meet — the PLOVER manual: "Cancellation of
      meetings are REJECT" — the canceller acting where the text says who.
    * Planned or postponed: AGREE — "References to future meetings ... should
      be coded as AGREE".
    * Held meetings: `coding_for` (CONSULT and its mode).
    * Agreements: SUPPORT when signed or ratified ("ratify, sign, or finalize
      an agreement"), else AGREE. Intentions: AGREE.
    * Statements, policy actions and other events: the category with the most
      cue weight in the text (ties: `PRIORITY`), else `FALLBACK`.
    """
    kind, status, involved = parties.kind, parties.status, parties.involved
    speakers = list(dict.fromkeys(parties.speakers))
    involved = involved or speakers
    if status == EventStatus.CANCELLED:
        actor = canceller(text, involved)
        if actor:
            return Coding("REJECT", "meet", actor, _counterpart(actor, involved), "cancelled: the canceller named")
        return Coding("REJECT", "meet", *direction_for(parties), "cancelled")
    if status in (EventStatus.PLANNED, EventStatus.POSTPONED):
        return Coding("AGREE", "", *direction_for(parties), f"{status}: a future meeting or act")
    if kind in MEETING_KINDS:
        category, mode = coding_for(parties)
        actor, target = direction_for(parties)
        if parties.summit_host_among(involved) or any(
            role != ParticipantRole.PARTICIPANT for _, role in parties.participants
        ):
            return Coding(category, mode, actor, target, "held meeting: roles or the summit's host")
        if kind == EventKind.CALL:
            caller = _subject(text, involved)
            if caller and _counterpart(caller, involved):
                return Coding(category, mode, caller, _counterpart(caller, involved), "held call: the caller named")
        host = _host(text, involved)
        if host and _counterpart(host, involved) and kind != EventKind.CALL:
            return Coding(category, "visit", _counterpart(host, involved), host, "held meeting: the host's place")
        return Coding(category, mode, actor, target, "held meeting")
    matches = text_matches(kind, text)
    if kind in (EventKind.AGREEMENT, EventKind.INTENTION):
        signed = kind == EventKind.AGREEMENT and {"sign*", "ratif*"} & set(
            matches.get("SUPPORT", lexicon.Match("")).cues
        )
        category = "SUPPORT" if signed else "AGREE"
        return Coding(category, "", *_direction(kind, parties, text, involved), "signed" if signed else kind)
    best = best_match(matches)
    if best is None:
        category, mode = FALLBACK.get(kind, DEFAULT_FALLBACK)
        return Coding(category, mode, *_direction(kind, parties, text, involved), "no cue: the fallback")
    actor, target = _direction(kind, parties, text, involved)
    mode = best.mode if best.mode in modes_of(best.category) else ""
    if best.category == "CONSULT" and not mode:
        host = _host(text, involved)
        if host and _counterpart(host, involved):
            return Coding("CONSULT", "visit", _counterpart(host, involved), host, "cues: " + ", ".join(best.cues))
    return Coding(best.category, mode, actor, target, "cues: " + ", ".join(best.cues))


def _direction(kind: str, parties: Parties, text: EventText, involved: list[str]) -> tuple[str | None, str | None]:
    """Who acts towards whom in a coding from the text.

    A statement: `direction_for` (the speaker towards the country it is about),
    and about several countries, towards the first its words name. A policy
    action or other event: the agent the title names ("on Duterte's order",
    "by the White House"), else its subject ("China donates rifles ..."), else
    `direction_for`. Agreements and intentions are mutual: `direction_for`.
    """
    actor, target = direction_for(parties)
    if kind == EventKind.STATEMENT:
        if actor and not target:
            about = [c for c in parties.countries if c != actor]
            words = " ".join([text.summary, *(english or original for _, original, english in text.quotes)])
            target = next((iso2 for _, _, iso2 in text.mentions(words) if iso2 in about), None)
        return actor, target
    if kind in (EventKind.OTHER, EventKind.POLICY_ACTION):
        subject = _agent(text, involved) or _subject(text, involved)
        if subject and _counterpart(subject, involved):
            return subject, _counterpart(subject, involved)
    return actor, target


def _agent(text: EventText, involved: list[str]) -> str | None:
    """The country whose order or doing the title names: "on Duterte's order", "by the White House"."""
    for start, end, iso2 in text.mentions(text.title):
        before, after = text.title[:start].lower(), text.title[end:].lower()
        if iso2 in involved and (
            before.endswith(("by ", "by the ")) or (before.endswith("on ") and after.startswith(" order"))
        ):
            return iso2
    return None
