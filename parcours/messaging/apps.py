from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "parcours.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from parcours.core import journal_text
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "suivi", _("Messages"), "messaging:outbox", order=50, capability="records.view"
            )
        )
        from parcours.learners.selectors import TIMELINE_PROVIDERS
        from parcours.messaging import (  # noqa: F401 (registers their jobs and periodic tasks)
            journal_head,  # the journal's head, mailed weekly to the direction
            sending,  # messaging.send, the sweep
        )
        from parcours.messaging.selectors import message_events

        if message_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(message_events)

        journal_text.register(
            {
                "messaging.queued": _("Courriel préparé pour %(to)s : « %(subject)s »"),
                "messaging.queued_batch": _("%(count)s courriels préparés : %(about)s"),
                "messaging.sent": _("Courriel envoyé à %(to)s"),
                "messaging.retry_scheduled": _("Envoi du courriel à réessayer : %(object)s"),
                "messaging.failed": _("Échec de l'envoi du courriel : %(object)s"),
                "messaging.to_check": _("Courriel à vérifier (envoi interrompu) : %(object)s"),
                "messaging.resent": _("Courriel renvoyé : %(object)s"),
            }
        )
        journal_text.register_labels(
            {
                "attempt": _("tentative n°"),
                "error": _("erreur"),
                "attachments": _("pièces jointes"),
                "count": _("nombre"),
                "about": _("objet"),
                "related_key": _("rattachement"),
                "template": _("modèle"),
                "first": _("premier message"),
                "last": _("dernier message"),
            }
        )
        from parcours.core.hooks import on_organisation_created
        from parcours.messaging import panels, services

        on_organisation_created(services.organisation_created)
        panels.register()
