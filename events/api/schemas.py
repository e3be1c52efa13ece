"""
What the API answers, as pydantic schemas: django-ninja validates every response against them and
writes the OpenAPI document (`/api/v1/openapi.json`) from them.

The event object is `/events.json`'s, built by the same function (services/exporting.py `event_row`);
`Event` declares its fields, those of CONTRACT.md's Additions included, and lets through any field
the export gains before this schema names it (`extra="allow"`), so the two never differ.
"""

import datetime

from ninja import Schema
from pydantic import ConfigDict, Field


class Problem(Schema):
    """A request the API cannot answer: what was wrong with it."""

    detail: str = Field(description="The problem, in a sentence.")


class FilterProblem(Schema):
    """A malformed filter: the messages of /events/'s filter form, by parameter."""

    detail: str
    errors: dict[str, list[dict]] = Field(
        default={},
        description='Per parameter, its errors: [{"message": "Enter a valid date.", "code": "invalid"}]; '
        "absent when the query string itself was refused.",
    )


class InvalidParameters(Schema):
    """A parameter of the wrong type or outside its bounds (django-ninja's validation)."""

    detail: list[dict] = Field(description='Each problem: {"loc": ["query", "limit"], "msg": ..., "type": ...}.')


class Operation(Schema):
    operation_id: str
    method: str
    path: str
    summary: str


class Index(Schema):
    title: str
    version: str
    openapi: str = Field(description="The OpenAPI 3 schema of this API.")
    docs: str = Field(description="The schema as a page to read and try.")
    operations: list[Operation]


# -- Events ----------------------------------------------------------------------------------------


class Open(Schema):
    """An object of the export's: a field it gains before this schema names it passes through."""

    model_config = ConfigDict(extra="allow")


class Participant(Open):
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2 code of the country represented.")
    role: str
    title: str = Field("", description="Their title on the day of the event.")


class SourcePublisher(Open):
    url: str
    title: str = ""
    name: str | None
    kind: str | None = Field(description="official_ph, official_foreign, state_media, news or reference.")


class DisagreementVersion(Open):
    source: str
    publisher: str | None
    says: str


class Disagreement(Open):
    about: str
    versions: list[DisagreementVersion]


# The Additions of CONTRACT.md: every field optional, their values being the export's, which this
# schema only describes.


class QuoteItem(Open):
    speaker: str | dict | None = None
    speaker_country: str | None = None
    speaker_title: str | None = None
    language: str | None = None
    text: str | None = None
    english: str | None = None
    translated_by: str | None = None


class Plover(Open):
    category: str | None = None
    mode: str | None = None
    score: float | str | None = None
    actor: str | None = None
    target: str | None = None
    reviewed: bool | None = None


class StatusChange(Open):
    status: str | None = None
    date: str | None = None
    sources: list[str | dict] = []
    note: str | None = None


class Link(Open):
    relation: str | None = None
    event: int | dict | None = None
    url: str | None = None


class Readout(Open):
    country: str | None = None
    source: str | dict | None = None
    source_title: str | None = None
    language: str | None = None
    text: str | None = None
    english: str | None = None
    translated_by: str | None = None


class Event(Open):
    """One published event, as `/events.json` gives it."""

    id: int
    url: str = Field(description="The event's page.")
    date: str = Field(description="As precise as known: YYYY-MM-DD, YYYY-MM or YYYY; a trailing ~ when approximate.")
    date_display: str = Field(description='e.g. "19 November 2016", "September 2016", "about 2016".')
    kind: str
    status: str
    title: str
    summary: str
    countries: list[str] = Field(description="The countries involved, ISO2.")
    participants: list[Participant]
    summit: str | None = Field(description="The summit's short name.")
    city: str
    sources: list[str]
    source_publishers: list[SourcePublisher] = []
    disagreements: list[Disagreement] = []
    quotes: list[QuoteItem] = []
    plover: Plover | None = None
    status_history: list[StatusChange] = []
    links: list[Link] = []
    readouts: list[Readout] = []


class EventPage(Schema):
    filter: dict = Field(description="The filters in force, as given.")
    events: list[Event]
    limit: int
    next: str | None = Field(description="The next page, filters kept; null on the last page.")


# -- Relationships, leaders, summits --------------------------------------------------------------


class EventLink(Schema):
    id: int
    title: str
    date: str
    url: str


class Relationship(Schema):
    key: str = Field(description="The two countries, home country first: ph-ru.")
    countries: list[str] = Field(description="ISO2, home country first.")
    names: list[str]
    event_count: int
    url: str = Field(description="The relationship's timeline page.")
    api_url: str


class RelationshipListed(Relationship):
    latest_event: EventLink | None


class PeriodTemperature(Schema):
    start: datetime.date
    end: datetime.date
    label: str
    scored_events: int = Field(description="Events coded between the two countries, scored, in the period.")
    mean: float | None = Field(description="Mean score, −10 (conflict) to +10 (cooperation); null: none recorded.")
    quads: dict[str, int] = Field(description="How many scored events fell in each PLOVER quad class.")


class RelationshipDetail(Relationship):
    first_month: datetime.date | None
    last_month: datetime.date | None
    events: str = Field(description="Its events in this API.")
    period: str
    temperature: list[PeriodTemperature]


class Office(Schema):
    title: str
    country: str
    start: str | None = Field(description="YYYY-MM-DD, YYYY-MM or YYYY.")
    end: str | None = Field(description="null while in office.")
    tenure: str
    source_url: str


class Leader(Schema):
    slug: str
    name: str
    country: str
    other_names: list[str]
    wikidata_id: str
    description: str
    url: str
    api_url: str
    events: str = Field(description="The leader's events in this API.")
    offices: list[Office]


class LeaderPage(Schema):
    leaders: list[Leader]
    limit: int
    next: str | None


class Summit(Schema):
    slug: str
    short_name: str
    name: str
    forum: str
    host_country: str
    city: str
    start_date: datetime.date
    end_date: datetime.date
    dates_display: str
    description: str
    url: str
    api_url: str
    events: str = Field(description="The summit's events in this API.")


class SummitDetail(Summit):
    sources: list[str]


class SummitPage(Schema):
    summits: list[Summit]
    limit: int
    next: str | None


# -- Commitments -----------------------------------------------------------------------------------


class Commitment(Schema):
    slug: str
    title: str
    kind: str = Field(description="agreement, pledge or intention.")
    stage: str = Field(description="The stage of its latest step; empty before its first.")
    countries: list[str] = Field(description="The countries that made or received it, ISO2.")
    amount: str | None = Field(description="The value given, exact (a decimal string), in `currency`.")
    currency: str
    summary: str
    source_url: str
    url: str
    api_url: str


class CommitmentStep(Schema):
    date: str = Field(description="YYYY-MM-DD, YYYY-MM or YYYY; a trailing ~ when approximate.")
    date_display: str
    stage: str
    note: str
    source_url: str
    event: EventLink | None = Field(description="The published event that moved it, if any.")


class CommitmentDetail(Commitment):
    steps: list[CommitmentStep]


class CommitmentPage(Schema):
    filter: dict
    commitments: list[Commitment]
    limit: int
    next: str | None
