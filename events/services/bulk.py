"""
Rows written in bulk, without model instances: COPY on PostgreSQL, multi-row INSERTs elsewhere.

For the writers that load hundreds of thousands of rows at once (the
importer, services/importing.py; the generator, services/synthetic.py):
building, validating and compiling a model instance per row costs more than
the database spends storing it. One writer, `insert_rows()`; `Table` collects
the generator's rows with the ids it assigns. Like bulk_create(), nothing here
sends signals or writes history: the caller keeps the derived tables
(services/involvement.py) and bumps the version.
"""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from django.db import connection

BATCH = 1000  # rows per INSERT statement, and the most values one IN (...) list takes


def batched(items: Iterable, size: int = BATCH) -> Iterator[list]:
    """`items` in lists of `size` (the last shorter), read as they come: a list or a streaming query."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def copy_csv(cursor, table_and_columns: str, not_null: list[str], rows: Iterable[tuple]) -> None:
    """COPY `rows` into `table (columns)` as CSV, written by the csv module's C code.

    An empty unquoted field is NULL, except in NOT NULL columns (FORCE_NOT_NULL),
    where it is the empty string: no nullable text column stores "".
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    quoted = ", ".join(connection.ops.quote_name(c) for c in not_null)
    sql = f"COPY {table_and_columns} FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({quoted}))"
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, buffer)
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(buffer.getvalue())


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple], *, returning: bool = False) -> list[int]:
    """INSERT `rows` (values in the order of `columns`) in multi-row statements, without model instances.

    bulk_create() for the hundreds of thousands of events, participants, quotes
    and sources of a large import spends more time building and compiling model
    instances than the database spends storing them. Like bulk_create(), this
    sends no signals and writes no history; a field left out gets what a new
    instance would (its default, `auto_now`, a version number); with
    `returning`, the new primary keys come back in the order of `rows` (from
    the sequence on PostgreSQL; from INSERT ... RETURNING elsewhere, whose order
    bulk_create() relies on as well).
    """
    if not rows:
        return []
    rows = [tuple(row) for row in rows]
    meta = model._meta
    given = [meta.get_field(column) for column in columns]
    defaulted = [f for f in meta.concrete_fields if not f.primary_key and f not in given]
    fields = given + defaulted
    template = model()
    defaults = tuple(f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in defaulted)
    # Prepared only where the driver cannot take the Python value as it is (dates on SQLite).
    prepare = [
        (i, f.get_db_prep_save) for i, f in enumerate(given) if f.get_internal_type() in ("DateField", "DateTimeField")
    ]
    quote = connection.ops.quote_name
    table_and_columns = f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    if connection.vendor == "postgresql":
        # COPY: PostgreSQL's bulk-load path, several times faster than INSERT for big batches.
        # New primary keys are drawn from the table's sequence first, as the INSERT would.
        pks, copied = [], fields
        with connection.cursor() as cursor:
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, len(rows)],
                )
                pks = [pk for (pk,) in cursor.fetchall()]
                rows = [(pk, *row) for pk, row in zip(pks, rows)]
                copied = [meta.pk, *fields]
                table_and_columns = f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in copied)})"
            not_null = [f.column for f in copied if not f.null]
            for batch in batched(rows, 20 * BATCH):
                copy_csv(cursor, table_and_columns, not_null, (row + defaults for row in batch))
        return pks
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, min(BATCH, (connection.features.max_query_params or 1 << 16) // len(fields)))
    head = f"INSERT INTO {table_and_columns} VALUES "
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    pks = []
    with connection.cursor() as cursor:
        for batch in batched(rows, per_statement):
            params = []
            for row in batch:
                if prepare:
                    row = list(row)
                    for i, prep in prepare:
                        row[i] = prep(row[i], connection)
                params.extend(row)
                params.extend(defaults)
            cursor.execute(head + ", ".join([placeholder] * len(batch)) + tail, params)
            if returning:
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


class Table:
    """The generator's rows for one table, as tuples of `columns` (the id first, assigned here); `write()` sends them."""

    def __init__(self, model, columns: tuple[str, ...]):
        self.model = model
        self.db_table = model._meta.db_table
        self.columns = columns
        self.rows: list[tuple] = []
        self.next_id = 1

    def start_ids_after(self, last_id: int) -> None:
        self.next_id = last_id + 1

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values))
        return pk


def write(table: Table) -> None:
    """Send the table's pending rows to the database (`insert_rows`) and forget them."""
    insert_rows(table.model, table.columns, table.rows)
    table.rows.clear()
