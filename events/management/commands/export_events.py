from django.core.management.base import BaseCommand

from events.services.exporting import export_directory
from events.web.guards import unbounded_command


class Command(BaseCommand):
    help = (
        "Write every event, summit, leader, publisher, status change, link, readout and commitment to DIR "
        "in the import format (import_events reads it back)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    @unbounded_command
    def handle(self, directory, **options):
        counts = export_directory(directory)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} rows")
