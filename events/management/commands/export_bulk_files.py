from django.conf import settings
from django.core.management.base import BaseCommand

from events.services import bulk_files
from events.web.guards import unbounded_command


class Command(BaseCommand):
    help = (
        "Write the whole public record as events.csv and events.json into settings.BULK_DIR "
        "(served at /downloads/), replacing the current files only once the new ones are complete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-url",
            default=settings.SITE_URL or "http://127.0.0.1:8000",
            help="The site's public address, for the events' links (default: DJANGO_SITE_URL, else %(default)s).",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="Do nothing if another process is writing them already."
        )

    @unbounded_command
    def handle(self, site_url, no_wait, **options):
        generation = bulk_files.regenerate(settings.BULK_DIR, site_url=site_url, wait=not no_wait)
        if generation is None:
            self.stdout.write("Another process is writing the files; nothing done.")
            return
        self.stdout.write(f"{generation.events:,} events written to {settings.BULK_DIR} (version {generation.stamp})")
