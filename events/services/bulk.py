"""
Rows written in bulk, without model instances: COPY on PostgreSQL, batched INSERTs elsewhere.

For the writers that load hundreds of thousands of rows at once (the
generator; the importer's bulk path): building, validating and compiling a
model instance per row costs more than the database spends storing it. Like
bulk_create(), nothing here sends signals or writes history; the caller
keeps the derived tables (services/involvement.py) and bumps the version.
"""

import csv
import datetime
import io

from django.db import connection


class Table:
    """Rows for one table, built as tuples of the columns the generator knows, the rest defaulted."""

    def __init__(self, model, columns: tuple[str, ...], now: datetime.datetime):
        self.model = model
        self.db_table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for name, f in fields.items() if name not in columns]
        self.columns = tuple(fields[name].column for name in columns) + tuple(f.column for f in rest)
        self.defaults = tuple(self._default(f, now) for f in rest)
        by_column = {f.column: f for f in fields.values()}
        self.not_null = tuple(c for c in self.columns if not by_column[c].null)
        self.rows: list[tuple] = []
        self.next_id = 1

    @staticmethod
    def _default(f, now):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return f.get_db_prep_save(now, connection)
        if f.has_default():
            return f.get_db_prep_save(f.get_default(), connection)
        if f.null:
            return None
        if f.empty_strings_allowed:
            return ""
        raise ValueError(f"no default to fill {f.model.__name__}.{f.name} with")

    def start_ids_after(self, last_id: int) -> None:
        self.next_id = last_id + 1

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values))
        return pk


def _sql_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def write(table: Table) -> None:
    """Send the table's pending rows to the database: COPY on PostgreSQL, batched INSERTs elsewhere."""
    if not table.rows:
        return
    defaults = table.defaults
    columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CSV, written by the csv module's C code. An empty unquoted field
            # is NULL, except in NOT NULL columns, where it is the empty string.
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(row + defaults for row in table.rows)
            buffer.seek(0)
            not_null = ", ".join(connection.ops.quote_name(c) for c in table.not_null)
            sql = (
                f"COPY {connection.ops.quote_name(table.db_table)} ({columns}) FROM STDIN "
                f"WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"
            )
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())
        else:
            placeholders = ", ".join(["%s"] * len(table.columns))
            sql = f"INSERT INTO {connection.ops.quote_name(table.db_table)} ({columns}) VALUES ({placeholders})"
            cursor.executemany(sql, [tuple(map(_sql_value, row + defaults)) for row in table.rows])
    table.rows.clear()
