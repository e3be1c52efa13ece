"""The record's version: one number that every write bumps (events/services/versioning.py)."""

from django.db import models
from django.db.models import Q


class SiteVersion(models.Model):
    """The record's version: bumped by every write, folded into page-cache keys and ETags.

    One row, in the database rather than in a process, so that every worker
    serving the site agrees on it.
    """

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(help_text="When the record last changed.")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="site_version_single_row")]

    def __str__(self):
        return f"version {self.version} of {self.changed_at:%Y-%m-%d %H:%M:%S}"


class ScopeVersion(models.Model):
    """When a part of the site last changed: the page cache keys each page by its part's row.

    A scope is `*` (everything: a write that does not say what it touched),
    `all` (the pages of the whole record: lists, home, summits), `event:<id>`,
    `pair:<cn-ph>` or `leader:<slug>` (events/services/versioning.py says
    which writes bump which). `version` is the site's version at that write.
    """

    scope = models.CharField(max_length=80, primary_key=True)
    version = models.BigIntegerField()
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.scope}: version {self.version}"
