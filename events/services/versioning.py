"""
The record's version stamp: one number that every write bumps, and when.

`SiteVersion.version`, kept in the database so that every worker process
agrees on it, keys the page cache and makes each page's ETag
(events/web/caching.py). Writes bump it through model signals
(`connect_signals`, for the admin and the shell), or by calling `bump()`
inside their transaction (the importer, the coder, the generator), so that
the new version and the data it stands for commit together.
"""

import datetime

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import timezone
from simple_history.models import HistoricalChanges

from events.models import DERIVED_MODELS, SiteVersion

SINGLETON = 1
_VERSION_SQL = "SELECT version, changed_at FROM {table} WHERE id = %s"


def current_version(using: str = DEFAULT_DB_ALIAS) -> tuple[int, datetime.datetime | None]:
    """The record's version and when it last changed (one query; (0, None) before any write).

    Plain SQL: this runs on every cached request, where the ORM's query
    building would cost more than the query itself.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL.format(table=connection.ops.quote_name(SiteVersion._meta.db_table)), [SINGLETON])
        row = cursor.fetchone()
    if row is None:
        return 0, None
    version, changed_at = row
    if isinstance(changed_at, str):
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if timezone.is_naive(changed_at):  # SQLite, outside the ORM: naive UTC.
        changed_at = changed_at.replace(tzinfo=datetime.UTC)
    return version, changed_at


def bump(using: str = DEFAULT_DB_ALIAS) -> None:
    """Mark the record as changed. Call it inside the writing transaction, so both commit together."""
    now = timezone.now()
    manager = SiteVersion.objects.using(using)
    if manager.filter(pk=SINGLETON).update(version=F("version") + 1, changed_at=now):
        return
    try:
        with transaction.atomic(using=using):
            manager.create(pk=SINGLETON, version=1, changed_at=now)
    except IntegrityError:  # Another writer created it first.
        manager.filter(pk=SINGLETON).update(version=F("version") + 1, changed_at=now)


def _bump_on_write(sender, **kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        bump(kwargs.get("using") or DEFAULT_DB_ALIAS)


def _bump_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # Data migrations change the record without model signals. Migrating back
    # to before the table existed leaves nothing to bump.
    if SiteVersion._meta.db_table in connections[using].introspection.table_names():
        bump(using)


def connect_signals() -> None:
    """Bump the version on every save, delete and many-to-many change of the record, and after migrate.

    Not on the derived tables (models.DERIVED_MODELS: rebuilt only
    along with a record that bumps itself) nor on the edit history: a receiver
    on a model stops Django from deleting its rows in bulk, and would bump once
    per row.
    """
    app = apps.get_app_config("events")
    skipped = (SiteVersion, *DERIVED_MODELS)
    for model in app.get_models():
        if model in skipped or issubclass(model, HistoricalChanges):
            continue
        label = model._meta.label_lower
        post_save.connect(_bump_on_write, sender=model, dispatch_uid=f"site_version:{label}:save")
        post_delete.connect(_bump_on_write, sender=model, dispatch_uid=f"site_version:{label}:delete")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _bump_on_write, sender=through, dispatch_uid=f"site_version:{through._meta.label_lower}"
            )
    post_migrate.connect(_bump_after_migrate, sender=app, dispatch_uid="site_version:migrate")
