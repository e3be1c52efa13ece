import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import (
    Event,
    EventKind,
    EventPair,
    EventSource,
    Leader,
    Office,
    Quote,
    Summit,
    pair_key,
)
from events.services import involvement
from events.tests.factories import make_event, make_leader, make_quote, make_summit
from events.vocab.dates import PartialDate, Precision, format_partial_date

pytestmark = pytest.mark.django_db


def rejected_by_database(create):
    """Run `create` in a savepoint and report whether the database refused it."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


class ConstraintTests:
    def test_summit_cannot_end_before_it_starts(self):
        """The database itself refuses a summit whose end is before its start."""
        assert rejected_by_database(
            lambda: Summit.objects.create(
                name="X",
                short_name="X",
                host_country_id="PE",
                start_date=datetime.date(2016, 11, 20),
                end_date=datetime.date(2016, 11, 19),
            )
        )

    def test_office_cannot_end_before_it_starts(self):
        """An office ending before it starts is refused by the database."""
        leader = make_leader()
        assert rejected_by_database(
            lambda: Office.objects.create(
                leader=leader,
                title="President",
                country_id="PH",
                start_date=datetime.date(2016, 6, 30),
                end_date=datetime.date(2016, 1, 1),
            )
        )

    def test_event_cannot_end_before_its_date(self):
        """An event's end date before its date is refused by the database."""
        assert rejected_by_database(
            lambda: Event.objects.create(
                kind=EventKind.MEETING,
                title="T",
                date=datetime.date(2016, 11, 19),
                end_date=datetime.date(2016, 11, 18),
            )
        )

    def test_quote_needs_original_text(self):
        """A quote without text is refused by the database."""
        event = make_event(kind=EventKind.STATEMENT)
        leader = make_leader()
        assert rejected_by_database(
            lambda: Quote.objects.create(event=event, speaker=leader, original_text="", language="en")
        )

    def test_non_english_quote_needs_translation(self):
        """A Filipino quote without its English translation is refused by the database."""
        event = make_event(kind=EventKind.STATEMENT)
        leader = make_leader()
        assert rejected_by_database(
            lambda: Quote.objects.create(
                event=event, speaker=leader, original_text="Matuloy ho.", language="fil", english_text=""
            )
        )

    def test_english_quote_needs_no_translation(self):
        """An English quote is stored without a translation."""
        quote = make_quote(make_event(kind=EventKind.STATEMENT), make_leader(), language="en-PH")
        assert quote.pk and quote.is_english

    def test_source_url_must_be_http(self):
        """A javascript: source address is refused by the database."""
        event = make_event(sources=())
        assert rejected_by_database(lambda: EventSource.objects.create(event=event, url="javascript:alert(1)"))

    def test_leader_name_and_country_are_unique(self):
        """Two leaders with the same name for the same country are refused."""
        make_leader("Vladimir Putin", country="RU")
        assert rejected_by_database(lambda: Leader.objects.create(name="Vladimir Putin", country_id="RU"))

    def test_score_override_needs_justification(self):
        """An overridden score without a written justification is refused by the database."""
        event = make_event()
        event.score_override = 5
        assert rejected_by_database(lambda: event.save())

    def test_unknown_language_tag_fails_validation(self):
        """`english` is not a BCP 47 tag; full_clean says so."""
        quote = Quote(
            event=make_event(), speaker=make_leader(), original_text="x", language="english", english_text="x"
        )
        with pytest.raises(ValidationError) as error:
            quote.full_clean()
        assert "not a BCP 47 language tag" in str(error.value)


class PartialDateTests:
    def test_month_precision_reads_as_month(self):
        """A month-only date reads "September 2016", never the 1st."""
        assert format_partial_date(datetime.date(2016, 9, 1), Precision.MONTH) == "September 2016"

    def test_day_year_and_approximate(self):
        """Day, year and approximate dates read as a person writes them."""
        assert format_partial_date(datetime.date(2016, 11, 19), Precision.DAY) == "19 November 2016"
        assert format_partial_date(datetime.date(2016, 1, 1), Precision.YEAR) == "2016"
        assert str(PartialDate.parse("2016-09~")) == "about September 2016"

    @pytest.mark.parametrize("text", ["2016-13-01", "2016-02-30", "16-09", "2016/09/01", "", "2016-9"])
    def test_bad_dates_are_refused_with_a_reason(self, text):
        """Impossible or malformed dates raise an error naming the problem."""
        with pytest.raises(ValueError):
            PartialDate.parse(text)

    def test_parse_round_trips(self):
        """Each precision survives parse → iso."""
        for text in ["2016", "2016-09", "2016-09-06", "2016-09~"]:
            assert PartialDate.parse(text).iso() == text

    def test_month_event_is_stored_on_its_first_day_and_shown_as_month(self):
        """An event saved with month precision sorts on the 1st and displays the month."""
        event = make_event(date=datetime.date(2016, 9, 13), date_precision=Precision.MONTH)
        event.refresh_from_db()
        assert event.date == datetime.date(2016, 9, 1)
        assert event.date_display == "September 2016"


class SlugTests:
    def test_leader_slug_from_name_with_suffix_on_clash(self):
        """Slugs are the slugified name; a clash gets a suffix."""
        first = make_leader("Vladimir Putin", country="RU")
        second = make_leader("Vladimir Putin", country="BY")
        assert (first.slug, second.slug) == ("vladimir-putin", "vladimir-putin-2")

    def test_summit_slug_from_short_name(self):
        """APEC 2016 becomes apec-2016."""
        assert make_summit("APEC 2016").slug == "apec-2016"


class InvolvementTests:
    def test_participants_speakers_and_named_countries_are_involved(self):
        """An event involves its participants', speakers' and named countries, and all their pairs."""
        duterte = make_leader("Rodrigo Duterte", "PH")
        putin = make_leader("Vladimir Putin", "RU")
        event = make_event(participants=(duterte, putin), countries=["US"])
        make_quote(event, make_leader("Xi Jinping", "CN"))
        assert set(event.pairs.values_list("pair", flat=True)) == {"ph-ru", "ph-us", "ru-us", "cn-ph", "cn-ru", "cn-us"}
        assert involvement.drift() == {}

    def test_edits_and_deletes_keep_derived_rows_in_step(self):
        """Removing a participant, changing the date or unpublishing updates the timeline rows."""
        duterte, putin = make_leader("Rodrigo Duterte", "PH"), make_leader("Vladimir Putin", "RU")
        event = make_event(participants=(duterte, putin))
        event.participants.get(leader=putin).delete()
        assert not EventPair.objects.filter(event=event).exists()
        event.countries.add("CN")
        event.date = datetime.date(2017, 5, 23)
        event.published = False
        event.save()
        pair = EventPair.objects.get(event=event)
        assert (pair.pair, pair.date, pair.published) == ("cn-ph", datetime.date(2017, 5, 23), False)
        assert involvement.drift() == {}

    def test_deferred_block_syncs_once_at_the_end(self):
        """Writes inside deferred() are synced when the block ends."""
        with involvement.deferred():
            event = make_event(countries=["PH", "JP"])
            assert not EventPair.objects.filter(event=event).exists()
        assert EventPair.objects.get(event=event).pair == "jp-ph"

    def test_pair_key_is_unordered(self):
        """ph-ru and RU-PH are the same relationship."""
        assert pair_key("PH", "ru") == pair_key("ru", "ph") == "ph-ru"

    def test_for_pair_returns_only_events_of_both_countries(self):
        """The timeline query returns events involving both countries, not either."""
        make_event("PH-RU", countries=["PH", "RU"])
        make_event("PH-US", countries=["PH", "US"])
        assert [e.title for e in Event.objects.for_pair("ru", "ph")] == ["PH-RU"]


class OfficeTests:
    def test_title_at_the_time_comes_from_the_office_held_on_the_day(self):
        """A participant's title is the office they held on the event's date."""
        trump = make_leader("Donald Trump", "US")
        Office.objects.create(
            leader=trump,
            title="President-elect of the United States",
            country_id="US",
            start_date=datetime.date(2016, 11, 8),
            end_date=datetime.date(2017, 1, 19),
        )
        Office.objects.create(
            leader=trump,
            title="President of the United States",
            country_id="US",
            start_date=datetime.date(2017, 1, 20),
            end_date=datetime.date(2021, 1, 20),
        )
        call = make_event(date=datetime.date(2016, 12, 2), participants=(trump,))
        visit = make_event(date=datetime.date(2017, 11, 13), participants=(trump,))
        assert call.participants.get().title == "President-elect of the United States"
        assert visit.participants.get().title == "President of the United States"

    def test_of_two_offices_from_the_same_day_the_lower_id_titles_the_event(self):
        """Offices starting on the same day are read in id order, whatever order the table stores them in.

        The bundled record has such offices (Wang Yi's, from March 2013): an export and its import must give the
        same participant titles.
        """
        wang = make_leader("Wang Yi", "CN")
        since = datetime.date(2013, 3, 1)
        top = Office.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # Stored in the other order than their ids.
        Office.objects.create(pk=top + 2, leader=wang, title="State Councilor", country_id="CN", start_date=since)
        Office.objects.create(pk=top + 1, leader=wang, title="Foreign Minister", country_id="CN", start_date=since)
        visit = make_event(date=datetime.date(2018, 10, 28), participants=(wang,))
        assert visit.participants.get().title == "Foreign Minister"
        assert [o.title for o in Office.objects.filter(leader=wang)] == ["Foreign Minister", "State Councilor"]

    def test_month_precision_end_covers_the_whole_month(self):
        """An office ending "October 2020" still covers 31 October 2020."""
        office = Office(
            title="Ambassador",
            start_date=datetime.date(2015, 10, 1),
            start_precision="month",
            end_date=datetime.date(2020, 10, 1),
            end_precision="month",
        )
        assert office.covers(datetime.date(2020, 10, 31))
        assert not office.covers(datetime.date(2020, 11, 1))
        assert office.tenure == "October 2015 – October 2020"


class ListedPartsTests:
    """What lists show of an event's parts, read from its row by `with_related()`, is what the models say."""

    def test_participants_and_quotes_from_the_row_match_those_from_queries(self, django_assert_num_queries):
        duterte = make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
        putin = make_leader("Vladimir Putin", "RU")
        event = make_event("Duterte meets Putin", participants=((duterte, "visitor"), (putin, "host")))
        make_quote(
            event,
            duterte,
            original="Matuloy ho.",
            language="fil",
            english="It's pushing through.",
            context="to reporters",
        )
        with django_assert_num_queries(1):
            listed = Event.objects.with_related().get(pk=event.pk)
            people = [
                (
                    p.leader.name,
                    p.leader.get_absolute_url(),
                    p.country.name,
                    p.country_id,
                    p.get_role_display(),
                    p.title,
                )
                for p in listed.participant_list
            ]
            quotes = [
                (
                    q.speaker.name,
                    q.speaker.get_absolute_url(),
                    q.speaker_title,
                    q.language,
                    q.language_name,
                    q.is_english,
                    q.original_text,
                    q.english_text,
                    q.context,
                )
                for q in listed.quote_list
            ]
        plain = Event.objects.get(pk=event.pk)
        assert people == [
            (p.leader.name, p.leader.get_absolute_url(), p.country.name, p.country_id, p.get_role_display(), p.title)
            for p in plain.participant_list
        ]
        assert quotes == [
            (
                q.speaker.name,
                q.speaker.get_absolute_url(),
                q.speaker_title,
                q.language,
                q.language_name,
                q.is_english,
                q.original_text,
                q.english_text,
                q.context,
            )
            for q in plain.quote_list
        ]
        assert people[0] == (
            "Rodrigo Duterte",
            "/leaders/rodrigo-duterte/",
            "Philippines",
            "PH",
            "Visitor",
            "President of the Philippines",
        )
        assert quotes[0][3:6] == ("fil", "Filipino", False)
