from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "parcours.followup"
    label = "followup"
    verbose_name = _("Suivi et prévention des abandons")

    def ready(self) -> None:
        from parcours.followup import jobs  # noqa: F401 (registers the daily follow-up)
        from parcours.followup.selectors import followup_events
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if followup_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(followup_events)

        from parcours.core.signals import register
        from parcours.followup.signals import PROVIDER

        register(PROVIDER)
