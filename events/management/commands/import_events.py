import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from events.services.importing import ImportFailed, import_directory
from events.web.guards import unbounded_command


class Command(BaseCommand):
    help = (
        "Import summits.csv, leaders.csv, meetings.csv, statements.csv, other_events.csv, publishers.csv and "
        "an event's life (status_history.csv, links.csv, commitments.csv, commitment_steps.csv, readouts.csv) from DIR. "
        "All or nothing: any error means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    @unbounded_command
    def handle(self, directory, dry_run=False, no_progress=False, **options):
        show_progress = not no_progress and options["verbosity"] > 0

        def progress(iterable, label, total):
            # Only worth drawing for large files; tqdm hides itself when stderr is not a terminal.
            return tqdm(
                iterable,
                desc=f"Importing {label}",
                total=total,
                unit=" rows",
                disable=None if show_progress and total > 1000 else True,
                file=sys.stderr,
            )

        try:
            report = import_directory(directory, dry_run=dry_run, progress=progress)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failure.errors)} error(s); nothing was written.") from None
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: the files are valid; nothing was written."))
        elif report.changed:
            self.stdout.write(self.style.SUCCESS("Imported."))
        else:
            self.stdout.write("Nothing new: the database already holds every record in these files.")
