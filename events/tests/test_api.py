"""The public API, /api/v1/ (events/api/): what a client reads, the schema, and the limits around it."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.urls import reverse
from openapi_spec_validator import validate

from events.api.v1 import api
from events.models import Event, EventStatus, Leader
from events.tests.factories import make_commitment, make_event, make_leader, make_summit
from events.tests.test_exports import body, record  # noqa: F401 (a fixture)
from events.tests.test_life_pages import commitments, lima  # noqa: F401 (fixtures)
from events.tests.test_temperature import leaders, ph_us  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ADDITIONS = ("quotes", "plover", "status_history", "links", "readouts")


@pytest.fixture(autouse=True)
def fresh_limits():
    """Each test starts with no requests counted against the rate limit, and no cached answer."""
    cache.clear()
    yield
    cache.clear()


def get(client, path, **headers):
    return client.get(f"/api/v1/{path}", headers=headers)


def titles(response) -> list[str]:
    return [event["title"] for event in response.json()["events"]]


def every_page(client, path) -> list[dict]:
    """The events of every page, following `next` from `path`."""
    events, url = [], f"/api/v1/{path}"
    while url:
        body = client.get(url).json()
        events += body["events"]
        url = body["next"]
    return events


class SchemaTests:
    def test_the_openapi_document_is_valid(self, client):
        """The document as served passes openapi-spec-validator, and every operation is in it."""
        schema = get(client, "openapi.json").json()
        validate(schema)
        assert set(schema["paths"]) >= {
            "/api/v1/",
            "/api/v1/events",
            "/api/v1/events/{event_id}",
            "/api/v1/relationships",
            "/api/v1/relationships/{pair}",
            "/api/v1/leaders",
            "/api/v1/leaders/{slug}",
            "/api/v1/summits",
            "/api/v1/summits/{slug}",
            "/api/v1/commitments",
            "/api/v1/commitments/{slug}",
        }

    def test_the_event_object_declares_the_contract_additions(self):
        """CONTRACT.md's Additions (quotes, plover, status history, links, readouts) are in the event's schema."""
        event = api.get_openapi_schema(path_params={})["components"]["schemas"]["Event"]
        assert set(ADDITIONS) <= set(event["properties"])
        assert set(event["properties"]["quotes"]["items"]["$ref"].split("/")[-1:]) == {"QuoteItem"}

    def test_served_at_openapi_json_and_listed_by_the_index(self, client):
        """/api/v1/ lists each operation with its path; /api/v1/openapi.json is the document."""
        document = get(client, "openapi.json").json()
        index = get(client, "").json()
        assert index["openapi"] == "http://testserver/api/v1/openapi.json"
        assert {(op["method"], op["path"]) for op in index["operations"]} == {
            (method.upper(), path) for path, methods in document["paths"].items() for method in methods
        }
        assert {"operation_id": "events", "method": "GET", "path": "/api/v1/events"} | {
            "summary": "Published events, filtered as /events/ is, oldest first"
        } in index["operations"]

    def test_docs_page_uses_local_static_files(self, client):
        """The docs page loads swagger-ui from this site's static files, none from a CDN."""
        from django.contrib.staticfiles import finders

        response = get(client, "docs")
        assert "script-src 'self'" in response["Content-Security-Policy"]  # the site's policy, unrelaxed
        html = response.content.decode()
        scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert "/static/ninja/swagger-ui-bundle.js" in scripts and "/static/ninja/swagger-ui.css" in scripts
        assert all(url.startswith("/static/") for url in scripts)
        assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui-init.js")


class EventTests:
    def test_the_lima_meeting_as_a_client_reads_it(self, client, record):
        """A summit's events: the Lima sideline meeting, its date at its precision, who took part, its sources."""
        body = get(client, "events?summit=apec-2016").json()
        assert body["filter"] == {"summit": "apec-2016"} and body["next"] is None
        (lima,) = body["events"]
        assert lima["title"] == "Duterte meets Putin in Lima"
        assert (lima["date"], lima["date_display"]) == ("2016-11-19", "19 November 2016")
        assert [(p["name"], p["country"], p["role"]) for p in lima["participants"]] == [
            ("Rodrigo Duterte", "PH", "visitor"),
            ("Vladimir Putin", "RU", "host"),
        ]
        assert lima["summit"] == "APEC 2016" and lima["sources"] == [
            "https://example.org/lima",
            "https://example.org/lima-2",
        ]
        assert lima["url"] == f"http://testserver{record['lima'].get_absolute_url()}"

    def test_an_event_is_the_same_object_as_in_events_json(self, client, record):
        """One event, and each of a list, is exactly /events.json's object: fields added there appear here."""
        exported = {event["id"]: event for event in json.loads(body(client.get("/events.json")))["events"]}
        listed = get(client, "events?limit=100").json()["events"]
        api_fields = set(listed[0]) - set(ADDITIONS)
        for event in listed:
            assert {k: v for k, v in event.items() if k in api_fields} == {
                k: v for k, v in exported[event["id"]].items() if k in api_fields
            }
            assert set(exported[event["id"]]) <= set(event)
        one = get(client, f"events/{record['statement'].pk}").json()
        assert one == next(event for event in listed if event["id"] == record["statement"].pk)

    def test_date_at_month_precision_and_approximate(self, client, record):
        """`about September 2016` stays a month, never the 1st."""
        loans = get(client, f"events/{record['loans'].pk}").json()
        assert (loans["date"], loans["date_display"]) == ("2016-09~", "about September 2016")
        assert loans["countries"] == ["CN", "PH", "RU"]

    @pytest.mark.parametrize(
        "query",
        [
            "country=RU",
            "country=ph&country=ru",
            "country=US&status=cancelled",
            "kind=meeting",
            "kind=agreement",
            "leader=vladimir-putin",
            "leader=Barack Obama",
            "date_after=2016-10-01&date_before=2016-11-30",
            "q=Moscow",
            "summit=APEC 2016",
        ],
    )
    def test_filters_give_what_the_events_page_lists(self, client, record, query):
        """Each filter of /events/ gives the events the page lists, in the same order."""
        page = client.get(f"/events/?{query}").content.decode()
        on_page = [int(pk) for pk in dict.fromkeys(re.findall(r'href="/events/(\d+)/', page))]
        from_api = [event["id"] for event in get(client, f"events?{query}").json()["events"]]
        assert from_api == on_page and from_api

    def test_drafts_and_unsourced_events_never_appear(self, client, record):
        """Neither in a list nor one by one: a draft's id is a 404 like an unknown one."""
        ids = {event["id"] for event in every_page(client, "events?limit=3")}
        assert record["draft"].pk not in ids and record["unsourced"].pk not in ids
        assert len(ids) == 7
        for pk in (record["draft"].pk, record["unsourced"].pk, 10**9):
            response = get(client, f"events/{pk}")
            assert response.status_code == 404
            assert response.json() == {"detail": f"No published event has the id {pk}."}

    def test_pages_follow_next_to_the_end_with_the_filters_kept(self, client, record):
        """`next` keeps the filters and moves the position: two a page, every event once, in date order."""
        first = get(client, "events?country=PH&limit=2").json()
        assert first["limit"] == 2 and len(first["events"]) == 2
        assert "country=PH" in first["next"] and "limit=2" in first["next"] and "after=" in first["next"]
        events = every_page(client, "events?country=PH&limit=2")
        dates = [event["date"].rstrip("~") for event in events]
        assert len(events) == 7 and len({event["id"] for event in events}) == 7 and dates == sorted(dates)

    @pytest.mark.parametrize(("limit", "status"), [(1, 200), (100, 200), (0, 422), (101, 422), ("many", 422)])
    def test_limit_is_bounded(self, client, record, limit, status):
        """`limit` is 1 to 100; outside, a 422 that names the parameter."""
        response = get(client, f"events?limit={limit}")
        assert response.status_code == status
        if status == 422:
            assert response.json()["detail"][0]["loc"] == ["query", "limit"]
        else:
            assert len(response.json()["events"]) == min(limit, 7)

    @pytest.mark.parametrize(
        ("query", "status", "field", "message"),
        [
            ("country=ZZ", 400, "country", "Select a valid choice. ZZ is not one of the available choices."),
            ("leader=Nobody", 400, "leader", "No leader is recorded as “Nobody”."),
            ("after=2016-13-01_5", 400, "after", "'2016-13-01_5' is not a page position: 2016-13-01 is not a date."),
            ("date_after=2016-02-30", 422, "date_after", None),
            ("kind=summit", 422, "kind", None),
            ("after=yesterday", 422, "after", None),
        ],
    )
    def test_bad_input_is_json_naming_the_problem(self, client, record, query, status, field, message):
        """A filter the form refuses is a 400 with its message; a value of the wrong form a 422 naming it."""
        response = get(client, f"events?{query}")
        assert response.status_code == status and response["Content-Type"].startswith("application/json")
        if status == 400:
            assert response.json()["errors"][field][0]["message"] == message
        else:
            assert [problem["loc"] for problem in response.json()["detail"]] == [["query", field]]

    def test_a_query_string_the_guard_refuses_is_json_too(self, client):
        """A parameter given twice that takes one value: the request guard's 400, in JSON on the API."""
        response = get(client, "events?limit=2&limit=3")
        assert response.status_code == 400
        assert response.json() == {"detail": "The parameter “limit” was given 2 times; it takes one value."}


class RelationshipTests:
    def test_listed_busiest_first_with_the_latest_event(self, client, record):
        """The home country's relationships, busiest first: Russia's, the United States', China's."""
        listed = get(client, "relationships").json()
        assert [(r["key"], r["names"], r["event_count"]) for r in listed] == [
            ("ph-ru", ["Philippines", "Russia"], 5),
            ("ph-us", ["Philippines", "United States"], 2),
            ("ph-cn", ["Philippines", "China"], 1),
        ]
        assert listed[0]["latest_event"]["title"] == "State visit to Moscow"
        assert listed[0]["latest_event"]["date"] == "2017"
        assert listed[0]["api_url"] == "http://testserver/api/v1/relationships/ph-ru"

    def test_one_relationship_with_its_temperature(self, client, ph_us):
        """Month by month, means and quad counts as the chart's; a month without events is null, not zero."""
        body = get(client, "relationships/us-ph").json()
        assert (body["key"], body["countries"], body["period"]) == ("ph-us", ["PH", "US"], "month")
        months = [(t["start"], t["scored_events"], t["mean"]) for t in body["temperature"]]
        assert months == [
            ("2016-01-01", 2, 3.25),
            ("2016-02-01", 0, None),
            ("2016-03-01", 2, -5.0),
            ("2016-04-01", 1, 1.0),
        ]
        assert body["temperature"][2]["quads"] == {
            "verbal_cooperation": 0,
            "material_cooperation": 0,
            "verbal_conflict": 1,
            "material_conflict": 1,
        }
        quarter = get(client, "relationships/ph-us?period=quarter").json()["temperature"]
        assert [(t["label"], t["scored_events"]) for t in quarter] == [
            ("January–March 2016", 4),
            ("April–June 2016", 1),
        ]
        assert body["events"] == "http://testserver/api/v1/events?country=PH&country=US"

    @pytest.mark.parametrize(("pair", "status"), [("ph-zz", 404), ("ph-ph", 404), ("phil-ru", 422)])
    def test_unknown_relationships(self, client, pair, status):
        response = get(client, f"relationships/{pair}")
        assert response.status_code == status and "detail" in response.json()


class LeaderAndSummitTests:
    def test_a_leader_with_offices(self, client, record):
        """Putin's page in the API: his office with its dates, and where his events are."""
        putin = get(client, "leaders/vladimir-putin").json()
        assert (putin["name"], putin["country"]) == ("Vladimir Putin", "RU")
        assert putin["offices"] == [
            {
                "title": "President of Russia",
                "country": "RU",
                "start": "2012-05-07",
                "end": None,
                "tenure": "7 May 2012 – present",
                "source_url": "",
            }
        ]
        assert putin["events"] == "http://testserver/api/v1/events?leader=vladimir-putin"
        assert get(client, "leaders/nobody").status_code == 404

    def test_leaders_page_by_slug(self, client, record):
        """Two a page, following `next`: every leader once, in slug order."""
        first = get(client, "leaders?limit=2").json()
        assert [leader["slug"] for leader in first["leaders"]] == ["barack-obama", "rodrigo-duterte"]
        second = client.get(first["next"]).json()
        assert [leader["slug"] for leader in second["leaders"]] == ["vladimir-putin"] and second["next"] is None

    def test_a_summit(self, client, record):
        """APEC 2016: in Lima, 19–20 November 2016, and its events through the events operation."""
        apec = get(client, "summits/apec-2016").json()
        assert (apec["short_name"], apec["city"], apec["host_country"]) == ("APEC 2016", "Lima", "PE")
        assert (apec["start_date"], apec["end_date"], apec["dates_display"]) == (
            "2016-11-19",
            "2016-11-20",
            "19–20 November 2016",
        )
        assert titles(client.get(apec["events"])) == ["Duterte meets Putin in Lima"]
        assert [s["slug"] for s in get(client, "summits").json()["summits"]] == ["apec-2016"]
        assert get(client, "summits/apec-2099").status_code == 404


class QueryCountTests:
    def populate(self, n):
        """`n` more events between the same two leaders, each new batch at a summit of its own."""
        duterte = Leader.objects.filter(slug="rodrigo-duterte").first() or make_leader("Rodrigo Duterte", "PH")
        putin = Leader.objects.filter(slug="vladimir-putin").first() or make_leader("Vladimir Putin", "RU")
        summit = make_summit(f"Summit {n}")
        for i in range(n):
            make_event(
                f"Event {n}-{i}",
                date=datetime.date(2016, 1, 1) + datetime.timedelta(days=i),
                summit=summit,
                participants=(duterte, putin),
                status=EventStatus.PLANNED if i % 2 else EventStatus.HELD,
            )

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            # the page (drafts out in it), then the events' countries, participants, sources, disagreements,
            # quotes, status histories, links and readouts (the parts /events.json reads, #14)
            ("events?country=RU&limit=100", 9),
            ("events?leader=vladimir-putin&kind=meeting", 10),  # and the leader named
            ("relationships", 3),  # the months summed, the countries with their latest event, those events
            ("relationships/ph-ru", 1),  # the months
            ("leaders?limit=100", 2),  # the leaders, their offices
            ("summits?limit=100", 1),
        ],
    )
    def test_query_count_is_constant(self, client, settings, django_assert_num_queries, path, expected):
        """Guards N+1 over events, participants, offices and summits: the same count at 3 and 30 events."""
        settings.PAGE_CACHE = False
        for n in (3, 30):
            self.populate(n)
            with django_assert_num_queries(expected):
                response = get(client, path)
            assert response.status_code == 200, response.content


class AroundTheAPITests:
    def test_json_is_cached_and_revalidated_with_304(self, client, settings, record, django_assert_num_queries):
        """The page cache stores API answers (a hit costs the version query) and a revalidation is a 304."""
        settings.PAGE_CACHE = True
        first = get(client, "events?country=RU")
        assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
        with django_assert_num_queries(1):
            again = get(client, "events?country=RU")
        assert again.json() == first.json()
        not_modified = get(client, "events?country=RU", if_none_match=first["ETag"])
        assert not_modified.status_code == 304 and not_modified.content == b""

    def test_a_write_changes_the_answer_at_once(self, client, settings, record):
        """Never stale: a newly published event is in the next answer, whatever was cached."""
        settings.PAGE_CACHE = True
        assert "A draft nobody may see" not in titles(get(client, "events?country=RU"))
        record["draft"].published = True
        record["draft"].save()
        assert "A draft nobody may see" in titles(get(client, "events?country=RU"))

    def test_rate_limit_answers_429_with_retry_after(self, client, settings, record):
        """Past the limit, one client gets 429 and how long to wait, cached answers counting too; others go on."""
        settings.API_RATE_LIMIT = "3/min"
        settings.PAGE_CACHE = True
        for _ in range(3):
            assert get(client, "events").status_code == 200
        refused = get(client, "events")
        assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
        assert refused.json() == {
            "detail": f"Too many requests: at most 3/min from one address. Retry in {refused['Retry-After']} s."
        }
        assert client.get("/api/v1/events", REMOTE_ADDR="192.0.2.7").status_code == 200
        assert client.get("/events/").status_code == 200  # the pages are not the API's to limit

    def test_cors_for_reading_from_any_origin_on_the_api_only(self, client, record):
        """A page elsewhere may read the API (GET, preflight too), without credentials; the site's pages it may not."""
        origin = "https://newsroom.example"
        response = get(client, "events", origin=origin)
        assert response["Access-Control-Allow-Origin"] == "*"
        preflight = client.options("/api/v1/events", headers={"origin": origin, "access-control-request-method": "GET"})
        assert preflight.status_code == 200
        assert set(preflight["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
        assert "Access-Control-Allow-Credentials" not in preflight
        assert "Access-Control-Allow-Origin" not in client.get("/events/", headers={"origin": origin})

    def test_statement_timeout_is_a_json_503(self, client, monkeypatch):
        """A query stopped by the statement timeout: 503, Retry-After, and a reason in JSON."""

        def too_slow():
            raise OperationalError("interrupted")

        monkeypatch.setattr("events.api.v1.home_relationships", too_slow)
        response = get(client, "relationships")
        assert response.status_code == 503 and response["Retry-After"] == "30"
        assert response.json() == {"detail": "The database took too long to answer; try again shortly."}

    def test_head_is_answered_as_get(self, client, settings, record):
        """HEAD gives GET's status and headers, cached or not, without a body."""
        settings.PAGE_CACHE = True
        head = client.head("/api/v1/events?country=RU")
        assert head.status_code == 200 and head["Content-Type"].startswith("application/json") and head.content == b""
        assert get(client, "events?country=RU")["ETag"] == head["ETag"]
        assert client.head("/api/v1/events/999999999").status_code == 404

    def test_index_links_the_docs(self, client):
        assert get(client, "").json()["docs"] == "http://testserver" + reverse("api:openapi-view")


class CommitmentTests:
    # `commitments` (test_life_pages): arms from Russia (delivered at Lima), loans from China

    def test_one_commitment_with_its_steps(self, client, commitments, lima):
        """Its stage, value and countries, and each dated step with its source and the event that moved it."""
        arms = get(client, "commitments/russian-arms").json()
        assert (arms["title"], arms["kind"], arms["stage"]) == ("Arms from Russia", "intention", "delivered")
        assert (arms["amount"], arms["currency"], arms["countries"]) == ("5000000000.00", "USD", ["PH", "RU"])
        assert [(s["date"], s["date_display"], s["stage"], s["source_url"]) for s in arms["steps"]] == [
            ("2016-09-13", "13 September 2016", "announced", "https://example.org/arms-1"),
            ("2017-10", "October 2017", "delivered", "https://example.org/arms-2"),
        ]
        assert arms["steps"][0]["event"] is None
        assert arms["steps"][1]["event"]["title"] == "Duterte meets Vladimir Putin on the sidelines of APEC in Lima"
        assert arms["steps"][1]["note"] == "rifles and trucks donated"

    def test_a_step_s_draft_event_is_left_out(self, client, commitments, lima):
        """The step stays; the unpublished event it names does not appear."""
        Event.objects.filter(pk=lima["meeting"].pk).update(published=False)
        steps = get(client, "commitments/russian-arms").json()["steps"]
        assert [(s["stage"], s["event"]) for s in steps] == [("announced", None), ("delivered", None)]

    @pytest.mark.parametrize(
        ("query", "slugs"),
        [
            ("", ["chinese-loans", "russian-arms"]),
            ("country=cn", ["chinese-loans"]),
            ("country=PH&country=RU", ["russian-arms"]),
            ("stage=delivered", ["russian-arms"]),
            ("stage=signed&country=PH", ["chinese-loans"]),
        ],
    )
    def test_the_list_filtered_by_country_and_stage(self, client, commitments, query, slugs):
        """By the countries named (every one) and by stage, as /commitments/ filters."""
        assert [c["slug"] for c in get(client, f"commitments?{query}").json()["commitments"]] == slugs

    def test_bad_filters_and_unknown_slugs(self, client, commitments):
        """An unknown country is the form's 400, an unknown stage a 422, an unknown slug a 404, all in JSON."""
        unknown = get(client, "commitments?country=ZZ")
        assert unknown.status_code == 400
        assert unknown.json()["errors"]["country"][0]["message"] == (
            "Select a valid choice. ZZ is not one of the available choices."
        )
        assert get(client, "commitments?stage=finished").status_code == 422
        assert get(client, "commitments/nothing").json() == {"detail": "No commitment has the slug “nothing”."}

    def test_pages_and_query_count(self, client, settings, commitments, django_assert_num_queries):
        """One a page, following `next`; a page is two queries (commitments, their countries) at any size."""
        settings.PAGE_CACHE = False
        first = get(client, "commitments?limit=1").json()
        assert [c["slug"] for c in first["commitments"]] == ["chinese-loans"]
        assert [c["slug"] for c in client.get(first["next"]).json()["commitments"]] == ["russian-arms"]
        for n in (3, 30):
            for i in range(n):
                make_commitment(f"pledge-{n}-{i}", countries=("PH", "JP"))
            with django_assert_num_queries(2):
                assert len(get(client, "commitments?limit=100").json()["commitments"]) == 2 + (3 if n == 3 else 33)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class DocsPageBrowserTests:
    def test_the_docs_page_lists_every_operation_under_the_sites_csp(self, live_server, page, settings):
        """Swagger UI renders the schema from this site's own files: no CSP violation, no request elsewhere."""
        settings.PAGE_CACHE = False
        problems, elsewhere = [], []
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: request.url.startswith(live_server.url) or elsewhere.append(request.url))
        page.goto(live_server.url + "/api/v1/docs")
        operations = page.locator(".opblock-summary-path")
        operations.first.wait_for()
        paths = {text.strip().replace("\u200b", "") for text in operations.all_inner_texts()}
        assert {"/api/v1/events", "/api/v1/relationships/{pair}", "/api/v1/commitments/{slug}"} <= paths
        assert len(paths) == len(api.get_openapi_schema(path_params={})["paths"])
        assert problems == [] and elsewhere == []
