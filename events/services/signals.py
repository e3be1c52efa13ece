"""Keep the derived involvement tables in step with edits made one row at a time."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from events.models import Commitment, CommitmentStep, Event, EventSource, Leader, Participant, Quote
from events.services.commitments import sync_stages
from events.services.involvement import (
    months_of,
    note_left_summit,
    refresh_pair_months,
    refresh_summit_counts,
    sync_involvement,
)


@receiver(pre_save, sender=Event, dispatch_uid="event_saving")
def event_saving(sender, instance, raw=False, **kwargs):
    # The summit the event is at before this save: its count changes if it leaves it.
    if raw or instance.pk is None:
        return
    old = instance.loaded("summit_id")
    if old is Event.NOT_LOADED:
        old = Event.objects.filter(pk=instance.pk).values_list("summit_id", flat=True).first()
    if old != instance.summit_id:
        note_left_summit(old)


@receiver(post_save, sender=Event, dispatch_uid="event_saved")
def event_saved(sender, instance, raw=False, created=False, **kwargs):
    # A save of what only its card shows (the summary, say) changes none of the derived rows.
    if not raw and (created or not instance.only_card_changed()):
        sync_involvement([instance.pk])


@receiver(pre_delete, sender=Event, dispatch_uid="event_deleting")
def event_deleting(sender, instance, **kwargs):
    # The cascade deletes the event's timeline rows (in bulk, before any
    # post_delete): note the months they count in while they are there.
    instance._pair_months = months_of([instance.pk])


@receiver(post_delete, sender=Event, dispatch_uid="event_deleted")
def event_deleted(sender, instance, **kwargs):
    refresh_pair_months(instance.__dict__.pop("_pair_months", ()))
    refresh_summit_counts([instance.summit_id])


@receiver(m2m_changed, sender=Event.countries.through, dispatch_uid="event_countries_changed")
def event_countries_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # country.<related>.add(event): the events are in pk_set
        sync_involvement(pk_set or [])
    else:
        sync_involvement([instance.pk])


@receiver(post_save, sender=Participant, dispatch_uid="participant_saved")
@receiver(post_delete, sender=Participant, dispatch_uid="participant_deleted")
@receiver(post_save, sender=Quote, dispatch_uid="quote_saved")
@receiver(post_delete, sender=Quote, dispatch_uid="quote_deleted")
@receiver(post_save, sender=EventSource, dispatch_uid="source_saved")
@receiver(post_delete, sender=EventSource, dispatch_uid="source_deleted")
def event_part_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # The event itself may be going away in a cascade; syncing a missing id is a no-op.
    sync_involvement([instance.event_id])


@receiver(post_save, sender=Leader, dispatch_uid="leader_saved")
def leader_saved(sender, instance, created, raw=False, **kwargs):
    # A speaker's country counts as involved; a leader moved to another country
    # moves the events they spoke at.
    if not created and not raw:
        sync_involvement(Quote.objects.filter(speaker=instance).values_list("event_id", flat=True).distinct())


@receiver(post_save, sender=CommitmentStep, dispatch_uid="commitment_step_saved")
@receiver(post_delete, sender=CommitmentStep, dispatch_uid="commitment_step_deleted")
def commitment_step_changed(sender, instance, raw=False, **kwargs):
    # The commitment's stage is its latest step's. In a cascade from the
    # commitment itself the UPDATE finds no row, which is fine.
    if not raw:
        sync_stages([instance.commitment_id])


@receiver(post_save, sender=Commitment, dispatch_uid="commitment_saved")
def commitment_saved(sender, instance, raw=False, **kwargs):
    # A commitment saved from an instance read before its steps changed would write back a stale stage.
    if not raw:
        sync_stages([instance.pk])
