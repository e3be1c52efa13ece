"""
Synthetic events for scale tests and benchmarks (`manage.py generate_events`).

What it makes looks like the record: the Philippines' relationships with 26
countries (China, the United States, Japan and Russia the busiest), fictional
heads of government and foreign ministers holding offices in turn, summits
(APEC, ASEAN, the East Asia Summit, the UN General Assembly), meetings with
participants and their titles at the time, statements quoted in the speaker's
language with an English translation, agreements, policy actions and
intentions, each with sources. Nothing in it is true, and it says so: every
source lies under https://example.org/synthetic/, every summary and
description ends by saying the record is synthetic, and summits carry
"(synthetic)" in their names so that they never merge with real ones.

Determinism: the same seed and count give the same rows (ids aside, which
follow whatever the tables already hold). Nothing depends on today's date.

Speed: rows are built as tuples and written in bulk, with COPY on PostgreSQL.
The derived `EventCountry`/`EventPair`/`EventLeader` rows are written directly,
by the same rules as services/involvement.py (involved = named countries, participants'
and speakers' countries; pairs = every unordered pair; leaders = participants
and speakers), instead of being synced
event by event; `PairMonth` is then rebuilt whole from them, in one
INSERT … SELECT. For a load that at least doubles the events table, the
secondary indexes of the loaded tables are dropped first and rebuilt at the
end, in the same transaction: building an index once is far cheaper than
updating it a million times.
"""

import bisect
import datetime
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.text import capfirst, slugify

from events.models import (
    DERIVED_MODELS,
    MEETING_KINDS,
    Country,
    Event,
    EventCountry,
    EventKind,
    EventLeader,
    EventPair,
    EventSource,
    EventStatus,
    Leader,
    LeaderSource,
    Office,
    Participant,
    ParticipantRole,
    Quote,
    Summit,
    SummitSource,
)
from events.services import involvement, versioning
from events.services.bulk import Table, write
from events.services.involvement import involvement_of
from events.vocab import plover
from events.vocab.dates import Precision, normalise

HOME = "PH"
SYNTHETIC_URL = "https://example.org/synthetic/"
SYNTHETIC_NOTE = "Synthetic record made by generate_events for testing; not a real event."
# A fixed "today", so that the same seed always gives the same statuses.
CUTOFF = datetime.date(2026, 1, 1)
FIRST_YEAR, LAST_YEAR = 1990, 2026
CHUNK = 10_000  # events per round of writes


# ---------------------------------------------------------------------------
# The world: countries, their people, their offices
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    iso2: str
    weight: float  # relative share of the Philippines' events
    language: str  # BCP 47 tag its leaders are quoted in
    head: str  # the head of government's office
    minister: str  # the foreign minister's office
    cities: tuple[str, ...]  # capital first
    given: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool = False


_EN_GIVEN = ("James", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen", "Thomas", "Helen")
_EN_FAMILY = ("Walker", "Harris", "Mitchell", "Carter", "Bennett", "Hughes", "Foster", "Reynolds", "Porter", "Sullivan")
_MS_GIVEN = ("Ahmad", "Ismail", "Azman", "Rahman", "Hafiz", "Faridah", "Zainal", "Rosnah")
_MS_FAMILY = ("Hassan", "Abdullah", "Ibrahim", "Yusof", "Osman", "Salleh", "Hamid", "Jaafar")
_AR_GIVEN = ("Faisal", "Khalid", "Abdullah", "Saud", "Nasser", "Hamad", "Turki", "Majid")
_AR_FAMILY = ("Al-Harbi", "Al-Otaibi", "Al-Qahtani", "Al-Shamsi", "Al-Mansouri", "Al-Zahrani", "Al-Dosari", "Al-Ketbi")

PROFILES = (
    Profile(
        "PH",
        0,
        "fil",
        "President of the Philippines",
        "Secretary of Foreign Affairs",
        ("Manila", "Cebu City", "Davao City"),
        ("Jose", "Maria", "Antonio", "Teresa", "Ramon", "Carmen", "Eduardo", "Lourdes", "Renato", "Cristina"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Mendoza", "Villanueva", "Castillo", "Navarro", "Dizon"),
    ),
    Profile(
        "CN",
        16,
        "zh",
        "President of China",
        "Minister of Foreign Affairs of China",
        ("Beijing", "Shanghai", "Xiamen"),
        ("Wei", "Jun", "Ming", "Hua", "Qiang", "Lei", "Jie", "Tao", "Yan", "Ping"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu"),
        family_first=True,
    ),
    Profile(
        "US",
        15,
        "en",
        "President of the United States",
        "Secretary of State of the United States",
        ("Washington, D.C.", "New York", "Honolulu"),
        _EN_GIVEN,
        _EN_FAMILY,
    ),
    Profile(
        "JP",
        11,
        "ja",
        "Prime Minister of Japan",
        "Minister for Foreign Affairs of Japan",
        ("Tokyo", "Osaka", "Kyoto"),
        ("Hiroshi", "Takashi", "Kenji", "Yuko", "Akira", "Naoko", "Satoshi", "Keiko", "Masato", "Emi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"),
    ),
    Profile(
        "RU",
        7,
        "ru",
        "President of Russia",
        "Minister of Foreign Affairs of Russia",
        ("Moscow", "Saint Petersburg", "Vladivostok"),
        ("Sergei", "Andrei", "Dmitri", "Nikolai", "Alexei", "Pavel", "Mikhail", "Igor", "Yuri", "Boris"),
        ("Ivanov", "Smirnov", "Kuznetsov", "Popov", "Sokolov", "Lebedev", "Kozlov", "Novikov", "Morozov", "Volkov"),
    ),
    Profile(
        "KR",
        5,
        "ko",
        "President of South Korea",
        "Minister of Foreign Affairs of South Korea",
        ("Seoul", "Busan"),
        ("Min-jun", "Seo-yeon", "Ji-ho", "Hyun-woo", "Eun-ji", "Sung-min", "Ji-won", "Dong-hyun"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
        family_first=True,
    ),
    Profile(
        "AU",
        4.5,
        "en",
        "Prime Minister of Australia",
        "Minister for Foreign Affairs of Australia",
        ("Canberra", "Sydney", "Melbourne"),
        _EN_GIVEN,
        _EN_FAMILY,
    ),
    Profile(
        "ID",
        4,
        "id",
        "President of Indonesia",
        "Minister of Foreign Affairs of Indonesia",
        ("Jakarta", "Bali"),
        ("Budi", "Siti", "Agus", "Dewi", "Joko", "Rina", "Hadi", "Wati"),
        ("Santoso", "Wijaya", "Pratama", "Hidayat", "Kusuma", "Saputra", "Nugroho", "Setiawan"),
    ),
    Profile(
        "VN",
        4,
        "vi",
        "Prime Minister of Vietnam",
        "Minister of Foreign Affairs of Vietnam",
        ("Hanoi", "Ho Chi Minh City", "Da Nang"),
        ("Van Minh", "Thi Lan", "Duc Anh", "Quoc Bao", "Thanh Hai", "Ngoc Mai", "Hong Son", "Minh Tuan"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui"),
        family_first=True,
    ),
    Profile(
        "MY",
        3.5,
        "ms",
        "Prime Minister of Malaysia",
        "Minister of Foreign Affairs of Malaysia",
        ("Kuala Lumpur", "Putrajaya"),
        _MS_GIVEN,
        _MS_FAMILY,
    ),
    Profile(
        "SG",
        3.5,
        "en",
        "Prime Minister of Singapore",
        "Minister for Foreign Affairs of Singapore",
        ("Singapore",),
        ("Wei Ming", "Li Hua", "Kok Wah", "Siew Ling", "Boon Heng", "Mei Ling"),
        ("Tan", "Lim", "Ng", "Goh", "Teo", "Chua"),
        family_first=True,
    ),
    Profile(
        "TH",
        3,
        "th",
        "Prime Minister of Thailand",
        "Minister of Foreign Affairs of Thailand",
        ("Bangkok", "Chiang Mai"),
        ("Somchai", "Suda", "Prasert", "Malee", "Anan", "Kanya", "Niran", "Pranee"),
        ("Chaiyaporn", "Kittisak", "Rattanakorn", "Suwannarat", "Boonmee", "Thongchai", "Srisawat", "Panyarat"),
    ),
    Profile(
        "IN",
        3,
        "en",
        "Prime Minister of India",
        "Minister of External Affairs of India",
        ("New Delhi", "Mumbai"),
        ("Rajesh", "Priya", "Amit", "Sunita", "Vikram", "Anjali", "Suresh", "Kavita"),
        ("Sharma", "Patel", "Reddy", "Nair", "Gupta", "Iyer", "Menon", "Rao"),
    ),
    Profile(
        "GB",
        2.5,
        "en",
        "Prime Minister of the United Kingdom",
        "Foreign Secretary of the United Kingdom",
        ("London",),
        _EN_GIVEN,
        _EN_FAMILY,
    ),
    Profile(
        "DE",
        2,
        "de",
        "Chancellor of Germany",
        "Foreign Minister of Germany",
        ("Berlin", "Munich"),
        ("Klaus", "Sabine", "Jürgen", "Petra", "Stefan", "Monika", "Wolfgang", "Ursula"),
        ("Müller", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schäfer"),
    ),
    Profile(
        "FR",
        2,
        "fr",
        "President of France",
        "Minister for Europe and Foreign Affairs of France",
        ("Paris",),
        ("Jean", "Marie", "Pierre", "Claire", "Philippe", "Isabelle", "Laurent", "Sophie"),
        ("Martin", "Bernard", "Dubois", "Laurent", "Moreau", "Lefèvre", "Girard", "Fournier"),
    ),
    Profile(
        "CA",
        1.5,
        "en",
        "Prime Minister of Canada",
        "Minister of Foreign Affairs of Canada",
        ("Ottawa", "Vancouver"),
        _EN_GIVEN,
        _EN_FAMILY,
    ),
    Profile(
        "NZ",
        1.5,
        "en",
        "Prime Minister of New Zealand",
        "Minister of Foreign Affairs of New Zealand",
        ("Wellington", "Auckland"),
        _EN_GIVEN,
        _EN_FAMILY,
    ),
    Profile(
        "BN",
        1.2,
        "ms",
        "Sultan of Brunei",
        "Minister of Foreign Affairs of Brunei",
        ("Bandar Seri Begawan",),
        _MS_GIVEN,
        _MS_FAMILY,
    ),
    Profile(
        "KH",
        1.2,
        "km",
        "Prime Minister of Cambodia",
        "Minister of Foreign Affairs of Cambodia",
        ("Phnom Penh", "Siem Reap"),
        ("Sokha", "Dara", "Vanna", "Sophal", "Chantha", "Bopha"),
        ("Sok", "Chan", "Meas", "Keo", "Pich", "Long"),
        family_first=True,
    ),
    Profile(
        "LA",
        1,
        "lo",
        "Prime Minister of Laos",
        "Minister of Foreign Affairs of Laos",
        ("Vientiane", "Luang Prabang"),
        ("Somphone", "Khamla", "Bounmy", "Vilayvanh", "Thongsavanh", "Phonesavanh"),
        ("Phommachanh", "Sisavath", "Vongsa", "Keomany", "Inthavong", "Sengdara"),
    ),
    Profile(
        "MM",
        1,
        "my",
        "President of Myanmar",
        "Minister of Foreign Affairs of Myanmar",
        ("Naypyidaw", "Yangon"),
        ("Aung", "Kyaw", "Thant", "Zaw", "Hla", "Min"),
        ("Naing", "Win", "Htun", "Oo", "Myint", "Lwin"),
    ),
    Profile(
        "ES",
        1,
        "es",
        "Prime Minister of Spain",
        "Minister of Foreign Affairs of Spain",
        ("Madrid", "Barcelona"),
        ("Javier", "Carmen", "Miguel", "Lucía", "Alejandro", "Elena"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero"),
    ),
    Profile(
        "IT",
        1,
        "it",
        "Prime Minister of Italy",
        "Minister of Foreign Affairs of Italy",
        ("Rome", "Milan"),
        ("Marco", "Giulia", "Luca", "Francesca", "Giovanni", "Chiara"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"),
    ),
    Profile(
        "TR",
        0.8,
        "tr",
        "President of Turkey",
        "Minister of Foreign Affairs of Turkey",
        ("Ankara", "Istanbul"),
        ("Mehmet", "Ayşe", "Mustafa", "Fatma", "Ahmet", "Elif"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"),
    ),
    Profile(
        "SA",
        0.8,
        "ar",
        "Crown Prince of Saudi Arabia",
        "Minister of Foreign Affairs of Saudi Arabia",
        ("Riyadh", "Jeddah"),
        _AR_GIVEN,
        _AR_FAMILY,
    ),
    Profile(
        "AE",
        0.8,
        "ar",
        "President of the United Arab Emirates",
        "Minister of Foreign Affairs of the United Arab Emirates",
        ("Abu Dhabi", "Dubai"),
        _AR_GIVEN,
        _AR_FAMILY,
    ),
)
BY_CODE = {p.iso2: p for p in PROFILES}
NAMES_WITH_THE = {"PH", "US", "GB", "AE"}
PARTNERS = tuple(p for p in PROFILES if p.iso2 != HOME)

ASEAN = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN")
APEC = ("AU", "BN", "CA", "CN", "ID", "JP", "KR", "MY", "NZ", "PH", "RU", "SG", "TH", "US", "VN")
EAS = ASEAN + ("AU", "CN", "IN", "JP", "KR", "NZ", "RU", "US")

# Six things leaders say, in the languages they are quoted in.
SAYINGS = {
    "en": (
        "We are friends and partners.",
        "We will continue to work together for peace and stability in the region.",
        "Our two countries share a long history of friendship.",
        "We welcome closer cooperation in trade and investment.",
        "Disputes must be resolved peacefully, in accordance with international law.",
        "This visit opens a new chapter in our relations.",
    ),
    "fil": (
        "Magkaibigan at magkatuwang tayo.",
        "Patuloy tayong magtutulungan para sa kapayapaan at katatagan sa rehiyon.",
        "Mahaba ang kasaysayan ng pagkakaibigan ng ating dalawang bansa.",
        "Tinatanggap namin ang mas malapit na pagtutulungan sa kalakalan at pamumuhunan.",
        "Dapat lutasin nang mapayapa ang mga alitan, alinsunod sa internasyonal na batas.",
        "Nagbubukas ang pagbisitang ito ng bagong kabanata sa ating ugnayan.",
    ),
    "zh": (
        "我们是朋友，也是伙伴。",
        "我们将继续共同努力，维护地区和平与稳定。",
        "我们两国有着悠久的友好历史。",
        "我们欢迎在贸易和投资领域开展更紧密的合作。",
        "争端必须依据国际法和平解决。",
        "这次访问开启了两国关系的新篇章。",
    ),
    "ja": (
        "私たちは友人であり、パートナーです。",
        "地域の平和と安定のために、引き続き協力していきます。",
        "両国には長い友好の歴史があります。",
        "貿易と投資におけるより緊密な協力を歓迎します。",
        "紛争は国際法に従い、平和的に解決されなければなりません。",
        "今回の訪問は、両国関係の新たな章を開くものです。",
    ),
    "ru": (
        "Мы друзья и партнёры.",
        "Мы продолжим совместную работу во имя мира и стабильности в регионе.",
        "Наши страны связывает долгая история дружбы.",
        "Мы приветствуем более тесное сотрудничество в торговле и инвестициях.",
        "Споры должны решаться мирным путём в соответствии с международным правом.",
        "Этот визит открывает новую главу в наших отношениях.",
    ),
    "ko": (
        "우리는 친구이자 동반자입니다.",
        "우리는 지역의 평화와 안정을 위해 계속 함께 노력할 것입니다.",
        "양국은 오랜 우정의 역사를 공유하고 있습니다.",
        "무역과 투자 분야에서 더 긴밀한 협력을 환영합니다.",
        "분쟁은 국제법에 따라 평화적으로 해결되어야 합니다.",
        "이번 방문은 양국 관계의 새로운 장을 엽니다.",
    ),
    "id": (
        "Kita adalah sahabat dan mitra.",
        "Kami akan terus bekerja sama demi perdamaian dan stabilitas di kawasan.",
        "Kedua negara kita memiliki sejarah persahabatan yang panjang.",
        "Kami menyambut kerja sama yang lebih erat di bidang perdagangan dan investasi.",
        "Sengketa harus diselesaikan secara damai sesuai dengan hukum internasional.",
        "Kunjungan ini membuka babak baru dalam hubungan kita.",
    ),
    "vi": (
        "Chúng ta là bạn bè và đối tác.",
        "Chúng tôi sẽ tiếp tục hợp tác vì hòa bình và ổn định trong khu vực.",
        "Hai nước chúng ta có lịch sử hữu nghị lâu đời.",
        "Chúng tôi hoan nghênh hợp tác chặt chẽ hơn trong thương mại và đầu tư.",
        "Các tranh chấp phải được giải quyết bằng biện pháp hòa bình, phù hợp với luật pháp quốc tế.",
        "Chuyến thăm này mở ra một chương mới trong quan hệ giữa hai nước.",
    ),
    "es": (
        "Somos amigos y socios.",
        "Seguiremos trabajando juntos por la paz y la estabilidad en la región.",
        "Nuestros dos países comparten una larga historia de amistad.",
        "Acogemos con satisfacción una cooperación más estrecha en comercio e inversión.",
        "Las controversias deben resolverse pacíficamente, conforme al derecho internacional.",
        "Esta visita abre un nuevo capítulo en nuestras relaciones.",
    ),
    "fr": (
        "Nous sommes amis et partenaires.",
        "Nous continuerons à travailler ensemble pour la paix et la stabilité dans la région.",
        "Nos deux pays partagent une longue histoire d'amitié.",
        "Nous saluons une coopération plus étroite en matière de commerce et d'investissement.",
        "Les différends doivent être réglés pacifiquement, conformément au droit international.",
        "Cette visite ouvre un nouveau chapitre dans nos relations.",
    ),
    "de": (
        "Wir sind Freunde und Partner.",
        "Wir werden weiterhin gemeinsam für Frieden und Stabilität in der Region arbeiten.",
        "Unsere beiden Länder verbindet eine lange Geschichte der Freundschaft.",
        "Wir begrüßen eine engere Zusammenarbeit bei Handel und Investitionen.",
        "Streitigkeiten müssen friedlich und im Einklang mit dem Völkerrecht beigelegt werden.",
        "Dieser Besuch schlägt ein neues Kapitel in unseren Beziehungen auf.",
    ),
}

TOPICS = (
    "trade",
    "investment",
    "defence cooperation",
    "maritime security",
    "fisheries",
    "energy",
    "infrastructure",
    "agriculture",
    "education",
    "tourism",
    "public health",
    "climate change",
    "disaster relief",
    "labour migration",
    "cultural exchange",
    "the digital economy",
    "counter-terrorism",
    "science and technology",
)
CONTEXTS = ("press conference", "joint press statement", "speech to business leaders", "interview with reporters", "")

# How often each kind of event occurs, per hundred.
KIND_WEIGHTS = {
    EventKind.STATE_VISIT: 3,
    EventKind.OFFICIAL_VISIT: 6,
    EventKind.WORKING_VISIT: 6,
    EventKind.SIDELINE: 12,
    EventKind.CALL: 10,
    EventKind.MEETING: 18,
    EventKind.STATEMENT: 22,
    EventKind.AGREEMENT: 9,
    EventKind.POLICY_ACTION: 8,
    EventKind.INTENTION: 4,
    EventKind.OTHER: 2,
}
STATEMENT_CODES = (("SUPPORT", 50), ("ACCUSE", 14), ("REJECT", 10), ("PROTEST", 10), ("REQUEST", 10), ("THREATEN", 6))
POLICY_CODES = (("COOPERATE", 50), ("AID", 30), ("SANCTION", 12), ("MOBILIZE", 8))
POLICY_VERBS = {
    "COOPERATE": "expands {topic} cooperation with",
    "AID": "extends {topic} assistance to",
    "SANCTION": "restricts {topic} dealings with",
    "MOBILIZE": "steps up its presence near",
}


@dataclass
class Term:
    start: datetime.date
    end: datetime.date | None
    leader_id: int
    title: str
    name: str


@dataclass
class World:
    """The leaders and summits events are made from, with their database ids."""

    names: dict[str, str]  # iso2 → country name
    # (iso2, "head" | "minister") → terms in date order, and their start dates for bisecting
    terms: dict[tuple[str, str], list[Term]] = field(default_factory=dict)
    starts: dict[tuple[str, str], list[datetime.date]] = field(default_factory=dict)
    # iso2 → summits attended: (id, short_name, city, host, start, end)
    summits: dict[str, list[tuple]] = field(default_factory=dict)

    def holder(self, iso2: str, level: str, date: datetime.date) -> Term:
        key = (iso2, level)
        index = bisect.bisect_right(self.starts[key], date) - 1
        return self.terms[key][max(index, 0)]


def _people(profile: Profile, rng: random.Random) -> Iterator[str]:
    """Endless distinct fictional names in the country's usual order."""
    seen = set()
    combos = list(itertools.product(profile.given, profile.family))
    rng.shuffle(combos)
    for n in itertools.count():
        given, family = combos[n % len(combos)]
        name = f"{family} {given}" if profile.family_first else f"{given} {family}"
        if n >= len(combos):
            name = f"{name} {'I' * (n // len(combos) + 1)}"  # Another generation of the same name.
        if name not in seen:
            seen.add(name)
            yield name


def build_world(seed: int) -> World:
    """Create (or find, on a second run) the leaders, offices and summits; cheap, a few hundred rows."""
    rng = random.Random(f"{seed}:world")
    # As a sentence uses them: "a state visit to the Philippines".
    names = {
        iso2: f"the {name}" if iso2 in NAMES_WITH_THE else name
        for iso2, name in Country.objects.filter(iso2__in=BY_CODE).values_list("iso2", "name")
    }
    world = World(names)
    existing = {(leader.name, leader.country_id): leader for leader in Leader.objects.filter(country_id__in=BY_CODE)}
    taken_slugs = set(Leader.objects.values_list("slug", flat=True))
    new_leaders, new_offices, terms = [], [], []  # terms: (iso2, level, leader, title, start, end)
    for profile in PROFILES:
        people = _people(profile, rng)
        for level, title, lengths in (("head", profile.head, (4, 8)), ("minister", profile.minister, (2, 5))):
            if profile.iso2 == HOME:
                start = datetime.date(1986, 6, 30)
            else:
                start = datetime.date(1986 + rng.randint(0, 3), rng.randint(1, 12), 1)
            while start <= datetime.date(LAST_YEAR, 12, 31):
                years = 6 if (profile.iso2 == HOME and level == "head") else rng.randint(*lengths)
                end = start.replace(year=start.year + years) - datetime.timedelta(days=1)
                name = next(people)
                leader = existing.get((name, profile.iso2))
                if leader is None:
                    slug = base = slugify(name)[:70]
                    for i in itertools.count(2):
                        if slug not in taken_slugs:
                            break
                        slug = f"{base}-{i}"
                    taken_slugs.add(slug)
                    office = title.split(" of ")[0].lower()
                    leader = Leader(
                        name=name,
                        slug=slug,
                        country_id=profile.iso2,
                        description=f"A fictional {office}. Synthetic person made by generate_events; not a real one.",
                    )
                    existing[(name, profile.iso2)] = leader
                    new_leaders.append(leader)
                    still_in_office = end >= datetime.date(LAST_YEAR, 12, 31)
                    new_offices.append((leader, title, start, None if still_in_office else end))
                terms.append((profile.iso2, level, leader, title, start, end))
                start = end + datetime.timedelta(days=1)
    Leader.objects.bulk_create(new_leaders)
    Office.objects.bulk_create(
        Office(
            leader=leader,
            title=title,
            country_id=leader.country_id,
            start_date=start,
            end_date=end,
            source_url=f"{SYNTHETIC_URL}offices/{leader.slug}",
        )
        for leader, title, start, end in new_offices
    )
    LeaderSource.objects.bulk_create(
        LeaderSource(
            leader=leader,
            url=f"{SYNTHETIC_URL}leaders/{leader.slug}",
            publisher="example.org",
            title="Synthetic biography",
        )
        for leader in new_leaders
    )
    for iso2, level, leader, title, start, end in terms:
        world.terms.setdefault((iso2, level), []).append(Term(start, end, leader.pk, title, leader.name))
    for key, key_terms in world.terms.items():
        world.starts[key] = [term.start for term in key_terms]
    _build_summits(world, rng)
    return world


def _build_summits(world: World, rng: random.Random) -> None:
    planned = []  # (short_name, name, forum, host, start, days, members)
    asean_number = 0
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if year >= 1993:
            host = APEC[(year - 1993) % len(APEC)]
            planned.append(
                (
                    f"APEC {year}",
                    f"APEC Economic Leaders' Meeting {year}",
                    "APEC",
                    host,
                    datetime.date(year, 11, rng.randint(8, 18)),
                    2,
                    APEC,
                )
            )
        for half in (1, 2) if year >= 2008 else (2,):
            asean_number += 1
            host = ASEAN[(year - FIRST_YEAR) % len(ASEAN)]
            start = datetime.date(year, 4 if half == 1 else 11, rng.randint(5, 25))
            planned.append(
                (f"ASEAN {asean_number}", f"ASEAN Summit no. {asean_number}", "ASEAN", host, start, 2, ASEAN)
            )
            if half == 2 and year >= 2005:
                planned.append(
                    (f"EAS {year}", f"East Asia Summit {year}", "EAS", host, start + datetime.timedelta(days=1), 1, EAS)
                )
        planned.append(
            (
                f"UNGA {year}",
                f"United Nations General Assembly, high-level week {year}",
                "UN",
                "US",
                datetime.date(year, 9, rng.randint(18, 26)),
                5,
                tuple(BY_CODE),
            )
        )
    short_names = [f"{short} (synthetic)" for short, *_ in planned]
    stored = {s.short_name: s for s in Summit.objects.filter(short_name__in=short_names)}
    new = []
    for short_name, (_, name, forum, host, start, days, _members) in zip(short_names, planned):
        summit = stored.get(short_name)
        if summit is None:
            summit = Summit(
                short_name=short_name,
                slug=slugify(short_name),
                name=f"{name} (synthetic)",
                forum=forum,
                host_country_id=host,
                city=BY_CODE[host].cities[0] if host in BY_CODE else "",
                start_date=start,
                end_date=start + datetime.timedelta(days=days - 1),
                description=SYNTHETIC_NOTE.replace("event", "summit"),
            )
            stored[short_name] = summit
            new.append(summit)
    Summit.objects.bulk_create(new)
    SummitSource.objects.bulk_create(
        SummitSource(summit=s, url=f"{SYNTHETIC_URL}summits/{s.slug}", publisher="example.org") for s in new
    )
    for short_name, (*_, members) in zip(short_names, planned):
        s = stored[short_name]
        row = (s.pk, s.short_name, s.city, s.host_country_id, s.start_date, s.end_date)
        for iso2 in members:
            world.summits.setdefault(iso2, []).append(row)


class Generator:
    def __init__(self, world: World, seed: int):
        self.world = world
        self.seed = seed
        self.rng = random.Random(f"{seed}:events")
        self.serial = 0
        self.events = Table(
            Event,
            (
                "id",
                "kind",
                "title",
                "summary",
                "date",
                "date_precision",
                "date_approximate",
                "status",
                "summit_id",
                "city",
                "published",
                "plover_category",
                "plover_mode",
                "actor_country_id",
                "target_country_id",
                "score",
                "plover_reviewed",
            ),
        )
        self.participants = Table(
            Participant, ("id", "event_id", "leader_id", "country_id", "role", "title", "position")
        )
        self.quotes = Table(
            Quote,
            (
                "id",
                "event_id",
                "speaker_id",
                "speaker_title",
                "language",
                "original_text",
                "english_text",
                "context",
                "position",
            ),
        )
        self.sources = Table(EventSource, ("id", "event_id", "url", "title", "publisher"))
        self.named = Table(Event.countries.through, ("id", "event_id", "country_id"))
        self.involved = Table(EventCountry, ("id", "event_id", "country_id", "date", "published"))
        self.pairs = Table(EventPair, ("id", "event_id", "pair", "date", "published"))
        self.leaders = Table(EventLeader, ("id", "event_id", "leader_id", "date", "published"))
        self.tables = (
            self.events,
            self.participants,
            self.quotes,
            self.sources,
            self.named,
            self.involved,
            self.pairs,
            self.leaders,
        )

        rng = self.rng
        self.partners = [p.iso2 for p in PARTNERS]
        self.partner_weights = list(itertools.accumulate(p.weight for p in PARTNERS))
        self.years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        # Busier in recent years, as the record is.
        self.year_weights = list(itertools.accumulate(1 + (y - FIRST_YEAR) * 0.12 for y in self.years))
        self.kinds = list(KIND_WEIGHTS)
        self.kind_weights = list(itertools.accumulate(KIND_WEIGHTS.values()))
        self.statement_codes = [c for c, _ in STATEMENT_CODES]
        self.statement_weights = list(itertools.accumulate(w for _, w in STATEMENT_CODES))
        self.policy_codes = [c for c, _ in POLICY_CODES]
        self.policy_weights = list(itertools.accumulate(w for _, w in POLICY_CODES))
        self.choices = rng.choices

    def start_ids(self) -> None:
        from django.db.models import Max

        for table in self.tables:
            table.start_ids_after(table.model.objects.aggregate(m=Max("pk"))["m"] or 0)

    # -- one event -----------------------------------------------------------

    def event(self) -> None:
        rng, world = self.rng, self.world
        self.serial += 1
        other = self.choices(self.partners, cum_weights=self.partner_weights)[0]
        kind = self.choices(self.kinds, cum_weights=self.kind_weights)[0]
        summit = None
        if kind == EventKind.SIDELINE:
            summit = rng.choice(world.summits[other])
            date = summit[4] + datetime.timedelta(days=rng.randint(0, (summit[5] - summit[4]).days))
        else:
            year = self.choices(self.years, cum_weights=self.year_weights)[0]
            date = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))

        precision, approximate = Precision.DAY, False
        roll = rng.random()
        if summit is None and roll < 0.02:
            precision = Precision.YEAR
        elif summit is None and roll < 0.07:
            precision = Precision.MONTH
        if precision != Precision.DAY or rng.random() < 0.02:
            approximate = rng.random() < 0.5
        date = normalise(date, precision)

        if date >= CUTOFF:
            status = EventStatus.PLANNED
        elif kind in MEETING_KINDS and rng.random() < 0.05:
            status = EventStatus.CANCELLED if rng.random() < 0.5 else EventStatus.POSTPONED
        else:
            status = EventStatus.HELD

        names = world.names
        home_name, other_name = names[HOME], names[other]
        topic, topic2 = rng.sample(TOPICS, 2)
        level = "head" if rng.random() < 0.55 else "minister"
        people: list[tuple[Term, str, str]] = []  # (term, country, role)
        said: list[tuple[Term, str]] = []  # (speaker's term, country)
        named: list[str] = []
        city = ""
        mode = ""
        actor, target = HOME, other
        category = ""

        if kind in MEETING_KINDS:
            ours, theirs = world.holder(HOME, level, date), world.holder(other, level, date)
            if kind == EventKind.SIDELINE:
                city = summit[2]
                people = [(ours, HOME, ParticipantRole.PARTICIPANT), (theirs, other, ParticipantRole.PARTICIPANT)]
                title = f"{ours.name} and {theirs.name} meet on the sidelines of {summit[1]}"
            elif kind == EventKind.CALL:
                people = [(ours, HOME, ParticipantRole.PARTICIPANT), (theirs, other, ParticipantRole.PARTICIPANT)]
                title = f"{ours.name} and {theirs.name} speak by telephone"
            else:
                we_host = rng.random() < 0.5
                host_country = HOME if we_host else other
                city = rng.choice(BY_CODE[host_country].cities)
                host, visitor = (ours, theirs) if we_host else (theirs, ours)
                actor, target = (other, HOME) if we_host else (HOME, other)
                people = [
                    (host, host_country, ParticipantRole.HOST),
                    (visitor, other if we_host else HOME, ParticipantRole.VISITOR),
                ]
                visitor_name = visitor.name
                where = names[host_country]
                title = {
                    EventKind.STATE_VISIT: f"{visitor_name} begins a state visit to {where}",
                    EventKind.OFFICIAL_VISIT: f"{visitor_name} on an official visit to {where}",
                    EventKind.WORKING_VISIT: f"{visitor_name} makes a working visit to {where}",
                }.get(kind, f"{host.name} receives {visitor_name} in {city}")
            if rng.random() < 0.08:  # now and then a trilateral
                third = self.choices(self.partners, cum_weights=self.partner_weights)[0]
                if third != other:
                    people.append((world.holder(third, level, date), third, ParticipantRole.PARTICIPANT))
                    title += f", with {names[third]}"
            if rng.random() < 0.15:
                term, iso2, _ = people[rng.randrange(len(people))]
                said.append((term, iso2))
            summary = f"Talks on {topic} and {topic2}."
            if status == EventStatus.HELD:
                category, mode = plover.suggest(kind, status)
        elif kind == EventKind.STATEMENT:
            speaker_country = HOME if rng.random() < 0.5 else other
            about = other if speaker_country == HOME else HOME
            speaker = world.holder(speaker_country, level, date)
            said.append((speaker, speaker_country))
            named.append(about)
            actor, target = speaker_country, about
            title = f"{speaker.name} on {topic} and relations with {names[about]}"
            summary = f"Remarks on {topic}."
            category = self.choices(self.statement_codes, cum_weights=self.statement_weights)[0]
        elif kind == EventKind.AGREEMENT:
            ours, theirs = world.holder(HOME, level, date), world.holder(other, level, date)
            people = [(ours, HOME, ParticipantRole.PARTICIPANT), (theirs, other, ParticipantRole.PARTICIPANT)]
            named.extend((HOME, other))
            city = rng.choice(BY_CODE[HOME if rng.random() < 0.5 else other].cities)
            title = f"{home_name} and {other_name} sign an agreement on {topic}"
            summary = f"The agreement covers {topic} and {topic2}."
            category, mode = plover.suggest(kind, status) if status == EventStatus.HELD else ("", "")
        elif kind == EventKind.POLICY_ACTION:
            actor, target = (HOME, other) if rng.random() < 0.4 else (other, HOME)
            named.extend((HOME, other))
            category = self.choices(self.policy_codes, cum_weights=self.policy_weights)[0]
            title = f"{names[actor]} {POLICY_VERBS[category].format(topic=topic)} {names[target]}"
            summary = f"A decision on {topic}."
        elif kind == EventKind.INTENTION:
            actor, target = (HOME, other) if rng.random() < 0.5 else (other, HOME)
            named.extend((HOME, other))
            title = f"{names[actor]} announces plans for closer {topic} ties with {names[target]}"
            summary = f"An announced intention on {topic} and {topic2}."
            category, mode = plover.suggest(kind, status) if status == EventStatus.HELD else ("", "")
        else:
            named.extend((HOME, other))
            city = rng.choice(BY_CODE[HOME].cities)
            title = (
                f"{home_name.removeprefix('the ')}–{other_name.removeprefix('the ')} forum on {topic} held in {city}"
            )
            summary = f"Officials and experts discussed {topic}."

        title = capfirst(title)
        published = rng.random() < 0.98
        score = plover.default_score(category, mode) if category else None
        event_id = self.events.add(
            kind,
            title,
            f"{summary} {SYNTHETIC_NOTE}",
            date,
            precision,
            approximate,
            status,
            summit[0] if summit else None,
            city,
            published,
            category,
            mode,
            actor if category else None,
            target if category else None,
            score,
            # The generator's statement and policy codes stand for an editor's; a meeting's is the suggestion.
            bool(category) and kind in (EventKind.STATEMENT, EventKind.POLICY_ACTION),
        )
        for position, (term, iso2, role) in enumerate(people):
            self.participants.add(event_id, term.leader_id, iso2, role, term.title, position)
        for position, (term, iso2) in enumerate(said):
            language = BY_CODE[iso2].language if iso2 != HOME else rng.choice(("fil", "en"))
            sayings = SAYINGS.get(language)
            if sayings is None:  # quoted in English when no translation is at hand
                language, sayings = "en", SAYINGS["en"]
            n = rng.randrange(len(sayings))
            english = "" if language == "en" else SAYINGS["en"][n]
            self.quotes.add(
                event_id, term.leader_id, term.title, language, sayings[n], english, rng.choice(CONTEXTS), position
            )
        for iso2 in named:
            self.named.add(event_id, iso2)
        for k in range(1 if rng.random() < 0.7 else 2):
            self.sources.add(
                event_id,
                f"{SYNTHETIC_URL}{self.seed}/events/{self.serial}/{k + 1}",
                f"Synthetic report {self.serial}.{k + 1}",
                "example.org",
            )
        # The derived rows, by the rule of services/involvement.py.
        derived = involvement_of(
            participants=[(term.leader_id, iso2) for term, iso2, _ in people],
            speakers=[(term.leader_id, iso2) for term, iso2 in said],
            named=named,
        )
        for iso2 in derived.countries:
            self.involved.add(event_id, iso2, date, published)
        for pair in derived.pairs:
            self.pairs.add(event_id, pair, date, published)
        for leader_id in derived.leaders:
            self.leaders.add(event_id, leader_id, date, published)

    def flush(self) -> None:
        for table in self.tables:
            write(table)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

# PairMonth is not loaded row by row but rebuilt whole from the loaded EventPair rows.
LOADED_MODELS = (Event, Participant, Quote, EventSource, Event.countries.through, *DERIVED_MODELS)


def _foreign_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys of `tables` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'f' AND t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
            ORDER BY 1, 2
            """,
            [tables],
        )
        return cursor.fetchall()


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that back no constraint (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [tables],
        )
        return cursor.fetchall()


def generate(count: int, seed: int, *, progress: Callable[[int], object] = lambda n: None) -> dict[str, int]:
    """Add `count` synthetic events; returns the number of rows written per table."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        world = build_world(seed)
        generator = Generator(world, seed)
        dropped_indexes, dropped_keys = [], []
        if postgres:
            with connection.cursor() as cursor:
                # Check each foreign key as its row arrives instead of queueing
                # millions of deferred checks until commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                # A bulk load, not a web request: no limit (events/web/guards.py).
                cursor.execute("SET LOCAL statement_timeout = 0")
                tables = [m._meta.db_table for m in LOADED_MODELS]
                cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
                if count >= max(50_000, Event.objects.count()):
                    # As pg_restore does: load, then index, then check the
                    # foreign keys in one pass each.
                    dropped_indexes = _secondary_indexes(tables)
                    dropped_keys = _foreign_keys(tables)
                    for name, _ in dropped_indexes:
                        cursor.execute(f"DROP INDEX {name}")
                    for table, name, _ in dropped_keys:
                        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        generator.start_ids()
        written = dict.fromkeys((t.db_table for t in generator.tables), 0)
        done = 0
        while done < count:
            batch = min(CHUNK, count - done)
            for _ in range(batch):
                generator.event()
            for table in generator.tables:
                written[table.db_table] += len(table.rows)
            generator.flush()
            done += batch
            progress(batch)
        with connection.cursor() as cursor:
            for _, definition in dropped_indexes:
                cursor.execute(definition)
            for table, name, definition in dropped_keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            for sql in connection.ops.sequence_reset_sql(no_style(), list(LOADED_MODELS)):
                cursor.execute(sql)
        involvement.rebuild_pair_months()
        involvement.rebuild_summit_counts()
        versioning.bump()
    if postgres:
        # Fresh statistics for the planner and, outside a transaction, the
        # visibility map that index-only scans need. The leaders and summits too:
        # planned on an empty table's guess (110 leaders for 496), each card's
        # participants were a hash join over every leader (issue 16).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (*LOADED_MODELS, Leader, Office, Summit):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return written
