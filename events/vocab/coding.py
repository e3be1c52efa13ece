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

from dataclasses import dataclass, field

from django.conf import settings

from events.vocab.kinds import MEETING_KINDS, EventKind, ParticipantRole
from events.vocab.plover import Suggestion, suggest


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
