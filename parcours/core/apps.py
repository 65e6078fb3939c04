from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parcours.core"
    label = "core"
    verbose_name = _("Organisations et journal")

    def ready(self) -> None:
        from parcours.core import journal_text

        journal_text.register(
            {
                "organisation.opened": _("Organisation « %(object)s » ouverte dans Parcours"),
                "import.completed": _("Import terminé : %(object)s"),
                "api.token_created": _("Jeton d'accès à l'API créé pour %(object)s"),
                "api.token_rotated": _("Jeton d'accès à l'API renouvelé pour %(object)s"),
            }
        )
        journal_text.register_labels(
            {
                "kind": _("type d'import"),
                "filename": _("fichier"),
                "rows": _("lignes"),
                "created": _("créés"),
                "updated": _("modifiés"),
                "unchanged": _("inchangés"),
                "count": _("nombre"),
                "job": _("tâche"),
            }
        )
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
        from parcours.core import receivers  # noqa: F401 (journals locked logins)
