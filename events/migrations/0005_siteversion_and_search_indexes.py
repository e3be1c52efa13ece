"""
The page cache's version stamp, and the indexes that keep every public filter
an index scan at a million events (see events/tests/test_explain.py).

The full-text indexes exist on PostgreSQL only (SQLite searches by substring,
see events/models/search.py); they are built from the same expressions the
queries use, so the planner matches them. Those expressions are frozen here as
they were, so that a later change to the search cannot change this history.
"""

from django.db import migrations, models


def search_indexes(apps):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    event_document = SearchVector("title", "summary", config="simple")
    quote_document = SearchVector("original_text", "english_text", config="simple")
    return [
        (apps.get_model("events", "Event"), GinIndex(event_document, name="event_search_idx")),
        (apps.get_model("events", "Quote"), GinIndex(quote_document, name="quote_search_idx")),
    ]


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in search_indexes(apps):
            schema_editor.add_index(model, index)
            # The statistics of an expression index are gathered by ANALYZE, not
            # by CREATE INDEX; without them the planner guesses how many rows a
            # word matches, and on a large table guesses badly.
            schema_editor.execute(f"ANALYZE {schema_editor.quote_name(model._meta.db_table)}")


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in search_indexes(apps):
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_history_and_optimistic_locking"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(help_text="When the record last changed.")),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="site_version_single_row")],
            },
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(fields=["leader", "event"], name="participant_leader_event_idx"),
        ),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(fields=["speaker", "event"], name="quote_speaker_event_idx"),
        ),
        migrations.RunPython(add_search_indexes, remove_search_indexes, elidable=False),
    ]
