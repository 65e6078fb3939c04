from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "parcours.improvement"
    label = "improvement"
    verbose_name = _("Amélioration continue")

    def ready(self) -> None:
        # --- Improvement actions, effectiveness checks, suggestions (h3) ---
        from parcours.core import journal_text
        from parcours.core.menu import MenuLink, register
        from parcours.feedback import triage
        from parcours.feedback.complaints import handoff
        from parcours.improvement import handoffs, panels
        from parcours.improvement import jobs as action_jobs  # noqa: F401 (nightly pass)

        journal_text.register(
            {
                "improvement.action_proposed": _("Action d'amélioration proposée : %(object)s"),
                "improvement.action_updated": _("Action d'amélioration modifiée : %(object)s"),
                "improvement.action_validated": _("Action validée par la direction : %(object)s"),
                "improvement.action_started": _("Action démarrée : %(object)s"),
                "improvement.action_done": _("Action réalisée : %(object)s"),
                "improvement.action_closed": _("Action close : %(object)s"),
                "improvement.action_abandoned": _("Action abandonnée : %(object)s"),
                "improvement.action_reopened": _("Action reprise (non efficace) : %(object)s"),
                "improvement.action_escalated": _("Retard signalé à la direction : %(object)s"),
                "improvement.action_effective": _("Efficacité vérifiée : %(object)s"),
                "improvement.check_planned": _("Vérification d'efficacité prévue : %(object)s"),
                "improvement.check_measured": _("Efficacité mesurée (%(verdict)s) : %(object)s"),
                "improvement.suggestion_made": _("Suggestion d'amélioration : %(object)s"),
                "improvement.suggestion_accepted": _("Suggestion acceptée : %(object)s"),
                "improvement.suggestion_dismissed": _("Suggestion écartée : %(object)s"),
            }
        )
        journal_text.register_labels(
            {
                "etat": _("état"),
                "responsable": _("responsable"),
                "echeance": _("échéance"),
                "realise": _("ce qui a été fait"),
                "motif": _("motif"),
                "destinataires": _("destinataires"),
                "mesure": _("mesure"),
                "valeur_avant": _("valeur avant"),
                "valeur_apres": _("valeur après"),
                "cible": _("cible"),
                "verdict": _("verdict"),
            }
        )
        register(
            MenuLink(
                "qualite",
                _("Plan d'amélioration"),
                "improvement:list",
                order=30,
                capability="improvement.view",
                also_current=(
                    "improvement:overview",
                    "improvement:detail",
                    "improvement:new",
                    "improvement:edit",
                    "improvement:suggestions",
                ),
            )
        )
        panels.register()
        triage.register_handler(triage.TriageOutcome.IMPROVEMENT, handoffs.from_triage)
        handoff.register(handoffs.from_complaint)
        # --- end of improvement actions (h3) ---

        # --- Quality reviews and the quality risk register (h4) ---: the quality reviews and the quality risk register.
        from parcours.improvement.reviews import setup as reviews_setup
        from parcours.improvement.risks import setup as risks_setup

        reviews_setup.register()
        risks_setup.register()
        # --- end of quality reviews and risk register (h4) ---
