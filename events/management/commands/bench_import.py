"""
Time `import_events` on N synthetic rows in the import format.

    DATABASE_URL=postgres://.../scratch python manage.py bench_import --rows 100000

The rows are deterministic for a seed: meetings, statements (about two quotes
each, some spanning several lines, in several languages) and other events,
with the summits and leaders they name. The command writes into the configured
database, so it refuses one that already holds events unless told otherwise.
"""

import csv
import io
import random
import tempfile
import time
from contextlib import redirect_stderr
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from events.models import Event
from events.services.formats import LEADERS, MEETINGS, OTHER_EVENTS, STATEMENTS, SUMMITS
from events.web.guards import unbounded_command

COUNTRIES = [
    "CN",
    "US",
    "RU",
    "JP",
    "KR",
    "AU",
    "ID",
    "MY",
    "SG",
    "TH",
    "VN",
    "IN",
    "GB",
    "FR",
    "DE",
    "CA",
    "NZ",
    "BN",
    "KH",
    "LA",
    "MM",
    "TL",
    "AE",
    "SA",
    "IL",
    "TR",
    "IT",
    "ES",
    "BR",
    "MX",
]
WEIGHTS = [30, 25, 12, 15] + [3] * (len(COUNTRIES) - 4)  # China, the US, Russia and Japan the largest
SYLLABLES = [
    "an",
    "bo",
    "chi",
    "da",
    "el",
    "fa",
    "go",
    "hu",
    "ig",
    "jo",
    "ka",
    "li",
    "ma",
    "no",
    "ol",
    "pa",
    "ro",
    "sa",
    "te",
    "u",
    "vi",
    "wa",
    "xi",
    "ya",
    "zu",
]
TOPICS = [
    "trade",
    "maritime security",
    "investment",
    "the South China Sea",
    "infrastructure loans",
    "defence",
    "migrant workers",
    "energy",
    "climate",
    "fisheries",
    "tourism",
    "counter-terrorism",
    "vaccines",
]
QUOTES = [
    ("en", "We want to be friends with everyone, and enemies of no one.", ""),
    (
        "fil",
        "Wala naman akong hingiin. Gusto ko lang maging magkaibigan tayo.",
        "I won't ask for anything. I just want us to be friends.",
    ),
    ("zh", "我们愿意同菲律宾加强合作。", "We are willing to strengthen cooperation with the Philippines."),
    ("ru", "Мы готовы развивать сотрудничество.", "We are ready to develop cooperation."),
    ("en", "This is an economic world.\nIf there are things we can sell them, we will.", ""),
]
MEETING_KINDS = ["state_visit", "official_visit", "working_visit", "sideline", "call", "other"]
OTHER_KINDS = ["agreement", "policy_action", "intention", "other"]


def fake_name(rng: random.Random) -> str:
    def word():
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    return f"{word()} {word()}"


def partial_date(rng: random.Random) -> str:
    year = rng.randint(1990, 2025)
    month = rng.randint(1, 12)
    roll = rng.random()
    text = (
        f"{year}"
        if roll < 0.02
        else f"{year}-{month:02d}"
        if roll < 0.08
        else f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
    )
    return text + ("~" if rng.random() < 0.03 else "")


def generate(directory: Path, rows: int, seed: int) -> dict[str, int]:
    """Write the five import files for about `rows` event rows; return the row count of each."""
    rng = random.Random(seed)
    leaders = {code: [fake_name(rng) for _ in range(12)] for code in ["PH", *COUNTRIES]}
    summits = []
    for i in range(max(10, rows // 1000)):
        year = 1990 + i % 36
        start = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 25):02d}"
        summits.append(
            (
                f"Summit {i + 1} ({year})",
                f"SUMMIT-{i + 1}",
                rng.choice(["APEC", "ASEAN", "G20", "EAS"]),
                rng.choice(COUNTRIES),
                fake_name(rng).split()[0],
                start,
                start[:-2] + f"{int(start[-2:]) + 2:02d}",
            )
        )

    def person(code, role=""):
        return f"{rng.choice(leaders[code])} ({code}{role})"

    def source(i):
        return f"https://news.example.org/{i}; https://archive.example.net/item/{i}"

    counts = {}
    with open(directory / SUMMITS.name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMITS.columns)
        for name, short, forum, host, city, start, end in summits:
            writer.writerow([name, short, forum, host, city, start, end, f"https://summits.example.org/{short}"])
        counts[SUMMITS.name] = len(summits)
    with open(directory / LEADERS.name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEADERS.columns)
        for code, names in leaders.items():
            for n, name in enumerate(names):
                start = 1990 + 3 * n
                writer.writerow(
                    [
                        name,
                        code,
                        "",
                        "",
                        f"Minister {n + 1} of {code}",
                        code,
                        f"{start}",
                        f"{start + 3}",
                        f"https://leaders.example.org/{code}/{n}",
                    ]
                )
        counts[LEADERS.name] = sum(len(names) for names in leaders.values())

    files = {
        spec.name: open(directory / spec.name, "w", newline="", encoding="utf-8")
        for spec in (MEETINGS, STATEMENTS, OTHER_EVENTS)
    }
    try:
        writers = {name: csv.writer(handle) for name, handle in files.items()}
        for spec in (MEETINGS, STATEMENTS, OTHER_EVENTS):
            writers[spec.name].writerow(spec.columns)
            counts[spec.name] = 0
        i = 0
        while i < rows:
            other = rng.choices(COUNTRIES, WEIGHTS)[0]
            date = partial_date(rng)
            topic = rng.choice(TOPICS)
            roll = rng.random()
            summit = rng.choice(summits)[1] if rng.random() < 0.1 else ""
            if roll < 0.45:
                kind = rng.choice(MEETING_KINDS)
                writers[MEETINGS.name].writerow(
                    [
                        date,
                        f"Talks on {topic} with {other} #{i}",
                        f"{person('PH', ', visitor')}; {person(other)}",
                        "",
                        summit,
                        rng.choice(["held"] * 8 + ["planned", "cancelled"]),
                        kind,
                        source(i),
                    ]
                )
                counts[MEETINGS.name] += 1
                i += 1
            elif roll < 0.8:
                speaker = person(rng.choice(["PH", other]))
                context = f"Press briefing #{i} on {topic}"
                for _ in range(min(rng.randint(1, 3), rows - i)):
                    language, original, english = rng.choice(QUOTES)
                    writers[STATEMENTS.name].writerow(
                        [
                            date,
                            speaker,
                            other,
                            language,
                            f"{original} ({i})",
                            english and f"{english} ({i})",
                            context,
                            source(i),
                        ]
                    )
                    counts[STATEMENTS.name] += 1
                    i += 1
            else:
                writers[OTHER_EVENTS.name].writerow(
                    [
                        date,
                        rng.choice(OTHER_KINDS),
                        f"Agreement on {topic} with {other} #{i}",
                        f"The Philippines and {other} agree on {topic}.",
                        f"PH; {other}",
                        "",
                        summit,
                        "held",
                        source(i),
                    ]
                )
                counts[OTHER_EVENTS.name] += 1
                i += 1
    finally:
        for handle in files.values():
            handle.close()
    return counts


class Command(BaseCommand):
    help = (
        "Generate N synthetic rows in the import format and time import_events on them, then time the "
        "re-import (every row unchanged). Writes into the configured database: use a scratch one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000, help="Event rows across the three event files.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", metavar="DIR", help="Write the files to DIR and keep them.")
        parser.add_argument("--allow-existing", action="store_true", help="Run even if the database holds events.")

    @unbounded_command
    def handle(self, rows, seed, keep=None, allow_existing=False, **options):
        if Event.objects.exists() and not allow_existing:
            raise CommandError(
                "The database already holds events. Point DATABASE_URL at a scratch database "
                "(the benchmark writes its rows there), or pass --allow-existing."
            )
        with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
            directory = Path(keep or scratch)
            directory.mkdir(parents=True, exist_ok=True)
            counts = generate(directory, rows, seed)
            total = sum(n for name, n in counts.items() if name not in (SUMMITS.name, LEADERS.name))
            self.stdout.write(", ".join(f"{name}: {n:,} rows" for name, n in counts.items()))
            for label in ("first import", "re-import"):
                out = io.StringIO()
                started = time.perf_counter()
                with redirect_stderr(io.StringIO()):
                    call_command("import_events", str(directory), "--no-progress", stdout=out)
                elapsed = time.perf_counter() - started
                self.stdout.write(out.getvalue().rstrip())
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{label}: {total:,} event rows in {elapsed:.1f} s = {total / elapsed:,.0f} rows/s"
                    )
                )
