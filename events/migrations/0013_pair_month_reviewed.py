"""PairMonth keeps the figures of the reviewed codes too (#14): the chart drawn from reviewed codes only.

The months are computed afresh from the timeline rows, by the rule of the time frozen here
(as 0006 did): the reviewed figures of events 0010 marked reviewed, and the others' again.
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
REVIEWED = ("reviewed", "reviewed_total", "reviewed_quad_0", "reviewed_quad_1", "reviewed_quad_2", "reviewed_quad_3")


def refill_pair_months(apps, schema_editor):
    """DELETE every month and INSERT … SELECT them again from the published timeline rows."""
    EventPair = apps.get_model("events", "EventPair")
    PairMonth = apps.get_model("events", "PairMonth")
    connection = schema_editor.connection
    first, second = Upper(Substr("pair", 1, 2)), Upper(Substr("pair", 4, 2))
    scored = Q(event__score__isnull=False) & (
        Q(event__actor_country=first, event__target_country=second)
        | Q(event__actor_country=second, event__target_country=first)
    )
    reviewed = scored & Q(event__plover_reviewed=True)

    def total(condition):
        return Coalesce(
            Sum("event__score", filter=condition),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=12, decimal_places=1),
        )

    quads = {}
    for prefix, condition in (("", scored), ("reviewed_", reviewed)):
        for i, categories in enumerate(QUAD_CATEGORIES):
            quads[f"{prefix}quad_{i}"] = Count("id", filter=condition & Q(event__plover_category__in=categories))
    figures = (
        EventPair.objects.using(connection.alias)
        .filter(published=True)
        .annotate(month=Trunc("date", "month", output_field=DateField()))
        .values("pair", "month")
        .annotate(
            events=Count("id"),
            scored=Count("id", filter=scored),
            score_total=total(scored),
            reviewed=Count("id", filter=reviewed),
            reviewed_total=total(reviewed),
            **quads,
        )
        .values_list("pair", "month", *FIGURES, *REVIEWED)
        .order_by()
    )
    select, params = figures.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    names = ("pair", "month", *FIGURES, *REVIEWED)
    columns = ", ".join(quote(PairMonth._meta.get_field(name).column) for name in names)
    PairMonth.objects.using(connection.alias).all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(PairMonth._meta.db_table)} ({columns}) {select}", params)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_plover_reviewed"),
    ]

    operations = [
        migrations.AddField(
            model_name="pairmonth",
            name="reviewed",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="pairmonth",
            name="reviewed_quad_0",
            field=models.PositiveIntegerField(db_default=0, verbose_name="reviewed verbal cooperation"),
        ),
        migrations.AddField(
            model_name="pairmonth",
            name="reviewed_quad_1",
            field=models.PositiveIntegerField(db_default=0, verbose_name="reviewed material cooperation"),
        ),
        migrations.AddField(
            model_name="pairmonth",
            name="reviewed_quad_2",
            field=models.PositiveIntegerField(db_default=0, verbose_name="reviewed verbal conflict"),
        ),
        migrations.AddField(
            model_name="pairmonth",
            name="reviewed_quad_3",
            field=models.PositiveIntegerField(db_default=0, verbose_name="reviewed material conflict"),
        ),
        migrations.AddField(
            model_name="pairmonth",
            name="reviewed_total",
            field=models.DecimalField(db_default=0, decimal_places=1, max_digits=12),
        ),
        migrations.RunPython(refill_pair_months, migrations.RunPython.noop, elidable=False),
    ]
