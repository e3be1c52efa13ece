"""Write the commitments research (issue #14) into the bundled data files.

    .venv/bin/python docs/research/build_life.py

Writes events/data/bundled/{commitments,commitment_steps,readouts}.csv, adds its rows to
status_history.csv and links.csv, from the tables in life_commitments.py and life_readouts.py, and adds to
other_events.csv and publishers.csv the rows of life_events.py that are not there yet (run it
twice and nothing changes). Run check_life.py afterwards.
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import life_commitments  # noqa: E402
import life_events  # noqa: E402
import life_readouts  # noqa: E402

BUNDLED = HERE.parent.parent / "events" / "data" / "bundled"


def write(name, columns, rows):
    with open(BUNDLED / name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def append_missing(name, key, rows):
    """Append the rows (dicts) whose `key` is not yet in the file; return how many were added."""
    path = BUNDLED / name
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames
        present = {key(row) for row in reader}
    new = [row for row in rows if key(row) not in present]
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        for row in new:
            writer.writerow({column: row.get(column, "") for column in columns})
    return len(new)


def sort_publishers():
    """Keep publishers.csv in domain order, as it was written."""
    path = BUNDLED / "publishers.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        header, *body = list(csv.reader(handle))
    write("publishers.csv", header, sorted(body, key=lambda row: row[0]))


def main():
    write("commitments.csv", life_commitments.COMMITMENT_COLUMNS, life_commitments.COMMITMENTS)
    write("commitment_steps.csv", life_commitments.STEP_COLUMNS, life_commitments.STEPS)
    write("readouts.csv", life_readouts.READOUT_COLUMNS, life_readouts.READOUTS)
    # The seed's own histories and links are in the same two files: the research's rows join them.
    history = [dict(zip(life_readouts.STATUS_COLUMNS, row)) for row in life_readouts.STATUS_HISTORY]
    append_missing("status_history.csv", lambda row: tuple(row[c] for c in life_readouts.STATUS_COLUMNS[:4]), history)
    links = [dict(zip(life_readouts.LINK_COLUMNS, row)) for row in life_readouts.LINKS]
    append_missing("links.csv", lambda row: tuple(row[c] for c in life_readouts.LINK_COLUMNS[:5]), links)
    events = [{"status": "held", **event} for event in life_events.EVENTS]
    added = append_missing("other_events.csv", lambda row: (row["date"], row["title"]), events)
    publishers = [dict(zip(("domain", "name", "kind", "aggregator"), p)) for p in life_events.PUBLISHERS]
    added_publishers = append_missing("publishers.csv", lambda row: row["domain"], publishers)
    sort_publishers()
    print(
        f"{len(life_commitments.COMMITMENTS)} commitments, {len(life_commitments.STEPS)} steps, "
        f"{len(life_readouts.READOUTS)} readouts, {len(life_readouts.STATUS_HISTORY)} status rows, "
        f"{len(life_readouts.LINKS)} links; {added} events and {added_publishers} publishers added"
    )


if __name__ == "__main__":
    main()
