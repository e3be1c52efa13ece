"""Property-based fuzzing: no query string or path segment makes a public URL answer 5xx."""

import io
import string

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = [
    "/",
    "/healthz",
    "/events/",
    "/relationships/ph-ru/",
    "/relationships/ru-ph/",
    "/relationships/compare/",
    "/summits/",
    "/summits/apec-2016/",
    "/leaders/",
    "/leaders/rodrigo-duterte/",
    "/events.csv",
    "/events.json",
    "/relationships/ph-ru/timeline.json",
    "/relationships/ph-ru/feed/",
    "/calendar.ics",
]
PARAMETERS = [
    "country",
    "summit",
    "leader",
    "kind",
    "status",
    "date_after",
    "date_before",
    "q",
    "page",
    "after",
    "before",
    "with",
    "period",
    "cursor",
]

# Values people and robots actually send: plausible ones, near misses and junk.
plausible = st.sampled_from(
    [
        "PH",
        "ru",
        "US",
        "ZZ",
        "apec-2016",
        "rodrigo-duterte",
        "meeting",
        "sideline",
        "held",
        "cancelled",
        "2016-11-19",
        "2016-13-01",
        "2016-02-30",
        "0000-00-00",
        "9999-12-31",
        "-1",
        "0",
        "1",
        "999999999999999999999",
        "Putin",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%",
        "_",
        "\\",
        "2016-11-19_1",
        "x_y_z",
    ]
)
junk = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
values = st.one_of(plausible, junk, st.text(alphabet=string.printable, max_size=300))
query = st.lists(st.tuples(st.sampled_from(PARAMETERS) | st.text(max_size=8), values), max_size=6)
segment = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), min_size=1, max_size=30)


@pytest.fixture(scope="module")
def bundled(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_bundled_data", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        from events.models import Commitment, Event, Leader, Publisher, Summit
        from events.services import involvement

        with involvement.deferred():  # one sync and one bump for the whole record, not some per row
            Commitment.objects.all().delete()  # not an event's part: its steps only point at events
            Event.objects.all().delete()
        Leader.objects.all().delete()
        Summit.objects.all().delete()
        Publisher.objects.all().delete()


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


class FuzzTests:
    @SETTINGS
    @given(path=st.sampled_from(PUBLIC_PATHS), params=query)
    def test_query_parameters_never_cause_a_server_error(self, client, bundled, path, params):
        """Any mix of known and unknown parameters with any values gets an answer below 500."""
        response = client.get(path, params)
        assert response.status_code < 500, (path, params)

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        template=st.sampled_from(
            [
                "/relationships/{}/",
                "/relationships/{}-{}/",
                "/events/{}/",
                "/events/1/{}/",
                "/summits/{}/",
                "/leaders/{}/",
                "/relationships/{}-{}/timeline.json",
                "/relationships/{}-{}/feed/",
            ]
        ),
        a=segment,
        b=segment,
    )
    def test_path_segments_never_cause_a_server_error(self, client, bundled, template, a, b):
        """Any text in a path segment gets a 404 or a page, never a 5xx."""
        from urllib.parse import quote

        path = template.format(quote(a, safe=""), quote(b, safe=""))
        response = client.get(path)
        assert response.status_code < 500, path
