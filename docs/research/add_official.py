#!/usr/bin/env python3
"""Add the official sources found for events that had none (official_*.jsonl) to the bundled CSVs.

    .venv/bin/python docs/research/add_official.py

Each line of official_*.jsonl is a bundled row's identity (its type, date and
title, or its speaker and quote, copied exactly from the row) with the new
official sources the research found for it. The row gains them at the end of
its `source_url`, `source_titles` and `source_dates`; a URL it already cites
is not added twice, and a line that matches no row is reported and skipped.
Then publishers.csv is rebuilt as convert.py builds it: a row for the publisher
(publishers.py, longest matching domain) of every URL the bundled files cite.
Running it again changes nothing. Standard library only.
"""

import csv
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
BUNDLED = HERE.parents[1] / "events" / "data" / "bundled"
FILES = {"meeting": "meetings.csv", "statement": "statements.csv", "other": "other_events.csv"}
SEPARATOR = re.compile(r"(?<!\|)\|(?!\|)")  # as events/services/parsing.py reads source_titles


def urls_of(row):
    return [u.strip() for u in row["source_url"].split(";") if u.strip()]


def matches(kind, row, record):
    if row["date"] != record["date"]:
        return False
    if kind == "statement":
        return row["speaker"] == record.get("speaker") and row["original_text"] == record.get("original_text")
    return row["title"] == record.get("title")


def add(row, sources):
    urls = urls_of(row)
    titles = (
        [t.strip().replace("||", "|") for t in SEPARATOR.split(row["source_titles"])]
        if row.get("source_titles")
        else []
    )
    dates = [d.strip() for d in row["source_dates"].split(";")] if row.get("source_dates") else []
    titles += [""] * (len(urls) - len(titles))
    dates += [""] * (len(urls) - len(dates))
    added = 0
    for source in sources:
        url = source["url"].strip()
        if url in urls:
            continue
        urls.append(url)
        titles.append(" ".join((source.get("title") or "").split())[:300])
        published = (source.get("published") or "").strip()
        dates.append(published if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published) else "")
        added += 1
    if added:
        row["source_url"] = "; ".join(urls)
        row["source_titles"] = " | ".join(t.replace("|", "||") for t in titles) if any(titles) else ""
        row["source_dates"] = ";".join(dates) if any(dates) else ""
    return added


def publisher_rows(urls) -> list[dict]:
    sys.path.insert(0, str(HERE))
    from publishers import PUBLISHERS

    table = {domain: (name, kind, aggregator) for domain, name, kind, aggregator in PUBLISHERS}
    rows = {}
    for url in urls:
        host = (urlsplit(url).hostname or "").lower().rstrip(".").removeprefix("www.")
        if re.fullmatch(r"[\d.]+", host):
            continue  # an IP address is no publisher's domain (as convert.py leaves it out)
        while host and host not in table:
            host = host.partition(".")[2]
        if host:
            name, kind, aggregator = table[host]
            rows[host] = {"domain": host, "name": name, "kind": kind, "aggregator": "true" if aggregator else "false"}
    return sorted(rows.values(), key=lambda r: r["domain"])


def main():
    tables = {}
    for name in FILES.values():
        with open(BUNDLED / name, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            tables[name] = (reader.fieldnames, list(reader))
    events = sources = unmatched = 0
    for path in sorted(HERE.glob("official_*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            name = FILES[record["type"]]
            found = [row for row in tables[name][1] if matches(record["type"], row, record)]
            if len(found) != 1:
                print(
                    f"{path.name}:{n}: {len(found)} rows match {record['date']} {record.get('title') or record.get('speaker')}",
                    file=sys.stderr,
                )
                unmatched += 1
                continue
            count = add(found[0], record["sources"])
            events += bool(count)
            sources += count
    for name, (fields, rows) in tables.items():
        with open(BUNDLED / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    cited = set()
    for name in (*FILES.values(), "summits.csv", "leaders.csv"):
        with open(BUNDLED / name, encoding="utf-8", newline="") as handle:
            cited.update(u for row in csv.DictReader(handle) for u in urls_of(row))
    with open(BUNDLED / "publishers.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["domain", "name", "kind", "aggregator"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(publisher_rows(cited))
    print(f"{sources} official sources added to {events} events; {unmatched} lines matched no single row")


if __name__ == "__main__":
    main()
