import datetime
import subprocess
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from events.models import DERIVED_MODELS
from events.web.guards import unbounded_command

# Rebuilt by migrate, at run time, or (the derived involvement tables) by the
# restore itself; dumping them would only clash on loading.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes", *(m._meta.label_lower for m in DERIVED_MODELS)]


def pg_connection_args() -> tuple[list[str], dict]:
    """pg_dump/pg_restore arguments for the default database; the password goes in the environment."""
    import os

    settings = connection.settings_dict
    args = ["--host", settings["HOST"] or "localhost", "--port", str(settings["PORT"] or 5432)]
    if settings["USER"]:
        args += ["--username", settings["USER"]]
    env = {**os.environ}
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


class Command(BaseCommand):
    help = (
        "Back the database up to FILE (default backups/<time>.dump on PostgreSQL, .json on SQLite): "
        "pg_dump's custom format on PostgreSQL, dumpdata with natural keys on SQLite."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Where to write the backup.")

    @unbounded_command
    def handle(self, file=None, **options):
        postgres = connection.vendor == "postgresql"
        if not file:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            file = f"backups/{stamp}.{'dump' if postgres else 'json'}"
        path = Path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        if postgres:
            args, env = pg_connection_args()
            command = [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                *args,
                "--file",
                str(path),
                connection.settings_dict["NAME"],
            ]
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            with path.open("w", encoding="utf-8") as out:
                call_command(
                    "dumpdata",
                    "--natural-foreign",
                    *[f"--exclude={label}" for label in EXCLUDED],
                    stdout=out,
                )
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
