from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from events.web.guards import unbounded_command

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "bundled"


class Command(BaseCommand):
    help = "Load the bundled real data set (events/data/bundled/). Idempotent: a second run adds nothing."

    @unbounded_command
    def handle(self, **options):
        call_command(
            "import_events", str(BUNDLED), verbosity=options["verbosity"], stdout=self.stdout, stderr=self.stderr
        )
        # The editors' PLOVER coding of the bundled events, then suggestions for the rest.
        call_command(
            "code_events", bundled=True, verbosity=options["verbosity"], stdout=self.stdout, stderr=self.stderr
        )
