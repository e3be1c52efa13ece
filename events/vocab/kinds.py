"""The closed vocabularies of an event: its kind, its status, a participant's role."""

from django.db import models


class EventKind(models.TextChoices):
    STATE_VISIT = "state_visit", "State visit"
    OFFICIAL_VISIT = "official_visit", "Official visit"
    WORKING_VISIT = "working_visit", "Working visit"
    SIDELINE = "sideline", "Meeting on the sidelines"
    CALL = "call", "Telephone call"
    MEETING = "meeting", "Meeting"
    STATEMENT = "statement", "Statement"
    AGREEMENT = "agreement", "Agreement or commitment"
    POLICY_ACTION = "policy_action", "Policy action"
    INTENTION = "intention", "Announced intention"
    OTHER = "other", "Other event"


MEETING_KINDS = frozenset(
    {
        EventKind.STATE_VISIT,
        EventKind.OFFICIAL_VISIT,
        EventKind.WORKING_VISIT,
        EventKind.SIDELINE,
        EventKind.CALL,
        EventKind.MEETING,
    }
)


class EventStatus(models.TextChoices):
    HELD = "held", "Held"
    PLANNED = "planned", "Planned"
    CANCELLED = "cancelled", "Cancelled"
    POSTPONED = "postponed", "Postponed"


class ParticipantRole(models.TextChoices):
    HOST = "host", "Host"
    VISITOR = "visitor", "Visitor"
    PARTICIPANT = "participant", "Participant"
