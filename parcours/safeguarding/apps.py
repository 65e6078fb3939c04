from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "parcours.safeguarding"
    label = "safeguarding"
    verbose_name = _("Prévention des violences, du harcèlement et des discriminations")

    def ready(self) -> None:
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
