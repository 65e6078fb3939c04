"""What the risk register registers at start-up (called from ImprovementConfig.ready):
its menu entry, its journal sentences, and the starting set for new organisations."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from parcours.core import journal_text
    from parcours.core.hooks import on_organisation_created
    from parcours.core.menu import MenuLink
    from parcours.core.menu import register as register_menu
    from parcours.improvement.risks import services

    on_organisation_created(services.organisation_created)
    register_menu(
        MenuLink(
            "qualite",
            _("Risques qualité"),
            "improvement:risks:register",
            order=45,
            capability="improvement.view",
            also_current=(
                "improvement:risks:detail",
                "improvement:risks:new",
                "improvement:risks:edit",
                "improvement:risks:yearly_review",
            ),
        )
    )
    journal_text.register(
        {
            "risks.default_created": _("Risque du registre initial : %(object)s"),
            "risks.created": _("Risque ajouté au registre : %(object)s"),
            "risks.updated": _("Risque modifié : %(object)s"),
            "risks.archived": _("Risque archivé : %(object)s"),
            "risks.restored": _("Risque rétabli au registre : %(object)s"),
            "risks.treatment_linked": _(
                "Action de traitement %(action)s liée au risque %(object)s"
            ),
            "risks.treatment_unlinked": _(
                "Action de traitement %(action)s déliée du risque %(object)s"
            ),
            "risks.register_reviewed": _("Revue annuelle du registre des risques : %(object)s"),
        }
    )
