from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "parcours.engagement"
    label = "engagement"
    verbose_name = _("Engagement et risque de décrochage")
