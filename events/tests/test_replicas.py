"""Anonymous pages render on the standby, never older than the version they are cached under; editors and writes use the primary.

The standby here is a copy of the test database taken when a test asks for it
(`standby.replay()`): what it holds is what a hot standby that has replayed
the primary up to that moment holds. An edit made after the copy is the
replica's lag. A copy rather than real streaming replication, so that the
same tests run on SQLite and PostgreSQL; `make test-cluster` proves the same
properties on a real hot standby.
"""

import contextlib
import pickle
import sqlite3
import time
import warnings

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.utils import load_backend
from django.test import Client

from events.models import Event
from events.services.versioning import current_stamps, current_version
from events.tests.factories import make_event
from events.web import replicas
from events.web.replicas import REPLICA, ReadReplicaRouter

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextlib.contextmanager
def server_cursor():
    """A cursor on the PostgreSQL server's maintenance database, without the web's statement timeout.

    Copying and dropping a database waits for a checkpoint, which on a busy machine takes longer.
    """
    with connections[DEFAULT_DB_ALIAS]._nodb_cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        yield cursor


class Standby:
    """The alias `replica`, a copy of the primary refreshed by `replay()`; `stop()` makes it refuse connections."""

    def __init__(self, tmp_path, settings):
        self.settings = settings
        self.primary = connections[DEFAULT_DB_ALIAS].settings_dict
        self.vendor = connections[DEFAULT_DB_ALIAS].vendor
        if self.vendor == "sqlite":
            self.name = str(tmp_path / "standby.sqlite3")
        else:
            self.name = f"{self.primary['NAME']}_standby"

    def replay(self):
        """The standby as the primary is now."""
        self.forget()
        if self.vendor == "sqlite":
            source = connections[DEFAULT_DB_ALIAS]
            source.ensure_connection()
            copy = sqlite3.connect(self.name)
            source.connection.backup(copy)
            copy.close()
        else:
            connections[DEFAULT_DB_ALIAS].close()  # CREATE DATABASE ... TEMPLATE wants no one connected
            with server_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                for attempt in range(5):  # an autovacuum worker may be on the template for a moment
                    # So may a session an earlier test left open (a thread's, a background export's):
                    # nothing else uses the test database while this test runs.
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        [self.primary["NAME"]],
                    )
                    try:
                        cursor.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.primary["NAME"]}"')
                        break
                    except OperationalError:
                        if attempt == 4:
                            raise
                        time.sleep(1)
        self.attach(self.name)

    def stop(self):
        """The standby gone: connecting to it fails."""
        self.forget()
        self.attach("/nonexistent/standby.sqlite3" if self.vendor == "sqlite" else self.name, port=1)

    def attach(self, name, port=None):
        """The alias configured (settings.DATABASES) and connected to `name`.

        Its connection is made here, not by Django's connection handler, which
        the test case would then forbid as an alias it was not told about.
        """
        settings_dict = {**self.primary, "NAME": name, "TEST": {**self.primary["TEST"], "MIRROR": None}}
        if port:
            settings_dict["PORT"] = port
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Overriding setting DATABASES can lead to unexpected behavior"
            self.settings.DATABASES = {**self.settings.DATABASES, REPLICA: settings_dict}
        connections[REPLICA] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias=REPLICA)

    def forget(self):
        if REPLICA in self.settings.DATABASES:
            connections[REPLICA].close()
            del connections[REPLICA]

    def remove(self):
        self.forget()
        if self.vendor == "postgresql":
            with server_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def standby(tmp_path, settings, monkeypatch):
    settings.PAGE_CACHE = True
    cache.clear()
    monkeypatch.setattr(replicas, "_standby_down_until", 0.0)
    standby = Standby(tmp_path, settings)
    yield standby
    standby.remove()


def on_standby_only(event, summary):
    """Change a summary on the standby alone: a page showing it was read from there."""
    Event.objects.using(REPLICA).filter(pk=event.pk).update(summary=summary)


def page(client, event):
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def editor():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("editor", "", "a-long-test-password"))
    return client


class RouterTests:
    def test_outside_a_request_reads_and_writes_go_to_the_primary(self, standby):
        """The shell, commands and tests read the primary: only the middleware sends reads elsewhere."""
        standby.replay()
        router = ReadReplicaRouter()
        assert router.db_for_read(Event) is None  # None: Django's default alias
        assert router.db_for_write(Event) == DEFAULT_DB_ALIAS
        assert router.allow_migrate(REPLICA, "events") is False
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "events") is None

    def test_inside_reading_from_reads_go_to_the_standby_and_writes_to_the_primary(self, standby):
        """Reads follow the request's choice; a write made meanwhile still lands on the primary."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        on_standby_only(event, "Read from the standby")
        for _ in replicas.reading_from(REPLICA, [b""]):
            assert Event.objects.get(pk=event.pk).summary == "Read from the standby"
            Event.objects.filter(pk=event.pk).update(status="cancelled")
        assert Event.objects.get(pk=event.pk).summary == ""
        assert Event.objects.get(pk=event.pk).status == "cancelled"
        assert Event.objects.using(REPLICA).get(pk=event.pk).status == "held"


class ReadsTests:
    def test_an_anonymous_page_is_rendered_on_the_standby(self, standby, client):
        """A reader's page comes from the standby when it has replayed everything the primary holds."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        on_standby_only(event, "Read from the standby")
        assert "Read from the standby" in page(client, event)

    def test_an_editor_reads_the_primary(self, standby, editor):
        """Logged-in staff see the primary's record, so their own edit at once."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        on_standby_only(event, "Read from the standby")
        text = page(editor, event)
        assert "Duterte meets Putin in Lima" in text and "Read from the standby" not in text

    def test_with_the_cache_off_the_standby_still_serves_readers(self, standby, client, settings):
        """The standby's use does not depend on the page cache."""
        settings.PAGE_CACHE = False
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        on_standby_only(event, "Read from the standby")
        assert "Read from the standby" in page(client, event)


class LagTests:
    def test_a_lagging_standby_is_passed_over_and_the_edit_shows_at_once(self, standby, client):
        """An edit the standby has not replayed yet: the reader gets the primary's page with the edit, not the old one."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        assert "Duterte meets Putin in Lima" in page(client, event)
        event.title = "Duterte meets Medvedev in Lima"
        event.save()
        assert current_version(REPLICA) < current_version(DEFAULT_DB_ALIAS)
        for _ in range(2):  # rendered, then from the cache
            text = page(client, event)
            assert "Duterte meets Medvedev in Lima" in text and "Duterte meets Putin in Lima" not in text

    def test_no_page_is_cached_under_a_version_newer_than_its_data(self, standby, client):
        """Rendered while the standby lags, the page stored under the primary's version holds the primary's data."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        event.title = "Duterte meets Medvedev in Lima"
        event.save()
        page(client, event)
        stamp = current_stamps(f"event:{event.pk}", DEFAULT_DB_ALIAS).key
        # LocMemCache's own store: its keys as made (prefixed), its values pickled.
        stored = [pickle.loads(value) for key, value in cache._cache.items() if f"page:{stamp}:" in key]
        assert stored, "the page was not cached under the primary's version"
        for response in stored:
            assert b"Putin" not in response.content  # gzipped or not: the old title is in neither
        assert any(b"Duterte meets Medvedev in Lima" in response.content for response in stored)

    def test_once_caught_up_the_standby_serves_again(self, standby, client):
        """After replaying the edit, the standby renders readers' pages again."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        event.title = "Duterte meets Medvedev in Lima"
        event.save()
        assert "Duterte meets Medvedev in Lima" in page(client, event)
        standby.replay()
        Event.objects.filter(pk=event.pk).update(summary="A new summary")  # a new page, no new version
        on_standby_only(event, "Read from the standby")
        cache.clear()
        assert "Read from the standby" in page(client, event)


class FailureTests:
    def test_a_standby_that_refuses_connections_falls_back_to_the_primary(self, standby, client):
        """No error for the reader: the primary renders the page, and the standby is left alone for a while."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.stop()
        assert "Duterte meets Putin in Lima" in page(client, event)
        assert not replicas.standby_usable()
        assert "Duterte meets Putin in Lima" in page(client, event.__class__.objects.get(pk=event.pk))

    def test_a_standby_failing_mid_page_is_rendered_again_on_the_primary(self, standby, client, monkeypatch):
        """A standby query failing half-way (the standby stopping) is no 500: the page is rendered on the primary."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        on_standby_only(event, "Read from the standby")

        def dropped(execute, sql, params, many, context):
            if "events_event" in sql:
                raise OperationalError("terminating connection due to administrator command")
            return execute(sql, params, many, context)

        connections[REPLICA].execute_wrappers.append(dropped)
        text = page(client, event)
        assert "Duterte meets Putin in Lima" in text and "Read from the standby" not in text

    def test_while_the_primary_is_down_readers_get_pages_from_the_standby(self, standby, client, monkeypatch):
        """The primary not answering: an uncached page is rendered on the standby under the standby's version."""
        event = make_event(title="Duterte meets Putin in Lima")
        standby.replay()
        on_standby_only(event, "Read from the standby")
        real, real_stamps = replicas.current_version, replicas.current_stamps

        def primary_down(using=DEFAULT_DB_ALIAS):
            if using == DEFAULT_DB_ALIAS:
                raise OperationalError("server closed the connection unexpectedly")
            return real(using)

        def primary_stamps_down(scope, using=DEFAULT_DB_ALIAS, *args):
            if using == DEFAULT_DB_ALIAS:
                raise OperationalError("server closed the connection unexpectedly")
            return real_stamps(scope, using, *args)

        monkeypatch.setattr(replicas, "current_version", primary_down)
        monkeypatch.setattr(replicas, "current_stamps", primary_stamps_down)
        response = client.get(event.get_absolute_url())
        assert response.status_code == 200
        assert "Read from the standby" in response.content.decode()
        assert response["ETag"].startswith(f'W/"{real_stamps(f"event:{event.pk}", REPLICA).key}-')
