"""
EventLeader: each event's participants and speakers with the event's date, so
that a leader's page reads its events off one index in date order; filled from
the participants and quotes already stored by one INSERT … SELECT.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_event_leaders(apps, schema_editor):
    from events.involvement import rebuild_event_leaders

    rebuild_event_leaders(using=schema_editor.connection.alias)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE events_eventleader")


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0006_pair_months'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventLeader',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField()),
                ('published', models.BooleanField()),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leaders', to='events.event')),
                ('leader', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='events.leader')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('published', True)), fields=['leader', 'date', 'event'], name='event_leader_pub_idx')],
                'constraints': [models.UniqueConstraint(fields=('event', 'leader'), name='event_leader_once')],
            },
        ),
        migrations.RunPython(fill_event_leaders, migrations.RunPython.noop, elidable=False),
    ]
