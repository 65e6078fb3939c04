"""How the complaints register's journal entries read to staff (registered in
FeedbackConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from parcours.core import journal_text


def register() -> None:
    journal_text.register(
        {
            "complaints.received": _("Réclamation reçue : %(object)s"),
            "complaints.acknowledged": _("Accusé de réception : %(object)s"),
            "complaints.analysing": _("Réclamation en analyse : %(object)s"),
            "complaints.answered": _("Réponse envoyée : %(object)s"),
            "complaints.closed": _("Réclamation close : %(object)s"),
            "complaints.dismissed": _("Réclamation classée sans suite : %(object)s"),
            "complaints.requalified": _("Réclamation requalifiée : %(object)s"),
            "complaints.escalated": _("Réclamation en retard signalée à la direction : %(object)s"),
            "complaints.settings_changed": _("Délais de traitement des réclamations modifiés"),
            "complaint_procedure.drafted": _(
                "Procédure de traitement des réclamations : brouillon de la %(object)s"
            ),
            "complaint_procedure.published": _(
                "Procédure de traitement des réclamations publiée : %(object)s"
            ),
            "complaint_procedure.archived": _(
                "Procédure de traitement des réclamations archivée : %(object)s"
            ),
        }
    )
