from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "parcours.engagement"
    label = "engagement"
    verbose_name = _("Engagement et risque de décrochage")

    def ready(self) -> None:
        from parcours.core import journal_text
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "suivi",
                _("Risque de décrochage"),
                "engagement:risk_list",
                order=30,
                capability="records.view",
                also_current=("engagement:thresholds",),
            )
        )
        from parcours.engagement import tasks  # noqa: F401 (registers the nightly scoring)

        journal_text.register(
            {
                "risk.scored": _("Risque de décrochage calculé : %(object)s"),
                "risk.calibrated": _("Pondération du risque recalibrée : %(object)s"),
            }
        )
        journal_text.register_labels(
            {
                "as_of": _("à la date du"),
                "enrolments": _("inscriptions"),
                "levels": _("niveaux"),
                "model_version": _("pondération"),
                "examples": _("exemples"),
            }
        )
