"""Check the commitments research files (issue #14) before they are committed.

    .venv/bin/python docs/research/check_life.py

Checks that every event a row names exists in the bundled event files with exactly that date
and title; that every stage, status, relation, kind, country, currency and language is in its
vocabulary; that every meeting with readouts has the Philippine one and one other; and that
every URL in these files (source columns, notes, the added events) is one the research
retrieved (docs/research/life_urls.txt). Prints each problem and exits 1 if there is any.
"""

import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import life_events  # noqa: E402

BUNDLED = HERE.parent.parent / "events" / "data" / "bundled"
URLS = {line.strip() for line in (HERE / "life_urls.txt").read_text(encoding="utf-8").splitlines() if line.strip()}
# The seed's histories (written beside the research's rows) cite the sources of their own events.
for _name in ("meetings.csv", "statements.csv", "other_events.csv"):
    with open(BUNDLED / _name, newline="", encoding="utf-8") as _handle:
        URLS.update(u.strip() for row in csv.DictReader(_handle) for u in row["source_url"].split(";") if u.strip())

STAGES = {"announced", "signed", "in_force", "delivered", "partly_delivered", "lapsed", "withdrawn"}
STATUSES = {"proposed", "announced", "confirmed", "postponed", "cancelled", "held"}
RELATIONS = {"follows_up", "fulfils", "reverses", "responds_to"}
COMMITMENT_KINDS = {"agreement", "pledge", "intention"}
LANGUAGES = {"en", "fil", "ja", "zh", "ru", "ko", "es", "fr"}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?~?$")
URL = re.compile(r"https?://[^\s;)'\"`]+")

problems = []


def rows(name):
    with open(BUNDLED / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def problem(where, message):
    problems.append(f"{where}: {message}")


EVENTS = {(row["date"], row["title"]) for name in ("meetings.csv", "other_events.csv") for row in rows(name)}
ISO2 = re.compile(r"^[A-Z]{2}$")


def check_event(where, date, title, required=True):
    if not date and not title and not required:
        return
    if (date, title) not in EVENTS:
        problem(where, f"no event ({date!r}, {title!r}) in meetings.csv or other_events.csv")


def check_urls(where, text):
    for url in URL.findall(text or ""):
        url = url.rstrip(".,:")
        if url not in URLS:
            problem(where, f"URL not among the retrieved ones: {url}")


def check_date(where, value, required=True):
    if (value or required) and not DATE.match(value or ""):
        problem(where, f"not a date (YYYY, YYYY-MM or YYYY-MM-DD, optional ~): {value!r}")


def main():
    commitments = rows("commitments.csv")
    slugs = {row["slug"] for row in commitments}
    for n, row in enumerate(commitments, 2):
        where = f"commitments.csv:{n}"
        if row["kind"] not in COMMITMENT_KINDS:
            problem(where, f"kind {row['kind']!r}")
        codes = row["countries"].split(";")
        if "PH" not in codes or not all(ISO2.match(code) for code in codes):
            problem(where, f"countries {row['countries']!r} (ISO2, ';'-separated, with PH)")
        if row["amount"] and not row["amount"].isdigit():
            problem(where, f"amount {row['amount']!r} is not a plain number")
        if bool(row["amount"]) != bool(row["currency"]) or (
            row["currency"] and not re.fullmatch(r"[A-Z]{3}", row["currency"])
        ):
            problem(where, f"amount and ISO 4217 currency go together: {row['amount']!r} {row['currency']!r}")
        check_urls(where, row["source_url"] + " " + row["summary"])
    stepped = set()
    for n, row in enumerate(rows("commitment_steps.csv"), 2):
        where = f"commitment_steps.csv:{n}"
        stepped.add(row["commitment"])
        if row["commitment"] not in slugs:
            problem(where, f"unknown commitment {row['commitment']!r}")
        if row["stage"] not in STAGES:
            problem(where, f"stage {row['stage']!r}")
        check_date(where, row["date"])
        check_event(where, row["event_date"], row["event_title"], required=False)
        if not row["source_url"]:
            problem(where, "no source")
        check_urls(where, row["source_url"] + " " + row["note"])
    for slug in slugs - stepped:
        problem("commitments.csv", f"{slug} has no step")
    by_meeting = {}
    for n, row in enumerate(rows("readouts.csv"), 2):
        where = f"readouts.csv:{n}"
        check_event(where, row["event_date"], row["event_title"])
        by_meeting.setdefault((row["event_date"], row["event_title"]), []).append(row["country"])
        if row["language"] not in LANGUAGES:
            problem(where, f"language {row['language']!r}")
        if not row["text"].strip():
            problem(where, "empty text")
        if (row["language"] == "en") != (not row["english"]):
            problem(where, "english is given exactly when the text is not in English")
        if row["english"] and not row["translated_by"]:
            problem(where, "a translation says who translated it")
        check_urls(where, row["source_url"])
    for meeting, who in by_meeting.items():
        if "PH" not in who or len(set(who)) < 2:
            problem("readouts.csv", f"{meeting}: needs the Philippine readout and the other government's ({who})")
    for n, row in enumerate(rows("status_history.csv"), 2):
        where = f"status_history.csv:{n}"
        check_event(where, row["event_date"], row["event_title"])
        if row["status"] not in STATUSES:
            problem(where, f"status {row['status']!r}")
        check_date(where, row["date"])
        check_urls(where, row["source_url"] + " " + row["note"])
    for n, row in enumerate(rows("links.csv"), 2):
        where = f"links.csv:{n}"
        check_event(where, row["from_date"], row["from_title"])
        check_event(where, row["to_date"], row["to_title"])
        if row["relation"] not in RELATIONS:
            problem(where, f"relation {row['relation']!r}")
    for n, line in enumerate((HERE / "commitments.md").read_text(encoding="utf-8").splitlines(), 1):
        check_urls(f"commitments.md:{n}", line)
    for event in life_events.EVENTS:
        check_urls(f"life_events.py {event['date']}", event["source_url"] + " " + event.get("disagreements", ""))
    for problem_line in problems:
        print(problem_line)
    print(f"{len(problems)} problems; {len(by_meeting)} meetings with readouts")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
