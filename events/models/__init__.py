"""
The record of the Philippines' foreign relations.

People (`Leader`) hold offices over time (`Office`, Popolo's memberships);
`Summit`s gather them; `Event`s are the timeline's spine. Meetings, statements,
agreements, policy actions and intentions are all events, distinguished by
`kind`, so that a relationship's timeline is one ordered query over one table.

Which countries and leaders an event *involves* is derived (participants,
speakers, the countries an editor names) and stored in `EventCountry`,
`EventPair` and `EventLeader`, kept in step on every write path by
events/services/involvement.py; so is `PairMonth`, each relationship's months
in figures.

One module per subject; this package re-exports their classes, so that
`from events.models import Event` is all a caller needs.
"""

from events.models.base import http_url_validator, record_url, unique_slug, wikidata_validator
from events.models.countries import Country, CountryQuerySet
from events.models.derived import (
    DERIVED_MODELS,
    PAIR_MONTH_REVIEWED_FIGURES,
    EventCountry,
    EventLeader,
    EventPair,
    PairMonth,
    SummitCount,
)
from events.models.events import (
    Event,
    EventQuerySet,
    JSONRows,
    LeaderLink,
    Participant,
    ParticipantLink,
    Quote,
    QuoteLanguage,
    QuoteText,
    SourceLink,
    StatusStep,
    pair_key,
)
from events.models.life import (
    Commitment,
    CommitmentQuerySet,
    CommitmentStep,
    EventLink,
    PartialDated,
    Readout,
    StatusChange,
)
from events.models.people import Leader, LeaderQuerySet, Office, title_on
from events.models.revisions import EventRevision
from events.models.site import ScopeVersion, SiteVersion
from events.models.sources import (
    OFFICIAL_KINDS,
    Disagreement,
    DisagreementVersion,
    EventSource,
    LeaderSource,
    Publisher,
    PublisherInfo,
    PublisherKind,
    SourceBase,
    SummitSource,
    normalise_domain,
    publisher_for,
    publisher_from_url,
    publisher_table,
)
from events.models.summits import Summit, SummitQuerySet
from events.vocab.kinds import (
    LINK_INVERSES,
    MEETING_KINDS,
    CommitmentKind,
    CommitmentStage,
    EventKind,
    EventStatus,
    LifeStatus,
    LinkRelation,
    ParticipantRole,
)
from events.vocab.languages import language_name, validate_language_tag

__all__ = [
    "LINK_INVERSES",
    "Commitment",
    "CommitmentKind",
    "CommitmentQuerySet",
    "CommitmentStage",
    "CommitmentStep",
    "EventLink",
    "LifeStatus",
    "LinkRelation",
    "PartialDated",
    "Readout",
    "StatusChange",
    "StatusStep",
    "DERIVED_MODELS",
    "OFFICIAL_KINDS",
    "Disagreement",
    "DisagreementVersion",
    "Publisher",
    "PublisherInfo",
    "PublisherKind",
    "normalise_domain",
    "publisher_for",
    "publisher_table",
    "MEETING_KINDS",
    "Country",
    "CountryQuerySet",
    "Event",
    "EventCountry",
    "EventKind",
    "EventLeader",
    "EventPair",
    "EventRevision",
    "EventQuerySet",
    "EventSource",
    "EventStatus",
    "JSONRows",
    "Leader",
    "LeaderLink",
    "LeaderQuerySet",
    "LeaderSource",
    "Office",
    "PairMonth",
    "SummitCount",
    "PAIR_MONTH_REVIEWED_FIGURES",
    "Participant",
    "ParticipantLink",
    "ParticipantRole",
    "Quote",
    "QuoteLanguage",
    "QuoteText",
    "ScopeVersion",
    "SiteVersion",
    "SourceBase",
    "SourceLink",
    "Summit",
    "SummitQuerySet",
    "SummitSource",
    "http_url_validator",
    "language_name",
    "pair_key",
    "publisher_from_url",
    "record_url",
    "title_on",
    "unique_slug",
    "validate_language_tag",
    "wikidata_validator",
]
