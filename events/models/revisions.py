"""An event's record as it was: one numbered snapshot per edit (events/services/revisions.py).

A citation names a revision, so that what it cites can be read again after
the record changes: `/events/<id>/v/<n>/`. An event that was never edited
has no rows: its one revision, 1, is the record as it stands.
"""

from django.db import models


class EventRevision(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(help_text="When the edit that made this revision was saved.")
    data = models.JSONField(help_text="The record as it read then: its fields, participants, quotes and sources.")

    class Meta:
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="event_revision_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="event_revision_from_one"),
        ]

    def __str__(self):
        return f"revision {self.number} of event {self.event_id}"
