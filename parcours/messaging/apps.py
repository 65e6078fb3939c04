from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "parcours.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "suivi", _("Messages"), "messaging:outbox", order=50, capability="records.view"
            )
        )
        from parcours.learners.selectors import TIMELINE_PROVIDERS
        from parcours.messaging import sending  # noqa: F401 (registers messaging.send, the sweep)
        from parcours.messaging.selectors import message_events

        if message_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(message_events)
