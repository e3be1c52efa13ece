from django.core.management.base import BaseCommand, CommandError

from events.services.coding import BUNDLED_CODING, CodingFileError, CodingReport, apply_coding_file, code_events
from events.web.guards import unbounded_command


class Command(BaseCommand):
    help = (
        "Fill empty PLOVER codes (category, mode, direction) from each event's kind, status and parties, "
        "and recompute scores. Never overwrites an editor's coding. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bundled",
            action="store_true",
            help=f"First apply the hand coding of the bundled data set ({BUNDLED_CODING.name}).",
        )

    @unbounded_command
    def handle(self, *, bundled, **options):
        report = CodingReport()
        if bundled:
            try:
                apply_coding_file(BUNDLED_CODING, report=report)
            except CodingFileError as exc:
                raise CommandError(f"Nothing was coded:\n{exc}") from exc
        code_events(report=report)
        for line in report.lines():
            self.stdout.write(line)
