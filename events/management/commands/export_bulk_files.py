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

    @unbounded_command
    def handle(self, site_url, **options):
        generation = bulk_files.regenerate(settings.BULK_DIR, site_url=site_url)
        self.stdout.write(f"{generation.events:,} events written to {settings.BULK_DIR} (version {generation.stamp})")
