from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "parcours.safeguarding"
    label = "safeguarding"
    verbose_name = _("Prévention des violences, du harcèlement et des discriminations")

    def ready(self) -> None:
        from parcours.core.hooks import on_organisation_created
        from parcours.safeguarding import panels, services

        on_organisation_created(services.organisation_created)
        panels.register()
