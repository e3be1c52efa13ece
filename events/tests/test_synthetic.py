"""`generate_events`: realistic, deterministic, recognisably synthetic, and consistent with the derived tables."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from events.models import Event, EventPair, EventSource, Leader, Participant, Quote, Summit
from events.services import involvement
from events.services.synthetic import SYNTHETIC_NOTE, SYNTHETIC_URL, generate

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    """Every generated event with its parts, ids left out, in insertion order."""
    events = (
        Event.objects.order_by("pk")
        .select_related("summit")
        .prefetch_related("participants__leader", "quotes__speaker", "sources", "countries", "involvements", "pairs")
    )
    return [
        (
            e.kind,
            e.title,
            e.summary,
            e.date,
            e.date_precision,
            e.date_approximate,
            e.status,
            e.summit.short_name if e.summit else None,
            e.city,
            e.published,
            e.plover_category,
            e.plover_mode,
            e.actor_country_id,
            e.target_country_id,
            e.score,
            [(p.leader.name, p.country_id, p.role, p.title, p.position) for p in e.participants.all()],
            [
                (q.speaker.name, q.speaker_title, q.language, q.original_text, q.english_text, q.context)
                for q in e.quotes.all()
            ],
            sorted(s.url for s in e.sources.all()),
            sorted(c.iso2 for c in e.countries.all()),
            sorted(i.country_id for i in e.involvements.all()),
            sorted(p.pair for p in e.pairs.all()),
        )
        for e in events
    ]


class GenerateTests:
    def test_same_seed_gives_the_same_rows(self):
        """Generating again with the same seed and count writes the very same events."""
        generate(300, seed=7)
        first = snapshot()
        Event.objects.all().delete()
        generate(300, seed=7)
        assert snapshot() == first
        assert len(first) == 300

    def test_another_seed_gives_other_rows(self):
        """A different seed gives different events."""
        generate(50, seed=7)
        first = snapshot()
        Event.objects.all().delete()
        generate(50, seed=8)
        assert snapshot() != first

    def test_derived_tables_do_not_drift(self):
        """The EventCountry and EventPair rows written in bulk are exactly what services/involvement.py computes."""
        generate(500, seed=3)
        assert involvement.drift() == {}
        assert EventPair.objects.count() > 400

    def test_rows_are_recognisably_synthetic(self):
        """Every source is under example.org/synthetic, every summary says so, summits are labelled."""
        generate(200, seed=1)
        assert not EventSource.objects.exclude(url__startswith=SYNTHETIC_URL).exists()
        assert not Event.objects.exclude(summary__endswith=SYNTHETIC_NOTE).exists()
        assert not Summit.objects.exclude(short_name__endswith="(synthetic)").exists()
        assert Event.objects.filter(sources__isnull=True).count() == 0

    def test_relationships_look_like_the_record(self):
        """At least 20 Philippine relationships, China, the US, Japan and Russia the busiest."""
        generate(2000, seed=1)
        counts = Counter(
            dict(
                EventPair.objects.filter(pair__contains="ph", published=True)
                .values_list("pair")
                .annotate(n=Count("id"))
            )
        )
        assert len(counts) >= 20
        assert {pair for pair, _ in counts.most_common(4)} == {"cn-ph", "ph-us", "jp-ph", "ph-ru"}

    def test_events_have_people_quotes_and_summits(self):
        """Meetings have participants with their titles, statements quotes in several languages, sidelines a summit."""
        generate(1000, seed=2)
        assert not Participant.objects.filter(title="").exists()
        languages = set(Quote.objects.values_list("language", flat=True))
        assert {"en", "fil", "zh", "ja", "ru"} <= languages
        assert not Quote.objects.exclude(language="en").filter(english_text="").exists()
        assert not Event.objects.filter(kind="sideline", summit__isnull=True).exists()
        assert not Leader.objects.filter(offices__isnull=True).exists()

    def test_generated_rows_pass_model_validation(self):
        """A sample of the generated rows is valid as the admin would check it."""
        generate(100, seed=4)
        for event in Event.objects.order_by("pk")[:20]:
            event.full_clean()
            for part in [*event.participants.all(), *event.quotes.all(), *event.sources.all()]:
                part.full_clean()

    def test_a_second_run_adds_to_the_first(self):
        """Running twice adds the second batch, reusing the leaders and summits of the first."""
        generate(100, seed=1)
        leaders, summits = Leader.objects.count(), Summit.objects.count()
        generate(100, seed=1)
        assert Event.objects.count() == 200
        assert (Leader.objects.count(), Summit.objects.count()) == (leaders, summits)
        assert involvement.drift() == {}


class CommandTests:
    def test_command_reports_what_it_wrote_with_a_progress_bar(self):
        """`generate_events --events N --seed S` writes N events, shows progress and sums up."""
        out, err = io.StringIO(), io.StringIO()
        call_command("generate_events", events=40, seed=5, stdout=out, stderr=err)
        assert Event.objects.count() == 40
        assert "Generated 40 events (seed 5)" in out.getvalue()
        assert "100%" in err.getvalue()
