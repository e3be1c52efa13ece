"""The public pages: what a reader sees on each, the filters, and a constant number of queries."""

import datetime
import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains, assertRedirects

from events.models import EventKind, EventSource, EventStatus, Participant
from events.tests.factories import make_event, make_leader, make_quote, make_summit
from events.vocab.dates import Precision

pytestmark = pytest.mark.django_db

# Third countries the generated record touches, so that the home page's list of
# relationships grows with the data.
OTHER_COUNTRIES = ["CN", "US", "JP", "ID", "MY", "TH", "VN", "SG", "KR", "AU", "IN", "DE", "FR", "GB", "CA"]


def visible_text(response) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, whitespace collapsed."""
    content = response.content.decode()
    # A closed <select>'s options are not on screen.
    content = re.sub(r"<(script|style|select)\b.*?</\1>", " ", content, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())
    return re.sub(r" ([,.;:)])", r"\1", text)


def build_record(size: int) -> dict:
    """`size` Philippines–Russia meetings, each with its own Russian leader, a quote, two sources and a third country.

    Everything a page shows per row varies with `size` (leaders, offices, quotes,
    sources, countries, relationships, summits), so that a query per row shows
    up as a different count at two sizes.
    """
    duterte = make_leader(
        "Rodrigo Duterte", "PH", office="President of the Philippines", office_start=datetime.date(2010, 1, 1)
    )
    summit = make_summit("APEC 2016", name="24th APEC Economic Leaders' Meeting")
    for n in range(size):  # more summits for the summit list
        make_summit(f"Forum {n}", host="SG", start=datetime.date(2017, 1, 1) + datetime.timedelta(days=n))
    events = []
    for n in range(size):
        envoy = make_leader(f"Envoy {n}", "RU", office=f"Ambassador number {n}", office_start=datetime.date(2010, 1, 1))
        event = make_event(
            f"Meeting {n}",
            kind=EventKind.SIDELINE,
            date=datetime.date(2016, 1, 1) + datetime.timedelta(days=10 * n),
            participants=(duterte, envoy),
            countries=(OTHER_COUNTRIES[n % len(OTHER_COUNTRIES)],),
            sources=(f"https://news.example.org/{n}", f"https://archive.example.net/{n}"),
            summit=summit,
        )
        make_quote(event, envoy, original=f"Мы друзья {n}", language="ru", english=f"We are friends {n}")
        events.append(event)
    return {"duterte": duterte, "summit": summit, "events": events}


def page(client, url, params=None, **more_params):
    response = client.get(url, {**(params or {}), **more_params})
    assert response.status_code == 200, response.content[:500]
    return response


@pytest.fixture
def putin_record():
    """A small real-looking record: Duterte and Putin at APEC 2016, a cancelled meeting with Obama."""
    duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
    putin = make_leader("Vladimir Putin", "RU", office="President of Russia", office_start=datetime.date(2012, 5, 7))
    obama = make_leader(
        "Barack Obama", "US", office="President of the United States", office_start=datetime.date(2009, 1, 20)
    )
    apec = make_summit(
        "APEC 2016",
        name="24th APEC Economic Leaders' Meeting",
        host="PE",
        start=datetime.date(2016, 11, 19),
        end=datetime.date(2016, 11, 20),
    )
    asean = make_summit(
        "ASEAN 2016",
        name="28th and 29th ASEAN Summits",
        host="LA",
        city="Vientiane",
        start=datetime.date(2016, 9, 6),
        end=datetime.date(2016, 9, 8),
    )
    lima = make_event(
        "Duterte meets Vladimir Putin on the sidelines of APEC in Lima",
        kind=EventKind.SIDELINE,
        date=datetime.date(2016, 11, 19),
        participants=(duterte, putin),
        summit=apec,
        sources=("https://www.rappler.com/nation/152494-duterte-meeting-putin-apec-summit/",),
    )
    dinner = make_event(
        "Duterte on meeting Putin",
        kind=EventKind.STATEMENT,
        date=datetime.date(2016, 11, 15),
        countries=("RU",),
        summary="Dinner with reporters in Malacañang.",
    )
    make_quote(
        dinner,
        duterte,
        original="Wala naman akong hingiin. I want to be friends with him.",
        language="fil",
        english="I won't ask for anything. I want to be friends with him.",
    )
    loans = make_event(
        "Russia and China agree to extend soft loans",
        kind=EventKind.AGREEMENT,
        date=datetime.date(2016, 9, 1),
        date_precision=Precision.MONTH,
        date_approximate=True,
        countries=("PH", "RU", "CN"),
    )
    cancelled = make_event(
        "Planned Duterte–Obama meeting in Vientiane",
        kind=EventKind.SIDELINE,
        date=datetime.date(2016, 9, 6),
        status=EventStatus.CANCELLED,
        participants=(duterte, obama),
        summit=asean,
    )
    hidden = make_event(
        "Draft: not yet checked", date=datetime.date(2016, 10, 1), participants=(duterte, putin), published=False
    )
    return {
        "duterte": duterte,
        "putin": putin,
        "obama": obama,
        "apec": apec,
        "asean": asean,
        "lima": lima,
        "dinner": dinner,
        "loans": loans,
        "cancelled": cancelled,
        "hidden": hidden,
    }


@pytest.fixture(autouse=True)
def render_every_time(settings):
    """Pages rendered afresh: the query counts measure the page, not the page cache (events/web/caching.py)."""
    settings.PAGE_CACHE = False


TIMELINE = reverse("events:relationship", kwargs={"pair": "ph-ru"})
EVENTS = reverse("events:event_list")


class HomePageTests:
    def test_lists_relationships_with_counts_and_latest_event(self, client, putin_record):
        """Each relationship of the Philippines shows its counterpart, its event count and its latest event."""
        response = page(client, "/")
        text = visible_text(response)
        assert "Russia 3 events Latest: 19 November 2016, Duterte meets Vladimir Putin" in text
        assert "United States 1 event Latest: 6 September 2016, Planned Duterte–Obama meeting in Vientiane" in text
        assertContains(response, f'href="{TIMELINE}"')
        assertContains(response, f'href="{putin_record["lima"].get_absolute_url()}"')

    def test_lists_upcoming_and_recent_summits(self, client, putin_record):
        """Summits still to end are upcoming, the others recent, each with its dates and city."""
        make_summit(
            "ASEAN 2099",
            name="ASEAN Summit 2099",
            host="PH",
            city="Manila",
            start=datetime.date(2099, 10, 26),
            end=datetime.date(2099, 10, 28),
        )
        text = visible_text(page(client, "/"))
        upcoming, recent = text.split("Upcoming summits")[1].split("Recent summits")
        assert "ASEAN Summit 2099 26–28 October 2099 · Manila, Philippines" in upcoming
        assert "24th APEC Economic Leaders' Meeting 19–20 November 2016 · Lima, Peru" in recent
        assert "ASEAN Summit 2099" not in recent

    def test_has_a_search_box_that_searches_the_events(self, client):
        """The home page's search form sends `q` to the events list."""
        response = page(client, "/")
        assertInHTML('<label for="home-q">Search titles, summaries and quotes</label>', response.content.decode())
        assertContains(response, f'action="{EVENTS}"')
        assertContains(response, 'name="q" type="search"')

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Five queries for any number of relationships: guards an N+1 on each relationship's country or latest event."""
        build_record(size)
        with django_assert_num_queries(5):
            response = page(client, "/")
        assert visible_text(response).count(" events Latest: ") + visible_text(response).count(" event Latest: ") == (
            1 + min(size, len(OTHER_COUNTRIES))
        )


class RelationshipTimelineTests:
    def test_groups_events_under_year_and_month_headings(self, client, putin_record):
        """Events sit under their year (h2) and month (h3), oldest first."""
        content = page(client, TIMELINE).content.decode()
        assertInHTML('<h2 class="year-heading" id="year-2016">2016</h2>', content)
        assertInHTML('<h3 class="month-heading"><time datetime="2016-09">September 2016</time></h3>', content)
        assertInHTML('<h3 class="month-heading"><time datetime="2016-11">November 2016</time></h3>', content)
        assert content.index("soft loans") < content.index("Duterte on meeting Putin") < content.index("APEC in Lima")

    def test_dates_read_at_their_precision(self, client, putin_record):
        """A month-only approximate date reads 'about September 2016', never as the 1st; a day reads in full."""
        response = page(client, TIMELINE)
        assertInHTML(
            '<time class="event-date" datetime="2016-09">about September 2016</time>', response.content.decode()
        )
        assertInHTML(
            '<time class="event-date" datetime="2016-11-19">19 November 2016</time>', response.content.decode()
        )
        assertNotContains(response, "1 September 2016")

    def test_entry_shows_kind_participants_titles_summit_and_sources(self, client, putin_record):
        """A meeting shows its kind, its participants with their titles at the time, its summit and its sources."""
        response = page(client, TIMELINE)
        text = visible_text(response)
        assert (
            "19 November 2016 Meeting on the sidelines Duterte meets Vladimir Putin on the sidelines of APEC in "
            "Lima At APEC 2016, Lima Rodrigo Duterte President of the Philippines Vladimir Putin President of "
            "Russia Sources rappler.com"
        ) in text
        assertContains(response, f'href="{putin_record["apec"].get_absolute_url()}"')
        assertInHTML(
            '<a href="https://www.rappler.com/nation/152494-duterte-meeting-putin-apec-summit/">rappler.com</a>',
            response.content.decode(),
        )

    def test_quote_in_original_language_and_english_side_by_side(self, client, putin_record):
        """A Filipino quote appears in Filipino and in English, each marked with its language."""
        response = page(client, TIMELINE)
        content = response.content.decode()
        assertInHTML(
            '<blockquote lang="fil"><p>Wala naman akong hingiin. I want to be friends with him.</p></blockquote>',
            content,
        )
        assertInHTML(
            '<blockquote lang="en"><p>I won&#x27;t ask for anything. I want to be friends with him.</p></blockquote>',
            content,
        )
        assert (
            "Filipino (original) Wala naman akong hingiin. I want to be friends with him. "
            "English (translation) I won't ask for anything."
        ) in visible_text(response)

    def test_cancelled_meeting_is_labelled_in_words(self, client, putin_record):
        """A cancelled meeting says 'Cancelled' and strikes its title through, not only a colour."""
        response = page(client, reverse("events:relationship", kwargs={"pair": "ph-us"}))
        assertInHTML('<span class="status status--cancelled">Cancelled</span>', response.content.decode())
        assertContains(response, "<s>Planned Duterte–Obama meeting in Vientiane</s>")

    def test_unpublished_events_are_left_out(self, client, putin_record):
        """A draft event is not on the public timeline."""
        assertNotContains(page(client, TIMELINE), "Draft: not yet checked")

    def test_reversed_pair_redirects_to_the_canonical_address(self, client, putin_record):
        """/relationships/ru-ph/ redirects permanently to /relationships/ph-ru/, its filters kept."""
        response = client.get("/relationships/ru-ph/?kind=meeting")
        assertRedirects(response, f"{TIMELINE}?kind=meeting", status_code=301)

    def test_upper_case_codes_redirect_to_lower_case(self, client, putin_record):
        """/relationships/PH-RU/ redirects to the lower-case address."""
        assertRedirects(client.get("/relationships/PH-RU/"), TIMELINE, status_code=301)

    @pytest.mark.parametrize("pair", ["ph-zz", "xx-yy", "ph-ph"])
    def test_unknown_countries_are_not_found(self, client, pair):
        """An unknown country code, or a country paired with itself, is a 404 page."""
        response = client.get(f"/relationships/{pair}/")
        assert response.status_code == 404
        assertContains(response, "Page not found", status_code=404)

    def test_filters_apply_to_the_timeline(self, client, putin_record):
        """`kind=statement` narrows the timeline to the statement, and says so with a removable filter."""
        response = page(client, TIMELINE, kind="statement")
        text = visible_text(response)
        assert "Duterte on meeting Putin" in text
        assert "APEC in Lima" not in text and "soft loans" not in text
        assert "1 event matches: Kind: Statement" in text
        assertContains(response, f'href="{TIMELINE}" title="Remove this filter"')

    def test_summit_filter_on_the_timeline(self, client, putin_record):
        """`summit=apec-2016` keeps only what happened at APEC 2016."""
        text = visible_text(page(client, TIMELINE, summit="apec-2016"))
        assert "APEC in Lima" in text and "Duterte on meeting Putin" not in text

    def test_malformed_filter_shows_the_form_error(self, client, putin_record):
        """A malformed date gives the timeline back with the error, status 400, never a 500."""
        response = client.get(TIMELINE, {"date_after": "2016-13-01"})
        assert response.status_code == 400
        assert "These filters could not be applied From: Enter a valid date." in visible_text(response)

    def test_filter_form_sits_beside_the_timeline(self, client, putin_record):
        """The timeline carries the contract's filter form, pointing at itself."""
        content = page(client, TIMELINE).content.decode()
        assert f'<form class="filters" method="get" action="{TIMELINE}">' in content
        for name in ["q", "country", "summit", "leader", "kind", "status", "date_after", "date_before"]:
            assert f'name="{name}"' in content

    def test_pagination_links_keep_the_filters(self, client):
        """With more events than a page, rel=next keeps the filters and moves past the page's last event."""
        record = build_record(55)
        fiftieth = record["events"][49]
        first = page(client, TIMELINE, kind="sideline")
        after = f"{fiftieth.date.isoformat()}_{fiftieth.pk}"
        assertContains(first, f'rel="next" href="?kind=sideline&amp;after={after}"')
        assertNotContains(first, 'rel="prev"')
        assert "55 events match" in visible_text(first)
        second = page(client, TIMELINE, kind="sideline", after=after)
        fifty_first = record["events"][50]
        assertContains(
            second, f'rel="prev" href="?kind=sideline&amp;before={fifty_first.date.isoformat()}_{fifty_first.pk}"'
        )
        assertContains(second, '<a href="?kind=sideline">First page</a>')
        assert "Meeting 54" in visible_text(second) and "Meeting 0 " not in visible_text(second)
        back = page(client, TIMELINE, kind="sideline", before=f"{fifty_first.date.isoformat()}_{fifty_first.pk}")
        assert "Meeting 0 " in visible_text(back) and "Meeting 49" in visible_text(back)
        assert "Meeting 50" not in visible_text(back)

    def test_malformed_page_position_says_so(self, client, putin_record):
        """A cursor that is not YYYY-MM-DD_ID gives status 400, the reason, and a way back to the first page."""
        response = client.get(TIMELINE, {"after": "yesterday"})
        assert response.status_code == 400
        assert "'yesterday' is not a page position (expected YYYY-MM-DD_ID)." in visible_text(response)
        assertContains(response, "Go to the first page", status_code=400)

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Two queries for any number of events: the relationship's monthly figures (summary and chart),
        and the events with their summits, sources, participants and quotes.

        Guards N+1s on participants, leaders, quotes, speakers, sources and summits.
        """
        build_record(size)
        with django_assert_num_queries(2):
            response = page(client, TIMELINE)
        assert visible_text(response).count("Ambassador number") == 2 * size  # participant and speaker

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_with_filters_is_constant(self, client, django_assert_num_queries, size):
        """Filtering by summit and leader adds one look-up for both, not a query per event."""
        build_record(size)
        with django_assert_num_queries(3):
            response = page(client, TIMELINE, summit="apec-2016", leader="rodrigo-duterte", country="RU")
        assert visible_text(response).count("Ambassador number") == 2 * size

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_with_text_search_is_constant(self, client, django_assert_num_queries, size):
        """`q` found in the quotes (the stored search document on PostgreSQL) adds no query, with or without a kind."""
        build_record(size)
        for params in ({"q": "friends"}, {"q": "friends", "kind": "sideline"}):
            with django_assert_num_queries(2):
                response = page(client, TIMELINE, **params)
            assert visible_text(response).count("Ambassador number") == 2 * size


class EventListTests:
    def test_lists_published_events_oldest_first(self, client, putin_record):
        """Every published event, oldest first; drafts are left out."""
        text = visible_text(page(client, EVENTS))
        assert text.index("soft loans") < text.index("Vientiane") < text.index("APEC in Lima")
        assert "Draft: not yet checked" not in text

    @pytest.mark.parametrize(
        "params, shown, hidden",
        [
            ({"country": "US"}, ["Planned Duterte–Obama"], ["APEC in Lima", "soft loans"]),
            ({"country": ["ru", "CN"]}, ["soft loans"], ["APEC in Lima", "Duterte on meeting Putin"]),
            ({"summit": "asean-2016"}, ["Planned Duterte–Obama"], ["APEC in Lima"]),
            ({"leader": "vladimir-putin"}, ["APEC in Lima"], ["Duterte on meeting Putin", "Obama"]),
            ({"leader": "rodrigo-duterte"}, ["APEC in Lima", "Duterte on meeting Putin", "Obama"], ["soft loans"]),
            ({"kind": "meeting"}, ["APEC in Lima", "Planned Duterte–Obama"], ["soft loans", "Duterte on meeting"]),
            ({"kind": "agreement"}, ["soft loans"], ["APEC in Lima"]),
            ({"status": "cancelled"}, ["Planned Duterte–Obama"], ["APEC in Lima"]),
            ({"date_after": "2016-11-01"}, ["APEC in Lima", "Duterte on meeting Putin"], ["soft loans", "Obama"]),
            ({"date_before": "2016-09-05"}, ["soft loans"], ["Obama", "APEC in Lima"]),
            ({"date_after": "2016-09-06", "date_before": "2016-11-15"}, ["Obama", "Duterte on meeting"], ["Lima"]),
        ],
    )
    def test_each_filter_narrows_the_list(self, client, putin_record, params, shown, hidden):
        """Each contract filter keeps the events it names and drops the others."""
        text = visible_text(page(client, EVENTS, **params))
        for title in shown:
            assert title in text
        for title in hidden:
            assert title not in text

    def test_active_filters_are_listed_and_each_is_removable(self, client, putin_record):
        """Each filter in force is shown with a link that removes only it, the other filters kept."""
        response = page(client, EVENTS, {"country": ["RU", "CN"], "kind": "agreement", "page": "", "q": ""})
        text = visible_text(response)
        assert (
            "1 event matches: Countries involved: Russia ✕ Remove filter Countries involved: Russia "
            "Countries involved: China ✕ Remove filter Countries involved: China "
            "Kind: Agreement or commitment ✕ Remove filter Kind: Agreement or commitment Clear all filters"
        ) in text
        content = response.content.decode()
        assert f'href="{EVENTS}?country=CN&amp;kind=agreement" title="Remove this filter"' in content
        assert f'href="{EVENTS}?country=RU&amp;kind=agreement" title="Remove this filter"' in content
        assert f'href="{EVENTS}?country=RU&amp;country=CN" title="Remove this filter"' in content
        assertContains(response, f'<a class="chips-clear" href="{EVENTS}">Clear all filters</a>')

    def test_country_picker_keeps_the_chosen_countries_and_ignores_an_empty_choice(self, client, putin_record):
        """Chosen countries come back as ticked boxes; the drop-down's empty 'Add another country' is no filter."""
        response = page(client, EVENTS, {"country": ["ru", "CN", ""]})
        content = response.content.decode()
        assertInHTML('<label><input type="checkbox" name="country" value="RU" checked> Russia</label>', content)
        assertInHTML('<label><input type="checkbox" name="country" value="CN" checked> China</label>', content)
        assert '<option value="">Add another country</option>' in content
        assert "soft loans" in visible_text(response) and "APEC in Lima" not in visible_text(response)

    def test_result_count_is_shown(self, client, putin_record):
        """The number of matching events is stated above the list."""
        assert "2 events match: Kind: Any meeting" in visible_text(page(client, EVENTS, kind="meeting"))

    @pytest.mark.parametrize(
        "params, message",
        [
            ({"date_after": "2016-13-01"}, "From: Enter a valid date."),
            ({"date_before": "yesterday"}, "Until: Enter a valid date."),
            ({"country": "ZZ"}, "Countries involved: Select a valid choice. ZZ is not one of the available choices."),
            ({"summit": "nope"}, "Summit: No summit is recorded as “nope”."),
            ({"leader": "nobody"}, "Leader: No leader is recorded as “nobody”."),
            ({"kind": "picnic"}, "Kind: Select a valid choice. picnic is not one of the available choices."),
            ({"status": "maybe"}, "Status: Select a valid choice. maybe is not one of the available choices."),
            ({"q": "x" * 201}, "Text: Ensure this value has at most 200 characters (it has 201)."),
        ],
    )
    def test_malformed_value_gives_the_form_error_not_a_500(self, client, putin_record, params, message):
        """A malformed filter value returns the page with the field's error, status 400, and lists nothing."""
        response = client.get(EVENTS, params)
        assert response.status_code == 400
        text = visible_text(response)
        assert f"These filters could not be applied {message}" in text
        assert "APEC in Lima" not in text
        assertContains(response, 'aria-invalid="true"', status_code=400)

    def test_pagination_keeps_the_filters(self, client):
        """rel=next and rel=prev links carry the filters along, and the count says how many match."""
        record = build_record(60)
        fiftieth = record["events"][49]
        first = page(client, EVENTS, country="RU", q="Meeting")
        after = f"{fiftieth.date.isoformat()}_{fiftieth.pk}"
        assertContains(first, f'rel="next" href="?country=RU&amp;q=Meeting&amp;after={after}"')
        assert "60 events match" in visible_text(first)
        second = page(client, EVENTS, country="RU", q="Meeting", after=after)
        assertContains(second, 'rel="prev" href="?country=RU&amp;q=Meeting&amp;before=')
        assertNotContains(second, 'rel="next"')
        assert "60 events match" in visible_text(second)
        assert visible_text(second).count("Ambassador number") == 2 * 10

    def test_count_beyond_the_bound_says_more_than(self, client, monkeypatch):
        """Past the counting bound the page says "more than N" instead of counting every match."""
        monkeypatch.setattr("events.queries.pagination.COUNT_LIMIT", 5)
        build_record(8)
        assert "more than 5 events match" in visible_text(page(client, EVENTS, country="RU"))

    def test_page_past_the_last_event_is_empty_not_an_error(self, client, putin_record):
        """A position after the last event lists nothing and offers no further page."""
        response = page(client, EVENTS, after="2099-01-01_1")
        assert "No events match" in visible_text(response)
        assertNotContains(response, 'rel="next"')

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_is_constant(self, client, django_assert_num_queries, size):
        """One query for any number of events (with their summits, sources, participants and quotes):
        guards N+1s on participants, quotes, sources and summits."""
        build_record(size)
        with django_assert_num_queries(1):
            response = page(client, EVENTS)
        assert visible_text(response).count("Ambassador number") == 2 * size  # participant and speaker


class SearchTests:
    @pytest.mark.parametrize(
        "q",
        ["vladimir putin on the sidelines", "dinner with REPORTERS", "akong hingiin", "won't ask for anything"],
    )
    def test_search_finds_titles_summaries_and_quotes_in_both_languages(self, client, putin_record, q):
        """`q` matches a title, a summary, a quote's original text and its English translation, in any case."""
        text = visible_text(page(client, EVENTS, q=q))
        assert "1 event matches" in text
        assert f"Events mentioning “{q}”" in text

    def test_search_without_a_match_says_so(self, client, putin_record):
        """A search that matches nothing says so and offers the whole list."""
        text = visible_text(page(client, EVENTS, q="zebra"))
        assert "0 events match" in text and "No events match these filters. Show every event." in text


class EventPageTests:
    def test_shows_everything_about_the_event(self, client, putin_record):
        """The event page shows date, kind, summit, participants with titles, relationships and sources."""
        lima = putin_record["lima"]
        response = page(client, lima.get_absolute_url())
        text = visible_text(response)
        assert "19 November 2016 Meeting on the sidelines Duterte meets Vladimir Putin" in text
        assert "At 24th APEC Economic Leaders' Meeting (19–20 November 2016), Lima" in text
        assert "Rodrigo Duterte President of the Philippines Vladimir Putin President of Russia" in text
        assertInHTML(f'<a href="{TIMELINE}">Philippines and Russia</a>', response.content.decode())
        assertInHTML(
            '<a href="https://www.rappler.com/nation/152494-duterte-meeting-putin-apec-summit/">rappler.com</a>',
            response.content.decode(),
        )

    def test_lists_every_relationship_the_event_belongs_to(self, client, putin_record):
        """An event involving three countries links to each of its three relationships' timelines."""
        content = page(client, putin_record["loans"].get_absolute_url()).content.decode()
        assertInHTML(f'<a href="{TIMELINE}">Philippines and Russia</a>', content)
        assertInHTML('<a href="/relationships/ph-cn/">Philippines and China</a>', content)
        assertInHTML('<a href="/relationships/cn-ru/">China and Russia</a>', content)

    def test_shows_quotes_in_both_languages(self, client, putin_record):
        """A statement shows its quote in Filipino and in English, each with its lang attribute."""
        content = page(client, putin_record["dinner"].get_absolute_url()).content.decode()
        assert '<blockquote lang="fil">' in content and '<blockquote lang="en">' in content
        assert "I won&#x27;t ask for anything." in content

    def test_cancelled_event_says_it_did_not_take_place(self, client, putin_record):
        """A cancelled meeting's page states in words that it was cancelled."""
        text = visible_text(page(client, putin_record["cancelled"].get_absolute_url()))
        assert "This meeting on the sidelines was cancelled: it did not take place." in text

    def test_missing_or_wrong_slug_redirects_to_the_canonical_address(self, client, putin_record):
        """/events/<id>/ and /events/<id>/<wrong-slug>/ redirect permanently to the event's address."""
        lima = putin_record["lima"]
        canonical = lima.get_absolute_url()
        assert canonical.startswith(f"/events/{lima.pk}/duterte-meets-vladimir-putin-on-the-sidelines")
        assertRedirects(client.get(f"/events/{lima.pk}/"), canonical, status_code=301)
        assertRedirects(client.get(f"/events/{lima.pk}/old-title/"), canonical, status_code=301)

    def test_unpublished_or_unknown_event_is_not_found(self, client, putin_record):
        """A draft or a missing id is a 404."""
        assert client.get(putin_record["hidden"].get_absolute_url()).status_code == 404
        assert client.get("/events/999999/").status_code == 404

    @pytest.mark.parametrize("size", [3, 30])
    def test_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Nine queries whatever the number of participants, quotes, sources, relationships and disagreements: guards their N+1s.

        Five, and (#14) one each for the links out and in, the readouts and the commitment steps.
        """
        leaders = [
            make_leader(f"Leader {n}", OTHER_COUNTRIES[n % len(OTHER_COUNTRIES)], office=f"Office {n}")
            for n in range(size)
        ]
        event = make_event("Summit dinner", participants=leaders, sources=())
        for n, leader in enumerate(leaders):
            make_quote(event, leader, original=f"Bonjour {n}", language="fr", english=f"Hello {n}")
            EventSource.objects.create(event=event, url=f"https://example.org/{n}")
        with django_assert_num_queries(9):
            response = page(client, event.get_absolute_url())
        assert visible_text(response).count("Hello") == size


class SummitPageTests:
    def test_summit_list_shows_dates_host_and_event_counts(self, client, putin_record):
        """The summit list groups summits by year with dates, city, host and event count."""
        text = visible_text(page(client, reverse("events:summit_list")))
        assert (
            "2016 24th APEC Economic Leaders' Meeting 19–20 November 2016 · Lima, Peru · 1 event "
            "28th and 29th ASEAN Summits 6–8 September 2016 · Vientiane, Laos · 1 event"
        ) in text

    def test_summit_page_lists_attending_leaders_and_sideline_meetings(self, client, putin_record):
        """A summit page shows its dates and host, the leaders attending and the bilateral meetings held there."""
        response = page(client, putin_record["apec"].get_absolute_url())
        text = visible_text(response)
        assert "24th APEC Economic Leaders' Meeting 19–20 November 2016 · Lima, Peru (host)" in text
        assert (
            "Leaders attending Rodrigo Duterte President of the Philippines Vladimir Putin President of Russia" in text
        )
        assert (
            "Bilateral meetings on the sidelines 19 November 2016 Meeting on the sidelines Duterte meets Vladimir Putin"
            in text
        )
        assert "Obama" not in text

    def test_a_leader_at_several_meetings_attends_once_as_at_the_first(self, client):
        """Attending: one entry per leader, with the title of their earliest published meeting there; drafts don't count."""
        summit = make_summit("APEC 2016", end=datetime.date(2016, 11, 20))
        duterte, putin = make_leader("Rodrigo Duterte", "PH"), make_leader("Vladimir Putin", "RU")
        abe, trudeau = make_leader("Shinzo Abe", "JP"), make_leader("Justin Trudeau", "CA")
        later = make_event(
            "Duterte meets Abe", date=datetime.date(2016, 11, 20), summit=summit, participants=(duterte, abe)
        )
        first = make_event(
            "Duterte meets Putin", date=datetime.date(2016, 11, 19), summit=summit, participants=(duterte, putin)
        )
        make_event("Duterte meets Trudeau", summit=summit, participants=(duterte, trudeau), published=False)
        Participant.objects.filter(event=first, leader=duterte).update(title="President, first day")
        Participant.objects.filter(event=later, leader=duterte).update(title="President, second day")
        text = visible_text(page(client, summit.get_absolute_url()))
        attending = text.split("Leaders attending", 1)[1].split("Bilateral meetings", 1)[0]
        assert attending.strip() == ("Shinzo Abe Japan Rodrigo Duterte President, first day Vladimir Putin Russia")

    def test_unknown_summit_is_not_found(self, client):
        """An unknown summit slug is a 404."""
        assert client.get("/summits/nope/").status_code == 404

    @pytest.mark.parametrize("size", [3, 30])
    def test_summit_list_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Two queries for any number of summits: guards an N+1 on host countries and event counts."""
        build_record(size)
        with django_assert_num_queries(2):
            response = page(client, reverse("events:summit_list"))
        assert visible_text(response).count("Singapore") == size

    @pytest.mark.parametrize("size", [3, 30])
    def test_summit_page_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Four queries for any number of meetings and leaders: guards N+1s on participants, leaders, quotes and sources."""
        record = build_record(size)
        with django_assert_num_queries(4):
            response = page(client, record["summit"].get_absolute_url())
        assert visible_text(response).count("Ambassador number") == 3 * size  # attending, participant, speaker


class LeaderPageTests:
    def test_leader_list_groups_leaders_by_country(self, client, putin_record):
        """Leaders are listed under their country with their latest office."""
        text = visible_text(page(client, reverse("events:leader_list")))
        assert "Russia Vladimir Putin President of Russia" in text
        assert "Philippines Rodrigo Duterte President of the Philippines" in text

    def test_leader_page_shows_offices_and_events_in_date_order(self, client, putin_record):
        """A leader page lists offices with their dates, then meetings and statements, oldest first."""
        response = page(client, putin_record["duterte"].get_absolute_url())
        text = visible_text(response)
        assert "Offices held President of the Philippines 30 June 2016 – present" in text
        assert "3 events, oldest first." in text
        assert text.index("Planned Duterte–Obama") < text.index("Duterte on meeting Putin") < text.index("APEC in Lima")
        assert "Draft: not yet checked" not in text

    def test_unknown_leader_is_not_found(self, client):
        """An unknown leader slug is a 404."""
        assert client.get("/leaders/nobody/").status_code == 404

    @pytest.mark.parametrize("size", [3, 30])
    def test_leader_list_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Three queries for any number of leaders: guards N+1s on countries and offices."""
        build_record(size)
        with django_assert_num_queries(3):
            response = page(client, reverse("events:leader_list"))
        assert visible_text(response).count("Ambassador number") == size

    @pytest.mark.parametrize("size", [3, 30])
    def test_leader_page_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Four queries for any number of meetings: guards N+1s on the events' participants, quotes and sources."""
        record = build_record(size)
        with django_assert_num_queries(4):
            response = page(client, record["duterte"].get_absolute_url())
        assert visible_text(response).count("Ambassador number") == 2 * size  # participant and speaker


class DownloadLinksTests:
    def test_timeline_offers_its_events_feed_and_timelinejs_file(self, client, putin_record):
        """A filtered timeline links to its events as CSV and JSON (filters kept), its Atom feed and TimelineJS file."""
        response = page(client, TIMELINE, kind="meeting", after="")
        content = response.content.decode()
        assertInHTML(
            '<a href="/events.csv?kind=meeting&amp;country=PH&amp;country=RU" download>These events as CSV</a>', content
        )
        assertInHTML(
            '<a href="/events.json?kind=meeting&amp;country=PH&amp;country=RU">These events as JSON</a>', content
        )
        assertInHTML('<a href="/relationships/ph-ru/timeline.json">TimelineJS file of the timeline</a>', content)
        assertInHTML('<a href="/relationships/ph-ru/feed/">Atom feed of the timeline</a>', content)
        assert '<link rel="alternate" type="application/atom+xml"' in content

    def test_events_list_exports_keep_the_filters(self, client, putin_record):
        """The events list's CSV link carries the filters in force."""
        content = page(client, EVENTS, country="us", status="cancelled").content.decode()
        assertInHTML('<a href="/events.csv?country=us&amp;status=cancelled" download>These events as CSV</a>', content)


VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def assert_valid_html(client, pages: dict[str, str], tmp_path) -> None:
    """The Nu Html Checker reports no error on any of `pages` ({name: url})."""
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make test` (or `npm ci`) to install the Nu Html Checker.")
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    # One JVM for every file: starting Java is the slow part.
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []


class ValidHtmlTests:
    def test_every_public_page_is_valid_html(self, client, putin_record, tmp_path):
        """The Nu Html Checker reports no error on any public page, error states included."""
        pages = {
            "home": "/",
            "timeline": TIMELINE,
            "timeline-filtered": f"{TIMELINE}?summit=apec-2016&country=CN&kind=meeting",
            "events": EVENTS,
            "events-search": f"{EVENTS}?q=friends",
            "events-error": f"{EVENTS}?date_after=2016-13-01&country=ZZ&summit=nope",
            "event-statement": putin_record["dinner"].get_absolute_url(),
            "event-cancelled": putin_record["cancelled"].get_absolute_url(),
            "event-agreement": putin_record["loans"].get_absolute_url(),
            "summits": reverse("events:summit_list"),
            "summit": putin_record["apec"].get_absolute_url(),
            "leaders": reverse("events:leader_list"),
            "leader": putin_record["duterte"].get_absolute_url(),
            "not-found": "/relationships/ph-zz/",
            "event-revision": f"/events/{putin_record['dinner'].pk}/v/1/",
            "timeline-cite": f"{TIMELINE}cite/?kind=meeting",
        }
        assert_valid_html(client, pages, tmp_path)


class GradedSourcesPageTests:
    """#13 on the event page: each source's publisher and kind, disagreements, whose translation."""

    def build(self):
        from events.models import Publisher, Quote
        from events.tests.factories import make_disagreement

        Publisher.objects.create(domain="dfa.gov.ph", name="Department of Foreign Affairs", kind="official_ph")
        Publisher.objects.create(domain="pco.gov.ph", name="Presidential Communications Office", kind="official_ph")
        Publisher.objects.create(domain="rappler.com", name="Rappler", kind="news")
        duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
        widodo = make_leader("Joko Widodo", "ID")
        visit = make_event(
            "Duterte visits Jakarta",
            kind=EventKind.STATE_VISIT,
            date=datetime.date(2016, 9, 9),
            participants=(duterte, widodo),
            sources=("https://dfa.gov.ph/jakarta", "https://pco.gov.ph/jakarta", "https://www.rappler.com/x"),
        )
        make_disagreement(
            visit,
            "the visit's classification",
            [("https://dfa.gov.ph/jakarta", "a state visit"), ("https://pco.gov.ph/jakarta", "a working visit")],
        )
        Quote.objects.create(
            event=visit,
            speaker=duterte,
            language="fil",
            original_text="Sabi ko sa kanila",
            english_text="I told them",
            translated_by="Rappler",
        )
        return visit

    def test_disagreement_shown_with_each_sources_version(self, client):
        """The page says what the sources disagree on and what each of them, by name, says."""
        text = visible_text(page(client, self.build().get_absolute_url()))
        assert "Where the sources disagree Sources disagree on the visit's classification:" in text
        assert "Department of Foreign Affairs says a state visit" in text
        assert "Presidential Communications Office says a working visit" in text

    def test_source_kinds_beside_every_source(self, client):
        """Each source in the list is followed by its publisher and the publisher's kind."""
        text = visible_text(page(client, self.build().get_absolute_url()))
        assert "· Department of Foreign Affairs · Official (Philippine government)" in text
        assert "· Rappler · Independent news" in text

    def test_translation_attributed(self, client):
        """A translated quote says whose translation it is, on the page and on the timeline's cards."""
        visit = self.build()
        assert "I told them Translation: Rappler" in visible_text(page(client, visit.get_absolute_url()))
        cards = visible_text(page(client, "/relationships/ph-id/"))
        assert "Translation: Rappler" in cards and "· Rappler · Independent news" in cards

    def test_no_disagreement_no_section(self, client):
        """An event whose sources agree has no disagreement section."""
        event = make_event("Plain event", sources=("https://example.org/plain",))
        assert "Where the sources disagree" not in visible_text(page(client, event.get_absolute_url()))
