"""
Sources: every record carries its own (as in Popolo), each an http(s) URL.

Publishers grade them (what kind of publisher each source is); where an
event's sources say different things, a Disagreement records what each says.
"""

import functools
from typing import NamedTuple
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from events.models.base import http_url_validator


class SourceBase(models.Model):
    url = models.URLField("URL", max_length=1000, validators=[http_url_validator])
    title = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="Left empty, the web site's name is used.")
    published_on = models.DateField("publication date", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        if not self.publisher:
            self.publisher = publisher_from_url(self.url)
        super().save(*args, **kwargs)


def publisher_from_url(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _http_only(prefix: str):
    return models.CheckConstraint(
        condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
        name=f"{prefix}_url_http",
        violation_error_message="A source must be an http:// or https:// address.",
    )


class EventSource(SourceBase):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="sources")

    history = HistoricalRecords()

    class Meta(SourceBase.Meta):
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(fields=["event", "url"], name="event_source_once"),
            _http_only("event_source"),
        ]


class SummitSource(SourceBase):
    summit = models.ForeignKey("events.Summit", on_delete=models.CASCADE, related_name="sources")

    history = HistoricalRecords()

    class Meta(SourceBase.Meta):
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(fields=["summit", "url"], name="summit_source_once"),
            _http_only("summit_source"),
        ]


class LeaderSource(SourceBase):
    leader = models.ForeignKey("events.Leader", on_delete=models.CASCADE, related_name="sources")

    history = HistoricalRecords()

    class Meta(SourceBase.Meta):
        verbose_name = "source"
        constraints = [
            models.UniqueConstraint(fields=["leader", "url"], name="leader_source_once"),
            _http_only("leader_source"),
        ]


class PublisherKind(models.TextChoices):
    OFFICIAL_PH = "official_ph", _("Official (Philippine government)")
    OFFICIAL_FOREIGN = "official_foreign", _("Official (foreign government)")
    STATE_MEDIA = "state_media", _("State media")
    NEWS = "news", _("Independent news")
    REFERENCE = "reference", _("Reference or other")


OFFICIAL_KINDS = frozenset({PublisherKind.OFFICIAL_PH, PublisherKind.OFFICIAL_FOREIGN})


def normalise_domain(value: str) -> str:
    """`www.Rappler.com.` → `rappler.com`: how a publisher's domain is stored and looked up."""
    return value.strip().lower().rstrip(".").removeprefix("www.")


class Publisher(models.Model):
    """A web site sources come from: its name, what kind of publisher it is, whether it only copies others."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Lower case, without www.; covers its sub-domains too (inquirer.net covers newsinfo.inquirer.net).",
    )
    name = models.CharField(max_length=200, help_text="As readers know it, e.g. Rappler, Philippine News Agency.")
    kind = models.CharField(max_length=20, choices=PublisherKind.choices, help_text="Shown beside every source.")
    aggregator = models.BooleanField(
        "mirror or aggregator",
        default=False,
        help_text="Copies others' reporting: never enough as an event's only source.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(condition=~Q(domain=""), name="publisher_domain_not_empty"),
            models.CheckConstraint(condition=~Q(domain__startswith="www."), name="publisher_domain_without_www"),
            models.CheckConstraint(condition=Q(kind__in=PublisherKind.values), name="publisher_kind_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.domain})"

    def save(self, *args, **kwargs):
        self.domain = normalise_domain(self.domain)
        super().save(*args, **kwargs)
        publisher_table.cache_clear()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        publisher_table.cache_clear()
        return result

    @property
    def label(self) -> str:
        """'Rappler · Independent news', as shown beside a source."""
        return f"{self.name} · {self.get_kind_display()}"


class PublisherInfo(NamedTuple):
    """What the pages and exports show of a source's publisher."""

    name: str
    kind: str
    aggregator: bool

    @property
    def kind_label(self) -> str:
        return PublisherKind(self.kind).label

    @property
    def label(self) -> str:
        return f"{self.name} · {self.kind_label}"

    @property
    def official(self) -> bool:
        return self.kind in OFFICIAL_KINDS


@functools.cache
def publisher_table() -> dict[str, PublisherInfo]:
    """Every publisher by domain: a few hundred rows, read once per process.

    Cleared when a publisher is saved or deleted through the model (the admin)
    and by the importer after it writes publishers; another process sees the
    change when it restarts.
    """
    return {
        domain: PublisherInfo(name, kind, aggregator)
        for domain, name, kind, aggregator in Publisher.objects.values_list("domain", "name", "kind", "aggregator")
    }


def publisher_for(url: str) -> PublisherInfo | None:
    """The publisher of `url`: the longest stored domain that is its host or a parent of it."""
    host = normalise_domain(urlsplit(url).hostname or "")
    table = publisher_table()
    while host:
        if host in table:
            return table[host]
        host = host.partition(".")[2]
    return None


class Disagreement(models.Model):
    """Sources that disagree about one point of an event: 'the visit's classification'."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="disagreements")
    about = models.CharField(max_length=300, help_text="What the sources disagree on, e.g. the visit's classification.")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=~Q(about=""), name="disagreement_about_not_empty")]

    def __str__(self):
        return f"Sources disagree on {self.about}"


class DisagreementVersion(models.Model):
    """What one of the event's sources says on the disputed point."""

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="versions")
    source = models.ForeignKey(
        EventSource, on_delete=models.CASCADE, related_name="+", help_text="One of the event's sources."
    )
    says = models.TextField(help_text="What this source says, verbatim or nearly: “a state visit”.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["disagreement", "source"], name="disagreement_version_once_per_source"),
            models.CheckConstraint(condition=~Q(says=""), name="disagreement_version_says_something"),
        ]

    def __str__(self):
        return self.says[:80]

    def clean(self):
        super().clean()
        if self.disagreement_id and self.source_id and self.source.event_id != self.disagreement.event_id:
            raise ValidationError({"source": "Choose one of this event's own sources."})
