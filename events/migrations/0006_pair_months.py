"""
PairMonth: each relationship's months in figures (published events, temperature),
filled from the timeline rows already stored by one INSERT … SELECT.
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import Count, DateField, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr, Trunc, Upper

# PLOVER's categories by quad as they stood (events/vocab/plover.py), frozen here.
QUAD_CATEGORIES = (
    ("AGREE", "CONCEDE", "CONSULT", "SUPPORT"),  # verbal cooperation
    ("AID", "COOPERATE", "RETREAT"),  # material cooperation
    ("ACCUSE", "REJECT", "REQUEST", "THREATEN"),  # verbal conflict
    ("ASSAULT", "COERCE", "MOBILIZE", "PROTEST", "SANCTION"),  # material conflict
)
FIGURES = ("events", "scored", "score_total", "quad_0", "quad_1", "quad_2", "quad_3")


def fill_pair_months(apps, schema_editor):
    """INSERT … SELECT each pair's months from its published timeline rows (the rule of the time)."""
    EventPair = apps.get_model("events", "EventPair")
    PairMonth = apps.get_model("events", "PairMonth")
    connection = schema_editor.connection
    first, second = Upper(Substr("pair", 1, 2)), Upper(Substr("pair", 4, 2))
    scored = Q(event__score__isnull=False) & (
        Q(event__actor_country=first, event__target_country=second)
        | Q(event__actor_country=second, event__target_country=first)
    )
    figures = (
        EventPair.objects.using(connection.alias)
        .filter(published=True)
        .annotate(month=Trunc("date", "month", output_field=DateField()))
        .values("pair", "month")
        .annotate(
            events=Count("id"),
            scored=Count("id", filter=scored),
            score_total=Coalesce(
                Sum("event__score", filter=scored),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=12, decimal_places=1),
            ),
            **{
                f"quad_{i}": Count("id", filter=scored & Q(event__plover_category__in=categories))
                for i, categories in enumerate(QUAD_CATEGORIES)
            },
        )
        .values_list("pair", "month", *FIGURES)
        .order_by()
    )
    select, params = figures.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(PairMonth._meta.get_field(name).column) for name in ("pair", "month", *FIGURES))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(PairMonth._meta.db_table)} ({columns}) {select}", params)
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
                    models.CharField(help_text="Two lower-case ISO2 codes in alphabetical order: cn-ph.", max_length=5),
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
