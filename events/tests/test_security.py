"""Trust: edit history, no silent overwrites, login throttling, HTTP hardening."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from events.models import Event

from .factories import make_event, make_leader
from .test_admin import event_form

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("editor", "", "a-long-test-password")
    client.force_login(user)
    return user


def change_form_data(event, **overrides):
    values = {"kind": event.kind, "title": event.title, "date": event.date.isoformat(), "version": str(event.version)}
    return event_form(**{**values, **overrides})


class OptimisticLockingTests:
    def test_save_from_a_stale_form_is_refused_and_nothing_is_overwritten(self, client, editor):
        """The second of two editors who opened the same event is told, and the first one's save stands."""
        event = make_event("Duterte meets Putin")
        stale = change_form_data(event, title="Stale edit")
        fresh = Event.objects.get(pk=event.pk)
        fresh.title = "First editor's edit"
        fresh.save()
        response = client.post(reverse("admin:events_event_change", args=[event.pk]), stale)
        assert response.status_code == 200
        assert "Someone else saved this record after you opened it" in response.content.decode()
        assert Event.objects.get(pk=event.pk).title == "First editor's edit"

    def test_save_from_a_current_form_goes_through(self, client, editor):
        """An editor with the latest version saves normally."""
        event = make_event("Duterte meets Putin")
        response = client.post(reverse("admin:events_event_change", args=[event.pk]),
                               change_form_data(event, title="Corrected title"))
        assert response.status_code == 302
        assert Event.objects.get(pk=event.pk).title == "Corrected title"


class HistoryTests:
    def test_admin_edit_records_who_changed_what(self, client, editor):
        """An admin edit leaves a history entry with the editor and the changed field."""
        event = make_event("Duterte meets Putin")
        client.post(reverse("admin:events_event_change", args=[event.pk]), change_form_data(event, title="New title"))
        latest, previous = event.history.all()[:2]
        assert latest.history_user == editor
        assert [c.field for c in latest.diff_against(previous).changes if c.field == "title"] == ["title"]
        page = client.get(reverse("admin:events_event_history", args=[event.pk])).content.decode()
        assert "New title" in page or "Duterte meets Putin" in page

    def test_earlier_version_can_be_restored(self, client, editor):
        """Reverting to the first history entry brings back the original title."""
        event = make_event("Original title")
        client.post(reverse("admin:events_event_change", args=[event.pk]), change_form_data(event, title="Vandalised"))
        original = event.history.earliest()
        event.refresh_from_db()
        url = reverse("admin:events_event_simple_history", args=[event.pk, original.history_id])
        form = client.get(url)
        assert form.status_code == 200
        data = change_form_data(event, title="Original title")
        response = client.post(url, data)
        assert response.status_code == 302
        assert Event.objects.get(pk=event.pk).title == "Original title"


class LoginThrottlingTests:
    def test_repeated_wrong_passwords_lock_the_account(self, client):
        """After five wrong passwords even the right one is refused for a while."""
        get_user_model().objects.create_superuser("chief", "", "the-right-password-123")
        login = reverse("admin:login")
        for _ in range(5):
            client.post(login, {"username": "chief", "password": "wrong", "next": "/admin/"})
        response = client.post(login, {"username": "chief", "password": "the-right-password-123", "next": "/admin/"})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session


class HeadersTests:
    def test_strict_security_headers_on_public_pages(self, client):
        """CSP without unsafe-inline, nosniff, DENY framing and a referrer policy on every page."""
        response = client.get("/")
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"

    def test_check_deploy_is_clean_with_production_settings(self):
        """`check --deploy --fail-level WARNING` passes with production environment values."""
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "1",
            "DJANGO_SECRET_KEY": "x7#Qm9$wL2!vR8@pZ5^tY3&kN6*hJ4(bF1)cD0-gS+eA=uI_oP~",
            "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
        }
        env.pop("DJANGO_PLAIN_STATIC", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
