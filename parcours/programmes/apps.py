from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "parcours.programmes"
    label = "programmes"
    verbose_name = _("Formations et sessions")

    def ready(self) -> None:
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "apprenants",
                _("Sessions"),
                "programmes:session_list",
                order=30,
                capability="records.view",
                also_current=("programmes:session_detail",),
            ),
            MenuLink(
                "apprenants",
                _("Formations"),
                "programmes:programme_list",
                order=40,
                capability="records.view",
                also_current=("programmes:programme_detail",),
            ),
        )
        from parcours.programmes import (
            importers,  # noqa: F401 (registers the import kinds)
            panels,
        )

        panels.register()
