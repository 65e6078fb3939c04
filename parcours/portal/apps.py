from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "parcours.portal"
    label = "portal"
    verbose_name = _("Espace apprenant")

    def ready(self) -> None:
        from parcours.core.homes import register_home
        from parcours.core.models import Role
        from parcours.portal import blocks, views

        blocks.register_all()
        # A learner's home page is their portal (also at /mon-espace/).
        register_home(Role.APPRENANT, views.learner_home)
