"""
PLOVER event coding (Political Language Ontology for Verifiable Event Records).

Sixteen event categories in four "quad" classes, from verbal cooperation to
material conflict; a category's optional *mode* says how (a CONSULT by phone,
an AID that is military). The vocabulary follows the PLOVER manual of the Open
Event Data Alliance, https://github.com/openeventdata/PLOVER (PLOVER_MANUAL.tex,
chapter "Event Categories"), with the category names of PLOVER 1.0 as used by
the POLECAT data set (Halterman et al. 2023): REQUEST for the manual's DEMAND,
ACCUSE for its merged DISAPPROVE and INVESTIGATE.

Scores: where the event sits between conflict (−10) and cooperation (+10).

* A category on its own scores the manual's "Schrodt score" (section "Numeric
  conflict/cooperation scores"): the mean Goldstein value of the CAMEO codes
  the category replaces, weighted by how often each occurred, with COERCE and
  MOBILIZE swapped by PLOVER's authors. REQUEST takes DEMAND's score (−5.0).
* A category with a mode scores the Goldstein (1992) value of the CAMEO code
  PLOVER maps to that mode (the mapping: CAMEO2PLOVER-2021.txt in the PLOVER
  repository; the values: CAMEO's CAMEO.SCALE.txt, as reproduced in
  openeventdata/phoenix_pipeline, postprocess.py). The CAMEO code is kept
  next to each value below so that every number can be checked.
* A mode with no CAMEO counterpart (e.g. CONSULT/multilateral) scores its
  category.

Goldstein, Joshua S. 1992. "A Conflict-Cooperation Scale for WEIS Events
Data." Journal of Conflict Resolution 36 (2): 369–385.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PloverCategory(models.TextChoices):
    AGREE = "AGREE", "Agree"
    CONSULT = "CONSULT", "Consult"
    SUPPORT = "SUPPORT", "Support"
    CONCEDE = "CONCEDE", "Concede"
    COOPERATE = "COOPERATE", "Cooperate"
    AID = "AID", "Aid"
    RETREAT = "RETREAT", "Retreat"
    REQUEST = "REQUEST", "Request"
    ACCUSE = "ACCUSE", "Accuse"
    REJECT = "REJECT", "Reject"
    THREATEN = "THREATEN", "Threaten"
    PROTEST = "PROTEST", "Protest"
    SANCTION = "SANCTION", "Sanction"
    MOBILIZE = "MOBILIZE", "Mobilize"
    COERCE = "COERCE", "Coerce"
    ASSAULT = "ASSAULT", "Assault"


class Quad(models.TextChoices):
    VERBAL_COOPERATION = "verbal_cooperation", _("Verbal cooperation")
    MATERIAL_COOPERATION = "material_cooperation", _("Material cooperation")
    VERBAL_CONFLICT = "verbal_conflict", _("Verbal conflict")
    MATERIAL_CONFLICT = "material_conflict", _("Material conflict")


@dataclass(frozen=True)
class Mode:
    name: str
    description: str
    cameo: str | None  # The CAMEO code whose Goldstein value `score` is; None: the category's score.
    score: Decimal


@dataclass(frozen=True)
class Category:
    code: str
    quad: str
    score: Decimal  # The manual's "Schrodt score".
    modes: dict[str, Mode]


def _modes(*rows: tuple[str, str, str | None, str | None]) -> dict[str, Mode]:
    return {
        name: Mode(name, description, cameo, Decimal(score) if score else None)
        for name, description, cameo, score in rows
    }


C, Q = PloverCategory, Quad  # Short names for the table below only.

# The quad of each category is the one its section of the PLOVER manual gives
# (the repository README's older table puts SANCTION under verbal conflict; the
# manual and POLECAT put it under material conflict, as here).
CATEGORIES: dict[str, Category] = {
    str(c.code): c
    for c in [
        # "Supplementary fields: None": AGREE, SUPPORT, CONCEDE, COOPERATE and ACCUSE have no modes.
        Category(C.AGREE, Q.VERBAL_COOPERATION, Decimal("4.2"), {}),
        Category(
            C.CONSULT,
            Q.VERBAL_COOPERATION,
            Decimal("2.1"),
            _modes(
                # The visitor is the source (actor) and the host the recipient (target).
                ("visit", "The actor visits; the target hosts", "042", "1.9"),
                ("third-party", "A meeting hosted by a third party", "044", "2.5"),
                ("multilateral", "A meeting in a multilateral setting (alliance, IGO)", None, None),
                ("phone", "By telephone or another remote medium", "041", "1.0"),
            ),
        ),
        Category(C.SUPPORT, Q.VERBAL_COOPERATION, Decimal("4.6"), {}),
        Category(C.CONCEDE, Q.VERBAL_COOPERATION, Decimal("5.0"), {}),
        Category(C.COOPERATE, Q.MATERIAL_COOPERATION, Decimal("6.8"), {}),
        Category(
            C.AID,
            Q.MATERIAL_COOPERATION,
            Decimal("7.4"),
            _modes(
                ("economic", "Economic aid: loans, grants", "071", "7.4"),
                ("military", "Military aid: arms, training, personnel", "072", "8.3"),
                ("humanitarian", "Humanitarian aid", "073", "7.4"),
                ("asylum", "Granting asylum", "075", "7.0"),
            ),
        ),
        Category(
            C.RETREAT,
            Q.MATERIAL_COOPERATION,
            Decimal("7.6"),
            _modes(
                ("withdraw", "Withdraw forces from an area, ease a blockade", "0872", "9.0"),
                ("release", "Release captives", "0841", "7.0"),
                ("return", "Return property", "0842", "7.0"),
                ("disarm", "Disarm, de-escalate militarily", "087", "9.0"),
                ("ceasefire", "Implement a ceasefire", "0871", "9.0"),
                ("access", "Allow observers, peacekeepers or aid workers in", "086", "9.0"),
                ("resign", "An official resigns", None, None),
            ),
        ),
        # The manual's DEMAND modes (shared with REJECT).
        Category(
            C.REQUEST,
            Q.VERBAL_CONFLICT,
            Decimal("-5.0"),
            _modes(
                ("assist", "Demand cooperation, relations or assistance", "101", "-5.0"),
                ("change", "Demand a change of policy, government or institutions", "104", "-5.0"),
                ("yield", "Demand a release, the end of sanctions, a ceasefire", "105", "-5.0"),
                ("meet", "Demand a meeting or negotiations", "106", "-5.0"),
            ),
        ),
        Category(C.ACCUSE, Q.VERBAL_CONFLICT, Decimal("-2.0"), {}),
        Category(
            C.REJECT,
            Q.VERBAL_CONFLICT,
            Decimal("-4.2"),
            _modes(
                ("assist", "Refuse cooperation, relations or assistance", "121", "-4.0"),
                ("change", "Refuse a change of policy, government or institutions", "123", "-4.0"),
                ("yield", "Refuse to release, ease sanctions or de-escalate", "124", "-5.0"),
                ("meet", "Refuse to meet, discuss or negotiate", "125", "-5.0"),
            ),
        ),
        Category(
            C.THREATEN,
            Q.VERBAL_CONFLICT,
            Decimal("-5.1"),
            _modes(
                ("restrict", "Threaten boycotts, sanctions, blockades", "1312", "-5.8"),
                ("ban", "Threaten to ban parties or politicians", "1322", "-5.8"),
                ("arrest", "Threaten arrest or imprisonment", None, None),
                ("relations", "Threaten to reduce or break relations or talks", "1313", "-5.8"),
                ("expel", "Threaten to expel diplomats, peacekeepers, NGOs", "136", "-7.0"),
                ("territory", "Threaten to occupy or seize territory", "1382", "-7.0"),
                ("violence", "Threaten violence or military force", "138", "-7.0"),
            ),
        ),
        Category(
            C.PROTEST,
            Q.MATERIAL_CONFLICT,
            Decimal("-6.6"),
            _modes(
                ("demo", "Demonstration", "141", "-6.5"),
                ("riot", "Violent riot", "145", "-7.5"),
                ("strike-gen", "General strike", "143", "-6.5"),
                ("strike-lim", "Limited strike", "143", "-6.5"),
                ("strike-hun", "Hunger strike", "142", "-6.5"),
                ("boycott", "Boycott", "143", "-6.5"),
                ("obstruct", "Obstruct passage", "144", "-7.5"),
            ),
        ),
        Category(
            C.SANCTION,
            Q.MATERIAL_CONFLICT,
            Decimal("-5.2"),
            _modes(
                ("convict", "Find guilty or liable in a court of law", "116", "-2.0"),
                # CAMEO 161's definition: "Cancellation of meetings ... [is] coded here".
                ("cancel", "Cancel meetings, summits, dialogues", "161", "-4.0"),
                ("expel", "Expel an actor from a group or country", "166", "-8.0"),
                ("withdraw", "Withdraw aid, observers, diplomats", "161", "-4.0"),
                ("sever", "Curtail or end diplomatic, commercial or material exchanges", "160", "-4.0"),
            ),
        ),
        Category(
            C.MOBILIZE,
            Q.MATERIAL_CONFLICT,
            Decimal("-5.3"),
            _modes(
                ("troops", "Mobilize armed personnel or units", "154", "-7.2"),
                ("weapons", "Increase readiness of weapons systems", None, None),
                ("police", "Mobilize police or security units", "153", "-7.2"),
            ),
        ),
        Category(
            C.COERCE,
            Q.MATERIAL_CONFLICT,
            Decimal("-7.2"),
            _modes(
                ("confiscate", "Confiscate property", "1711", "-9.2"),
                ("restrict", "Restrict political freedoms or movement", "172", "-5.0"),
                ("ban", "Ban individuals or organizations", "1722", "-5.0"),
                ("censor", "Censor publications", "1721", "-5.0"),
                ("curfew", "Impose a curfew", "1723", "-5.0"),
                ("martial-law", "Impose a state of emergency or martial law", "1724", "-5.0"),
                ("arrest", "Arrest, detain, charge", "173", "-5.0"),
                ("deport", "Expel or deport individuals", "174", "-5.0"),
                ("withhold", "Withhold public goods or services", None, None),
            ),
        ),
        Category(
            C.ASSAULT,
            Q.MATERIAL_CONFLICT,
            Decimal("-9.3"),
            _modes(
                ("abduct", "Abduct, kidnap, hijack", "181", "-9.0"),
                ("beat", "Physical assault", "182", "-9.5"),
                ("torture", "Torture", "1822", "-9.0"),
                ("execute", "Judicially sanctioned execution", None, None),
                ("sexual", "Sexual violence", "1821", "-9.0"),
                ("assassinate", "Targeted assassination", "186", "-10.0"),
                ("destroy", "Destroy property", "1712", "-9.2"),
                ("primitive", "Primitive weapons", None, None),
                ("firearms", "Small arms and light weapons", "193", "-10.0"),
                ("explosives", "Explosives not in a heavy weapon", "183", "-10.0"),
                ("suicide-attack", "Suicide attack", "1831", "-10.0"),
                ("heavy-weapons", "Crew-served weapons", "194", "-10.0"),
            ),
        ),
    ]
}
del C, Q

QUAD_CATEGORIES: dict[str, tuple[str, ...]] = {
    str(quad): tuple(code for code, category in CATEGORIES.items() if category.quad == quad) for quad in Quad
}

# For a form's <select>: the modes grouped under their categories.
MODE_CHOICES = [("", "—")] + [
    (PloverCategory(code).label, [(mode, f"{mode}: {m.description}") for mode, m in category.modes.items()])
    for code, category in CATEGORIES.items()
    if category.modes
]


def quad_of(category: str) -> str | None:
    info = CATEGORIES.get(category)
    return info.quad if info else None


def modes_of(category: str) -> tuple[str, ...]:
    info = CATEGORIES.get(category)
    return tuple(info.modes) if info else ()


def default_score(category: str, mode: str = "") -> Decimal | None:
    """The score of an event coded `category`/`mode` (see the module docstring); None when uncoded."""
    info = CATEGORIES.get(category)
    if info is None:
        return None
    found = info.modes.get(mode) if mode else None
    if found is not None and found.score is not None:
        return found.score
    return info.score


def score_source(category: str, mode: str = "") -> str:
    """Where `default_score(category, mode)` comes from, in words: for the admin and the event page."""
    info = CATEGORIES.get(category)
    if info is None:
        return ""
    found = info.modes.get(mode) if mode else None
    if found is not None and found.cameo:
        return gettext("Goldstein value of CAMEO %(code)s") % {"code": found.cameo}
    return gettext("PLOVER's score for %(category)s") % {"category": category}


class Suggestion(NamedTuple):
    category: str = ""
    mode: str = ""

    def __bool__(self):
        return bool(self.category)


_MEETINGS = {
    "state_visit": Suggestion(PloverCategory.CONSULT, "visit"),
    "official_visit": Suggestion(PloverCategory.CONSULT, "visit"),
    "working_visit": Suggestion(PloverCategory.CONSULT, "visit"),
    "sideline": Suggestion(PloverCategory.CONSULT, "third-party"),
    "call": Suggestion(PloverCategory.CONSULT, "phone"),
    # A meeting of unknown form (a courtesy call, an audience): CONSULT alone.
    "meeting": Suggestion(PloverCategory.CONSULT, ""),
}


def suggest(kind: str, status: str) -> Suggestion:
    """A sensible first coding from an event's kind and status; empty when it takes an editor's judgement.

    Only what happened is coded: a planned or postponed event is not yet an
    act, and a cancelled one says nothing by itself about who called it off
    or why (Obama's snub in Vientiane and Duterte's flight home from Moscow
    are both "cancelled"), so those are left to the editor. Statements,
    policy actions and "other" events range from praise to threats.
    """
    if status != "held":
        return Suggestion()
    if kind in _MEETINGS:
        return _MEETINGS[kind]
    if kind in {"agreement", "intention"}:
        # "Agree to, offer, promise, or otherwise indicate willingness or commitment
        # to cooperate": the manual's AGREE. A signed treaty is SUPPORT; editors say so.
        return Suggestion(PloverCategory.AGREE, "")
    return Suggestion()
