"""
PairMonth: each relationship's months in figures (published events, temperature),
filled from the timeline rows already stored by one INSERT … SELECT.
"""

from django.db import migrations, models


def fill_pair_months(apps, schema_editor):
    from events.involvement import insert_pair_months

    EventPair = apps.get_model("events", "EventPair")
    PairMonth = apps.get_model("events", "PairMonth")
    insert_pair_months(EventPair.objects.using(schema_editor.connection.alias).all(), into=PairMonth)
    if schema_editor.connection.vendor == "postgresql":
        # Statistics for the planner from the start, not after autovacuum's next round.
        schema_editor.execute(f"ANALYZE {schema_editor.quote_name(PairMonth._meta.db_table)}")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_siteversion_and_search_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="PairMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "pair",
                    models.CharField(
                        help_text="Two lower-case ISO2 codes in alphabetical order: cn-ph.", max_length=5
                    ),
                ),
                ("month", models.DateField(help_text="The month's first day.")),
                ("events", models.PositiveIntegerField(help_text="Published events of the pair dated in the month.")),
                ("scored", models.PositiveIntegerField()),
                ("score_total", models.DecimalField(decimal_places=1, max_digits=12)),
                ("quad_0", models.PositiveIntegerField(verbose_name="verbal cooperation")),
                ("quad_1", models.PositiveIntegerField(verbose_name="material cooperation")),
                ("quad_2", models.PositiveIntegerField(verbose_name="verbal conflict")),
                ("quad_3", models.PositiveIntegerField(verbose_name="material conflict")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("pair", "month"), name="pair_month_once"),
                    models.CheckConstraint(condition=models.Q(("events__gt", 0)), name="pair_month_has_events"),
                ],
            },
        ),
        migrations.RunPython(fill_pair_months, migrations.RunPython.noop, elidable=False),
    ]
