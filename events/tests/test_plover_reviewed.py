"""Which PLOVER codes an editor gave and which the machine suggested: the data migration (0010)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("events", "0011_life")]
AFTER = [("events", "0012_plover_reviewed")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_marks_what_an_editor_coded_and_leaves_what_the_machine_filled():
    """Hand-coded bundled events, codes the kind/status rule never writes, and codes a person changed count as reviewed."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Event, HistoricalEvent = old.get_model("events", "Event"), old.get_model("events", "HistoricalEvent")
    user = get_user_model().objects.create_user("editor-of-old")

    def event(title, kind, category="", mode="", date=datetime.date(2018, 3, 1), **fields):
        return Event.objects.create(
            title=title, kind=kind, status="held", date=date, plover_category=category, plover_mode=mode, **fields
        )

    hand = event(
        "Duterte receives Russian Ambassador Igor Khovaev in Malacañang",
        "meeting",
        "CONSULT",
        "visit",
        date=datetime.date(2016, 11, 15),
    )
    machine_visit = event("A state visit", "state_visit", "CONSULT", "visit")
    machine_agreement = event("An agreement", "agreement", "AGREE")
    uncoded_statement = event("A statement", "statement")
    editor_statement = event("A condemnation", "statement", "ACCUSE")
    editor_visit = event("A visit coded AID", "state_visit", "AID", "military")
    with_context = event("A call with a context", "call", "CONSULT", "phone", plover_context="military")
    redirected = event("A call redirected by a person", "call", "CONSULT", "phone")
    for number, (actor, who) in enumerate([("PH", None), ("US", user.pk)]):
        HistoricalEvent.objects.create(
            id=redirected.pk,
            title=redirected.title,
            kind="call",
            status="held",
            date=redirected.date,
            date_precision="day",
            plover_category="CONSULT",
            plover_mode="phone",
            actor_country_id=actor,
            history_date=datetime.datetime(2020, 1, 1 + number, tzinfo=datetime.UTC),
            history_type="~",
            history_user_id=who,
            version=1,
            published=True,
            date_approximate=False,
            created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
            updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("events", "Event")
    reviewed = dict(new.objects.values_list("title", "plover_reviewed"))
    assert reviewed == {
        hand.title: True,
        machine_visit.title: False,
        machine_agreement.title: False,
        uncoded_statement.title: False,
        editor_statement.title: True,
        editor_visit.title: True,
        with_context.title: True,
        redirected.title: True,
    }
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
