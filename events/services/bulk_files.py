"""
The whole public record as two files, `events.csv` and `events.json`, regenerated after it changes.

They hold what /events.csv and /events.json hold, every published event at
once, and are written off the request path: `regenerate()`, called by the
`export_bulk_files` command, run by hand, by cron, or in the background by
the first download after a change (`refresh()`). A download meanwhile gets the
previous files.

Each generation is named by the record's version stamp (SiteVersion: the
number every write bumps, and when), read *before* the events: the files never
hold less than their stamp says, and a change during the writing leaves the
stamp behind the record's, so the next download writes them again. The files
are written under temporary names, then `current.json` (the stamp and the two
file names) is replaced in one rename: a reader sees the old generation or
the new one, whole. The generation before is kept for downloads under way.

Two app nodes each keep their own directory: both read the stamp from the
shared database, so for one version they write the same bytes under the same
name, and a client's ETag from one node is good on the other. A shared
directory works too: the lock is a `flock` on a file in it.
"""

import csv
import datetime
import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from events.models import Event
from events.queries.pagination import KeysetPaginator
from events.services.exporting import (
    CSV_COLUMNS,
    EXPORT_CHUNK,
    csv_cells,
    event_row,
    events_with_parts,
    json_object,
)
from events.services.versioning import current_version

logger = logging.getLogger("events.services.bulk_files")

NAMES = ("events.csv", "events.json")
MANIFEST = "current.json"
LOCK = ".regenerating.lock"


@dataclass(frozen=True)
class Generation:
    """One complete set of files: the version stamp they were written for, and when."""

    stamp: str
    generated_at: str  # ISO 8601, UTC
    events: int

    def path(self, directory: Path, name: str) -> Path:
        stem, _, extension = name.rpartition(".")
        return directory / f"{stem}-{self.stamp}.{extension}"


def stamp_of(version: int, changed_at: datetime.datetime | None) -> str:
    """The stamp of a version: its number and the microsecond it was made (a rolled-back number can come back)."""
    return f"{version}.{int(changed_at.timestamp() * 1_000_000) if changed_at else 0}"


def current_stamp() -> str:
    return stamp_of(*current_version())


def current(directory: Path) -> Generation | None:
    """The generation `directory` serves now, or None before the first."""
    try:
        return Generation(**json.loads((Path(directory) / MANIFEST).read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def regenerate(directory: Path, *, site_url: str, wait: bool = True) -> Generation | None:
    """Write every published event into new files in `directory`, then make them the current ones.

    One writer at a time per directory (a `flock`, so across processes, and
    nodes sharing it): `wait` for one under way to end first, or else return
    None at once. `site_url` (`https://tracker.example`) makes the events'
    addresses absolute. On PostgreSQL the events are read in one REPEATABLE
    READ snapshot; SQLite's transactions here take the write lock (settings),
    so there the pages are read one by one and a change meanwhile is caught by
    the stamp (module docstring).
    """
    directory = Path(directory)
    with exclusive(directory, wait=wait) as ours:
        if not ours:
            return None
        for leftover in directory.glob(".*.tmp"):  # of a writer stopped midway (none runs: the lock is ours)
            leftover.unlink(missing_ok=True)
        with snapshot():
            stamp = current_stamp()
            generation = Generation(stamp, timezone.now().isoformat(), 0)
            written = write_files(directory, generation, site_url.rstrip("/"))
        generation = Generation(stamp, generation.generated_at, written)
        previous = replace_manifest(directory, generation)
        remove_older(directory, keep={generation.stamp, previous.stamp if previous else ""})
    logger.info("Bulk files of version %s written: %s events", stamp, written)
    return generation


@contextmanager
def snapshot():
    """One REPEATABLE READ transaction on PostgreSQL; inside a transaction already (a test's), that one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def public_events():
    """Every published event in date order, a page of EXPORT_CHUNK at a time: each page one bounded query."""
    paginator = KeysetPaginator(Event.objects.published().select_related("summit"), per_page=EXPORT_CHUNK)
    page = paginator.page()
    while True:
        yield from page.object_list
        if not page.has_next:
            return
        page = paginator.page(after=page.next_cursor)


def write_files(directory: Path, generation: Generation, site_url: str) -> int:
    """Both files of `generation`, each written under a temporary name, then renamed: the number of events."""
    paths = {name: generation.path(directory, name) for name in NAMES}
    temporary = {name: path.with_name(f".{path.name}.{os.getpid()}.tmp") for name, path in paths.items()}
    count = 0
    try:
        with (
            open(temporary["events.csv"], "w", newline="", encoding="utf-8") as csv_file,
            open(temporary["events.json"], "w", encoding="utf-8") as json_file,
        ):
            writer = csv.writer(csv_file, quoting=csv.QUOTE_ALL)
            writer.writerow(CSV_COLUMNS)

            def objects():
                nonlocal count
                for event, parts in events_with_parts(public_events()):
                    row = event_row(event, parts, site_url + event.get_absolute_url())
                    writer.writerow(csv_cells(row))
                    count += 1
                    yield row

            head = {"generated_at": generation.generated_at, "version": generation.stamp}
            for text in json_object(head, "events", objects()):
                json_file.write(text)
            for handle in (csv_file, json_file):
                handle.flush()
                os.fsync(handle.fileno())
        for name in NAMES:
            os.replace(temporary[name], paths[name])
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    return count


def replace_manifest(directory: Path, generation: Generation) -> Generation | None:
    """Make `generation` the current one, in one rename; the one it replaces."""
    previous = current(directory)
    temporary = directory / f".{MANIFEST}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(asdict(generation)))
    os.replace(temporary, directory / MANIFEST)
    return previous


def remove_older(directory: Path, *, keep: set[str]) -> None:
    """Delete the files of other generations (a download still reading one keeps it open to the end)."""
    for path in directory.glob("events-*.*"):
        stamp = path.stem.removeprefix("events-")
        if stamp not in keep:
            path.unlink(missing_ok=True)


# -- Regenerating after a change ---------------------------------------------

# A process started less than this long ago may still be starting up: none other is started meanwhile.
SPAWN_INTERVAL_SECONDS = 30
_last_spawn = [0.0]
_spawning = threading.Lock()


def refresh(directory: Path, *, site_url: str, background: bool = True) -> bool:
    """Start writing new files when `directory`'s are behind the record; whether a regeneration started.

    In the background, a process of its own (`manage.py export_bulk_files
    --no-wait`): at a million events it writes for minutes, and a thread
    would take the GIL from the worker's requests (a 0.6 s /events.json took
    1.4 s beside one). Skipped while another writer holds the directory, and
    for SPAWN_INTERVAL_SECONDS after this process started one. Without
    `background`, written now.
    """
    directory = Path(directory)
    generation = current(directory)
    if generation is not None and generation.stamp == current_stamp():
        return False
    if not background:
        return regenerate(directory, site_url=site_url, wait=False) is not None
    with _spawning:
        if time.monotonic() - _last_spawn[0] < SPAWN_INTERVAL_SECONDS:
            return False
        with exclusive(directory) as free:
            if not free:
                return False
        _last_spawn[0] = time.monotonic()
    command = [sys.executable, "-m", "django", "export_bulk_files", "--no-wait", "--site-url", site_url]
    subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "diplomacy.settings")},
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # outlives a worker restart
    )
    return True


@contextmanager
def exclusive(directory: Path, *, wait: bool = False):
    """True inside when this process holds the directory's lock, False when another does (and not `wait`)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
