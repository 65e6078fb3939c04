from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    name = "parcours.activity"
    label = "activity"
    verbose_name = _("Activité et évaluations")

    def ready(self) -> None:
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "administration",
                _("Connexion LMS"),
                "activity:credential_list",
                order=20,
                capability="records.import",
            )
        )
        from parcours.activity import importers  # noqa: F401 (registers the import kinds)
        from parcours.activity.selectors import activity_events
        from parcours.core import journal_text
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if activity_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(activity_events)

        journal_text.register({"xapi.key_revoked": _("Clé xAPI révoquée : %(object)s")})
        from parcours.activity.signals import PROVIDERS
        from parcours.core.signals import register as register_signal

        for provider in PROVIDERS:
            register_signal(provider)
