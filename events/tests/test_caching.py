"""The page cache is never stale, answers revalidations with 304, and stays out of editors' way."""

import datetime
import gzip
import html.parser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Event, SiteVersion
from events.services import versioning
from events.services.importing import import_directory
from events.tests.factories import make_event

pytestmark = pytest.mark.django_db

EVENTS = "/events/"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE = True
    cache.clear()


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def staff():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("staff", "", "a-long-test-password"))
    return client


def get(client, path=EVENTS, **headers):
    """A GET and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    return response, len(queries)


class FormFields(html.parser.HTMLParser):
    """The values a browser would submit from the page's main form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self._option_value = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file", "image"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the newline that follows <textarea>.
            self.data[self._textarea][0] = self.data[self._textarea][0].removeprefix("\n")
            self._textarea = None


class VersionStampTests:
    def test_every_write_bumps_the_version(self):
        """Saving, changing the countries of, and deleting an event each move the version on."""
        start = versioning.current_version()[0]
        event = make_event(title="Duterte meets Putin")
        after_create = versioning.current_version()[0]
        event.countries.add("RU")
        after_m2m = versioning.current_version()[0]
        event.delete()
        after_delete = versioning.current_version()[0]
        assert start < after_create < after_m2m < after_delete

    def test_derived_rows_are_still_deleted_in_bulk(self):
        """The bump receivers leave EventPair and EventCountry fast-deletable (no per-row signal, no per-row bump)."""
        from django.db.models.deletion import Collector

        from events.models import EventCountry, EventPair

        collector = Collector(using="default")
        assert collector.can_fast_delete(EventPair.objects.all())
        assert collector.can_fast_delete(EventCountry.objects.all())

    def test_bump_creates_the_row_when_it_is_missing(self):
        """After a flush the first write recreates the single version row."""
        SiteVersion.objects.all().delete()
        assert versioning.current_version() == (0, None)
        versioning.bump()
        assert versioning.current_version()[0] == 1

    def test_migrate_bumps_the_version(self):
        """A data migration changes the record without signals: post_migrate bumps the version."""
        from django.apps import apps

        before = versioning.current_version()[0]
        versioning._bump_after_migrate(apps.get_app_config("events"), using="default")
        assert versioning.current_version()[0] == before + 1


class PageCacheTests:
    @pytest.fixture(autouse=True)
    def _client(self, anonymous):
        self.client_ = anonymous

    def test_repeat_request_is_served_from_the_cache_for_one_query(self):
        """The second anonymous request for a list costs one query: its stamps, and whether the events it shows changed."""
        make_event(title="Duterte meets Putin")
        first, _ = get(self.client_)
        with CaptureQueriesContext(connection) as queries:
            second = self.client_.get(EVENTS)
        assert len(queries) == 1 and "events_scopeversion" in queries[0]["sql"]
        get(self.client_, "/summits/")
        assert get(self.client_, "/summits/")[1] == 1  # a page that is not a list of cards: its stamps alone
        assert second.content == first.content
        assert "Duterte meets Putin" in second.content.decode()

    def test_orm_save_is_visible_on_the_next_request(self):
        """An edit made with model.save() shows on the very next request."""
        event = make_event(title="Duterte meets Putin")
        get(self.client_)
        event.title = "Duterte meets Medvedev"
        event.save()
        response, _ = get(self.client_)
        assert "Duterte meets Medvedev" in response.content.decode()
        assert "Duterte meets Putin" not in response.content.decode()

    def test_admin_edit_is_visible_on_the_next_request(self, staff):
        """An edit saved through the admin shows on the next anonymous request."""
        event = make_event(title="Duterte meets Putin", date=datetime.date(2016, 11, 19))
        assert "Duterte meets Putin" in get(self.client_)[0].content.decode()

        editor = staff
        url = reverse("admin:events_event_change", args=[event.pk])
        form = FormFields()
        form.feed(editor.get(url).content.decode())
        data = form.data
        data["title"] = ["Duterte meets Medvedev"]
        response = editor.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]

        page = get(self.client_)[0].content.decode()
        assert "Duterte meets Medvedev" in page
        assert "Duterte meets Putin" not in page

    def test_import_is_visible_on_the_next_request(self, tmp_path: Path):
        """Events written by the importer (in bulk, without signals) show on the next request."""
        get(self.client_)
        (tmp_path / "other_events.csv").write_text(
            "date,kind,title,summary,countries,city,summit,status,source_url\n"
            "2016-10-20,agreement,Philippines and China sign thirteen agreements,,PH;CN,Beijing,,held,"
            "https://example.org/report\n",
            encoding="utf-8",
        )
        import_directory(tmp_path)
        assert "Philippines and China sign thirteen agreements" in get(self.client_)[0].content.decode()

    def test_logged_in_staff_are_never_served_cached_pages(self, staff):
        """A page cached for the public is not what staff get, and staff pages are not cached."""
        make_event(title="Duterte meets Putin")
        public = get(self.client_)[0]
        first, first_queries = get(staff)
        again, again_queries = get(staff)
        assert first_queries > 1 and again_queries > 1
        assert "ETag" not in first
        assert "ETag" in public

    def test_error_responses_are_not_cached(self):
        """A 404 runs the view every time and carries no validators."""
        path = "/events/999999/"
        first, _ = get(self.client_, path)
        second, second_queries = get(self.client_, path)
        assert first.status_code == second.status_code == 404
        assert "ETag" not in second
        assert second_queries > 1

    def test_page_cache_off_renders_every_request_afresh(self, settings):
        """With DJANGO_PAGE_CACHE=0 even a write that bumps nothing shows at once."""
        settings.PAGE_CACHE = False
        event = make_event(title="Duterte meets Putin")
        first, _ = get(self.client_)
        Event.objects.filter(pk=event.pk).update(title="Duterte meets Medvedev")  # no signal, no bump
        second, second_queries = get(self.client_)
        assert "ETag" not in first
        assert "Duterte meets Medvedev" in second.content.decode()
        assert second_queries >= 1

    def test_cached_pages_are_gzipped_for_browsers_that_accept_it(self):
        """A browser sending Accept-Encoding: gzip gets the same page compressed, from the cache too."""
        make_event(title="Duterte meets Putin")
        plain = get(self.client_)[0]
        for _ in range(2):  # the first compresses and stores, the second is a cache hit
            zipped, _ = get(self.client_, **{"Accept-Encoding": "gzip, deflate, br"})
            assert zipped["Content-Encoding"] == "gzip"
            assert gzip.decompress(zipped.content) == plain.content
            assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
        assert "Content-Encoding" not in get(self.client_)[0]

    def test_pages_say_they_must_be_revalidated(self):
        """Cached pages tell browsers to ask again (no-cache) and vary on cookies."""
        response = get(self.client_)[0]
        assert "no-cache" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
        assert response["Last-Modified"]


class ConditionalGetTests:
    @pytest.fixture(autouse=True)
    def _client(self, anonymous):
        self.client_ = anonymous
        make_event(title="Duterte meets Putin")

    def test_matching_etag_gets_304_for_one_query(self):
        """A browser revalidating with its ETag gets 304 Not Modified for the version lookup alone."""
        etag = get(self.client_)[0]["ETag"]
        response, queries = get(self.client_, **{"If-None-Match": etag})
        assert response.status_code == 304
        assert queries <= 1
        assert response["ETag"] == etag

    def test_if_modified_since_gets_304_for_one_query(self):
        """A browser revalidating with the Last-Modified date gets 304 for at most one query."""
        last_modified = get(self.client_)[0]["Last-Modified"]
        response, queries = get(self.client_, **{"If-Modified-Since": last_modified})
        assert response.status_code == 304
        assert queries <= 1

    def test_write_changes_the_etag(self):
        """After a write the old ETag no longer matches, and the new page comes back in full."""
        etag = get(self.client_)[0]["ETag"]
        make_event(title="Duterte meets Medvedev")
        response, _ = get(self.client_, **{"If-None-Match": etag})
        assert response.status_code == 200
        assert response["ETag"] != etag
        assert "Duterte meets Medvedev" in response.content.decode()

    def test_each_page_has_its_own_etag(self):
        """Two addresses never share an ETag, so one page's 304 cannot answer for another."""
        assert get(self.client_, EVENTS)[0]["ETag"] != get(self.client_, EVENTS + "?kind=call")[0]["ETag"]
