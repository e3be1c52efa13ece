"""The closed vocabularies of an event: its kind, its status, a participant's role."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    STATE_VISIT = "state_visit", _("State visit")
    OFFICIAL_VISIT = "official_visit", _("Official visit")
    WORKING_VISIT = "working_visit", _("Working visit")
    SIDELINE = "sideline", _("Meeting on the sidelines")
    CALL = "call", _("Telephone call")
    MEETING = "meeting", _("Meeting")
    STATEMENT = "statement", _("Statement")
    AGREEMENT = "agreement", _("Agreement or commitment")
    POLICY_ACTION = "policy_action", _("Policy action")
    INTENTION = "intention", _("Announced intention")
    OTHER = "other", _("Other event")


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
    HELD = "held", _("Held")
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")
    POSTPONED = "postponed", _("Postponed")


class ParticipantRole(models.TextChoices):
    HOST = "host", _("Host")
    VISITOR = "visitor", _("Visitor")
    PARTICIPANT = "participant", _("Participant")
