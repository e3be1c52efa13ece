"""
EventLeader: each event's participants and speakers with the event's date, so
that a leader's page reads its events off one index in date order; filled from
the participants and quotes already stored by one INSERT … SELECT.
"""

import django.db.models.deletion
from django.db import migrations, models


# The leaders each event features (its participants and speakers), as the rule stood.
EVENT_LEADERS_SQL = """
    INSERT INTO events_eventleader (event_id, leader_id, date, published)
    SELECT e.id, featured.leader_id, e.date,
           e.published AND EXISTS (SELECT 1 FROM events_eventsource s WHERE s.event_id = e.id)
    FROM (SELECT event_id, leader_id FROM events_participant
          UNION SELECT event_id, speaker_id FROM events_quote) AS featured
    JOIN events_event e ON e.id = featured.event_id
"""


def fill_event_leaders(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(EVENT_LEADERS_SQL)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE events_eventleader")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_pair_months"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventLeader",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField()),
                ("published", models.BooleanField()),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="leaders", to="events.event"
                    ),
                ),
                (
                    "leader",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="events.leader"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("published", True)),
                        fields=["leader", "date", "event"],
                        name="event_leader_pub_idx",
                    )
                ],
                "constraints": [models.UniqueConstraint(fields=("event", "leader"), name="event_leader_once")],
            },
        ),
        migrations.RunPython(fill_event_leaders, migrations.RunPython.noop, elidable=False),
    ]
