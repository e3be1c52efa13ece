"""Sources: every record carries its own (as in Popolo), each an http(s) URL."""

from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
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
