from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "parcours.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from parcours.core import journal_text
        from parcours.core.menu import MenuLink, register

        journal_text.register(
            {
                "audit.mock_run": _("Audit blanc au %(as_of)s (graine %(seed)s) : %(object)s"),
                "audit.finding_to_action": _(
                    "Constat d'audit blanc transformé en action d'amélioration : %(object)s"
                ),
            }
        )
        journal_text.register_labels(
            {
                "as_of": _("à la date du"),
                "seed": _("graine du tirage"),
                "sample_size": _("échantillon"),
                "findings": _("constats"),
                "grades": _("cotation par indicateur"),
            }
        )
        register(
            MenuLink(
                "qualite",
                _("Préparation de l'audit"),
                "audit:readiness",
                order=60,
                capability="audit.run",
                also_current=("audit:mock_list", "audit:mock_detail"),
            )
        )
