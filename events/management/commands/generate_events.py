"""`python manage.py generate_events --events N --seed S`: synthetic events for scale tests (see events/services/synthetic.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from events.services.synthetic import SYNTHETIC_URL, generate
from events.web.guards import unbounded_command


class Command(BaseCommand):
    help = (
        "Add N realistic, deterministic synthetic events (the same seed gives the same rows), with their "
        f"leaders, summits, quotes and sources; every source lies under {SYNTHETIC_URL}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, required=True, metavar="N", help="How many events to add.")
        parser.add_argument("--seed", type=int, default=1, metavar="S", help="Random seed (default 1).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    @unbounded_command
    def handle(self, *args, events, seed, no_progress, **options):
        if events < 1:
            raise CommandError("--events must be at least 1.")
        started = time.monotonic()
        with tqdm(total=events, unit="event", unit_scale=True, disable=no_progress, file=self.stderr._out) as bar:
            written = generate(events, seed, progress=bar.update)
        elapsed = time.monotonic() - started
        rows = ", ".join(f"{table}: {n:,}" for table, n in written.items())
        self.stdout.write(f"Generated {events:,} events (seed {seed}) in {elapsed:.0f} s. Rows: {rows}.")
