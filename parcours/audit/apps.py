from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "parcours.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from parcours.audit import home, home_blocks, services, views
        from parcours.audit.cli import mock, pack, readiness  # noqa: F401  (the subcommands)
        from parcours.audit.pack import sections
        from parcours.core import journal_text
        from parcours.core.homes import register_home
        from parcours.core.menu import MenuLink, register
        from parcours.core.models import Role

        sections.register_defaults()
        register_home(Role.AUDITEUR, views.auditor_home)
        register(
            MenuLink(
                "qualite", _("Espace audit"), "audit:space", order=80, capability="audit.view"
            ),
            MenuLink(
                "qualite", _("Référentiel"), "audit:framework", order=81, capability="audit.view"
            ),
            MenuLink(
                "qualite",
                _("Dossiers de preuves"),
                "audit:packs",
                order=82,
                capability="audit.view",
                also_current=("audit:pack",),
            ),
            MenuLink(
                "qualite",
                _("Préparation de l'audit"),
                "audit:readiness",
                order=79,
                capability="audit.run",
                also_current=("audit:mock_list", "audit:mock_detail"),
            ),
            MenuLink(
                "administration",
                _("Accès des auditeurs"),
                "audit:auditors",
                order=80,
                capability="audit.grant",
            ),
        )
        journal_text.register(
            {
                "audit.pack_requested": _("Dossier de preuves demandé : %(object)s"),
                "audit.pack_built": _("Dossier de preuves constitué : %(object)s"),
                "audit.pack_failed": _(
                    "Échec de la constitution du dossier de preuves : %(object)s"
                ),
                "audit.access_granted": _("Accès d'auditeur ouvert : %(object)s"),
                "audit.access_renewed": _("Accès d'auditeur prolongé : %(object)s"),
                "audit.access_revoked": _("Accès d'auditeur révoqué : %(object)s"),
                services.PAGE_VIEWED: _("Page consultée par l'auditeur : %(path)s"),
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
        # Readiness and the last mock audit on the auditor's home (h6).
        home.register_block("audit/_home_readiness.html", home_blocks.readiness_block, order=10)
        home.register_block("audit/_home_mock.html", home_blocks.last_mock_block, order=20)
