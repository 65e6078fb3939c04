"""The message templates shipped with Parcours, created for an organisation on first use.

Each organisation then edits its own copy; the keys are what procedures refer to.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Default:
    key: str
    name: str
    subject: str
    body: str


SIGNATURE = pgettext_lazy(
    "message signature",
    "\n\nBien cordialement,\n{{ responsable.nom }}\n{{ organisme.nom }}",
)


def defaults() -> list[Default]:
    """The defaults, in the current language (French)."""
    return [
        Default(
            "relance_absences",
            str(_("Relance après des absences")),
            str(_("{{ session.intitule }} : nous avons remarqué vos absences")),
            str(
                _(
                    "Bonjour {{ apprenant.prenom }},\n\n"
                    "Nous avons constaté {{ absences.texte }} à la "
                    "formation « {{ session.intitule }} ». Nous souhaitons nous assurer que "
                    "tout va bien et vous aider si une difficulté vous empêche de suivre "
                    "la formation.\n\n"
                    "Pouvez-vous nous répondre à ce message ou nous appeler pour en parler ? "
                    "Si votre absence est justifiée, merci de nous transmettre le "
                    "justificatif."
                )
            )
            + str(SIGNATURE),
        ),
        Default(
            "relance_inactivite",
            str(_("Relance pour inactivité sur la plateforme")),
            str(_("{{ session.intitule }} : nous ne vous voyons plus sur la plateforme")),
            str(
                _(
                    "Bonjour {{ apprenant.prenom }},\n\n"
                    "Vous ne vous êtes pas connecté(e) à la plateforme de formation depuis "
                    "{{ inactivite.jours }} jours. Rencontrez-vous une difficulté (accès, "
                    "temps, contenu) ? Nous pouvons vous accompagner pour reprendre votre "
                    "parcours à votre rythme.\n\n"
                    "Répondez simplement à ce message pour nous dire où vous en êtes."
                )
            )
            + str(SIGNATURE),
        ),
        Default(
            "relance_evaluation",
            str(_("Relance pour une évaluation non rendue")),
            str(_("Évaluation « {{ evaluation.intitule }} » non rendue")),
            str(
                _(
                    "Bonjour {{ apprenant.prenom }},\n\n"
                    "L'évaluation « {{ evaluation.intitule }} » de la formation "
                    "« {{ session.intitule }} » était attendue le {{ evaluation.echeance }} "
                    "et nous ne l'avons pas reçue. Si vous avez besoin d'un délai ou d'aide "
                    "pour la réaliser, dites-le-nous : nous trouverons une solution "
                    "ensemble."
                )
            )
            + str(SIGNATURE),
        ),
        Default(
            "convocation_entretien",
            str(_("Convocation à un entretien de suivi")),
            str(_("Entretien de suivi le {{ rendez_vous.date }} à {{ rendez_vous.heure }}")),
            str(
                _(
                    "Bonjour {{ apprenant.prenom }},\n\n"
                    "Dans le cadre de votre formation « {{ session.intitule }} », nous vous "
                    "proposons un entretien de suivi le {{ rendez_vous.date }} à "
                    "{{ rendez_vous.heure }} ({{ rendez_vous.lieu }}).\n\n"
                    "Cet entretien est l'occasion de faire le point sur votre parcours et "
                    "sur vos besoins. Si ce créneau ne vous convient pas, répondez à ce "
                    "message pour en convenir d'un autre. L'invitation jointe peut être "
                    "ajoutée à votre agenda."
                )
            )
            + str(SIGNATURE),
        ),
        Default(
            "contact_tuteur",
            str(_("Message au tuteur en entreprise")),
            str(_("Suivi de {{ apprenant.nom_complet }} ({{ session.intitule }})")),
            str(
                _(
                    "Bonjour {{ tuteur.nom }},\n\n"
                    "Nous vous contactons au sujet du parcours de {{ apprenant.nom_complet }}, "
                    "en formation « {{ session.intitule }} » et accueilli(e) chez "
                    "{{ entreprise.nom }}. Nous souhaiterions échanger avec vous sur son "
                    "intégration et sa progression, afin de l'accompagner au mieux.\n\n"
                    "Pouvez-vous nous indiquer vos disponibilités pour un échange dans les "
                    "prochains jours ?"
                )
            )
            + str(SIGNATURE),
        ),
        Default(
            "accuse_reclamation",
            str(_("Accusé de réception d'une réclamation")),
            str(_("Votre réclamation {{ reclamation.numero }} a bien été reçue")),
            str(
                _(
                    "Bonjour,\n\n"
                    "Nous avons bien reçu votre réclamation « {{ reclamation.objet }} », "
                    "enregistrée sous le numéro {{ reclamation.numero }}. Elle est en cours "
                    "d'examen ; nous vous répondrons au plus tard le "
                    "{{ reclamation.echeance }}."
                )
            )
            + str(SIGNATURE),
        ),
        Default(
            "reponse_reclamation",
            str(_("Réponse à une réclamation")),
            str(_("Réponse à votre réclamation {{ reclamation.numero }}")),
            str(_("Bonjour,\n\n{{ reclamation.reponse }}")) + str(SIGNATURE),
        ),
    ]
