import subprocess
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from events.management.commands.backup import pg_connection_args
from events.models import Event
from events.services import involvement, versioning
from events.web.guards import unbounded_command


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into this database. On PostgreSQL the dump replaces the "
        "database's tables; on SQLite, load it into a freshly migrated, empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    @unbounded_command
    def handle(self, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such backup file.")
        if path.suffix == ".dump":
            if connection.vendor != "postgresql":
                raise CommandError(f"{path} is a PostgreSQL dump; DATABASE_URL points at {connection.vendor}.")
            args, env = pg_connection_args()
            connection.close()
            command = [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                "--dbname",
                connection.settings_dict["NAME"],
                str(path),
            ]
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            if Event.objects.exists():
                raise CommandError("This database already holds events: restore into an empty, migrated database.")
            with transaction.atomic():
                call_command("loaddata", str(path), verbosity=0)
                # The derived involvement rows are not in the dump: rebuild them.
                involvement.sync_involvement(Event.objects.values_list("pk", flat=True))
        # A new version: no page cached before the restore is served for the restored record.
        versioning.bump()
        self.stdout.write(f"Restored {path}: {Event.objects.count():,} events.")
