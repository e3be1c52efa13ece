"""
The PLOVER cue-word lexicon: which words in an event's text point to which category.

The cues are data (plover_cues.csv beside this module: category, mode, weight,
language, cue), written from the category definitions of the PLOVER manual
(chapter "Event Categories": "condemn, decry ... criticize" for ACCUSE, "all
rejections and refusals" for REJECT, "coercive or forceful warnings" for
THREATEN, ...) in English and in the Filipino/Tagalog of the bundled quotes
("salamat", "kaibigan", "giyera"). A cue is a phrase matched on word
boundaries, case-insensitively; a trailing `*` matches any ending
("condemn*": condemns, condemned, condemnation). A cue is not counted when a
negation stands just before it ("we do not want to quarrel"), unless the
negation is part of the cue ("will not allow").

plover_names.csv holds the names that point to a country beyond the countries'
own names and the event's leaders: seats of government ("White House"),
capitals and demonyms ("Chinese"). Names match case-sensitively ("US", not
"us").

Pure functions over strings: the rules that use them are in events/vocab/coding.py.
"""

import bisect
import csv
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CUES_FILE = HERE / "plover_cues.csv"
NAMES_FILE = HERE / "plover_names.csv"

# Words that undo a cue standing within NEGATION_REACH words after them.
NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "don't",
        "won't",
        "cannot",
        "can't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "nobody",
        "without",
        "hindi",
        "huwag",
        "'wag",
        "wag",
        "wala",
        "walang",
    ]
)
NEGATION_REACH = 3
_WORD = re.compile(r"[\w'’-]+")
_CLAUSE_END = re.compile(r"[.;:!?,…—]")


@dataclass(frozen=True)
class Cue:
    category: str
    mode: str
    weight: int
    language: str
    text: str


@dataclass
class Match:
    """What a text says for one category: its weight, the cues found and the modes they point to."""

    category: str
    weight: float = 0
    cues: list[str] = field(default_factory=list)
    modes: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    @property
    def mode(self) -> str:
        return max(self.modes.items(), key=lambda item: item[1])[0] if self.modes else ""


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, one space between words."""
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


def _pattern(cue: str) -> str:
    words = [re.escape(word.rstrip("*")) + (r"[\w'-]*" if word.endswith("*") else "") for word in cue.split()]
    return r"(?<![\w'-])" + r"[\s-]+".join(words) + r"(?![\w'-])"


@functools.cache
def cues() -> tuple[Cue, ...]:
    with CUES_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Cue(row["category"], row["mode"], int(row["weight"]), row["language"], normalise(row["cue"]))
            for row in csv.DictReader(handle)
        )


@functools.cache
def _compiled() -> tuple[tuple[Cue, re.Pattern, str], ...]:
    """Each cue with its regex and its stem: the start of its first word, which a text must have for it to match."""
    return tuple((cue, re.compile(_pattern(cue.text)), cue.text.split()[0].split("-")[0].rstrip("*")) for cue in cues())


@functools.cache
def _by_prefix() -> dict[str, list[tuple[Cue, re.Pattern, str]]]:
    """The compiled cues by the first three letters of their stem ("" for shorter stems, always tried)."""
    index = defaultdict(list)
    for compiled in _compiled():
        stem = compiled[2]
        index[stem[:3] if len(stem) >= 3 else ""].append(compiled)
    return dict(index)


def _may_occur(stem: str, words: list[str]) -> bool:
    """Whether a word of the text (sorted) starts with `stem`: most cues' do not, and skip their regex."""
    at = bisect.bisect_left(words, stem)
    return at < len(words) and words[at].startswith(stem)  # a prefix is enough: the regex decides


def _negated(text: str, start: int) -> bool:
    clause = _CLAUSE_END.split(text[:start])[-1]
    before = _WORD.findall(clause)[-NEGATION_REACH:]
    return any(word in NEGATIONS for word in before)


def matches(text: str, *, weight: float = 1, languages: frozenset[str] | None = None) -> dict[str, Match]:
    """The categories `text` has cues for, each cue counted once, its weight times `weight`.

    Where cues overlap ("will go to war": AGREE's "will go to", THREATEN's "go
    to war") the heavier, then the longer, wins the words. `languages`: only the
    cues of these languages (a translated quote's original: its Filipino cues).
    """
    text = normalise(text)
    words = sorted(set(_WORD.findall(text)))
    hits = []
    index = _by_prefix()
    candidates = [*index.get("", []), *(c for prefix in {w[:3] for w in words} for c in index.get(prefix, []))]
    for cue, pattern, stem in candidates:
        if (languages is not None and cue.language not in languages) or not _may_occur(stem, words):
            continue
        for hit in pattern.finditer(text):
            if cue.text.split()[0] in NEGATIONS or not _negated(text, hit.start()):
                hits.append((hit.start(), hit.end(), cue))
    hits.sort(key=lambda hit: (-hit[2].weight, hit[0] - hit[1], hit[0], hit[2].text))
    taken: list[tuple[int, int]] = []
    counted: set[Cue] = set()
    found: dict[str, Match] = {}
    for start, end, cue in hits:
        if cue in counted or any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        counted.add(cue)
        match = found.setdefault(cue.category, Match(cue.category))
        match.weight += cue.weight * weight
        match.cues.append(cue.text)
        if cue.mode:
            match.modes[cue.mode] += cue.weight * weight
    return found


def scaled(found: dict[str, Match], factor: float, categories: frozenset[str]) -> dict[str, Match]:
    """`found` with the weight of `categories` times `factor`."""
    for category, match in found.items():
        if category in categories:
            match.weight *= factor
            for mode in match.modes:
                match.modes[mode] *= factor
    return found


def combine(*parts: dict[str, Match]) -> dict[str, Match]:
    """The matches of several texts added up, category by category."""
    total: dict[str, Match] = {}
    for part in parts:
        for category, match in part.items():
            into = total.setdefault(category, Match(category))
            into.weight += match.weight
            into.cues += match.cues
            for mode, weight in match.modes.items():
                into.modes[mode] += weight
    return total


@functools.cache
def place_names() -> dict[str, str]:
    """The names of plover_names.csv: seats of government, capitals, demonyms → ISO2."""
    with NAMES_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["name"]: row["country"] for row in csv.DictReader(handle)}


def surname(name: str) -> str:
    """The last word of a leader's name that is not a suffix: "Ferdinand Marcos Jr." → "Marcos"."""
    words = [w for w in name.replace(",", " ").split() if w.rstrip(".").lower() not in {"jr", "sr", "ii", "iii", "iv"}]
    return words[-1] if words else name


@functools.lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:'s|’s)?(?![\w-])")


def mentions(text: str, *maps: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, ISO2) of every name in `text` that one of `maps` (name → ISO2) points to, in order.

    At one place the longest name wins ("White House" before "White"). Each map's
    pattern is compiled once: pass the shared names (countries, places) and an
    event's own (its leaders) as separate maps.
    """
    found: dict[int, tuple[int, int, str]] = {}
    for names in maps:
        if not names:
            continue
        for hit in _names_pattern(tuple(sorted(names))).finditer(text):
            name = hit.group(0).removesuffix("'s").removesuffix("’s")
            if hit.start() not in found or found[hit.start()][1] < hit.end():
                found[hit.start()] = (hit.start(), hit.end(), names[name])
    return [found[start] for start in sorted(found)]
