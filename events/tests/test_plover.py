"""PLOVER coding: the vocabulary and its scores, suggestions, direction, the model's rules and the bundled coding."""

import datetime
import io
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from events.models import Event, EventKind, EventStatus
from events.services.coding import CodingFileError, apply_coding_file, code_events
from events.tests.factories import make_event, make_leader, make_quote, make_summit
from events.vocab import plover
from events.vocab.coding import direction_for
from events.vocab.plover import PloverCategory, Quad, default_score, quad_of, suggest

D = Decimal


@pytest.fixture
def staff_client(client):
    client.force_login(get_user_model().objects.create_superuser("coder", "", "a-long-test-password"))
    return client


def inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def event_form(**overrides):
    """The admin's event form, filled in for a meeting without participants, coding or sources."""
    data = {
        "kind": EventKind.SIDELINE,
        "title": "Duterte meets Putin",
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
        "actor_country": "",
        "target_country": "",
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
    return {**data, **overrides}


class VocabularyTests:
    def test_quads_follow_the_manual(self):
        """Each category sits in the quad its section of the PLOVER manual gives, SANCTION in material conflict."""
        assert plover.QUAD_CATEGORIES == {
            Quad.VERBAL_COOPERATION: ("AGREE", "CONSULT", "SUPPORT", "CONCEDE"),
            Quad.MATERIAL_COOPERATION: ("COOPERATE", "AID", "RETREAT"),
            Quad.VERBAL_CONFLICT: ("REQUEST", "ACCUSE", "REJECT", "THREATEN"),
            Quad.MATERIAL_CONFLICT: ("PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"),
        }
        assert set(plover.CATEGORIES) == set(PloverCategory.values)

    def test_modes_are_the_manuals(self):
        """CONSULT is done by visit, third party, multilateral setting or phone; AGREE has no modes."""
        assert plover.modes_of("CONSULT") == ("visit", "third-party", "multilateral", "phone")
        assert plover.modes_of("AID") == ("economic", "military", "humanitarian", "asylum")
        assert plover.modes_of("AGREE") == ()
        assert plover.modes_of("NONSENSE") == ()

    @pytest.mark.parametrize(
        ("category", "mode", "score"),
        [
            ("CONSULT", "", "2.1"),  # the manual's score for the category
            ("CONSULT", "visit", "1.9"),  # CAMEO 042, Make a visit
            ("CONSULT", "phone", "1.0"),  # CAMEO 041, Discuss by telephone
            ("CONSULT", "third-party", "2.5"),  # CAMEO 044, Meet at a third location
            ("CONSULT", "multilateral", "2.1"),  # no CAMEO counterpart: the category's
            ("SANCTION", "cancel", "-4.0"),  # CAMEO 161
            ("AID", "military", "8.3"),  # CAMEO 072
            ("THREATEN", "relations", "-5.8"),  # CAMEO 1313
            ("ASSAULT", "", "-9.3"),
            ("REQUEST", "", "-5.0"),  # DEMAND's score
        ],
    )
    def test_default_scores(self, category, mode, score):
        """The default score of a category and mode is the documented value."""
        assert default_score(category, mode) == D(score)

    def test_uncoded_has_no_score(self):
        """No category, no score; an unknown mode falls back to the category's score."""
        assert default_score("", "") is None
        assert default_score("CONSULT", "by pigeon") == D("2.1")

    def test_every_score_lies_on_its_side_of_the_scale(self):
        """Cooperation scores are positive and conflict scores negative, all between −10 and +10."""
        for code, category in plover.CATEGORIES.items():
            sign = 1 if category.quad in (Quad.VERBAL_COOPERATION, Quad.MATERIAL_COOPERATION) else -1
            for mode in ("", *category.modes):
                score = default_score(code, mode)
                assert -10 <= score <= 10 and score * sign > 0, (code, mode, score)


class SuggestTests:
    @pytest.mark.parametrize(
        ("kind", "status", "expected"),
        [
            (EventKind.STATE_VISIT, EventStatus.HELD, ("CONSULT", "visit")),
            (EventKind.WORKING_VISIT, EventStatus.HELD, ("CONSULT", "visit")),
            (EventKind.CALL, EventStatus.HELD, ("CONSULT", "phone")),
            (EventKind.SIDELINE, EventStatus.HELD, ("CONSULT", "third-party")),
            (EventKind.MEETING, EventStatus.HELD, ("CONSULT", "")),
            (EventKind.AGREEMENT, EventStatus.HELD, ("AGREE", "")),
            (EventKind.INTENTION, EventStatus.HELD, ("AGREE", "")),
            (EventKind.SIDELINE, EventStatus.CANCELLED, ("", "")),
            (EventKind.STATE_VISIT, EventStatus.PLANNED, ("", "")),
            (EventKind.OFFICIAL_VISIT, EventStatus.POSTPONED, ("", "")),
            (EventKind.STATEMENT, EventStatus.HELD, ("", "")),
            (EventKind.POLICY_ACTION, EventStatus.HELD, ("", "")),
            (EventKind.OTHER, EventStatus.HELD, ("", "")),
        ],
    )
    def test_suggestion_from_kind_and_status(self, kind, status, expected):
        """A held visit is CONSULT/visit; a cancelled meeting is never CONSULT; statements wait for an editor."""
        assert tuple(suggest(kind, status)) == expected


@pytest.mark.django_db
class EventScoreTests:
    def test_save_sets_the_default_score(self):
        """Saving a coded event stores its category's default as the effective score."""
        event = make_event(plover_category="CONSULT", plover_mode="visit")
        event.refresh_from_db()
        assert event.score == D("1.9") and quad_of(event.plover_category) == Quad.VERBAL_COOPERATION

    def test_override_wins(self):
        """A justified override is the effective score."""
        event = make_event(plover_category="ACCUSE", score_override=D("-3.5"), score_justification="A personal insult.")
        event.refresh_from_db()
        assert event.score == D("-3.5")

    def test_uncoded_event_has_no_score(self):
        """An event without a category has no score."""
        assert make_event().score is None

    def test_saving_some_fields_still_updates_the_score(self):
        """save(update_fields=[category]) writes the recomputed score too."""
        event = make_event()
        event.plover_category = "AID"
        event.save(update_fields=["plover_category"])
        event.refresh_from_db()
        assert event.score == D("7.4")

    def test_override_without_justification_is_refused_by_the_database(self):
        """The database refuses an overridden score that gives no reason."""
        with pytest.raises(IntegrityError), transaction.atomic():
            make_event(plover_category="ACCUSE", score_override=D("-3.5"))

    def test_override_without_justification_is_a_form_error(self):
        """A form says why instead of failing: the constraint's message."""
        form_class = forms.modelform_factory(
            Event,
            fields=[
                "kind",
                "title",
                "date",
                "date_precision",
                "status",
                "plover_category",
                "score_override",
                "score_justification",
            ],
        )
        form = form_class(
            {
                "kind": "meeting",
                "title": "Talks",
                "date": "2016-10-20",
                "date_precision": "day",
                "status": "held",
                "plover_category": "ACCUSE",
                "score_override": "-3.5",
            }
        )
        assert not form.is_valid()
        assert "Explain why the score differs from the default." in str(form.errors)

    def test_mode_must_belong_to_the_category(self):
        """clean() refuses a mode of another category, and a mode without a category."""
        event = Event(
            kind="meeting",
            title="Talks",
            date=datetime.date(2016, 10, 20),
            plover_category="AGREE",
            plover_mode="visit",
        )
        with pytest.raises(ValidationError) as error:
            event.clean()
        assert "AGREE has no modes in PLOVER" in str(error.value)
        event.plover_category, event.plover_mode = "CONSULT", "military"
        with pytest.raises(ValidationError) as error:
            event.clean()
        assert "“military” is not a mode of CONSULT" in str(error.value)
        event.plover_category = ""
        with pytest.raises(ValidationError):
            event.clean()
        event.plover_category, event.plover_mode = "CONSULT", "visit"
        event.clean()


@pytest.mark.django_db
class DirectionTests:
    @pytest.fixture
    def leaders(self):
        return {cc: make_leader(f"Leader of {cc}", cc) for cc in ("PH", "US", "CN", "RU")}

    def test_visitor_acts_towards_host(self, leaders):
        """Roles say who visits: the visitor is the actor (the manual's rule for CONSULT)."""
        event = make_event(
            kind=EventKind.STATE_VISIT, participants=((leaders["PH"], "host"), (leaders["RU"], "visitor"))
        )
        assert direction_for(event.parties()) == ("RU", "PH")

    def test_summit_host_is_the_target_and_the_mode_a_visit(self, leaders):
        """At a summit one side hosts, the other visits: US → PH in Manila, CONSULT/visit."""
        summit = make_summit("ASEAN 2017", host="PH", start=datetime.date(2017, 11, 13))
        event = make_event(kind=EventKind.SIDELINE, summit=summit, participants=(leaders["PH"], leaders["US"]))
        assert event.apply_plover_defaults() == ["plover_category", "plover_mode", "actor_country", "target_country"]
        assert (event.plover_category, event.plover_mode, event.actor_country_id, event.target_country_id) == (
            "CONSULT",
            "visit",
            "US",
            "PH",
        )

    def test_third_country_summit_puts_the_philippines_first(self, leaders):
        """In Lima neither side hosts: the Philippines acts, CONSULT/third-party."""
        summit = make_summit("APEC 2016", host="PE")
        event = make_event(kind=EventKind.SIDELINE, summit=summit, participants=(leaders["RU"], leaders["PH"]))
        event.apply_plover_defaults()
        assert (event.plover_mode, event.actor_country_id, event.target_country_id) == ("third-party", "PH", "RU")

    def test_statement_speaker_acts_towards_the_country_it_is_about(self, leaders):
        """A statement about one country: speaker's country → that country; about several: no target."""
        one = make_event(kind=EventKind.STATEMENT, countries=["US"])
        make_quote(one, leaders["PH"])
        assert direction_for(one.parties()) == ("PH", "US")
        several = make_event(kind=EventKind.STATEMENT, countries=["US", "CN", "RU"])
        make_quote(several, leaders["PH"])
        assert direction_for(several.parties()) == ("PH", None)

    def test_agreement_between_two_countries(self, leaders):
        """An agreement of the Philippines with one country: PH → that country; with two more: an editor's call."""
        assert direction_for(make_event(kind=EventKind.AGREEMENT, countries=["RU", "PH"]).parties()) == ("PH", "RU")
        assert direction_for(make_event(kind=EventKind.AGREEMENT, countries=["RU", "PH", "CN"]).parties()) == (
            None,
            None,
        )


@pytest.mark.django_db
class CodeEventsTests:
    def make(self, n):
        ph, ru = make_leader(f"PH {n}", "PH"), make_leader(f"RU {n}", "RU")
        for i in range(n):
            make_event(f"Talks {n}-{i}", kind=EventKind.OFFICIAL_VISIT, participants=(ph, ru))

    def test_fills_what_is_empty_and_is_idempotent(self):
        """code_events codes an uncoded visit, and a second run changes nothing."""
        self.make(2)
        report = code_events()
        assert (report.categorised, report.directed) == (2, 2)
        assert set(
            Event.objects.values_list("plover_category", "plover_mode", "actor_country", "target_country", "score")
        ) == {("CONSULT", "visit", "PH", "RU", D("1.9"))}
        again = code_events()
        assert (again.categorised, again.directed) == (0, 0)

    def test_never_overwrites_an_editor(self):
        """An event an editor coded keeps its coding."""
        self.make(1)
        Event.objects.update(plover_category="SUPPORT", actor_country="RU", target_country="PH")
        code_events()
        assert Event.objects.values_list("plover_category", "actor_country").get() == ("SUPPORT", "RU")

    def test_query_count_does_not_grow_with_the_events(self, django_assert_max_num_queries):
        """Guards N+1 on participants, quotes and countries: a batch costs the same for 3 or 30 events."""
        self.make(3)
        with django_assert_max_num_queries(50) as small:
            code_events()
        Event.objects.update(plover_category="", actor_country=None, target_country=None)
        self.make(27)
        with django_assert_max_num_queries(50) as large:
            code_events()
        assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
class BundledCodingTests:
    @pytest.fixture
    def bundled(self):
        call_command("load_bundled_data", stdout=io.StringIO())

    def test_the_2016_story_is_hand_coded(self, bundled):
        """The cancelled Obama meeting, 'go to hell', the separation speech and the exercises order carry their codes."""

        def coding(title_start):
            event = Event.objects.get(title__startswith=title_start)
            return (
                event.plover_category,
                event.plover_mode,
                event.actor_country_id,
                event.target_country_id,
                event.score,
            )

        assert coding("Planned Duterte–Obama bilateral meeting") == ("SANCTION", "cancel", "US", "PH", D("-4.0"))
        assert coding("Rodrigo Duterte: “Instead of helping us") == ("ACCUSE", "", "PH", "US", D("-3.5"))
        assert coding("Rodrigo Duterte: “I announce my separation") == ("THREATEN", "relations", "PH", "US", D("-5.8"))
        assert coding("Joint patrols and naval exercises") == ("SANCTION", "sever", "PH", "US", D("-4.0"))
        assert coding("Russia hands over 5,000 Kalashnikov") == ("AID", "military", "RU", "PH", D("8.3"))
        assert coding("Arbitral tribunal issues award") == ("ACCUSE", "", "PH", "CN", D("-2.0"))

    def test_every_override_is_justified_and_a_second_run_changes_nothing(self, bundled):
        """Overrides come with reasons; applying the file again codes nothing."""
        overridden = Event.objects.filter(score_override__isnull=False)
        assert overridden.exists() and not overridden.filter(score_justification="").exists()
        out = io.StringIO()
        call_command("code_events", bundled=True, stdout=out)
        assert "Hand coding: 0 events coded" in out.getvalue()
        assert "0 events given a category, 0 a direction" in out.getvalue()

    def test_a_bad_file_codes_nothing_and_says_where(self, bundled, tmp_path):
        """An unknown event or category is listed with its line, and nothing is written."""
        path = tmp_path / "coding.csv"
        header = "date,title,plover_category,plover_mode,plover_context,actor,target,score_override,score_justification,note\n"
        path.write_text(
            header + "2016-10-07,Joint patrols and naval exercises with the US military put on hold on Duterte's order,"
            "REJECT,,,PH,US,,,\n"
            + "2016-10-07,No such event,CONSULT,,,PH,US,,,\n"
            + "2016-10-07,Joint patrols and naval exercises with the US military put on hold on Duterte's order,"
            "SULK,,,PH,US,-1,,\n",
            encoding="utf-8",
        )
        with pytest.raises(CodingFileError) as error:
            apply_coding_file(path)
        assert "coding.csv:3: no events dated 2016-10-07 titled 'No such event'" in str(error.value)
        assert "coding.csv:4: plover_category: 'SULK' is not a PLOVER category" in str(error.value)
        assert "coding.csv:4: score_justification: an override needs its justification" in str(error.value)
        assert Event.objects.get(title__startswith="Joint patrols").plover_category == "SANCTION"


@pytest.mark.django_db
class AdminCodingTests:
    def post_kremlin_visit(self, staff_client):
        duterte, putin = make_leader("Rodrigo Duterte", "PH"), make_leader("Vladimir Putin", "RU")
        data = event_form(kind=EventKind.OFFICIAL_VISIT, title="Duterte meets Putin in the Kremlin", date="2017-05-23")
        data.update(inline_management("participants", total=2))
        data.update(
            {
                "participants-0-leader": str(duterte.pk),
                "participants-0-role": "visitor",
                "participants-0-position": "0",
                "participants-1-leader": str(putin.pk),
                "participants-1-role": "host",
                "participants-1-position": "1",
            }
        )
        data.update(inline_management("sources", total=1))
        data["sources-0-url"] = "https://tass.com/politics/947257"
        return staff_client.post(reverse("admin:events_event_add"), data, follow=True)

    def test_saving_an_uncoded_meeting_suggests_its_coding(self, staff_client):
        """An editor who leaves the coding empty gets the suggestion, direction included, and is told so."""
        response = self.post_kremlin_visit(staff_client)
        event = Event.objects.get()
        assert (
            event.plover_category,
            event.plover_mode,
            event.actor_country_id,
            event.target_country_id,
            event.score,
        ) == ("CONSULT", "visit", "PH", "RU", D("1.9"))
        assert "Suggested PLOVER coding: CONSULT/visit, Philippines → Russia, score +1.9" in response.content.decode()

    def test_one_save_one_history_entry(self, staff_client):
        """The suggestion joins the history entry of the editor's save instead of adding a second one."""
        self.post_kremlin_visit(staff_client)
        history = Event.objects.get().history.all()
        assert [(h.plover_category, h.actor_country_id, h.score) for h in history] == [("CONSULT", "PH", D("1.9"))]

    def test_override_without_justification_is_an_admin_form_error(self, staff_client):
        """The admin shows the constraint's message and saves nothing."""
        data = event_form(plover_category="ACCUSE", score_override="-3.5")
        response = staff_client.post(reverse("admin:events_event_add"), data)
        assert response.status_code == 200
        assert "Explain why the score differs from the default." in response.content.decode()
        assert not Event.objects.exists()

    def test_add_form_is_prefilled_from_kind_and_status(self, staff_client):
        """Opening the add form for a held call pre-selects CONSULT/phone; the score shows read-only."""
        html = staff_client.get(reverse("admin:events_event_add") + "?kind=call&status=held").content.decode()
        assert '<option value="CONSULT" selected>' in html
        assert '<option value="phone" selected>' in html
        assert "Coding (PLOVER)" in html and "effective score" in html.lower()


@pytest.mark.django_db
class EventPageTests:
    def test_event_page_shows_coding_and_score(self, client):
        """The event page says how the event is coded, who acted towards whom, and its score with the reason."""
        ph, us = make_leader("Rodrigo Duterte", "PH"), make_leader("Barack Obama", "US")
        event = make_event(
            "Planned meeting cancelled",
            kind=EventKind.SIDELINE,
            status=EventStatus.CANCELLED,
            participants=(ph, us),
            plover_category="SANCTION",
            plover_mode="cancel",
            actor_country_id="US",
            target_country_id="PH",
        )
        html = client.get(event.get_absolute_url()).content.decode()
        assert (
            "<strong>Sanction</strong> (cancel), material conflict: United States → Philippines. "
            "Score <strong>−4.0</strong>"
        ) in html and "(Goldstein value of CAMEO 161)" in html
        event.score_override, event.score_justification = D("-5.0"), "A public snub."
        event.save()
        html = client.get(event.get_absolute_url()).content.decode()
        assert (
            "Score <strong>−5.0</strong> on the −10 (conflict) to +10 (cooperation) scale, set by the editors. A public snub."
            in html
        )
