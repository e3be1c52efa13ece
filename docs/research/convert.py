#!/usr/bin/env python3
"""Merge the research helpers' records (docs/research/r*.jsonl) into the bundled CSVs.

    python docs/research/convert.py      # rewrites events/data/bundled/*.csv and docs/research/DOUBTS.md

The bundled files are read first and every row in them is kept; a research
record that is already there (same date and participants, same date and
title, or the same statement) only adds its sources and fills what the row
left empty, so running this again changes nothing. The helpers' format is in
RESEARCH_BRIEF.md; the rules applied are those of issue #13:

* a record whose only sources are mirrors or aggregators (publishers.py) is dropped;
* a "planned" record the research could not confirm is dropped only if its date
  is past and its doubts say so; otherwise it stays, planned;
* participants, speakers and countries must be ISO 3166-1 countries: a UN or EU
  participant is left out (and the meeting with it, when only one side remains);
  an event of the Philippines alone (the ICC withdrawal) stays, on /events/ though
  on no relationship's timeline;
* a statement not in English without an English rendering printed by a source
  is left out: the tracker never translates into an "original";
* a statement by an institution (a ministry, the DFA) is an "other" event, its
  words quoted in the summary: the record's speakers are people with offices;
* every leader taking part gets an office with dates: the helpers' leader
  records where they exist, otherwise an approximate one (marked `~`) listed
  in DOUBTS.md.

Standard library and pycountry only; no Django.
"""

import csv
import datetime
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pycountry

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUNDLED = ROOT / "events" / "data" / "bundled"
RESEARCH = sorted(HERE.glob("r*.jsonl"))
TODAY = datetime.date(2026, 12, 2)  # when the research was merged: "past" for planned records

sys.path.insert(0, str(HERE))
from publishers import PUBLISHERS

EXTRA = ["end_date", "venue", "source_titles", "source_dates", "disagreements"]
COLUMNS = {
    "meetings.csv": [
        "date",
        "title",
        "participants",
        "city",
        "summit",
        "status",
        "kind",
        "source_url",
        "summary",
        *EXTRA,
    ],
    "statements.csv": [
        "date",
        "speaker",
        "about",
        "language",
        "original_text",
        "english_text",
        "context",
        "source_url",
        "group",
        "translated_by",
        "summary",
        *EXTRA,
    ],
    "other_events.csv": [
        "date",
        "kind",
        "title",
        "summary",
        "countries",
        "city",
        "summit",
        "status",
        "source_url",
        *EXTRA,
    ],
    "summits.csv": ["name", "short_name", "forum", "host_country", "city", "start_date", "end_date", "source_url"],
    "leaders.csv": [
        "name",
        "country",
        "other_names",
        "wikidata_id",
        "office_title",
        "office_country",
        "start_date",
        "end_date",
        "source_url",
    ],
    "publishers.csv": ["domain", "name", "kind", "aggregator"],
}
ISO = {c.alpha_2 for c in pycountry.countries}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?~?$")
MEETING_KINDS = {"state_visit", "official_visit", "working_visit", "sideline", "call", "other"}
INSTITUTION = re.compile(r"\b(Department|Ministry|Embassy|Office|Government)\b")

doubts: list[tuple[str, str, str, str]] = []  # (source file, date, title, text)
dropped: list[tuple[str, str, str, str]] = []  # (source file, date, title, why)
approximated: list[str] = []


# -- publishers ----------------------------------------------------------------

TABLE = {domain: (name, kind, aggregator) for domain, name, kind, aggregator in PUBLISHERS if name}
AGGREGATOR_HOSTS = {domain for domain, name, _, aggregator in PUBLISHERS if aggregator}


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".").removeprefix("www.")


def publisher(url: str):
    host = host_of(url)
    while host:
        if host in TABLE:
            return host, TABLE[host]
        host = host.partition(".")[2]
    return None, None


def is_aggregator(url: str) -> bool:
    if host_of(url) in AGGREGATOR_HOSTS:
        return True
    _, info = publisher(url)
    return bool(info and info[2])


# -- reading and writing the bundled files ---------------------------------------


def read(name: str) -> list[dict]:
    path = BUNDLED / name
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [{column: row.get(column, "") or "" for column in COLUMNS[name]} for row in csv.DictReader(handle)]


def write(name: str, rows: list[dict]) -> None:
    with open(BUNDLED / name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS[name], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def split_urls(value: str) -> list[str]:
    return [u.strip(";") for u in value.split() if u.strip(";")]


def sources_of(row: dict) -> list[list[str]]:
    """[url, title, date] for each of a row's sources, from its source_url, source_titles and source_dates."""
    urls = split_urls(row["source_url"])
    titles = (
        [t.strip().replace("||", "|") for t in re.split(r"(?<!\|)\|(?!\|)", row["source_titles"])]
        if row.get("source_titles")
        else []
    )
    dates = [d.strip() for d in row["source_dates"].split(";")] if row.get("source_dates") else []
    return [[u, titles[i] if i < len(titles) else "", dates[i] if i < len(dates) else ""] for i, u in enumerate(urls)]


def set_sources(row: dict, sources: list[list[str]]) -> None:
    row["source_url"] = "; ".join(u for u, _, _ in sources)
    row["source_titles"] = (
        " | ".join(t.replace("|", "||") for _, t, _ in sources) if any(t for _, t, _ in sources) else ""
    )
    row["source_dates"] = ";".join(d for _, _, d in sources) if any(d for _, _, d in sources) else ""


def add_sources(row: dict, new: list[list[str]]) -> None:
    sources = sources_of(row)
    by_url = {s[0]: s for s in sources}
    for url, title, date in new:
        if url in by_url:
            old = by_url[url]
            old[1] = old[1] or title
            old[2] = old[2] or date
        else:
            sources.append([url, title, date])
            by_url[url] = sources[-1]
    set_sources(row, sources)


# -- research records ------------------------------------------------------------


def clean(text) -> str:
    return " ".join(str(text or "").split())


def research_sources(record: dict) -> list[list[str]]:
    out, seen = [], set()
    for s in record.get("sources") or []:
        url = (s.get("url") or "").strip()
        if not url.startswith(("http://", "https://")) or url in seen or " " in url:
            continue
        seen.add(url)
        published = clean(s.get("published"))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
            published = ""
        else:
            try:
                datetime.date.fromisoformat(published)
            except ValueError:
                published = ""
        out.append([url, clean(s.get("title"))[:300], published])
    return out


def research_disagreements(record: dict, urls: set[str], where: str) -> str:
    items = []
    for d in record.get("disagreements") or []:
        versions = [
            {"url": v["url"], "says": clean(v.get("says"))}
            for v in d.get("versions") or []
            if isinstance(v, dict) and v.get("url") in urls and clean(v.get("says"))
        ]
        seen, unique = set(), []
        for v in versions:
            if v["url"] not in seen:
                seen.add(v["url"])
                unique.append(v)
        if len(unique) >= 2 and clean(d.get("about")):
            items.append({"about": clean(d["about"])[:300], "versions": unique})
        elif d:
            doubts.append(
                (
                    where,
                    record.get("date", ""),
                    record.get("title", ""),
                    f"Disagreement not carried (fewer than two versions tied to the record's sources): {json.dumps(d, ensure_ascii=False)[:400]}",
                )
            )
    return json.dumps(items, ensure_ascii=False) if items else ""


def person(value: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"\s*(.+?)\s*\(\s*([A-Za-z]{2})\s*\)\s*", value or "")
    return (match[1], match[2].upper()) if match else None


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", text.lower()))) - {
        "the",
        "a",
        "of",
        "in",
        "and",
        "to",
        "on",
        "with",
        "for",
    }


def similar(a: str, b: str) -> bool:
    wa, wb = words(a), words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.6


def past(date: str) -> bool:
    parts = [int(p) for p in date.rstrip("~").split("-")]
    year, month, day = (parts + [12, 28])[:3] if len(parts) < 3 else parts
    try:
        return datetime.date(year, month, day) < TODAY
    except ValueError:
        return True


class Merger:
    def __init__(self):
        self.files = {name: read(name) for name in COLUMNS if name != "publishers.csv"}
        self.summit_names = {row["short_name"] for row in self.files["summits.csv"]}
        self.appearances = defaultdict(list)  # (name, country) → dates of the events they appear in
        self.titles_seen = {}  # (name, country) → a title the research gives them
        self.undated_research = set()  # leaders whose research record has no start date
        self.leader_offices = defaultdict(list)  # (name, country) → rows
        for row in self.files["leaders.csv"]:
            self.leader_offices[(row["name"], row["country"])].append(row)
        self.fix_seed()

    # -- the seed's corrections (#13) ---------------------------------------

    def fix_seed(self):
        """Groups for the statements that are one event today, line 16's transcript, the two disagreements."""
        statements = self.files["statements.csv"]
        by_event = defaultdict(list)
        for row in statements:
            # The seed's rows (no summary: the research's rows all have one) were grouped by date,
            # speaker and context before `group` existed; the research's rows are one statement each.
            if not row["summary"]:
                by_event[(row["date"], row["speaker"], row["context"])].append(row)
        for (date, speaker, _), rows in by_event.items():
            if len(rows) > 1 and not any(r["group"] for r in rows):
                slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", speaker.lower())).strip("-")
                n = 1 + sum(1 for r in statements if r["group"].startswith(f"{date}-{slug}"))
                for r in rows:
                    r["group"] = f"{date}-{slug}-{n}"
        pco = "https://mirror.pco.gov.ph/sept-13-2016-speech-of-president-rodrigo-roa-duterte-during-48th-anniversary-of-the-250th-presidential-airlift-wing/"
        agency = "https://northboundasia.com/phl-buy-weaponry-armaments-russia-china/"
        seed = "http://www.manilatimes.net/digong-seeks-meeting-putin/296977/"
        for row in statements:
            if row["date"] == "2016-09-13" and row["original_text"].startswith("I told them I want weaponries"):
                # The Manila Times printed its English rendering; the PCO transcript keeps the Taglish.
                row["english_text"] = row["original_text"]
                row["original_text"] = (
                    "Sabi ko sa kanila na I want weaponry's and armaments, hindi ko kailangan 'yang mga jets…"
                )
                row["language"] = "fil"
                row["translated_by"] = "The Manila Times"
                add_sources(
                    row,
                    [
                        [
                            pco,
                            "Speech of President Rodrigo Roa Duterte during 48th Anniversary of the 250th Presidential Airlift Wing",
                            "",
                        ]
                    ],
                )
            if row["date"] == "2016-09-13" and row["original_text"].startswith("Two countries have agreed"):
                row["translated_by"] = row["translated_by"] or "The Manila Times"
                add_sources(
                    row,
                    [
                        [
                            pco,
                            "Speech of President Rodrigo Roa Duterte during 48th Anniversary of the 250th Presidential Airlift Wing",
                            "",
                        ]
                    ],
                )
        for row in self.files["other_events.csv"]:
            if (
                row["title"]
                == "Russia and China agree to extend soft loans payable in 2025 for Philippine military equipment"
            ):
                # The title picked one of the versions the sources disagree on (coding.csv follows it).
                row["title"] = "Russia and China agree to extend soft loans for Philippine military equipment"
                row["summary"] = row["summary"].replace(
                    "soft loans payable in 2025 for the acquisition of military equipment.",
                    "soft loans for the acquisition of military equipment; the sources disagree on when they are payable.",
                )
            if "soft loan" in row["title"].lower() and row["date"] == "2016-09~":
                add_sources(row, [[agency, "PHL to buy weaponry, armaments from Russia and China", ""]])
                if seed in row["source_url"] and not row["disagreements"]:
                    row["disagreements"] = json.dumps(
                        [
                            {
                                "about": "when the soft loans are payable",
                                "versions": [
                                    {"url": seed, "says": "payable in 2025"},
                                    {
                                        "url": agency,
                                        "says": "“The two countries have agreed to give me the softest loan, payable in 20-25 years.” (the agency text of the 13 September speech)",
                                    },
                                ],
                            }
                        ],
                        ensure_ascii=False,
                    )
        dfa = "https://dfa.gov.ph/dfa-news/news-from-our-foreign-service-postsupdate/10393-president-rodrigo-duterte-holds-bilateral-meeting-with-indonesian-president-joko-widodo"
        pco_jakarta = "https://pco.gov.ph/sept-09-2016-press-statement-of-president-rodrigo-roa-duterte-in-his-working-visit-to-indonesia/"
        for row in self.files["meetings.csv"]:
            if (
                row["date"] == "2016-09-09"
                and dfa in row["source_url"]
                and pco_jakarta in row["source_url"]
                and not row["disagreements"]
            ):
                row["disagreements"] = json.dumps(
                    [
                        {
                            "about": "the visit's classification",
                            "versions": [
                                {
                                    "url": dfa,
                                    "says": "“his first State Visit as the 16th President of the Philippines to the Republic of Indonesia on September 08 to 09”",
                                },
                                {
                                    "url": pco_jakarta,
                                    "says": "“Press Statement of President Rodrigo Roa Duterte in his working visit to Indonesia”",
                                },
                            ],
                        }
                    ],
                    ensure_ascii=False,
                )
                add_sources(
                    row,
                    [
                        [
                            dfa,
                            "President Rodrigo Duterte holds bilateral meeting with Indonesian President Joko Widodo",
                            "2016-09-19",
                        ],
                        [
                            pco_jakarta,
                            "Press Statement of President Rodrigo Roa Duterte in his working visit to Indonesia",
                            "",
                        ],
                    ],
                )

    # -- events ----------------------------------------------------------------

    def find(self, name: str, row: dict, participants: frozenset | None = None):
        for other in self.files[name]:
            if other["date"] != row["date"]:
                continue
            if name == "statements.csv":
                if other["speaker"] == row["speaker"] and (
                    other["original_text"][:60].lower() == row["original_text"][:60].lower()
                    or (
                        other.get("english_text")
                        and other["english_text"][:60].lower() == row["english_text"][:60].lower()
                    )
                ):
                    return other
                continue
            if other["title"] == row["title"]:
                return other
            if name == "meetings.csv" and participants is not None:
                theirs = frozenset(p.strip() for p in other["participants"].split(";") if p.strip())
                if theirs == participants and other["status"] == row["status"]:
                    return other
            elif name == "other_events.csv" and other["kind"] == row["kind"] and similar(other["title"], row["title"]):
                return other
        return None

    def merge(self, name: str, row: dict, sources: list[list[str]], participants=None) -> str:
        existing = self.find(name, row, participants)
        if existing is None:
            set_sources(row, sources)
            self.files[name].append(row)
            return "added"
        add_sources(existing, sources)
        for column in ("summary", "venue", "end_date", "disagreements", "city"):
            if column in existing and not existing[column] and row.get(column):
                if column == "disagreements":
                    urls = set(split_urls(existing["source_url"]))
                    items = json.loads(row[column])
                    if not all(v["url"] in urls for item in items for v in item["versions"]):
                        continue
                existing[column] = row[column]
        return "merged"

    def countries(self, codes, where, record) -> list[str]:
        out = []
        for code in codes or []:
            code = (code or "").strip().upper()
            if code in ISO:
                out.append(code)
            elif code:
                doubts.append(
                    (
                        where,
                        record.get("date", ""),
                        record.get("title", ""),
                        f"{code!r} is not an ISO 3166-1 country: left out of the countries.",
                    )
                )
        return list(dict.fromkeys(out))

    def convert(self, where: str, record: dict) -> None:
        kind, date, title = record["type"], clean(record.get("date")), clean(record.get("title"))
        if record.get("doubts"):
            doubts.append((where, date, title, clean(record["doubts"])))
        if not DATE.match(date):
            dropped.append((where, date, title, "the date is not YYYY, YYYY-MM or YYYY-MM-DD"))
            return
        sources = research_sources(record)
        if not sources:
            dropped.append((where, date, title, "no source URL"))
            return
        if all(is_aggregator(u) for u, _, _ in sources):
            dropped.append(
                (
                    where,
                    date,
                    title,
                    "its only sources are mirrors or aggregators: " + ", ".join(u for u, _, _ in sources),
                )
            )
            return
        status = record.get("status") or "held"
        if status == "planned" and past(date) and record.get("doubts"):
            dropped.append(
                (
                    where,
                    date,
                    title,
                    "planned, in the past, and the research could not confirm it: " + clean(record["doubts"])[:200],
                )
            )
            return
        urls = {u for u, _, _ in sources}
        disagreements = research_disagreements(record, urls, where)
        end = clean(record.get("end_date"))
        end = end if DATE.match(end) and len(end.rstrip("~")) == 10 and end.rstrip("~") >= date.rstrip("~") else ""
        if end.endswith("~"):
            end = end.rstrip("~")
        summit = clean(record.get("summit"))
        if summit and summit not in self.summit_names:
            doubts.append((where, date, title, f"summit {summit!r} has no summit record: the event is not tied to it."))
            summit = ""
        common = {
            "date": date,
            "end_date": end if len(date.rstrip("~")) == 10 else "",
            "venue": clean(record.get("venue"))[:200],
            "disagreements": disagreements,
            "summary": clean(record.get("summary")),
        }
        if kind == "statement" and INSTITUTION.search(record.get("speaker", "")):
            speaker = person(record["speaker"])
            quote = clean(record.get("original_text"))
            english = clean(record.get("english_text"))
            summary = common["summary"]
            said = english if english and record.get("language") != "en" else quote
            if said:
                summary = f"{summary} {speaker[0] if speaker else 'It'} said: “{said}”".strip()
            countries = self.countries([speaker[1] if speaker else "", *(record.get("about") or [])], where, record)
            if not countries:
                dropped.append((where, date, title, "no ISO 3166-1 country"))
                return
            row = {
                **common,
                "kind": "other",
                "title": title or summary[:120],
                "summary": summary,
                "countries": "; ".join(countries),
                "city": clean(record.get("city"))[:100],
                "summit": summit,
                "status": status,
            }
            self.merge("other_events.csv", row, sources)
            return
        if kind == "meeting" and any(INSTITUTION.search(p) for p in record.get("participants") or []):
            # A ministry is no person with an office: the talks between ministries are an "other" event.
            people = [person(p) for p in record["participants"] if person(p) and not INSTITUTION.search(p)]
            if len(people) < 2:
                countries = self.countries([person(p)[1] for p in record["participants"] if person(p)], where, record)
                row = {
                    **common,
                    "kind": "other",
                    "title": title,
                    "summary": common["summary"],
                    "countries": "; ".join(countries),
                    "city": clean(record.get("city"))[:100],
                    "summit": summit,
                    "status": status,
                }
                self.merge("other_events.csv", row, sources)
                return
            record = {**record, "participants": [f"{n} ({c})" for n, c in people]}
        if kind == "meeting":
            people = []
            for p in record.get("participants") or []:
                parsed = person(p)
                if parsed and parsed[1] in ISO:
                    people.append(f"{parsed[0]} ({parsed[1]})")
                else:
                    doubts.append(
                        (where, date, title, f"participant {p!r} does not represent an ISO 3166-1 country: left out.")
                    )
            people = list(dict.fromkeys(people))
            if len(people) < len(record.get("participants") or []) and len({person(p)[1] for p in people}) < 2:
                dropped.append((where, date, title, "with the UN or EU participant left out, one side remains"))
                return
            if not people:
                dropped.append((where, date, title, "no participant"))
                return
            file_kind = record.get("kind") or "other"
            file_kind = file_kind if file_kind in MEETING_KINDS else "other"
            row = {
                **common,
                "title": title,
                "participants": "; ".join(people),
                "city": clean(record.get("city"))[:100],
                "summit": summit,
                "status": status,
                "kind": file_kind,
            }
            self.merge("meetings.csv", row, sources, frozenset(people))
            for p in people:
                self.mentioned(p, date, (record.get("titles") or {}).get(person(p)[0], ""))
        elif kind == "statement":
            speaker = person(record.get("speaker", ""))
            if not speaker or speaker[1] not in ISO:
                dropped.append(
                    (where, date, title, f"speaker {record.get('speaker')!r} is not Name (CC) with an ISO country")
                )
                return
            language = clean(record.get("language")) or "en"
            if language == "en-fil":
                language = "fil"
            original, english = clean(record.get("original_text")), clean(record.get("english_text"))
            if not original:
                dropped.append((where, date, title, "no quote text"))
                return
            if language != "en" and not english:
                dropped.append(
                    (
                        where,
                        date,
                        title,
                        f"a quote in {language!r} with no English rendering printed by a source; the tracker does not translate",
                    )
                )
                return
            row = {
                **common,
                "speaker": f"{speaker[0]} ({speaker[1]})",
                "about": "; ".join(self.countries(record.get("about"), where, record)),
                "language": language,
                "original_text": original,
                "english_text": english if language != "en" else (english if english != original else ""),
                "context": clean(record.get("context"))[:300],
                "group": "",
                "translated_by": clean(record.get("translated_by"))[:200],
            }
            if language == "en":
                row["english_text"] = ""
            self.merge("statements.csv", row, sources)
            self.mentioned(row["speaker"], date, "")
        elif kind == "other":
            countries = self.countries(record.get("countries"), where, record)
            if not countries:
                dropped.append((where, date, title, "no ISO 3166-1 country"))
                return
            summary = common["summary"]
            instruments = [clean(i) for i in record.get("instruments") or [] if clean(i)]
            if instruments:
                summary = f"{summary} Signed: {'; '.join(instruments)}.".strip()
            amount = record.get("amount") or {}
            if isinstance(amount, dict) and amount.get("value") and amount.get("currency"):
                summary = f"{summary} Amount: {amount['currency']} {amount['value']:,}.".strip()
            file_kind = (
                record.get("kind")
                if record.get("kind") in ("agreement", "policy_action", "intention", "other")
                else "other"
            )
            row = {
                **common,
                "kind": file_kind,
                "title": title,
                "summary": summary,
                "countries": "; ".join(countries),
                "city": clean(record.get("city"))[:100],
                "summit": summit,
                "status": status,
            }
            self.merge("other_events.csv", row, sources)

    # -- summits and leaders ---------------------------------------------------

    def summit(self, where: str, record: dict) -> None:
        short_name = clean(record.get("short_name"))
        if not short_name or short_name in self.summit_names:
            return
        start, end = clean(record.get("start_date")).rstrip("~"), clean(record.get("end_date")).rstrip("~")
        host = clean(record.get("host_country")).upper()
        if (
            not (re.fullmatch(r"\d{4}-\d{2}-\d{2}", start) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", end))
            or end < start
            or host not in ISO
        ):
            dropped.append(
                (where, start, short_name, "a summit needs full start and end dates and an ISO host country")
            )
            return
        if record.get("doubts"):
            doubts.append((where, start, short_name, clean(record["doubts"])))
        self.summit_names.add(short_name)
        self.files["summits.csv"].append(
            {
                "name": clean(record.get("name")) or short_name,
                "short_name": short_name,
                "forum": clean(record.get("forum"))[:80],
                "host_country": host,
                "city": clean(record.get("city"))[:100],
                "start_date": start,
                "end_date": end,
                "source_url": "; ".join(u for u, _, _ in research_sources(record)),
            }
        )

    def leader(self, where: str, record: dict) -> None:
        name, country = clean(record.get("name")), clean(record.get("country")).upper()
        if country not in ISO or not name:
            dropped.append((where, "", name, f"leader of {country!r}, not an ISO 3166-1 country"))
            return
        title = clean(record.get("office_title"))[:200]
        start, end = clean(record.get("start_date")), clean(record.get("end_date"))
        if not start or start == "~":
            self.undated_research.add((name, country))
        start = start if start and start != "~" and DATE.match(start) else ""
        end = end if end and end != "~" and DATE.match(end) else ""
        if record.get("doubts"):
            doubts.append((where, start, f"{name} ({country}), {title}", clean(record["doubts"])))
        rows = self.leader_offices[(name, country)]
        other_names = [clean(n) for n in record.get("other_names") or [] if clean(n) and ";" not in n]
        if any(r["office_title"] == title for r in rows):
            self.add_other_names(name, country, other_names)
            return
        office_country = clean(record.get("office_country")).upper() or country
        row = {
            "name": name,
            "country": country,
            "other_names": "",
            "wikidata_id": "",
            "office_title": title,
            "office_country": office_country if office_country in ISO else country,
            "start_date": start,
            "end_date": end,
            "source_url": "; ".join(u for u, _, _ in research_sources(record)),
        }
        if start and end and end.rstrip("~") < start.rstrip("~"):
            row["end_date"] = ""
        rows.append(row)
        self.files["leaders.csv"].append(row)
        self.add_other_names(name, country, other_names)

    def add_other_names(self, name, country, names):
        rows = self.leader_offices[(name, country)]
        known = []
        for r in rows:
            known += [n.strip() for n in r["other_names"].split(";") if n.strip()]
        merged = "; ".join(dict.fromkeys(known + names))
        for r in rows:
            r["other_names"] = merged

    def mentioned(self, who: str, date: str, title: str) -> None:
        parsed = person(who)
        self.appearances[parsed].append(date.rstrip("~"))
        if title:
            self.titles_seen.setdefault(parsed, title)

    def date_offices(self) -> None:
        """An office with dates for everyone who appears: known ones below, else the first appearance, marked ~."""
        for row in self.files["statements.csv"]:
            self.mentioned(row["speaker"], row["date"], "")
        for row in self.files["meetings.csv"]:
            for p in row["participants"].split(";"):
                if p.strip():
                    self.mentioned(p.strip(), row["date"], "")
        for key, dates in sorted(self.appearances.items()):
            rows = self.leader_offices[key]
            if any(r["office_title"] and r["start_date"] for r in rows):
                continue
            first = min(dates)[:7]
            undated = [r for r in rows if r["office_title"] and not r["start_date"]]
            known = KNOWN_OFFICES.get(key)
            if undated:
                undated[0]["start_date"] = f"{first}~"
                continue
            if known:
                title, country, start, end, url = known
            else:
                title, country, start, end, url = self.titles_seen.get(key, ""), key[1], f"{first}~", "", ""
                if not title:
                    title = f"Official of {pycountry.countries.get(alpha_2=key[1]).name}"
            row = {
                "name": key[0],
                "country": key[1],
                "other_names": rows[0]["other_names"] if rows else "",
                "wikidata_id": "",
                "office_title": title,
                "office_country": country,
                "start_date": start,
                "end_date": end,
                "source_url": url,
            }
            rows.append(row)
            self.files["leaders.csv"].append(row)
        # Listed on every run, including those dated by an earlier one.
        for key in sorted(self.appearances):
            for row in self.leader_offices[key]:
                if key in KNOWN_OFFICES and row["office_title"] == KNOWN_OFFICES[key][0]:
                    approximated.append(
                        f"{key[0]} ({key[1]}), {row['office_title']}: {row['start_date'] or '?'} – {row['end_date'] or 'present'}"
                        + (
                            f" (source: {row['source_url']})"
                            if row["source_url"]
                            else " (not researched: dates as generally known, approximate)"
                        )
                    )
                elif (
                    (key in self.undated_research or not row["source_url"])
                    and row["office_title"]
                    and row["start_date"] == f"{min(self.appearances[key])[:7]}~"
                ):
                    approximated.append(
                        f"{key[0]} ({key[1]}), {row['office_title']}: start given as {row['start_date']}, the month of "
                        "the first event in the record (the research found no start date)"
                    )

    def publishers(self) -> list[dict]:
        used = set()
        for name in ("meetings.csv", "statements.csv", "other_events.csv", "summits.csv", "leaders.csv"):
            for row in self.files[name]:
                used.update(split_urls(row["source_url"]))
        rows, unknown = {}, set()
        for url in used:
            domain, info = publisher(url)
            if info:
                rows[domain] = {
                    "domain": domain,
                    "name": info[0],
                    "kind": info[1],
                    "aggregator": "true" if info[2] else "false",
                }
            else:
                unknown.add(host_of(url))
        if unknown:
            print("Hosts without a publisher row:", ", ".join(sorted(unknown)), file=sys.stderr)
        return sorted(rows.values(), key=lambda r: r["domain"])


# Offices of people the helpers did not research (the Philippine side mostly), with the dates
# known for them: approximate (~) unless a source is named.
KNOWN_OFFICES = {
    ("Ferdinand Marcos Jr.", "PH"): (
        "President of the Philippines",
        "PH",
        "2022-06-30",
        "",
        "https://mb.com.ph/2022/07/01/what-else-happened-during-marcoss-first-day-in-office",
    ),
    ("Teodoro Locsin Jr.", "PH"): ("Secretary of Foreign Affairs", "PH", "2018-10~", "2022-06-30~", ""),
    ("Alan Peter Cayetano", "PH"): ("Secretary of Foreign Affairs", "PH", "2017-05~", "2018-10~", ""),
    ("Gilberto Teodoro", "PH"): ("Secretary of National Defense", "PH", "2023-06~", "", ""),
    ("Fidel V. Ramos", "PH"): ("Special Envoy of the President to China", "PH", "2016-07~", "2016-11~", ""),
    ("Hermogenes Esperon Jr.", "PH"): ("National Security Adviser", "PH", "2016-06~", "2022-06~", ""),
    ("Martin Andanar", "PH"): (
        "Secretary of the Presidential Communications Operations Office",
        "PH",
        "2016-06~",
        "2022-06~",
        "",
    ),
    ("Salvador Panelo", "PH"): ("Presidential Spokesperson", "PH", "2018-10~", "2020-04~", ""),
    ("Jose Manuel Romualdez", "PH"): ("Ambassador of the Philippines to the United States", "US", "2017~", "", ""),
    ("Hun Manet", "KH"): ("Prime Minister of Cambodia", "KH", "2023-08~", "", ""),
    ("Park Won-soon", "KR"): ("Mayor of Seoul", "KR", "2011-10~", "2020-07~", ""),
    ("Retno Marsudi", "ID"): ("Minister for Foreign Affairs of Indonesia", "ID", "2014-10~", "2024-10~", ""),
    ("Lawrence Wong", "SG"): ("Prime Minister of Singapore", "SG", "2024-05~", "", ""),
    ("Tharman Shanmugaratnam", "SG"): ("President of Singapore", "SG", "2023-09~", "", ""),
    ("David McGuinty", "CA"): ("Minister of National Defence of Canada", "CA", "2025-05~", "", ""),
}


def main() -> None:
    merger = Merger()
    records = []
    for path in RESEARCH:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                records.append((f"{path.name}:{number}", json.loads(line)))
    for where, record in records:
        if record.get("type") == "summit":
            merger.summit(where, record)
    for where, record in records:
        if record.get("type") == "leader":
            merger.leader(where, record)
    counts = defaultdict(int)
    for where, record in records:
        if record.get("type") in ("meeting", "statement", "other"):
            merger.convert(where, record)
            counts[record["type"]] += 1
    merger.date_offices()
    for name, rows in merger.files.items():
        write(name, rows)
    write("publishers.csv", merger.publishers())
    write_doubts()
    print({name: len(rows) for name, rows in merger.files.items()}, dict(counts), f"dropped {len(dropped)}")


def write_doubts() -> None:
    lines = [
        "# What the research could not verify",
        "",
        "Written by `convert.py` from the helpers' `doubts` fields (docs/research/r*.jsonl) and the",
        "converter's own decisions. Each entry: the research file and line, the record's date and title.",
        "",
        "## Records left out of the bundled data, and why",
        "",
    ]
    lines += [f"- `{where}` {date} — {title}: {why}" for where, date, title, why in dropped]
    lines += ["", "## Offices dated without a researched source (approximate where marked ~)", ""]
    lines += [f"- {entry}" for entry in approximated]
    lines += ["", "## The helpers' doubts, record by record", ""]
    lines += [f"- `{where}` {date} — {title}: {text}" for where, date, title, text in doubts]
    (HERE / "DOUBTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
