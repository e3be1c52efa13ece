"""Which events' PLOVER coding an editor gave (`plover_reviewed`), and which the machine suggested (#14).

From here on every write path says so itself: the bundled hand coding and the admin's coding
fields mark an event reviewed, the machine's suggestions do not. For the events stored before,
the coding counts as an editor's when any of these holds (everything else was machine-filled):

1. the event is one of the bundled hand-coded events (events/data/bundled/coding.csv as of this
   migration, frozen below by date and title) and still carries the category the file gives it;
2. its category and mode are not what the kind/status rule (`plover.suggest` as of this migration,
   frozen below, regardless of status) gives its kind — the machine never wrote anything else —
   or it carries a score override or a context, which only editors and the coding file set;
3. its history shows a person (an admin save: a history row with a user) changing a coding that
   was already there — category, mode, actor or target.

An editor who accepted a suggestion unchanged in the admin left no trace to tell it from the
machine's: such events count as suggested, and an editor marks them reviewed in the admin.
"""

import functools
import operator

from django.db import migrations, models
from django.db.models import Q

BATCH = 1000

# events/data/bundled/coding.csv at this migration: (date, title, category).
HAND_CODED = (
    (
        "2016-07-12",
        "Arbitral tribunal issues award in the South China Sea case of the Philippines against China",
        "ACCUSE",
    ),
    ("2016-09-01", "Russia and China agree to extend soft loans for Philippine military equipment", "AGREE"),
    (
        "2016-09-05",
        "Rodrigo Duterte: “I am a president of a sovereign state and we have long ceased to be a colony”",
        "ACCUSE",
    ),
    ("2016-09-06", "Planned Duterte–Obama bilateral meeting in Vientiane cancelled by the White House", "SANCTION"),
    ("2016-09-07", "Perfecto Yasay: “I am happy”", "SUPPORT"),
    ("2016-09-08", "Barack Obama: “I did shake hands with President Duterte last night”", "AGREE"),
    ("2016-09-13", "Duterte says the Philippines is looking at buying weapons from Russia and China", "AGREE"),
    ("2016-10-04", "Rodrigo Duterte: “Instead of helping us, it was the State Department who hit me”", "ACCUSE"),
    ("2016-10-07", "Joint patrols and naval exercises with the US military put on hold on Duterte's order", "SANCTION"),
    (
        "2016-10-20",
        "Rodrigo Duterte: “Even as we arrived in Beijing close to winter, this is the springtime of our relationship”",
        "SUPPORT",
    ),
    (
        "2016-10-20",
        "Rodrigo Duterte: “I announce my separation from the United States, both in military but economics also”",
        "THREATEN",
    ),
    ("2016-10-20", "Philippines and China sign 13 agreements during Duterte's state visit", "SUPPORT"),
    ("2016-10-28", "Filipino fishermen fish at Scarborough Shoal without Chinese interference", "RETREAT"),
    ("2016-11-09", "Rodrigo Duterte: “I said, I don't want to quarrel now that Trump is there”", "SUPPORT"),
    ("2016-11-15", "Duterte receives Russian Ambassador Igor Khovaev in Malacañang", "CONSULT"),
    (
        "2016-11-19",
        "Rodrigo Duterte: “I have been looking for this moment to meet you, Mr President, not only because you…”",
        "SUPPORT",
    ),
    (
        "2016-11-19",
        "Rodrigo Duterte: “With my thrust of an independent foreign policy, we will find ourselves mutually agreeing…”",
        "SUPPORT",
    ),
    ("2016-11-19", "Duterte skips the APEC gala dinner; no Obama–Duterte talk in Lima", "REJECT"),
    ("2016-12-03", "Rodrigo Duterte: “He will be a good President for the United States of America”", "SUPPORT"),
    ("2017-01-06", "Duterte tours Russian anti-submarine ship Admiral Tributs in Manila", "CONSULT"),
    ("2017-01-12", "Duterte and Japanese Prime Minister Shinzo Abe hold talks in Malacañang", "CONSULT"),
    ("2017-01-13", "Shinzo Abe has breakfast at Duterte's home in Davao City", "CONSULT"),
    ("2017-02-16", "Russian Security Council Secretary Nikolai Patrushev meets Duterte in Davao City", "CONSULT"),
    ("2017-04-27", "Sultan Hassanal Bolkiah makes a state visit to Malacañang", "CONSULT"),
    ("2017-04-28", "Duterte and Indonesian President Joko Widodo hold talks in Malacañang", "CONSULT"),
    ("2017-04-29", "Donald Trump phones Duterte and invites him to the White House", "CONSULT"),
    (
        "2017-05-15",
        "Rodrigo Duterte: “Thank you Your Excellency for the gracious invitation to return to Beijing”",
        "SUPPORT",
    ),
    ("2017-05-19", "Rodrigo Duterte: “I said, Mr”", "THREATEN"),
    (
        "2017-05-19",
        "First meeting of the China–Philippines Bilateral Consultation Mechanism on the South China Sea",
        "CONSULT",
    ),
    ("2017-05-24", "Rodrigo Duterte: “Russia is a true friend”", "SUPPORT"),
    (
        "2017-05-24",
        "Philippines and Russia sign a defence cooperation agreement and nine other deals in Moscow",
        "SUPPORT",
    ),
    (
        "2017-06-28",
        "Rodrigo Duterte: “To Ambassador Zhao, please relay our sincerest thanks to President Xi Jinping and the…”",
        "SUPPORT",
    ),
    ("2017-06-28", "Zhao Jianhua: “It is a demonstration of our growing bilateral relationship”", "SUPPORT"),
    ("2017-06-28", "China donates rifles and ammunition to the Philippine military", "AID"),
    ("2017-08-06", "ASEAN and China adopt the framework of a Code of Conduct in the South China Sea", "AGREE"),
    ("2017-08-07", "US Secretary of State Rex Tillerson pays a courtesy call on Duterte in Malacañang", "CONSULT"),
    ("2017-08-07", "Rodrigo Duterte: “I'm your humble friend in Southeast Asia”", "SUPPORT"),
    ("2017-10-05", "China hands over a second batch of donated weapons to the Philippines", "AID"),
    ("2017-10-11", "Duterte discloses that Russia will donate 5,000 Kalashnikov rifles and army trucks", "AGREE"),
    ("2017-10-25", "Russia hands over 5,000 Kalashnikov rifles and 20 army trucks to the Philippines", "AID"),
    ("2017-11-13", "Donald Trump: “We've had a great relationship”", "SUPPORT"),
    ("2017-11-13", "Philippines and Russia sign nine agreements during the Duterte–Medvedev meeting", "SUPPORT"),
    (
        "2017-11-13",
        "ASEAN and China announce the start of formal negotiations on a South China Sea Code of Conduct",
        "AGREE",
    ),
)

# What the kind/status rule could write, by kind (a sideline became a visit at the host's summit).
MACHINE_CODES = {
    "state_visit": {("CONSULT", "visit")},
    "official_visit": {("CONSULT", "visit")},
    "working_visit": {("CONSULT", "visit")},
    "sideline": {("CONSULT", "third-party"), ("CONSULT", "visit")},
    "call": {("CONSULT", "phone")},
    "meeting": {("CONSULT", "")},
    "agreement": {("AGREE", "")},
    "intention": {("AGREE", "")},
}


def editor_coded(Event, HistoricalEvent) -> set[int]:
    reviewed = set()
    for date, title, category in HAND_CODED:
        reviewed.update(
            Event.objects.filter(date=date, title=title, plover_category=category).values_list("pk", flat=True)
        )
    machine = functools.reduce(
        operator.or_,
        (Q(kind=kind, plover_category=c, plover_mode=m) for kind, codes in MACHINE_CODES.items() for c, m in codes),
    )
    coded = Event.objects.exclude(plover_category="")
    reviewed.update(coded.exclude(machine).values_list("pk", flat=True))
    reviewed.update(coded.filter(Q(score_override__isnull=False) | ~Q(plover_context="")).values_list("pk", flat=True))
    history = HistoricalEvent.objects.order_by("id", "history_date", "history_id").values_list(
        "id", "history_user_id", "plover_category", "plover_mode", "actor_country_id", "target_country_id"
    )
    last_pk, before = None, None
    for pk, user, *coding in history.iterator(chunk_size=BATCH):
        # Rows come event by event, oldest first: `before` is this event's previous row, if any.
        if pk == last_pk and user is not None and before[0] and before != coding:
            reviewed.add(pk)
        last_pk, before = pk, coding
    return reviewed


def mark_reviewed(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    HistoricalEvent = apps.get_model("events", "HistoricalEvent")
    reviewed = sorted(editor_coded(Event, HistoricalEvent))
    for start in range(0, len(reviewed), BATCH):
        Event.objects.filter(pk__in=reviewed[start : start + BATCH]).update(plover_reviewed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_life"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="plover_reviewed",
            field=models.BooleanField(
                default=False,
                help_text="Checked: an editor coded or accepted the category, mode and direction. Unchecked: they are the machine's suggestion, shown as “suggested” and renewed whenever the event changes. Changing the coding checks it.",
                verbose_name="PLOVER coding reviewed",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="plover_reviewed",
            field=models.BooleanField(
                default=False,
                help_text="Checked: an editor coded or accepted the category, mode and direction. Unchecked: they are the machine's suggestion, shown as “suggested” and renewed whenever the event changes. Changing the coding checks it.",
                verbose_name="PLOVER coding reviewed",
            ),
        ),
        migrations.RunPython(mark_reviewed, migrations.RunPython.noop),
    ]
