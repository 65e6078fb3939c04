from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "parcours.safeguarding"
    label = "safeguarding"
    verbose_name = _("Prévention des violences, du harcèlement et des discriminations")

    def ready(self) -> None:
        from parcours.core import journal_text

        journal_text.register(
            {
                "safeguarding.handler_designated": _("Référent désigné : %(object)s"),
                "safeguarding.handler_ended": _("Fin de désignation du référent : %(object)s"),
                "safeguarding.report_received": _("Signalement n°%(numero)s reçu"),
                "safeguarding.status_changed": _("Signalement : statut changé (%(object)s)"),
                "safeguarding.report_exported": _("Signalement exporté en PDF : %(object)s"),
                "safeguarding.measure_recorded": _(
                    "Mesure consignée sur un signalement : %(object)s"
                ),
                "safeguarding.note_added": _("Note ajoutée à un signalement : %(object)s"),
                "safeguarding.message_sent": _("Message échangé sur un signalement : %(object)s"),
                "safeguarding.information_added": _(
                    "Information ajoutée à un signalement : %(object)s"
                ),
                "safeguarding.procedure_published": _(
                    "Procédure de prévention des violences publiée : %(object)s"
                ),
            }
        )
        from parcours.core.access import membership_of
        from parcours.core.menu import MenuLink, register
        from parcours.safeguarding.access import is_handler

        register(
            MenuLink(
                "suivi", _("Signalements"), "safeguarding:report_list", order=60, visible=is_handler
            ),
            MenuLink(
                "qualite",
                _("Registre des signalements"),
                "safeguarding:register",
                order=30,
                capability="journal.view",
            ),
            MenuLink(
                "qualite",
                _("Prévention des violences"),
                "safeguarding:procedure",
                order=40,
                visible=lambda user: membership_of(user) is not None,
            ),
            MenuLink(
                "administration",
                _("Référents violences"),
                "safeguarding:handlers",
                order=30,
                capability="organisation.manage",
            ),
        )
        from parcours.core.hooks import on_organisation_created
        from parcours.safeguarding import panels, services

        on_organisation_created(services.organisation_created)
        panels.register()
