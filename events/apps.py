from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Foreign-policy record"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from events.models import reference
        from events.services import revisions, signals  # noqa: F401  (signals connects the receivers)
        from events.services.versioning import connect_signals
        from events.web.guards import limit_sqlite_statements

        connect_signals()  # every write bumps the page-cache version
        revisions.connect_signals()  # every edit of an event's record makes a citable revision
        post_migrate.connect(reference.forget, dispatch_uid="reference_countries_forget")
        connection_created.connect(limit_sqlite_statements, dispatch_uid="limit_sqlite_statements")
