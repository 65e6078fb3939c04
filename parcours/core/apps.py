from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parcours.core"
    label = "core"
    verbose_name = _("Organisations et journal")

    def ready(self) -> None:
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink("qualite", _("Journal"), "journal", order=90, capability="journal.view"),
            MenuLink(
                "administration",
                _("Imports"),
                "import_upload",
                order=10,
                capability="records.import",
                also_current=("import_detail",),
            ),
        )
