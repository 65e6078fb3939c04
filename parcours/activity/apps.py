from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    name = "parcours.activity"
    label = "activity"
    verbose_name = _("Activité et évaluations")

    def ready(self) -> None:
        from parcours.activity import importers  # noqa: F401 (registers the import kinds)
        from parcours.activity.selectors import activity_events
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if activity_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(activity_events)

        from parcours.activity.signals import PROVIDERS
        from parcours.core.signals import register

        for provider in PROVIDERS:
            register(provider)
