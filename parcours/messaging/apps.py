from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "parcours.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from parcours.core.hooks import on_organisation_created
        from parcours.learners.selectors import TIMELINE_PROVIDERS
        from parcours.messaging import (
            panels,
            sending,  # noqa: F401 (registers messaging.send, the sweep)
            services,
        )
        from parcours.messaging.selectors import message_events

        on_organisation_created(services.organisation_created)
        panels.register()
        if message_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(message_events)
