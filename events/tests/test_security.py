"""Trust: edit history, no silent overwrites, login throttling, HTTP hardening."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from events.models import Event
from events.tests.factories import make_event, make_leader
from events.tests.test_admin import event_form, inline_management

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("editor", "", "a-long-test-password")
    client.force_login(user)
    return user


def change_form_data(event, **overrides):
    values = {"kind": event.kind, "title": event.title, "date": event.date.isoformat(), "version": str(event.version)}
    sources = list(event.sources.all())
    values.update(inline_management("sources", total=len(sources), initial=len(sources)))
    for i, source in enumerate(sources):
        values.update(
            {
                f"sources-{i}-id": str(source.pk),
                f"sources-{i}-event": str(event.pk),
                f"sources-{i}-url": source.url,
                f"sources-{i}-publisher": source.publisher,
            }
        )
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
        response = client.post(
            reverse("admin:events_event_change", args=[event.pk]), change_form_data(event, title="Corrected title")
        )
        assert response.status_code == 302
        assert Event.objects.get(pk=event.pk).title == "Corrected title"


class PublishingTests:
    def test_published_event_without_source_is_a_form_error(self, client, editor):
        """Publishing with no source is refused with a message saying what to do."""
        response = client.post(reverse("admin:events_event_add"), event_form())
        assert response.status_code == 200
        assert "A published event needs at least one source" in response.content.decode()
        assert not Event.objects.exists()

    def test_draft_without_source_may_be_saved_but_stays_out_of_public_view(self, client, editor):
        """A draft needs no source yet, and the public timeline does not show it."""
        make_leader("Vladimir Putin", "RU"), make_leader("Rodrigo Duterte", "PH")
        data = event_form()
        del data["published"]
        response = client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 302
        event = Event.objects.get()
        assert not event.published
        assert not Event.objects.published().exists()

    def test_unsourced_event_is_never_public_even_if_flagged_published(self):
        """An event flagged published but without any source stays out of public queries and timelines."""
        event = make_event(countries=["PH", "RU"], sources=())
        assert event.published and not Event.objects.published().exists()
        assert not event.pairs.get().published


class RoleTests:
    @pytest.fixture
    def as_role(self, client):
        from django.contrib.auth.models import Group

        def login(role):
            user = get_user_model().objects.create_user(role.lower(), "", "a-long-test-password", is_staff=True)
            user.groups.add(Group.objects.get(name=role))
            client.force_login(user)
            return client

        return login

    def test_editor_adds_drafts_only(self, as_role):
        """An Editor's new event is saved as a draft and the published box is not theirs to tick."""
        client = as_role("Editor")
        form = client.get(reverse("admin:events_event_add")).content.decode()
        assert 'name="published"' not in form
        response = client.post(reverse("admin:events_event_add"), event_form())
        assert response.status_code == 302
        assert Event.objects.get().published is False

    def test_editor_cannot_delete(self, as_role):
        """Deleting is refused to an Editor."""
        event = make_event()
        client = as_role("Editor")
        assert client.get(reverse("admin:events_event_delete", args=[event.pk])).status_code == 403
        assert client.post(reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
        assert Event.objects.filter(pk=event.pk).exists()

    def test_editor_cannot_manage_users(self, as_role):
        """User management is not an Editor's."""
        client = as_role("Editor")
        assert client.get(reverse("admin:auth_user_changelist")).status_code == 403

    def test_publisher_publishes_and_deletes(self, as_role):
        """A Publisher may publish a sourced event and delete one."""
        draft = make_event("Draft", published=False)
        client = as_role("Publisher")
        response = client.post(
            reverse("admin:events_event_change", args=[draft.pk]), change_form_data(draft, published="on")
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Event.objects.get(pk=draft.pk).published is True
        client.post(reverse("admin:events_event_delete", args=[draft.pk]), {"post": "yes"})
        assert not Event.objects.filter(pk=draft.pk).exists()


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
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_wsgi_application_hides_its_start_up_objects_from_the_garbage_collector():
    """gunicorn's import of diplomacy.wsgi ends in gc.freeze(): full collections skip what lives as long as the process."""
    code = "import gc, diplomacy.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 20_000  # Django, the apps and the URLconf: some 100,000


class DraftVisibilityTests:
    @pytest.fixture
    def draft(self):
        return make_event("Secret draft meeting", published=False, countries=["PH", "RU"])

    def test_public_never_sees_a_draft(self, client, draft):
        """Anonymous readers get no trace of a draft: not on the timeline, the list, or its own page."""
        assert "Secret draft meeting" not in client.get("/relationships/ph-ru/").content.decode()
        assert "Secret draft meeting" not in client.get("/events/").content.decode()
        assert client.get(draft.get_absolute_url()).status_code == 404

    def test_staff_see_drafts_marked_as_drafts(self, client, editor, draft):
        """Staff see the draft on the timeline and its page, with a visible draft marker."""
        timeline = client.get("/relationships/ph-ru/").content.decode()
        assert "Secret draft meeting" in timeline and "Draft: not public" in timeline
        page = client.get(draft.get_absolute_url(), follow=True).content.decode()
        assert "Draft: not public" in page
