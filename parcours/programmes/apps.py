from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "parcours.programmes"
    label = "programmes"
    verbose_name = _("Formations et sessions")

    def ready(self) -> None:
        from parcours.programmes import (
            importers,  # noqa: F401 (registers the import kinds)
            panels,
        )

        panels.register()
