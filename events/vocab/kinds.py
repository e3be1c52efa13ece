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


class LifeStatus(models.TextChoices):
    """A dated step in an event's life (its status history); the event's `status` is where it ended."""

    PROPOSED = "proposed", "Proposed"  # floated, or "not ruled out"
    ANNOUNCED = "announced", "Announced"
    CONFIRMED = "confirmed", "Confirmed"
    POSTPONED = "postponed", "Postponed"
    CANCELLED = "cancelled", "Cancelled"
    HELD = "held", "Held"


class LinkRelation(models.TextChoices):
    """How one event bears on an earlier one; each reads backwards as `LINK_INVERSES` says."""

    FOLLOWS_UP = "follows_up", "Follows up"
    FULFILS = "fulfils", "Fulfils"
    REVERSES = "reverses", "Reverses"
    RESPONDS_TO = "responds_to", "Responds to"


LINK_INVERSES = {
    LinkRelation.FOLLOWS_UP: "Followed up by",
    LinkRelation.FULFILS: "Fulfilled by",
    LinkRelation.REVERSES: "Reversed by",
    LinkRelation.RESPONDS_TO: "Responded to by",
}


class CommitmentKind(models.TextChoices):
    AGREEMENT = "agreement", "Agreement"
    PLEDGE = "pledge", "Pledge"
    INTENTION = "intention", "Announced intention"


class CommitmentStage(models.TextChoices):
    """Where a commitment stands: the stage of its latest step."""

    ANNOUNCED = "announced", "Announced"
    SIGNED = "signed", "Signed"
    IN_FORCE = "in_force", "In force or under way"
    DELIVERED = "delivered", "Delivered"
    PARTLY_DELIVERED = "partly_delivered", "Partly delivered"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"
