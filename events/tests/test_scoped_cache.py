"""The page cache keyed by what a page shows: an edit re-renders its own parts of the site, never a stale page elsewhere.

A page's key holds the version of its scope (a relationship, an event, a
leader, or `all` for the rest) and of `*` (events/services/versioning.py).
"Served from the cache" is one query (the stamps); "rendered" is more.
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import EventLink, Participant
from events.services import versioning
from events.tests.factories import make_leader, make_meeting
from events.tests.test_caching import page_cache_on  # noqa: F401  (autouse: the cache on, emptied)

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    duterte, xi, putin, abe = (
        make_leader("Rodrigo Duterte", "PH"),
        make_leader("Xi Jinping", "CN"),
        make_leader("Vladimir Putin", "RU"),
        make_leader("Shinzo Abe", "JP"),
    )
    return {
        "duterte": duterte,
        "xi": xi,
        "putin": putin,
        "abe": abe,
        "beijing": make_meeting(duterte, xi, title="Duterte meets Xi in Beijing", date=datetime.date(2016, 10, 20)),
        "lima": make_meeting(duterte, putin, title="Duterte meets Putin in Lima", date=datetime.date(2016, 11, 19)),
        "tokyo": make_meeting(duterte, abe, title="Duterte meets Abe in Tokyo", date=datetime.date(2016, 10, 26)),
    }


VERSION_TABLES = ("events_siteversion", "events_scopeversion")


def from_the_cache(queries) -> bool:
    """Whether a request read nothing but versions: the stamps (and for a list of cards whether its events changed)."""
    return all(
        "FROM" in query["sql"] and query["sql"].split("FROM", 1)[1].lstrip().strip('"`').startswith(VERSION_TABLES)
        for query in queries.captured_queries
    )


def read(path):
    """The page an anonymous reader gets, and whether it came from the cache."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode(), from_the_cache(queries)


def warm(*paths):
    for path in paths:
        read(path)
        assert read(path)[1], f"{path} was not cached"


class ScopeTests:
    def test_an_edit_re_renders_its_relationship_and_leaves_the_others_cached(self, record):
        """Retitling the Lima meeting: the Russia timeline and the lists show it; China's and Japan's stay cached."""
        warm("/relationships/ph-ru/", "/relationships/ph-cn/", "/relationships/ph-jp/", "/events/", "/")
        lima = record["lima"]
        lima.title = "Duterte and Putin meet in Lima"
        lima.save()

        russia, cached = read("/relationships/ph-ru/")
        assert "Duterte and Putin meet in Lima" in russia and not cached
        listing, cached = read("/events/")
        assert "Duterte and Putin meet in Lima" in listing and not cached
        assert "Duterte and Putin meet in Lima" in read("/")[0]
        assert read("/relationships/ph-cn/")[1]
        assert read("/relationships/ph-jp/")[1]

    def test_an_edit_re_renders_its_own_event_page_only(self, record):
        """An event's page shows its edit; another event's page stays cached."""
        lima, beijing = record["lima"], record["beijing"]
        warm(lima.get_absolute_url(), beijing.get_absolute_url())
        lima.summary = "They spoke for an hour on the sidelines."
        lima.save()
        page, cached = read(lima.get_absolute_url())
        assert "They spoke for an hour on the sidelines." in page and not cached
        assert read(beijing.get_absolute_url())[1]

    def test_an_event_moved_to_another_relationship_leaves_the_old_one(self, record):
        """Putin replaced by Abe in the Lima meeting: it leaves the Russia timeline and joins Japan's."""
        lima = record["lima"]
        warm("/relationships/ph-ru/", "/relationships/ph-jp/")
        participant = Participant.objects.get(event=lima, leader=record["putin"])
        participant.leader, participant.country_id = record["abe"], "JP"
        participant.save()

        assert "Duterte meets Putin in Lima" not in read("/relationships/ph-ru/")[0]
        assert "Duterte meets Putin in Lima" in read("/relationships/ph-jp/")[0]

    def test_a_deleted_event_leaves_its_relationship_and_its_leaders(self, record):
        """Deleting the Lima meeting: the Russia timeline and Putin's page no longer list it."""
        putin = record["putin"]
        warm("/relationships/ph-ru/", putin.get_absolute_url())
        record["lima"].delete()
        assert "Duterte meets Putin in Lima" not in read("/relationships/ph-ru/")[0]
        assert "Duterte meets Putin in Lima" not in read(putin.get_absolute_url())[0]

    def test_a_leader_page_follows_the_events_featuring_them(self, record):
        """Xi's page shows a retitled meeting of his; Putin's stays cached."""
        xi, putin = record["xi"], record["putin"]
        warm(xi.get_absolute_url(), putin.get_absolute_url())
        beijing = record["beijing"]
        beijing.title = "Duterte and Xi meet in the Great Hall of the People"
        beijing.save()
        assert "Duterte and Xi meet in the Great Hall of the People" in read(xi.get_absolute_url())[0]
        assert read(putin.get_absolute_url())[1]

    def test_a_linked_event_s_new_title_shows_on_the_page_linking_it(self, record):
        """Tokyo follows up Beijing; retitling Beijing changes the link on Tokyo's page."""
        tokyo, beijing = record["tokyo"], record["beijing"]
        EventLink.objects.create(from_event=tokyo, relation="follows_up", to_event=beijing)
        warm(tokyo.get_absolute_url())
        beijing.title = "Duterte's state visit to Beijing"
        beijing.save()
        assert "Duterte&#39;s state visit to Beijing" in read(tokyo.get_absolute_url())[0]

    def test_a_leader_renamed_shows_on_every_page(self, record):
        """A write that is not an event's (a leader's name) re-renders every part: `*`."""
        warm("/relationships/ph-cn/", "/relationships/ph-ru/", record["beijing"].get_absolute_url())
        xi = record["xi"]
        xi.name = "Xi Jin Ping"
        xi.save()
        for path in ("/relationships/ph-cn/", record["beijing"].get_absolute_url()):
            assert "Xi Jin Ping" in read(path)[0]
        assert not read("/relationships/ph-ru/")[1]

    def test_a_bulk_write_without_scopes_re_renders_everything(self, record):
        """The importer's and the coder's bump() names no scope: every cached page is re-rendered."""
        warm("/relationships/ph-cn/", record["lima"].get_absolute_url(), "/events/")
        versioning.bump()
        assert not read("/relationships/ph-cn/")[1]
        assert not read(record["lima"].get_absolute_url())[1]
        assert not read("/events/")[1]

    def test_the_filipino_pages_have_the_same_scopes(self, record):
        """/fil/ pages: an edit in Russia's relationship leaves China's Filipino timeline cached."""
        warm("/fil/relationships/ph-cn/", "/fil/relationships/ph-ru/")
        lima = record["lima"]
        lima.title = "Duterte and Putin meet in Lima"
        lima.save()
        assert "Duterte and Putin meet in Lima" in read("/fil/relationships/ph-ru/")[0]
        assert read("/fil/relationships/ph-cn/")[1]

    @pytest.mark.parametrize("size", [3, 30])
    def test_a_cached_scoped_page_costs_one_query_at_two_sizes(self, record, size):
        """A cached timeline costs one query (its stamps, and whether its events changed), at any size."""
        for number in range(size):
            make_meeting(record["duterte"], record["xi"], title=f"Meeting {number}")
        path = "/relationships/ph-cn/"
        read(path)
        with CaptureQueriesContext(connection) as queries:
            Client().get(path)
        assert len(queries) == 1 and from_the_cache(queries)
        read(record["beijing"].get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            Client().get(record["beijing"].get_absolute_url())
        assert len(queries) == 1  # an event's page: its stamps

    def test_scopes_turned_off_key_every_page_by_the_whole_record(self, record, settings):
        """DJANGO_PAGE_CACHE_SCOPES=0 (the mixed run's comparison): an edit re-renders every page, as before."""
        settings.PAGE_CACHE_SCOPES = False
        warm("/relationships/ph-cn/", record["beijing"].get_absolute_url())
        lima = record["lima"]
        lima.title = "Duterte and Putin meet in Lima"
        lima.save()
        assert not read("/relationships/ph-cn/")[1]
        assert not read(record["beijing"].get_absolute_url())[1]

    def test_a_list_filtered_by_one_country_follows_that_country_s_events(self, record):
        """/events/?country=RU shows the edit and loses the event moved to Japan; ?country=CN stays cached."""
        warm("/events/?country=RU", "/events/?country=RU&kind=meeting", "/events/?country=CN", "/events/?country=JP")
        participant = Participant.objects.get(event=record["lima"], leader=record["putin"])
        participant.leader, participant.country_id = record["abe"], "JP"
        participant.save()
        assert "Duterte meets Putin in Lima" not in read("/events/?country=RU")[0]
        assert "Duterte meets Putin in Lima" not in read("/events/?country=RU&kind=meeting")[0]
        assert "Duterte meets Putin in Lima" in read("/events/?country=JP")[0]
        assert read("/events/?country=CN")[1]

    def test_an_admin_save_bumps_its_scopes_once_at_its_end(self, record, admin_client):
        """Through the admin (one write, its bumps coalesced): Russia's timeline shows the edit, China's stays cached."""
        from django.urls import reverse

        from events.tests.test_caching import FormFields

        warm("/relationships/ph-ru/", "/relationships/ph-cn/")
        url = reverse("admin:events_event_change", args=[record["lima"].pk])
        form = FormFields()
        form.feed(admin_client.get(url).content.decode())
        form.data["title"] = ["Duterte and Putin meet in Lima"]
        assert admin_client.post(url, form.data).status_code == 302
        assert "Duterte and Putin meet in Lima" in read("/relationships/ph-ru/")[0]
        assert read("/relationships/ph-cn/")[1]


class SummitScopeTests:
    """A summit's page is keyed by `summit:<slug>`: its own events' edits re-render it, no other's."""

    @pytest.fixture
    def summits(self, record):
        from events.tests.factories import make_summit

        apec, asean = make_summit("APEC 2016"), make_summit("ASEAN 2016", host="LA")
        for event in (record["lima"],):
            event.summit = apec
            event.save()
        record["tokyo"].summit = asean
        record["tokyo"].save()
        return apec, asean

    def test_an_edit_re_renders_its_summit_and_leaves_the_others_cached(self, record, summits):
        apec, asean = summits
        warm(apec.get_absolute_url(), asean.get_absolute_url())
        lima = record["lima"]
        lima.title = "Duterte and Putin meet in Lima"
        lima.save()
        page, cached = read(apec.get_absolute_url())
        assert "Duterte and Putin meet in Lima" in page and not cached
        assert read(asean.get_absolute_url())[1]

    def test_an_event_moved_to_another_summit_leaves_the_old_page(self, record, summits):
        """The Lima meeting moved from APEC to ASEAN: APEC's page no longer lists it, ASEAN's does."""
        apec, asean = summits
        warm(apec.get_absolute_url(), asean.get_absolute_url())
        lima = record["lima"]
        lima.summit = asean
        lima.save()
        assert "Duterte meets Putin in Lima" not in read(apec.get_absolute_url())[0]
        assert "Duterte meets Putin in Lima" in read(asean.get_absolute_url())[0]

    def test_an_event_taken_off_its_summit_leaves_it(self, record, summits):
        apec, _ = summits
        warm(apec.get_absolute_url(), "/summits/")
        lima = record["lima"]
        lima.summit = None
        lima.save()
        assert "Duterte meets Putin in Lima" not in read(apec.get_absolute_url())[0]
        assert "APEC 2016" in read("/summits/")[0]


class ListsOfWhatEventsDoNotShowTests:
    """/leaders/ shows no event, /summits/ their counts only: an edit of what cards show re-renders neither."""

    @pytest.fixture
    def apec(self, record):
        from events.tests.factories import make_summit

        apec = make_summit("APEC 2016")
        record["lima"].summit = apec
        record["lima"].save()
        return apec

    def test_a_summary_edit_leaves_the_leaders_and_summits_cached(self, record, apec):
        warm("/leaders/", "/summits/")
        lima = record["lima"]
        lima.summary = "They spoke for an hour on the sidelines."
        lima.save()
        assert read("/leaders/")[1]
        page, cached = read("/summits/")
        assert cached and "APEC 2016" in page and "1 event" in page

    def test_an_event_leaving_its_summit_changes_the_count(self, record, apec):
        """The count beside a summit is the shape's: taking the event off it re-renders /summits/."""
        warm("/summits/")
        lima = record["lima"]
        lima.summit = None
        lima.save()
        page, cached = read("/summits/")
        assert not cached and "APEC 2016" in page and "0 events" in page

    def test_a_new_event_leaves_the_leaders_cached_and_a_new_office_does_not(self, record):
        warm("/leaders/")
        make_meeting(record["duterte"], record["putin"], title="Duterte meets Putin in Moscow", date=MOSCOW)
        assert read("/leaders/")[1]
        from events.models import Office

        Office.objects.create(leader=record["putin"], title="President of Russia", country_id="RU")
        page, cached = read("/leaders/")
        assert not cached and "President of Russia" in page


class HomePageTests:
    """The home page shows each relationship's count and latest event: an edit of either re-renders it."""

    def test_a_new_title_of_a_latest_event_re_renders_it(self, record):
        warm("/")
        lima = record["lima"]
        lima.title = "Duterte and Putin meet in Lima"
        lima.save()
        page, cached = read("/")
        assert not cached and "Duterte and Putin meet in Lima" in page

    def test_a_new_event_changes_the_count_and_the_latest(self, record):
        warm("/")
        make_meeting(record["duterte"], record["putin"], title="Duterte meets Putin in Moscow", date=MOSCOW)
        page, cached = read("/")
        assert not cached and "Duterte meets Putin in Moscow" in page and "<strong>2</strong> events" in page


MOSCOW = datetime.date(2017, 5, 22)


class ShapeTests:
    """Lists of cards keyed by their shape: an edit of what cards show re-renders only the lists that show that event."""

    def test_a_summary_edit_re_renders_the_lists_showing_the_event_only(self, record):
        lima = record["lima"]
        warm("/relationships/ph-ru/", "/relationships/ph-cn/", "/events/", "/events/?country=CN")
        warm("/leaders/rodrigo-duterte/")
        beijing_only = "/events/?country=CN&kind=state_visit"
        make_meeting(record["duterte"], record["putin"], title="Duterte meets Putin in Moscow", date=MOSCOW)
        later = ("/relationships/ph-ru/?date_after=2017-01-01", "/events/?country=RU&date_after=2017-01-01")
        warm(beijing_only, *later)
        lima.summary = "They spoke for an hour on the sidelines."
        lima.save()
        for path in ("/relationships/ph-ru/", "/events/", "/leaders/rodrigo-duterte/"):
            page, cached = read(path)
            assert "They spoke for an hour on the sidelines." in page and not cached, path
        # Lists that do not show Lima: still served from the cache, their shapes unchanged, even in
        # Russia's scopes (keyed by scope alone, an edit re-rendered every page of them).
        for path in later:
            page, cached = read(path)
            assert cached and "Duterte meets Putin in Moscow" in page, path
        assert read("/relationships/ph-cn/")[1]
        assert read("/events/?country=CN")[1]
        assert read(beijing_only)[1]
        assert "They spoke for an hour" not in read("/relationships/ph-cn/")[0]

    def test_a_date_edit_changes_the_shape(self, record):
        """Moving Beijing's date re-renders every China list: its place in them changed."""
        warm("/relationships/ph-cn/", "/events/?country=CN&kind=state_visit")
        beijing = record["beijing"]
        beijing.date = datetime.date(2016, 10, 21)
        beijing.save()
        assert not read("/events/?country=CN&kind=state_visit")[1]
        page, cached = read("/relationships/ph-cn/")
        assert not cached and "21 October 2016" in page

    def test_a_list_filtered_by_words_follows_every_text_edit(self, record):
        """?q= matches titles and summaries: an edit elsewhere can add an event to it."""
        path = "/relationships/ph-ru/?q=sidelines"
        assert "Duterte meets Putin in Lima" not in read(path)[0]
        warm(path)
        lima = record["lima"]
        lima.summary = "They spoke on the sidelines."
        lima.save()
        page, cached = read(path)
        assert "Duterte meets Putin in Lima" in page and not cached

    def test_a_first_source_publishes_the_event_on_every_list(self, record):
        """An event marked published but without a source is not public; its first source makes it so."""
        moscow = make_meeting(record["duterte"], record["putin"], title="Duterte meets Putin in Moscow", date=MOSCOW)
        moscow.sources.all().delete()
        lists = ("/relationships/ph-ru/", "/events/?country=RU", "/leaders/vladimir-putin/")
        for path in lists:
            assert "Duterte meets Putin in Moscow" not in read(path)[0]
        warm(*lists)
        moscow.sources.create(url="https://www.pna.gov.ph/articles/moscow-visit", title="PNA on the Moscow visit")
        for path in lists:
            assert "Duterte meets Putin in Moscow" in read(path)[0], path

    def test_a_revalidation_after_a_card_edit_gets_the_new_page(self, record):
        """The ETag of a list is its shape's and its render's: a browser holding the old page gets the new one."""
        path = "/relationships/ph-ru/"
        first = Client().get(path)
        assert Client().get(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
        lima = record["lima"]
        lima.summary = "They spoke for an hour on the sidelines."
        lima.save()
        again = Client().get(
            path, headers={"If-None-Match": first["ETag"], "If-Modified-Since": first["Last-Modified"]}
        )
        assert again.status_code == 200
        assert "They spoke for an hour on the sidelines." in again.content.decode()
        assert again["ETag"] != first["ETag"]

    def test_an_admin_save_of_the_summary_only_keeps_the_shapes(self, record, admin_client):
        """Through the admin's change form, as an editor saves: the other lists of Russia's leaders stay cached."""
        from events.tests.test_caching import FormFields

        lima = record["lima"]
        warm("/relationships/ph-ru/", "/relationships/ph-cn/", "/leaders/vladimir-putin/")
        url = f"/admin/events/event/{lima.pk}/change/"
        form = FormFields()
        form.feed(admin_client.get(url).content.decode())
        form.data["summary"] = ["Agreed to meet again in Moscow."]
        response = admin_client.post(url, {k: v for k, v in form.data.items() if not k.startswith("_")})
        assert response.status_code == 302, response.content.decode()[:2000]
        page, cached = read("/leaders/vladimir-putin/")
        assert "Agreed to meet again in Moscow." in page and not cached
        assert read("/relationships/ph-cn/")[1]
