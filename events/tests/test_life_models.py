"""Status changes, links, commitments and readouts as stored (events/models/life.py, services/commitments.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import (
    Commitment,
    CommitmentStage,
    CommitmentStep,
    EventKind,
    EventLink,
    LifeStatus,
    LinkRelation,
    Readout,
    StatusChange,
)
from events.services import commitments
from events.services.versioning import current_version
from events.tests.factories import make_commitment, make_event

pytestmark = pytest.mark.django_db

D = datetime.date


def test_status_changes_read_in_date_order_at_their_precision():
    """A month-only step is stored on the 1st, shown as the month, and sorts before a later day."""
    event = make_event()
    StatusChange.objects.create(event=event, status=LifeStatus.HELD, date=D(2016, 11, 19), source_url="https://a.org/2")
    StatusChange.objects.create(
        event=event,
        status=LifeStatus.PROPOSED,
        date=D(2016, 9, 20),
        date_precision="month",
        source_url="https://a.org/1",
    )
    assert [(c.status, c.date_display) for c in event.status_changes.all()] == [
        ("proposed", "September 2016"),
        ("held", "19 November 2016"),
    ]


def test_a_link_to_itself_or_twice_is_refused_by_the_database():
    """An event cannot follow up itself, nor follow up the same event twice."""
    a, b = make_event(), make_event()
    EventLink.objects.create(from_event=b, relation=LinkRelation.FOLLOWS_UP, to_event=a)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventLink.objects.create(from_event=b, relation=LinkRelation.FOLLOWS_UP, to_event=a)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventLink.objects.create(from_event=a, relation=LinkRelation.FULFILS, to_event=a)
    assert EventLink.objects.get().inverse_label == "Followed up by"


def test_a_commitments_stage_is_its_latest_steps_through_every_save_and_delete():
    """Adding a later step moves the stage; deleting it moves it back; no steps, no stage."""
    commitment = make_commitment(steps=[("announced", D(2016, 10, 20))])
    assert commitment.stage == CommitmentStage.ANNOUNCED
    later = CommitmentStep.objects.create(
        commitment=commitment, stage=CommitmentStage.DELIVERED, date=D(2017, 6, 28), source_url="https://a.org/d"
    )
    commitment.refresh_from_db()
    assert commitment.stage == CommitmentStage.DELIVERED
    later.date = D(2016, 1, 1)  # moved before the announcement: no longer the latest
    later.save()
    commitment.refresh_from_db()
    assert commitment.stage == CommitmentStage.ANNOUNCED
    commitment.steps.all().delete()
    commitment.refresh_from_db()
    assert commitment.stage == ""
    assert commitments.drift() == {}


def test_drift_finds_a_stage_written_behind_the_steps_back():
    """A stage set by a bulk UPDATE (no signals) is found by drift() and put right by sync_stages()."""
    commitment = make_commitment("soft-loans", steps=[("announced", D(2016, 10, 20)), ("signed", D(2017, 5, 16))])
    Commitment.objects.filter(pk=commitment.pk).update(stage=CommitmentStage.LAPSED)
    assert commitments.drift() == {"soft-loans": ("lapsed", "signed")}
    assert commitments.sync_stages([commitment.pk]) == 1
    assert commitments.drift() == {}


def test_a_commitment_amount_needs_an_iso_4217_currency():
    """'usd' and 'XYZ' are refused with the reason; an amount without a currency is refused by the database."""
    commitment = Commitment(slug="c", title="C", kind="pledge", amount=100, currency="XYZ")
    with pytest.raises(ValidationError) as error:
        commitment.full_clean()
    assert "XYZ is not an ISO 4217 currency code" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(slug="d", title="D", kind="pledge", amount=100)
    assert Commitment(amount=24_000_000_000, currency="USD").value_display == "USD 24,000,000,000"


def test_a_readout_belongs_to_a_meeting_once_per_country_and_translated_unless_english():
    """A statement's readout is refused by clean(); a second PH readout and an untranslated Russian one by the database."""
    meeting, statement = make_event(), make_event(kind=EventKind.STATEMENT)
    with pytest.raises(ValidationError, match="belongs to a meeting or a call, not to this statement"):
        Readout(event=statement, country_id="PH", source_url="https://a.org/r", text="We met.").full_clean()
    Readout.objects.create(event=meeting, country_id="PH", source_url="https://a.org/r", text="We met.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Readout.objects.create(event=meeting, country_id="PH", source_url="https://a.org/s", text="Again.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Readout.objects.create(
            event=meeting, country_id="RU", language="ru", source_url="https://a.org/t", text="Встреча."
        )


def test_every_new_record_bumps_the_site_version():
    """A status change, a link, a commitment, a step and a readout each bump the version the page cache keys on."""
    a, b = make_event(), make_event()
    writes = [
        lambda: StatusChange.objects.create(event=a, status="held", date=D(2016, 11, 19), source_url="https://a.org/1"),
        lambda: EventLink.objects.create(from_event=b, relation="follows_up", to_event=a),
        lambda: make_commitment("x"),
        lambda: Readout.objects.create(event=a, country_id="PH", source_url="https://a.org/r", text="We met."),
        lambda: StatusChange.objects.all().delete(),
    ]
    for write in writes:
        before = current_version()[0]
        write()
        assert current_version()[0] > before
