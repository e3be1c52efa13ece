"""The site in Filipino at /fil/: the interface translated, the record as entered, each page linked to its other language.

Also the catalogue itself (locale/fil/LC_MESSAGES/django.po): every string the
templates and the code mark is in it, at least 98 % are translated, and the
committed .mo says what the .po says (docs/i18n.md).
"""

import datetime
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from events.tests.factories import make_event
from events.tests.test_life_pages import commitments, lima  # noqa: F401 (fixtures)
from events.tests.test_temperature import leaders, ph_us  # noqa: F401 (fixtures)
from events.tests.test_views import VNU, build_record, putin_record, visible_text  # noqa: F401 (a fixture)
from events.vocab.dates import Precision, format_partial_date

TIMELINE = "/relationships/ph-ru/"
LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUE = LOCALE / "fil" / "LC_MESSAGES" / "django.po"
# Django's lazy names for gettext, as the Makefile's BABEL_KEYWORDS gives them to `pybabel extract`.
DJANGO_KEYWORDS = {
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


@pytest.fixture(autouse=True)
def render_every_time(settings):
    """Pages rendered afresh, except where a test turns the page cache on to test it."""
    settings.PAGE_CACHE = False


@pytest.fixture(autouse=True)
def english_outside_requests():
    """The test's own code runs in English (a request to /fil/ leaves Filipino active in this thread), then and after."""
    translation.deactivate()
    yield
    translation.deactivate()


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode())[1]


def alternates(response) -> dict[str, str]:
    """{hreflang: href} of the page's `<link rel="alternate" hreflang>`s."""
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', response.content.decode()))


def language_switch(response) -> str:
    return re.search(r'<p class="language-switch"><a href="([^"]+)"', response.content.decode())[1].replace(
        "&amp;", "&"
    )


@pytest.mark.django_db
class FilipinoPagesTests:
    def test_timeline_interface_and_dates_in_filipino_record_as_entered(self, client, putin_record):
        """/fil/relationships/ph-ru/ speaks Filipino around the record, which keeps its English titles and quotes."""
        response = client.get("/fil" + TIMELINE)
        assert response.status_code == 200
        text = visible_text(response)
        assert html_lang(response) == "fil"
        assert "Timeline ng relasyon" in text
        assert "I-filter ang timeline na ito" in text
        assert "Ilapat ang mga filter" in text
        assert "19 Nobyembre 2016 Pulong sa sidelines" in text
        assert "bandang Setyembre 2016" in text  # an approximate month
        assert "mula Setyembre 2016 hanggang Nobyembre 2016" in text
        assert "Administrasyong Duterte 2016–2022" in text
        assert "Duterte meets Vladimir Putin on the sidelines of APEC in Lima" in text
        assert "Wala naman akong hingiin. I want to be friends with him." in text
        assert "Filipino (orihinal)" in text and "Ingles (salin)" in text
        assert "Temperatura ng relasyong Philippines–Russia" in text  # the chart, worded in Python
        assert "Wala pang naka-code na kaganapan sa pagitan ng Philippines at Russia." in text
        for english in ("Relationship timeline", "Apply filters", "November", "about September", "Temperature"):
            assert english not in text

    def test_quotes_carry_their_own_language(self, client, putin_record):
        """On the Filipino page the quote keeps lang="fil" and its English translation lang="en"."""
        content = client.get("/fil" + TIMELINE).content.decode()
        assert '<blockquote lang="fil"><p>Wala naman akong hingiin.' in content
        assert '<blockquote lang="en"><p>I won' in content

    def test_english_pages_are_unchanged(self, client, putin_record):
        """The page at today's address stays English, dates included."""
        response = client.get(TIMELINE)
        text = visible_text(response)
        assert html_lang(response) == "en"
        assert "Relationship timeline" in text
        assert "19 November 2016 Meeting on the sidelines" in text
        assert "about September 2016" in text
        assert "Nobyembre" not in text

    def test_hreflang_alternates_both_ways(self, client, putin_record):
        """Each language's page names both versions, English as the default, with absolute addresses."""
        expected = {
            "en": f"http://testserver{TIMELINE}",
            "fil": f"http://testserver/fil{TIMELINE}",
            "x-default": f"http://testserver{TIMELINE}",
        }
        assert alternates(client.get(TIMELINE)) == expected
        assert alternates(client.get("/fil" + TIMELINE)) == expected

    def test_the_switch_keeps_the_filters(self, client, putin_record):
        """The language switch is a plain link to the same page in the other language, query string kept."""
        query = "?kind=sideline&summit=APEC+2016&q=Putin"
        assert language_switch(client.get(TIMELINE + query)) == f"/fil{TIMELINE}{query}"
        filipino = client.get(f"/fil{TIMELINE}{query}")
        assert language_switch(filipino) == TIMELINE + query
        text = visible_text(filipino)
        assert "Duterte meets Vladimir Putin on the sidelines of APEC in Lima" in text
        assert "Duterte on meeting Putin" not in text  # a statement: the kind filter holds
        assert "Uri: Pulong sa sidelines" in text  # the filter in force, in Filipino

    def test_links_stay_in_the_page_language(self, client, putin_record):
        """A Filipino page links to Filipino pages, and an English page rendered after it still to English ones."""
        lima = putin_record["lima"].get_absolute_url()
        assert f'href="/fil{lima}"' not in client.get(TIMELINE).content.decode()
        filipino = client.get("/fil" + TIMELINE).content.decode()
        assert f'href="/fil{lima}"' in filipino
        assert 'href="/fil/events/"' in filipino
        content = client.get(TIMELINE).content.decode()
        assert f'href="{lima}"' in content
        assert 'href="/fil/events/"' not in content

    def test_form_errors_in_filipino(self, client, putin_record):
        """A malformed filter answers 400 with the form's message in Filipino."""
        response = client.get("/fil/events/", {"date_after": "2016-13-01", "kind": "rumour"})
        assert response.status_code == 400
        text = visible_text(response)
        assert "Hindi mailapat ang mga filter na ito" in text
        assert "Mula: Maglagay ng tamang petsa." in text
        assert "Uri: Pumili ng tamang opsiyon. Wala sa mga pagpipilian ang rumour." in text

    @pytest.mark.parametrize(
        "path, phrase",
        [
            ("/fil/", "Ang Pilipinas at ang mundo"),
            ("/fil/events/", "Bawat naitalang pulong, pahayag, kasunduan at hakbang sa polisiya"),
            ("/fil/summits/", "Mga multilateral na summit"),
            ("/fil/summits/apec-2016/", "Mga bilateral na pulong sa sidelines"),
            ("/fil/leaders/", "Mga pinuno ng estado at pamahalaan"),
            ("/fil/leaders/vladimir-putin/", "Mga posisyong hinawakan"),
            ("/fil/relationships/compare/?with=ru", "Pumili ng mga relasyon"),
        ],
    )
    def test_every_public_page_in_filipino(self, client, putin_record, path, phrase):
        """Each public page answers under /fil/ with its interface in Filipino."""
        response = client.get(path)
        assert response.status_code == 200
        assert html_lang(response) == "fil"
        assert phrase in visible_text(response)

    def test_event_page_in_filipino(self, client, putin_record):
        """An event page: the notice, the sections and the dates in Filipino, the title as entered."""
        text = visible_text(client.get("/fil" + putin_record["cancelled"].get_absolute_url()))
        assert "Kinansela ang pulong sa sidelines na ito: hindi ito natuloy." in text
        assert "6 Setyembre 2016" in text
        assert "Planned Duterte–Obama meeting in Vientiane" in text

    def test_kind_and_status_labels_in_either_language(self):
        """Event's cached labels are Django's own get_FOO_display(), in the active language."""
        from django.db.models import Model

        from events.models import Event, EventKind, EventStatus

        event = Event(kind=EventKind.MEETING, status=EventStatus.CANCELLED)
        for language, kind, status in (
            ("en", "Meeting", "Cancelled"),
            ("fil", "Pulong", "Kinansela"),
            ("en", "Meeting", "Cancelled"),
        ):
            with translation.override(language):
                assert (event.get_kind_display(), event.get_status_display()) == (kind, status)
                for field in ("kind", "status"):
                    for value, _ in Event._meta.get_field(field).choices:
                        setattr(event, field, value)
                        assert getattr(event, f"get_{field}_display")() == Model._get_FIELD_display(
                            event, Event._meta.get_field(field)
                        )
                event.kind, event.status = EventKind.MEETING, EventStatus.CANCELLED

    def test_remembered_translations_follow_the_language(self):
        """The templates' `_()` is remembered per language: switching back and forth never mixes them."""
        from django.template import engines

        template = engines["jinja2"].from_string('{{ _("Cancelled") }}')
        for language, expected in (
            ("en", "Cancelled"),
            ("fil", "Kinansela"),
            ("en", "Cancelled"),
            ("fil", "Kinansela"),
        ):
            with translation.override(language):
                assert template.render({}) == expected

    def test_not_found_page_in_filipino(self, client):
        """An unknown address under /fil/ gets the 404 page in Filipino, linking back to the English one."""
        response = client.get("/fil/nowhere/")
        assert response.status_code == 404
        assert html_lang(response) == "fil"
        assert "Hindi makita ang pahina" in visible_text(response)
        assert language_switch(response) == "/nowhere/"

    @pytest.mark.parametrize(
        "path", ["/fil//elsewhere.example/x", "//elsewhere.example/x", "/fil///elsewhere.example/"]
    )
    def test_the_switch_never_links_to_another_site(self, client, path):
        """A 404 for a path starting with slashes links to a path of this site, not to //elsewhere.example/."""
        response = client.get(path)
        assert response.status_code == 404
        assert not language_switch(response).startswith("//")
        assert all(not href.startswith("http://testserver//") for href in alternates(response).values())

    def test_admin_stays_english(self, client):
        """The admin has no Filipino address and its login page stays English."""
        assert client.get("/fil/admin/").status_code == 404
        assert "Log in" in visible_text(client.get("/admin/login/"))

    def test_temperature_chart_in_filipino(self, client, ph_us):
        """The chart's title, description, axis and table on /fil/relationships/ph-us/, from the months of `ph_us`."""
        text = visible_text(client.get("/fil/relationships/ph-us/"))
        assert "Temperatura ng relasyong Philippines–United States, kada buwan" in text
        assert (
            "Average na iskor, mula kooperasyon hanggang alitan, kada buwan ng mga naka-code na kaganapan sa pagitan "
            "ng Philippines at United States, Enero 2016 hanggang Abril 2016"
        ) in text
        assert "United States: 5 kaganapan; pinakamababa noong Marso 2016 (−5.0)" in text
        assert "; 1 sa 4 buwan ang walang naka-code na kaganapan" in text
        assert "Pebrero 2016: walang naka-code na kaganapan. Ipakita ang timeline ng Pebrero 2016." in text
        assert "Kooperasyon sa salita" in text and "Administrasyon" in text

    def test_filipino_pages_are_valid_html(self, client, putin_record, tmp_path):
        """The Nu Html Checker reports no error on the Filipino pages (lang, hreflang, the switch), errors included."""
        if not VNU.exists():
            pytest.fail(f"{VNU} is missing: run `make test` (or `npm ci`) to install the Nu Html Checker.")
        paths = [
            "/fil/",
            f"/fil{TIMELINE}?summit=apec-2016&kind=meeting",
            "/fil/events/?date_after=2016-13-01&country=ZZ",
            "/fil" + putin_record["dinner"].get_absolute_url(),
            "/fil/leaders/rodrigo-duterte/",
            "/fil/nowhere/",
        ]
        files = []
        for number, path in enumerate(paths):
            files.append(tmp_path / f"{number}.html")
            files[-1].write_bytes(client.get(path).content)
        result = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        messages = json.loads(result.stderr or result.stdout)["messages"]
        assert [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages] == []

    @pytest.mark.parametrize("size", [1, 6])
    def test_filipino_timeline_costs_the_queries_of_the_english_one(self, client, size):
        """The language adds no query: the Filipino timeline runs what the English one runs, at two sizes."""
        build_record(size)
        counts = {}
        for prefix in ("", "/fil"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(prefix + TIMELINE).status_code == 200
            counts[prefix] = len(queries)
        assert counts["/fil"] == counts[""]


@pytest.mark.django_db
class PageCacheLanguageTests:
    def test_filipino_and_english_pages_never_serve_each_other(self, client, settings, putin_record):
        """With the page cache on, /fil/events/ and /events/ each get their own page, first render or hit."""
        settings.PAGE_CACHE = True
        for _ in range(2):  # the second round is served from the cache
            english, filipino = client.get("/events/"), client.get("/fil/events/")
            assert html_lang(english) == "en" and "Apply filters" in visible_text(english)
            assert html_lang(filipino) == "fil" and "Ilapat ang mga filter" in visible_text(filipino)
            assert english["ETag"] != filipino["ETag"]


class DatesTests:
    def test_partial_dates_in_filipino(self):
        """Day, month and year precision, and 'bandang' for an approximate date."""
        day = datetime.date(2016, 11, 19)
        with translation.override("fil"):
            assert format_partial_date(day, Precision.DAY) == "19 Nobyembre 2016"
            assert format_partial_date(day, Precision.MONTH) == "Nobyembre 2016"
            assert format_partial_date(day, Precision.YEAR, approximate=True) == "bandang 2016"
            assert format_partial_date(datetime.date(2016, 2, 1), Precision.MONTH, approximate=True) == (
                "bandang Pebrero 2016"
            )
        assert format_partial_date(day, Precision.MONTH, approximate=True) == "about November 2016"

    def test_every_month_has_its_filipino_name(self):
        """The twelve months as Philippine newspapers write them, through our dates and Django's `date` filter."""
        from django.utils.dateformat import format as format_date

        months = [
            "Enero",
            "Pebrero",
            "Marso",
            "Abril",
            "Mayo",
            "Hunyo",
            "Hulyo",
            "Agosto",
            "Setyembre",
            "Oktubre",
            "Nobyembre",
            "Disyembre",
        ]
        with translation.override("fil"):
            for number, name in enumerate(months, start=1):
                day = datetime.date(2016, number, 5)
                assert format_partial_date(day, Precision.DAY) == f"5 {name} 2016"
                assert format_date(day, "j F Y") == f"5 {name} 2016"


def extracted_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string the templates and the code mark, as `make messages` extracts them."""
    with open(LOCALE / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    keywords = {**DEFAULT_KEYWORDS, **DJANGO_KEYWORDS}
    for _file, _line, message, _comments, context in extract_from_dir(
        settings.BASE_DIR, method_map, options_map, keywords=keywords
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def read_catalogue():
    with open(CATALOGUE, "rb") as po:
        return read_po(po, locale="fil")


class CatalogueTests:
    def test_every_marked_string_is_in_the_catalogue(self):
        """No string wrapped in a template or marked in the code is missing from the .po: run `make messages`."""
        catalogue = read_catalogue()
        known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue if m.id}
        missing = sorted(extracted_messages() - known, key=str)
        assert missing == [], "Not in locale/fil/LC_MESSAGES/django.po (make messages, docs/i18n.md): " + repr(missing)

    def test_at_least_98_percent_translated(self):
        """At least 98 % of the catalogue's messages have a Filipino translation that is not marked fuzzy."""
        messages = [m for m in read_catalogue() if m.id]
        strings = [m.string if isinstance(m.string, tuple) else (m.string,) for m in messages]
        translated = sum(1 for m, forms in zip(messages, strings) if all(forms) and not m.fuzzy)
        assert len(messages) > 200
        assert translated / len(messages) >= 0.98, f"{translated} of {len(messages)} translated"

    def test_compiled_catalogue_matches_the_po(self):
        """The committed .mo holds exactly the .po's translations: run `make compile-messages` after editing it."""
        with open(CATALOGUE.with_suffix(".mo"), "rb") as mo:
            compiled = read_mo(io.BytesIO(mo.read()))

        def translations(catalogue):
            # read_mo() gives the context as bytes.
            return {
                (
                    m.context.decode() if isinstance(m.context, bytes) else m.context,
                    m.id if isinstance(m.id, str) else tuple(m.id),
                ): (m.string if isinstance(m.string, str) else tuple(m.string))
                for m in catalogue
                if m.id
            }

        po = {key: string for key, string in translations(read_catalogue()).items() if string and string != ("", "")}
        assert translations(compiled) == po


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class LanguageSwitchBrowserTests:
    def test_switch_a_filtered_timeline_to_filipino_and_back(self, live_server, browser, putin_record):
        """Without JavaScript, a reader switches a filtered timeline to Filipino and back; the filter stays."""
        make_event(
            "Duterte and Putin talk by telephone",
            date=datetime.date(2017, 1, 5),
            participants=(putin_record["duterte"], putin_record["putin"]),
        )
        context = browser.new_context(viewport={"width": 375, "height": 800}, java_script_enabled=False)
        reader = context.new_page()
        reader.goto(f"{live_server.url}{TIMELINE}?summit=APEC+2016")
        expect(reader.locator("html")).to_have_attribute("lang", "en")

        reader.get_by_role("link", name="Filipino").click()
        expect(reader).to_have_url(f"{live_server.url}/fil{TIMELINE}?summit=APEC+2016")
        expect(reader.locator("html")).to_have_attribute("lang", "fil")
        expect(reader.get_by_role("heading", level=1)).to_have_text("Philippines at Russia")
        expect(reader.locator(".event-title")).to_have_text(
            ["Duterte meets Vladimir Putin on the sidelines of APEC in Lima"]
        )
        expect(reader.locator(".event-date")).to_have_text(["19 Nobyembre 2016"])
        assert reader.evaluate("document.documentElement.scrollWidth") <= 375

        reader.get_by_role("link", name="English").click()
        expect(reader).to_have_url(f"{live_server.url}{TIMELINE}?summit=APEC+2016")
        expect(reader.locator("html")).to_have_attribute("lang", "en")
        expect(reader.locator(".event-date")).to_have_text(["19 November 2016"])
        context.close()

    def test_filipino_pages_have_no_serious_or_critical_axe_violations(self, live_server, page, putin_record):
        """axe-core finds no serious or critical violation on the Filipino home, timeline and event pages."""
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()
        problems = {}
        dinner = putin_record["dinner"].get_absolute_url()
        for path in ("/fil/", "/fil" + TIMELINE, "/fil" + dinner):
            page.goto(live_server.url + path)
            serious = [v["id"] for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
            if serious:
                problems[path] = serious
        assert problems == {}


@pytest.mark.django_db
class LifeAndCommitmentsInFilipinoTests:
    """What the event's life added (#14) speaks Filipino at /fil/ too; the record and the citations stay as they are."""

    def test_commitments_list_in_filipino(self, client, commitments):
        """/fil/commitments/: headings, kinds, stages, steps' dates and the count in Filipino; the title as entered."""
        response = client.get("/fil/commitments/")
        assert response.status_code == 200
        assert html_lang(response) == "fil"
        text = visible_text(response)
        assert "Mga pangako" in text and "I-filter ang mga pangako" in text
        assert (
            "Arms from Russia Inihayag na balak Naisakatuparan · USD 5,000,000,000 · Philippines, Russia "
            "inihayag 13 Setyembre 2016 · naisakatuparan Oktubre 2017"
        ) in text
        assert "Loans from China Pangako Nilagdaan" in text and "2 pangako" in text

    def test_commitments_filter_error_in_filipino(self, client, commitments):
        response = client.get("/fil/commitments/?stage=promised")
        assert response.status_code == 400
        assert "Yugto" in visible_text(response)

    def test_event_with_a_status_history_in_filipino(self, client, lima, commitments):
        """The event's course, its links, readouts and commitments in Filipino; readouts and citation as they are."""
        meeting, announcement = (lima[name].get_absolute_url() for name in ("meeting", "announcement"))
        response = client.get("/fil" + meeting)
        assert response.status_code == 200
        text = visible_text(response)
        assert ("Ang naging takbo nito Inihayag 15 Nobyembre 2016 manilatimes.net Naganap 19 Nobyembre 2016") in text
        assert "Tumutupad sa: Duterte announces he will meet Putin at the APEC summit in Lima 15 Nobyembre 2016" in text
        assert "Mga readout ng mga pamahalaan" in text
        assert "Vladimir Putin met with the President of the Philippines." in text  # the record, as entered
        assert "Mga pangakong isinulong nito Arms from Russia: naisakatuparan Oktubre 2017" in text
        assert "I-cite ang rekord na ito" in text and "Permanenteng address:" in text
        citation = text.split("I-cite ang rekord na ito", 1)[1].split("Permanenteng address:", 1)[0]
        assert "Nobyembre" not in citation  # APA and Chicago stay in English, dates too
        # The announcement reads the link backwards, in Filipino.
        back = visible_text(client.get("/fil" + announcement))
        assert "Tinupad ng: Duterte meets Vladimir Putin on the sidelines of APEC in Lima" in back

    def test_the_card_status_line_in_filipino(self, client, lima):
        text = visible_text(client.get("/fil" + TIMELINE))
        assert "inihayag 15 Nobyembre 2016 · naganap 19 Nobyembre 2016" in text

    def test_exports_keep_their_codes_in_filipino(self, client, lima):
        """/fil/events.json names a link backwards by its code, `fulfilled_by`, not by the Filipino label."""
        announcement = lima["announcement"].pk
        path = "/fil" + reverse("events:events_json")
        events = {e["id"]: e for e in json.loads(b"".join(client.get(path).streaming_content))["events"]}
        assert [link["relation"] for link in events[announcement]["links"]] == ["fulfilled_by"]
