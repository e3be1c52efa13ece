"""What a reader sees of an event's life, its links, readouts and commitments; what an editor does in the admin (#14)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from events.models import CommitmentStep, Event, EventKind, EventLink, Readout, StatusChange
from events.tests.factories import make_commitment, make_event, make_leader
from events.tests.test_admin import event_form, inline_management
from events.tests.test_views import TIMELINE, assert_valid_html, build_record, page, visible_text

pytestmark = pytest.mark.django_db

D = datetime.date
MANILA_TIMES = "http://www.manilatimes.net/digong-seeks-meeting-putin/296977/"
KREMLIN = "http://en.special.kremlin.ru/catalog/keywords/10/events/53275"
COMMITMENTS = reverse("events:commitment_list")


@pytest.fixture(autouse=True)
def render_every_time(settings):
    """Pages rendered afresh: the query counts measure the page, not the page cache."""
    settings.PAGE_CACHE = False


@pytest.fixture
def lima():
    """The seed's meeting: announced on 15 November 2016 after a talk with the ambassador, held on the 19th."""
    duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
    putin = make_leader("Vladimir Putin", "RU", office="President of Russia")
    announcement = make_event(
        "Duterte announces he will meet Putin at the APEC summit in Lima",
        kind=EventKind.INTENTION,
        date=D(2016, 11, 15),
        countries=("PH", "RU"),
    )
    meeting = make_event(
        "Duterte meets Vladimir Putin on the sidelines of APEC in Lima",
        kind=EventKind.SIDELINE,
        participants=(duterte, putin),
    )
    StatusChange.objects.create(event=meeting, status="held", date=D(2016, 11, 19), source_url=KREMLIN)
    StatusChange.objects.create(event=meeting, status="announced", date=D(2016, 11, 15), source_url=MANILA_TIMES)
    EventLink.objects.create(from_event=meeting, relation="fulfils", to_event=announcement)
    Readout.objects.create(
        event=meeting,
        country_id="RU",
        source_url=KREMLIN,
        source_title="Meeting with President of the Philippines Rodrigo Duterte",
        language="ru",
        text="Владимир Путин провёл встречу с Президентом Филиппин.",
        english="Vladimir Putin met with the President of the Philippines.",
        translated_by="Kremlin",
    )
    Readout.objects.create(
        event=meeting, country_id="PH", source_url=MANILA_TIMES, text="Duterte met Putin on the sidelines."
    )
    return {"meeting": meeting, "announcement": announcement, "duterte": duterte, "putin": putin}


class EventPageTests:
    def test_the_dated_status_list_with_each_source(self, client, lima):
        """The event page lists 'Announced 15 November 2016' before 'Held 19 November 2016', each linking its source."""
        response = page(client, lima["meeting"].get_absolute_url())
        text = visible_text(response)
        assert (
            "Its course Announced 15 November 2016 manilatimes.net Held 19 November 2016 en.special.kremlin.ru"
        ) in text
        html = response.content.decode()
        assert f'href="{MANILA_TIMES}"' in html and f'href="{KREMLIN}"' in html

    def test_a_link_reads_both_ways(self, client, lima):
        """The meeting says it fulfils the announcement; the announcement says it was fulfilled by the meeting."""
        meeting_text = visible_text(page(client, lima["meeting"].get_absolute_url()))
        assert (
            "Fulfils: Duterte announces he will meet Putin at the APEC summit in Lima 15 November 2016" in meeting_text
        )
        announcement_text = visible_text(page(client, lima["announcement"].get_absolute_url()))
        assert (
            "Fulfilled by: Duterte meets Vladimir Putin on the sidelines of APEC in Lima 19 November 2016"
            in announcement_text
        )

    def test_a_link_to_a_draft_is_not_shown_to_the_public(self, client, lima):
        """An unpublished event's link stays off the public page of the event it points to."""
        Event.objects.filter(pk=lima["meeting"].pk).update(published=False)
        assert "Fulfilled by" not in visible_text(page(client, lima["announcement"].get_absolute_url()))

    def test_readouts_in_both_languages_with_the_original_marked(self, client, lima):
        """The Russian readout shows its original (lang="ru") and its translation; the Philippine one its English."""
        response = page(client, lima["meeting"].get_absolute_url())
        html, text = response.content.decode(), visible_text(response)
        assert '<blockquote class="readout-text" lang="ru"><p>Владимир Путин провёл встречу' in html
        assert "Vladimir Putin met with the President of the Philippines." in text
        assert "Translation: Kremlin" in text
        assert "Duterte met Putin on the sidelines." in text
        assert "Source: Meeting with President of the Philippines Rodrigo Duterte" in text

    def test_the_commitments_an_event_moved(self, client, lima):
        """A commitment step tied to the meeting is listed on it, linking the commitment's page."""
        commitment = make_commitment(
            "russian-arms", title="Arms from Russia", steps=[{"stage": "signed", "date": D(2016, 11, 19)}]
        )
        CommitmentStep.objects.filter(commitment=commitment).update(event=lima["meeting"])
        response = page(client, lima["meeting"].get_absolute_url())
        assert "Commitments it moved Arms from Russia: signed 19 November 2016" in visible_text(response)
        assert f'href="{commitment.get_absolute_url()}"' in response.content.decode()

    def test_the_card_shows_the_status_line(self, client, lima):
        """On the timeline, the meeting's card reads 'announced 15 November 2016 · held 19 November 2016'."""
        text = visible_text(page(client, TIMELINE))
        assert "announced 15 November 2016 · held 19 November 2016" in text

    @pytest.mark.parametrize("size", [3, 30])
    def test_event_page_query_count_is_constant(self, client, django_assert_num_queries, size):
        """However many status changes, links, readouts and commitment steps: one query each, no N+1."""
        events = [make_event(f"Other {n}", date=D(2016, 1, 1) + datetime.timedelta(days=n)) for n in range(size)]
        meeting = make_event("Summit dinner", kind=EventKind.SIDELINE)
        for n, other in enumerate(events):
            StatusChange.objects.create(
                event=meeting, status="announced", date=D(2016, 1, 1) + datetime.timedelta(days=n), source_url=KREMLIN
            )
            EventLink.objects.create(from_event=meeting, relation="follows_up", to_event=other)
            EventLink.objects.create(from_event=other, relation="responds_to", to_event=meeting)
            make_commitment(f"c-{n}", title=f"Commitment {n}", steps=[{"stage": "signed", "date": D(2016, 2, 1)}])
        CommitmentStep.objects.update(event=meeting)
        countries = ["RU", "CN", "US", "JP", "ID", "MY", "TH", "VN", "SG", "KR", "AU", "IN", "DE", "FR", "GB"]
        for code in countries[: min(size, len(countries))]:
            Readout.objects.create(event=meeting, country_id=code, source_url=KREMLIN, text=f"Readout {code}")
        with django_assert_num_queries(9):
            response = page(client, meeting.get_absolute_url())
        text = visible_text(response)
        assert text.count("Follows up:") == size and text.count("Responded to by:") == size
        assert text.count("Commitment ") >= size


class TimelineTests:
    @pytest.mark.parametrize("size", [3, 30])
    def test_timeline_with_histories_keeps_its_two_queries(self, client, django_assert_num_queries, size):
        """Every card showing its status line costs no query: it comes in the event's own row."""
        record = build_record(size)
        for event in record["events"]:
            StatusChange.objects.create(event=event, status="announced", date=D(2015, 12, 1), source_url=KREMLIN)
            StatusChange.objects.create(event=event, status="held", date=event.date, source_url=KREMLIN)
        with django_assert_num_queries(2):
            response = page(client, TIMELINE)
        assert visible_text(response).count("announced 1 December 2015 · held") == size


@pytest.fixture
def commitments(lima):
    """Arms from Russia (announced, then delivered at the Lima meeting) and loans from China (signed)."""
    arms = make_commitment(
        "russian-arms",
        title="Arms from Russia",
        kind="intention",
        countries=("PH", "RU"),
        amount=5_000_000_000,
        currency="USD",
        steps=[
            {"stage": "announced", "date": D(2016, 9, 13), "source_url": "https://example.org/arms-1"},
            {
                "stage": "delivered",
                "date": D(2017, 10, 1),
                "date_precision": "month",
                "source_url": "https://example.org/arms-2",
                "note": "rifles and trucks donated",
                "event": lima["meeting"],
            },
        ],
    )
    loans = make_commitment(
        "chinese-loans",
        title="Loans from China",
        countries=("PH", "CN"),
        steps=[{"stage": "signed", "date": D(2016, 10, 20)}],
    )
    return {"arms": arms, "loans": loans}


class CommitmentPageTests:
    def test_the_list_shows_stage_value_countries_and_steps(self, client, commitments):
        """Each commitment shows its kind, stage, value with currency, countries and dated steps."""
        text = visible_text(page(client, COMMITMENTS))
        assert (
            "Arms from Russia Announced intention Delivered · USD 5,000,000,000 · Philippines, Russia "
            "announced 13 September 2016 · delivered October 2017" in text
        )
        assert "Loans from China Pledge Signed" in text
        assert "2 commitments" in text

    @pytest.mark.parametrize(
        ("params", "shown", "hidden"),
        [
            ({"country": "cn"}, "Loans from China", "Arms from Russia"),
            ({"country": ["PH", "RU"]}, "Arms from Russia", "Loans from China"),
            ({"stage": "delivered"}, "Arms from Russia", "Loans from China"),
            ({"stage": "signed", "country": "PH"}, "Loans from China", "Arms from Russia"),
        ],
    )
    def test_filters_narrow_the_list(self, client, commitments, params, shown, hidden):
        """By country (every one named) and by stage."""
        text = visible_text(page(client, COMMITMENTS, params))
        assert shown in text and hidden not in text
        assert "1 commitment match these filters" in text

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"country": "ZZ"}, "Select a valid choice. ZZ is not one of the available choices."),
            ({"stage": "finished"}, "Select a valid choice. finished is not one of the available choices."),
        ],
    )
    def test_a_malformed_filter_gives_the_form_error_and_400(self, client, commitments, params, message):
        """Nothing is listed, the form says what is wrong, the status is 400."""
        response = client.get(COMMITMENTS, params)
        assert response.status_code == 400
        text = visible_text(response)
        assert message in text and "Arms from Russia" not in text

    def test_the_path_page(self, client, commitments, lima):
        """A commitment's page: kind, stage, value, countries, the dated steps with their events and sources."""
        response = page(client, commitments["arms"].get_absolute_url())
        text, html = visible_text(response), response.content.decode()
        assert "Kind Announced intention Stage Delivered Value USD 5,000,000,000 Countries Philippines, Russia" in text
        assert "Announced 13 September 2016" in text
        assert (
            "Delivered October 2017: Duterte meets Vladimir Putin on the sidelines of APEC in Lima — "
            "rifles and trucks donated" in text
        )
        assert f'href="{lima["meeting"].get_absolute_url()}"' in html
        assert 'href="https://example.org/arms-2"' in html

    def test_a_step_s_draft_event_is_not_linked(self, client, commitments, lima):
        """The step stays on the path; the unpublished event it names does not show."""
        Event.objects.filter(pk=lima["meeting"].pk).update(published=False)
        text = visible_text(page(client, commitments["arms"].get_absolute_url()))
        assert "Delivered October 2017 — rifles and trucks donated" in text
        assert "Putin" not in text

    def test_the_pages_are_valid_html(self, client, commitments, lima, tmp_path):
        """The event page with its life, links and readouts, the list (with an error too) and a path validate."""
        assert_valid_html(
            client,
            {
                "event-life": lima["meeting"].get_absolute_url(),
                "event-linked": lima["announcement"].get_absolute_url(),
                "commitments": COMMITMENTS,
                "commitments-error": f"{COMMITMENTS}?country=ZZ&stage=kept",
                "commitment": commitments["arms"].get_absolute_url(),
            },
            tmp_path,
        )

    def test_unknown_commitment_is_not_found(self, client):
        assert client.get(reverse("events:commitment_detail", kwargs={"slug": "nothing"})).status_code == 404

    def test_navigation_links_the_commitments(self, client):
        """Every page's main navigation leads to /commitments/."""
        assert f'href="{COMMITMENTS}"' in page(client, "/").content.decode()

    @pytest.mark.parametrize("size", [3, 30])
    def test_list_query_count_is_constant(self, client, django_assert_num_queries, size):
        """Count, page, countries, steps and their events: five queries for any number of commitments and steps."""
        for n in range(size):
            event = make_event(f"Event {n}")
            make_commitment(
                f"c-{n}",
                title=f"Commitment {n}",
                countries=("PH", "CN"),
                steps=[
                    {"stage": "announced", "date": D(2016, 1, 1)},
                    {"stage": "signed", "date": D(2016, 2, 1), "event": event},
                ],
            )
        with django_assert_num_queries(5):
            response = page(client, COMMITMENTS)
        assert visible_text(response).count("announced 1 January 2016 · signed 1 February 2016") == size

    @pytest.mark.parametrize("size", [3, 30])
    def test_path_query_count_is_constant(self, client, django_assert_num_queries, size):
        """The commitment, its countries, its steps, their events: four queries for any number of steps."""
        commitment = make_commitment("long", title="Long", countries=("PH", "JP"))
        for n in range(size):
            CommitmentStep.objects.create(
                commitment=commitment,
                stage="partly_delivered",
                date=D(2017, 1, 1) + datetime.timedelta(days=n),
                event=make_event(f"Delivery {n}"),
                source_url=f"https://example.org/{n}",
            )
        with django_assert_num_queries(4):
            response = page(client, commitment.get_absolute_url())
        assert visible_text(response).count("Partly delivered") == size + 1  # the stage, and each step


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("editor", "", "a-long-test-password")
    client.force_login(user)
    return client


def life_inlines(**rows):
    """The event form with status changes, links or readouts: `rows` maps a prefix to its list of row dicts."""
    data = event_form()
    for prefix, items in rows.items():
        data.update(inline_management(prefix, total=len(items)))
        for n, item in enumerate(items):
            data.update({f"{prefix}-{n}-{key}": value for key, value in item.items()})
    return data


class AdminTests:
    def test_a_status_change_added_through_the_event_form(self, staff_client):
        """Saving the event with a status change row stores it, dated at its precision, with its source."""
        response = staff_client.post(
            reverse("admin:events_event_add"),
            life_inlines(
                sources=[{"url": MANILA_TIMES}],
                status_changes=[
                    {"status": "announced", "date": "2016-11-01", "date_precision": "month", "source_url": MANILA_TIMES}
                ],
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        change = StatusChange.objects.get()
        assert (change.status, change.date_display, change.source_url) == ("announced", "November 2016", MANILA_TIMES)

    def test_a_badly_written_date_says_the_format(self, staff_client):
        """'mid-November 2016' is refused with the format to use, and nothing is saved."""
        response = staff_client.post(
            reverse("admin:events_event_add"),
            life_inlines(
                sources=[{"url": MANILA_TIMES}],
                status_changes=[
                    {
                        "status": "announced",
                        "date": "mid-November 2016",
                        "date_precision": "day",
                        "source_url": MANILA_TIMES,
                    }
                ],
            ),
        )
        assert response.status_code == 200
        assert "Enter the date as YYYY-MM-DD" in response.content.decode()
        assert not Event.objects.exists()

    def test_a_readout_on_a_statement_is_refused(self, staff_client):
        """A readout belongs to a meeting or a call: on a statement the form says so."""
        speaker = make_leader("Rodrigo Duterte", "PH")
        data = life_inlines(
            sources=[{"url": MANILA_TIMES}],
            quotes=[{"speaker": speaker.pk, "language": "en", "original_text": "We are friends.", "position": 0}],
            readouts=[{"country": "PH", "language": "en", "source_url": MANILA_TIMES, "text": "We met."}],
        )
        data["kind"] = EventKind.STATEMENT
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 200
        assert "A readout belongs to a meeting or a call, not to this statement." in response.content.decode()
        assert not Readout.objects.exists()

    def test_a_link_to_itself_is_refused(self, staff_client):
        """Linking an event to itself gives the constraint's message."""
        event = make_event("Duterte meets Putin", kind=EventKind.SIDELINE)
        data = life_inlines(
            sources=[{"url": "https://example.org/report", "id": event.sources.get().pk, "event": event.pk}],
            links_out=[{"relation": "follows_up", "to_event": event.pk}],
        )
        data.update({"title": event.title, "version": event.version, "sources-INITIAL_FORMS": "1"})
        response = staff_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
        assert response.status_code == 200
        assert "An event cannot be linked to itself." in response.content.decode()
        assert not EventLink.objects.exists()

    def test_a_commitment_with_its_steps(self, staff_client):
        """The commitment form with two steps inline stores them; the stage is the latest step's."""
        data = {
            "title": "Arms from Russia",
            "slug": "russian-arms",
            "kind": "intention",
            "countries": ["PH", "RU"],
            "amount": "",
            "currency": "",
            "summary": "",
            "source_url": "",
            **inline_management("steps", total=2),
        }
        for n, (stage, date) in enumerate([("delivered", "2017-10-25"), ("announced", "2016-09-13")]):
            data.update(
                {
                    f"steps-{n}-stage": stage,
                    f"steps-{n}-date": date,
                    f"steps-{n}-date_precision": "day",
                    f"steps-{n}-source_url": "https://example.org/arms",
                }
            )
        response = staff_client.post(reverse("admin:events_commitment_add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        commitment = CommitmentStep.objects.first().commitment
        assert commitment.stage == "delivered"
        assert sorted(commitment.countries.values_list("iso2", flat=True)) == ["PH", "RU"]

    def test_an_amount_without_currency_is_refused(self, staff_client):
        """The commitment form names the missing currency."""
        data = {
            "title": "Loans",
            "slug": "loans",
            "kind": "pledge",
            "amount": "100",
            "currency": "",
            **inline_management("steps"),
        }
        response = staff_client.post(reverse("admin:events_commitment_add"), data)
        assert response.status_code == 200
        assert "Give the currency of the amount (ISO 4217, e.g. USD)." in response.content.decode()


class PageCacheTests:
    def test_a_new_status_change_shows_on_the_cached_page(self, client, lima, settings):
        """With the page cache on, adding a step to the event's life is on its page at the next request."""
        settings.PAGE_CACHE = True
        url = lima["meeting"].get_absolute_url()
        assert "Confirmed" not in visible_text(page(client, url))
        assert "Confirmed" not in visible_text(page(client, url))  # served from the cache
        StatusChange.objects.create(
            event=lima["meeting"], status="confirmed", date=D(2016, 11, 17), source_url=MANILA_TIMES
        )
        assert "Confirmed 17 November 2016" in visible_text(page(client, url))

    def test_a_commitment_step_shows_on_the_cached_path(self, client, settings):
        """A new step moves the cached commitment page's stage at once."""
        settings.PAGE_CACHE = True
        commitment = make_commitment(
            "vfa", title="VFA termination", steps=[{"stage": "announced", "date": D(2020, 2, 11)}]
        )
        url = commitment.get_absolute_url()
        assert "Stage Announced" in visible_text(page(client, url))
        CommitmentStep.objects.create(
            commitment=commitment, stage="withdrawn", date=D(2021, 7, 30), source_url="https://example.org/recall"
        )
        assert "Stage Withdrawn" in visible_text(page(client, url))
