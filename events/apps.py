from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Foreign-policy record"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
        from . import reference
        from .caching import connect_signals

        connect_signals()  # every write bumps the page-cache version
        post_migrate.connect(reference.forget, dispatch_uid="reference_countries_forget")
