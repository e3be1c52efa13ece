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


class LifeStatus(models.TextChoices):
    """A dated step in an event's life (its status history); the event's `status` is where it ended."""

    PROPOSED = "proposed", _("Proposed")  # floated, or "not ruled out"
    ANNOUNCED = "announced", _("Announced")
    CONFIRMED = "confirmed", _("Confirmed")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


class LinkRelation(models.TextChoices):
    """How one event bears on an earlier one; each reads backwards as `LINK_INVERSES` says."""

    FOLLOWS_UP = "follows_up", _("Follows up")
    FULFILS = "fulfils", _("Fulfils")
    REVERSES = "reverses", _("Reverses")
    RESPONDS_TO = "responds_to", _("Responds to")


LINK_INVERSES = {
    LinkRelation.FOLLOWS_UP: _("Followed up by"),
    LinkRelation.FULFILS: _("Fulfilled by"),
    LinkRelation.REVERSES: _("Reversed by"),
    LinkRelation.RESPONDS_TO: _("Responded to by"),
}


class CommitmentKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    PLEDGE = "pledge", _("Pledge")
    INTENTION = "intention", _("Announced intention")


class CommitmentStage(models.TextChoices):
    """Where a commitment stands: the stage of its latest step."""

    ANNOUNCED = "announced", _("Announced")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force or under way")
    DELIVERED = "delivered", _("Delivered")
    PARTLY_DELIVERED = "partly_delivered", _("Partly delivered")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
