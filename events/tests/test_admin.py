import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from events.models import (
    Country,
    Event,
    EventKind,
    EventSource,
    Leader,
    Office,
    PairMonth,
    Quote,
    Summit,
    SummitCount,
)
from events.tests.factories import make_event, make_leader, make_quote, make_summit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("editor", "", "a-long-test-password")
    client.force_login(user)
    return client


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def event_form(**overrides):
    data = {
        "kind": EventKind.SIDELINE,
        "title": "Duterte meets Putin on the sidelines of APEC 2016",
        "summary": "",
        "status": "held",
        "published": "on",
        "date": "2016-11-19",
        "date_precision": "day",
        "end_date": "",
        "summit": "",
        "city": "",
        "venue": "",
        "plover_category": "",
        "plover_mode": "",
        "plover_context": "",
        "score_override": "",
        "score_justification": "",
        **inline_management("participants"),
        **inline_management("quotes"),
        **inline_management("sources"),
        **inline_management("disagreements"),
        **inline_management("status_changes"),
        **inline_management("links_out"),
        **inline_management("readouts"),
    }
    data.update(overrides)
    return data


class AdminPagesTests:
    MODELS = [Country, Leader, Summit, Event]

    def test_countries_are_read_only(self, staff_client, records):
        """Countries are reference data written by migrations: the admin shows them and offers no edit."""
        assert staff_client.get(reverse("admin:events_country_add")).status_code == 403
        response = staff_client.get(reverse("admin:events_country_change", args=["PH"]))
        assert response.status_code == 200
        assert "Philippines" in response.content.decode()
        assert 'name="_save"' not in response.content.decode()

    @pytest.fixture
    def records(self):
        duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
        putin = make_leader("Vladimir Putin", "RU")
        summit = make_summit("APEC 2016")
        event = make_event(participants=(duterte, putin), summit=summit)
        make_quote(event, duterte, original="Matuloy ho.", language="fil", english="It's pushing through.")
        return {Country: Country.objects.get(iso2="PH"), Leader: duterte, Summit: summit, Event: event}

    @pytest.mark.parametrize("model", [Leader, Summit, Event], ids=lambda m: m.__name__)
    def test_add_page_shows_the_form(self, staff_client, records, model):
        """Every model's add page renders its form for staff."""
        opts = model._meta
        response = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert response.status_code == 200
        assert f"Add {opts.verbose_name}" in response.content.decode()

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_change_page_shows_the_record(self, staff_client, records, model):
        """Every model's change page shows the stored record."""
        obj = records[model]
        opts = model._meta
        response = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200
        assert str(obj) in response.content.decode()

    # Queries per page for the `records` fixture: session, user, the record, its
    # inlines and the autocomplete widgets' selected values, the history link
    # (an event's disagreements, #13, are its fourth inline: one query more; its status
    # changes, links and readouts, #14, three inlines more).
    ADD_QUERIES = {Country: 2, Leader: 2, Summit: 2, Event: 2}
    CHANGE_QUERIES = {Country: 3, Leader: 7, Summit: 5, Event: 20}

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_add_and_change_page_query_counts_are_pinned(self, staff_client, records, model, django_assert_num_queries):
        """A change in an admin page's query count (an inline's N+1, say) shows up here."""
        opts = model._meta
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[records[model].pk])
        # Once first: the process's first change page also fills the content types' cache, a
        # query more, so that the count depended on which test ran first.
        staff_client.get(change)
        with django_assert_num_queries(self.ADD_QUERIES[model]):
            staff_client.get(add)
        with django_assert_num_queries(self.CHANGE_QUERIES[model]):
            staff_client.get(change)

    def test_event_change_page_shows_quote_in_both_languages(self, staff_client, records):
        """The event form shows the quote's original and its translation."""
        event = records[Event]
        html = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
        assert "Matuloy ho." in html and "It&#x27;s pushing through." in html

    def test_admin_is_for_staff_only(self, client):
        """An anonymous visitor is sent to the login page."""
        response = client.get(reverse("admin:events_event_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


class AdminQueryCountTests:
    """The change lists and the event change page run the same number of queries at any size."""

    def populate(self, n):
        summit = make_summit(f"Summit for {n}")
        leaders = [make_leader(f"Leader {n}-{i}", "PH" if i % 2 else "RU") for i in range(4)]
        for i in range(n):
            make_event(f"Event {n}-{i}", summit=summit, participants=(leaders[i % 4], leaders[(i + 1) % 4]))
        return Event.objects.last()

    @pytest.mark.parametrize(
        "url_name",
        ["admin:events_event_changelist", "admin:events_leader_changelist", "admin:events_summit_changelist"],
    )
    def test_changelist_queries_are_constant(self, staff_client, django_assert_max_num_queries, url_name):
        """Guards N+1 on summits, countries and source counts in the change lists."""
        self.populate(3)
        with django_assert_max_num_queries(100) as small:
            staff_client.get(reverse(url_name))
        self.populate(30)
        with django_assert_max_num_queries(100) as large:
            staff_client.get(reverse(url_name))
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_event_changelist_query_count_is_pinned(self, staff_client, django_assert_num_queries):
        """Session, user, count, page, the summits to filter by and the years' span: no second count, no hierarchy."""
        self.populate(3)
        with django_assert_num_queries(6):
            staff_client.get(reverse("admin:events_event_changelist"))
        self.populate(30)
        with django_assert_num_queries(6):
            staff_client.get(reverse("admin:events_event_changelist"))

    def test_deleting_selected_events_costs_a_bounded_number_of_queries_each(
        self, staff_client, django_assert_max_num_queries
    ):
        """ "Delete selected" syncs the derived tables once for all: 100 events took 9,000 queries at a million (#16)."""
        summit = make_summit("APEC 2016")
        leaders = [make_leader(f"Leader {i}", "PH" if i % 2 else "RU") for i in range(2)]
        events = [
            make_event(f"Meeting {i}", summit=summit, participants=leaders, countries=("PH", "RU")) for i in range(12)
        ]

        def delete(chosen):
            return staff_client.post(
                reverse("admin:events_event_changelist"),
                {
                    "action": "delete_selected",
                    "post": "yes",
                    "_selected_action": [f"{e.pk},{e.version}" for e in chosen],
                },
            )

        with django_assert_max_num_queries(400) as two:
            assert delete(events[:2]).status_code == 302
        with django_assert_max_num_queries(1000) as ten:
            assert delete(events[2:]).status_code == 302
        per_event = (len(ten.captured_queries) - len(two.captured_queries)) / 8
        assert per_event <= 20, per_event  # each event's snapshot for its history; the rest is shared
        assert not Event.objects.exists()
        # The derived counts, recounted once at the end, say so: no month of ph-ru, no summit count.
        assert not PairMonth.objects.filter(pair="ph-ru").exists()
        assert not SummitCount.objects.filter(summit=summit).exists()

    def test_a_selection_without_versions_is_refused_with_a_message_not_a_500(self, staff_client):
        """The change list sends "id,version" for each box; "id" alone (a hand-made request) was a 500."""
        event = make_event("Duterte meets Putin")
        response = staff_client.post(
            reverse("admin:events_event_changelist"),
            {"action": "delete_selected", "post": "yes", "_selected_action": [str(event.pk), "x,y"]},
            follow=True,
        )
        assert response.status_code == 200
        assert "The selection was not understood" in response.content.decode()
        assert Event.objects.filter(pk=event.pk).exists()


class AdminEventListTests:
    """The events' change list: what an editor finds by words, by leader and by year (#16: fast at a million)."""

    def changelist(self, staff_client, **params):
        response = staff_client.get(reverse("admin:events_event_changelist"), params)
        assert response.status_code == 200
        return response

    def titles(self, response):
        return sorted(event.title for event in response.context["cl"].result_list)

    def test_search_finds_titles_quotes_in_both_languages_and_leaders(self, staff_client):
        duterte = make_leader("Rodrigo Duterte", "PH")
        putin = make_leader("Vladimir Putin", "RU")
        lima = make_event("Duterte meets Putin in Lima", participants=(duterte, putin))
        speech = make_event("Speech in Davao", participants=(duterte,))
        make_quote(
            speech, duterte, original="Ayoko na sa Amerika.", language="fil", english="I no longer want America."
        )
        make_event("Abe receives Xi")
        assert self.titles(self.changelist(staff_client, q="lim")) == [lima.title]  # a word's start
        assert self.titles(self.changelist(staff_client, q="Amerika")) == [speech.title]
        assert self.titles(self.changelist(staff_client, q="longer want")) == [speech.title]
        # A leader's name finds their events, those whose text never names them too.
        assert self.titles(self.changelist(staff_client, q="Putin")) == [lima.title]
        assert self.titles(self.changelist(staff_client, q="rodrigo")) == [lima.title, speech.title]
        assert self.titles(self.changelist(staff_client, q="nowhere")) == []

    def test_the_event_link_autocomplete_searches_the_same_way(self, staff_client):
        """Linking one event to another (EventLink's autocomplete) goes through the same search."""
        cancelled = make_event("Obama–Duterte meeting in Vientiane cancelled")
        make_event("Duterte meets Putin in Lima")
        response = staff_client.get(
            "/admin/autocomplete/",
            {"term": "vient", "app_label": "events", "model_name": "eventlink", "field_name": "to_event"},
        )
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == [str(cancelled.pk)]

    def test_filter_by_year_lists_that_years_events_and_offers_every_year_between(self, staff_client):
        make_event("Duterte in Beijing", date=datetime.date(2016, 10, 20))
        make_event("Duterte in Lima", date=datetime.date(2016, 11, 19))
        make_event("Marcos in Washington", date=datetime.date(2023, 5, 1))
        page = self.changelist(staff_client, date__year="2016")
        assert self.titles(page) == ["Duterte in Beijing", "Duterte in Lima"]
        years = [choice["display"] for choice in page.context["cl"].filter_specs[-1].choices(page.context["cl"])]
        assert years == ["All", *[str(year) for year in range(2023, 2015, -1)]]

    def test_a_year_that_is_not_one_lists_nothing_and_says_why(self, staff_client):
        make_event("Duterte in Lima")
        for value in ("abc", "99999"):
            page = self.changelist(staff_client, date__year=value)
            assert self.titles(page) == []
            assert f"“{value}” is not a year" in page.content.decode()

    def test_each_event_shows_its_number_of_sources(self, staff_client):
        make_event("Two sources", sources=("https://example.org/a", "https://example.org/b"))
        make_event("One source")
        shown = {event.title: event.source_total for event in self.changelist(staff_client).context["cl"].result_list}
        assert shown == {"Two sources": 2, "One source": 1}


class AdminDataEntryTests:
    def test_meeting_at_a_summit_with_two_leaders_in_one_form(self, staff_client):
        """'Duterte met Putin on the sidelines of APEC 2016 in Lima' is one form submission."""
        duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
        putin = make_leader("Vladimir Putin", "RU")
        summit = make_summit("APEC 2016", city="Lima")
        data = event_form(summit=str(summit.pk))
        data.update(inline_management("participants", total=2))
        data.update(
            {
                "participants-0-leader": str(duterte.pk),
                "participants-0-role": "visitor",
                "participants-0-position": "0",
                "participants-1-leader": str(putin.pk),
                "participants-1-role": "participant",
                "participants-1-position": "1",
            }
        )
        data.update(inline_management("sources", total=1))
        data["sources-0-url"] = "http://www.manilatimes.net/digong-seeks-meeting-putin/296977/"
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        event = Event.objects.get()
        assert event.summit == summit and event.place == "Lima"
        assert [(p.leader.name, p.country_id, p.title) for p in event.participants.all()] == [
            ("Rodrigo Duterte", "PH", "President of the Philippines"),
            ("Vladimir Putin", "RU", ""),
        ]
        assert list(event.pairs.values_list("pair", flat=True)) == ["ph-ru"]
        assert event.sources.get().publisher == "manilatimes.net"

    def test_end_before_start_is_a_form_error(self, staff_client):
        """An end date before the date comes back as a message on the form, nothing saved."""
        response = staff_client.post(reverse("admin:events_event_add"), event_form(end_date="2016-11-18"))
        assert response.status_code == 200
        assert "The end date cannot be before the date." in response.content.decode()
        assert not Event.objects.exists()

    def test_summit_end_before_start_is_a_form_error(self, staff_client):
        """A summit ending before it starts is a form error, not a 500."""
        data = {
            "name": "APEC",
            "short_name": "APEC 2016",
            "forum": "APEC",
            "host_country": "PE",
            "city": "Lima",
            "start_date": "2016-11-20",
            "end_date": "2016-11-19",
            "description": "",
            **inline_management("sources"),
        }
        response = staff_client.post(reverse("admin:events_summit_add"), data)
        assert response.status_code == 200
        assert "A summit cannot end before it starts." in response.content.decode()
        assert not Summit.objects.exists()

    def test_statement_without_text_is_a_form_error(self, staff_client):
        """A statement whose quote has no text is refused with a message."""
        speaker = make_leader("Rodrigo Duterte", "PH")
        data = event_form(kind=EventKind.STATEMENT, title="Duterte on Russia")
        data.update(inline_management("quotes", total=1))
        data.update(
            {
                "quotes-0-speaker": str(speaker.pk),
                "quotes-0-language": "fil",
                "quotes-0-original_text": "",
                "quotes-0-english_text": "",
                "quotes-0-position": "0",
            }
        )
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not Event.objects.exists()

    def test_statement_without_any_quote_is_a_form_error(self, staff_client):
        """A statement needs at least one quote."""
        response = staff_client.post(reverse("admin:events_event_add"), event_form(kind=EventKind.STATEMENT))
        assert response.status_code == 200
        assert "A statement needs at least one quote" in response.content.decode()
        assert not Event.objects.exists()

    def test_unknown_language_tag_is_a_form_error(self, staff_client):
        """`xx-nonsense` is named as not a language tag."""
        speaker = make_leader("Rodrigo Duterte", "PH")
        data = event_form(kind=EventKind.STATEMENT, title="Duterte on Russia")
        data.update(inline_management("quotes", total=1))
        data.update(
            {
                "quotes-0-speaker": str(speaker.pk),
                "quotes-0-language": "klingonese",
                "quotes-0-original_text": "Qapla'",
                "quotes-0-english_text": "Success",
                "quotes-0-position": "0",
            }
        )
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 200
        assert "klingonese is not a BCP 47 language tag" in response.content.decode()
        assert not Event.objects.exists()

    def test_untranslated_filipino_quote_is_a_form_error(self, staff_client):
        """A Filipino quote without English is refused with the constraint's message."""
        speaker = make_leader("Rodrigo Duterte", "PH")
        data = event_form(kind=EventKind.STATEMENT, title="Duterte on Russia")
        data.update(inline_management("quotes", total=1))
        data.update(
            {
                "quotes-0-speaker": str(speaker.pk),
                "quotes-0-language": "fil",
                "quotes-0-original_text": "Matuloy ho.",
                "quotes-0-english_text": "",
                "quotes-0-position": "0",
            }
        )
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 200
        assert "Give the English translation of a quote that is not in English." in response.content.decode()
        assert not Quote.objects.exists()

    def test_javascript_source_url_is_a_form_error(self, staff_client):
        """A javascript: source is refused on the form."""
        data = event_form()
        data.update(inline_management("sources", total=1))
        data["sources-0-url"] = "javascript:alert(1)"
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 200
        assert "Enter a web address that starts with http:// or https://." in response.content.decode()
        assert not EventSource.objects.exists()

    def test_office_ending_before_it_starts_is_a_form_error(self, staff_client):
        """The leader form refuses an office that ends before it starts."""
        data = {
            "name": "Rodrigo Duterte",
            "other_names": "",
            "slug": "",
            "country": "PH",
            "wikidata_id": "",
            "description": "",
            **inline_management("offices", total=1),
            **inline_management("sources"),
            "offices-0-title": "President",
            "offices-0-country": "PH",
            "offices-0-start_date": "2016-06-30",
            "offices-0-start_precision": "day",
            "offices-0-end_date": "2016-01-01",
            "offices-0-end_precision": "day",
            "offices-0-source_url": "",
        }
        response = staff_client.post(reverse("admin:events_leader_add"), data)
        assert response.status_code == 200
        assert "The office cannot end before it starts." in response.content.decode()
        assert not Office.objects.exists()


class RecordAdminTests:
    """#13 in the admin: the publisher table, disagreements and their versions."""

    @pytest.fixture
    def staff(self, client):
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_superuser("chief", "", "a-long-test-password"))
        return client

    def test_publisher_table_is_listed_and_searchable(self, staff):
        """Publishers are listed with their kind, searchable by domain."""
        from events.models import Publisher

        Publisher.objects.create(domain="rappler.com", name="Rappler", kind="news")
        response = staff.get("/admin/events/publisher/", {"q": "rappler"})
        assert response.status_code == 200 and "Independent news" in response.content.decode()

    def test_editors_may_keep_publishers_and_disagreements(self):
        """The Editor role may add and change publishers, disagreements and their versions."""
        from django.contrib.auth.models import Group

        codenames = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
        assert {"add_publisher", "change_publisher", "add_disagreement", "change_disagreementversion"} <= codenames

    def test_version_must_cite_one_of_the_events_sources(self, staff):
        """A version citing another event's source is refused; one citing the event's own is saved."""
        from events.models import Disagreement, EventSource
        from events.tests.factories import make_event

        event = make_event("Jakarta", sources=("https://dfa.gov.ph/a", "https://pco.gov.ph/b"))
        other = make_event("Elsewhere", sources=("https://example.org/other",))
        disagreement = Disagreement.objects.create(event=event, about="the visit's classification")
        url = f"/admin/events/disagreement/{disagreement.pk}/change/"
        form = staff.get(url).content.decode()
        assert "https://dfa.gov.ph/a" in form and "https://example.org/other" not in form
        data = {
            "event": event.pk,
            "about": "the visit's classification",
            "position": 0,
            "versions-TOTAL_FORMS": 2,
            "versions-INITIAL_FORMS": 0,
            "versions-MIN_NUM_FORMS": 0,
            "versions-MAX_NUM_FORMS": 1000,
            "versions-0-source": other.sources.get().pk,
            "versions-0-says": "elsewhere",
            "versions-1-source": "",
            "versions-1-says": "",
        }
        response = staff.post(url, data)
        assert response.status_code == 200 and not disagreement.versions.exists()
        data["versions-0-source"] = EventSource.objects.get(url="https://dfa.gov.ph/a").pk
        data["versions-1-source"] = EventSource.objects.get(url="https://pco.gov.ph/b").pk
        data["versions-0-says"], data["versions-1-says"] = "a state visit", "a working visit"
        assert staff.post(url, data).status_code == 302
        assert list(disagreement.versions.values_list("says", flat=True)) == ["a state visit", "a working visit"]

    def test_event_page_lists_its_disagreements(self, staff):
        """The event's change page shows its disagreements with each source's version and a link to edit them."""
        from events.tests.factories import make_disagreement, make_event

        event = make_event("Jakarta", sources=("https://dfa.gov.ph/a", "https://pco.gov.ph/b"))
        make_disagreement(
            event,
            "the visit's classification",
            [("https://dfa.gov.ph/a", "a state visit"), ("https://pco.gov.ph/b", "a working visit")],
        )
        content = staff.get(f"/admin/events/event/{event.pk}/change/").content.decode()
        assert "the visit&#x27;s classification" in content and "dfa.gov.ph: “a state visit”" in content
