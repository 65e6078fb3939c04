from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "parcours.followup"
    label = "followup"
    verbose_name = _("Suivi et prévention des abandons")
