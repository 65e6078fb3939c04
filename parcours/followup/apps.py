from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "parcours.followup"
    label = "followup"
    verbose_name = _("Suivi et prévention des abandons")

    def ready(self) -> None:
        from parcours.core.hooks import on_organisation_created
        from parcours.followup import (
            jobs,  # noqa: F401 (registers the daily follow-up)
            panels,
            services,
        )
        from parcours.followup.selectors import followup_events
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        on_organisation_created(services.organisation_created)
        panels.register()
        if followup_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(followup_events)
