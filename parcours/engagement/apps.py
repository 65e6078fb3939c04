from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "parcours.engagement"
    label = "engagement"
    verbose_name = _("Engagement et risque de décrochage")

    def ready(self) -> None:
        from parcours.engagement import tasks  # noqa: F401 (registers the nightly scoring)
