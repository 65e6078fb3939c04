from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "parcours.engagement"
    label = "engagement"
    verbose_name = _("Engagement et risque de décrochage")

    def ready(self) -> None:
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
