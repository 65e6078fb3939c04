"""The procedure that ships with Parcours: version 1 of every organisation that has none.

It is a starting point the référent qualité adapts (and direction validates): what a
training provider commonly commits to under indicator 12 of the RNQ, "le prestataire
décrit et met en œuvre les mesures pour favoriser l'engagement des bénéficiaires et
prévenir les ruptures de parcours". Wording is stored as written here (in French): it is
the organisation's document, not interface text.
"""

from typing import Any

from parcours.core.models import Role
from parcours.followup.models import Action, TriggerKind

DEFAULT_CHANGE_NOTE = (
    "Procédure par défaut fournie avec Parcours : relance systématique des absences, "
    "de l'inactivité et des évaluations non rendues, suivi renforcé des apprenants à "
    "risque élevé de décrochage ou qui envisagent d'arrêter, traitement des alertes des "
    "tuteurs, des demandes des apprenants et des réponses aux questionnaires."
)
DEFAULT_VALIDATOR_LABEL = "Parcours (version par défaut)"

S, Q, D = Role.SUIVI, Role.QUALITE, Role.DIRECTION


def step(
    action: str,
    label: str,
    due: int,
    role: str = S,
    *,
    template: str = "",
    escalate: tuple[int, str] | None = None,
    mandatory: bool = True,
    apprentices_only: bool = False,
) -> dict[str, Any]:
    return {
        "action": action,
        "label": label,
        "template_key": template,
        "due_after_days": due,
        "responsible_role": role,
        "mandatory": mandatory,
        "apprentices_only": apprentices_only,
        "escalate_after_days": escalate[0] if escalate else None,
        "escalate_to_role": escalate[1] if escalate else "",
    }


DEFAULT_PROCEDURE: list[dict[str, Any]] = [
    {
        "kind": TriggerKind.ABSENCES,
        "threshold": 3,
        "steps": [
            step(
                Action.EMAIL,
                "Courriel de relance à l'apprenant absent",
                0,
                template="relance_absences",
            ),
            step(
                Action.CALL,
                "Appel de l'apprenant : comprendre les absences, rappeler les engagements",
                2,
                escalate=(2, Q),
            ),
            step(
                Action.TUTOR_CONTACT,
                "Contact avec le tuteur / maître d'apprentissage",
                2,
                apprentices_only=True,
                escalate=(2, Q),
            ),
            step(
                Action.INTERVIEW,
                "Entretien individuel de suivi (compte rendu au dossier)",
                7,
                escalate=(3, Q),
            ),
        ],
    },
    {
        "kind": TriggerKind.INACTIVITY,
        "threshold": 14,
        "steps": [
            step(
                Action.EMAIL,
                "Courriel de relance : reprise de l'activité en ligne",
                0,
                template="relance_inactivite",
            ),
            step(
                Action.CALL,
                "Appel de l'apprenant : difficultés techniques, pédagogiques ou personnelles",
                3,
                escalate=(3, Q),
            ),
        ],
    },
    {
        "kind": TriggerKind.MISSED_ASSESSMENT,
        "steps": [
            step(
                Action.EMAIL,
                "Courriel de relance : évaluation à rendre",
                0,
                template="relance_evaluation",
            ),
            step(
                Action.CALL,
                "Appel de l'apprenant : nouvelle échéance convenue",
                3,
                escalate=(3, Q),
            ),
        ],
    },
    {
        "kind": TriggerKind.RISK,
        "risk_level": "eleve",
        "steps": [
            step(
                Action.CALL,
                "Appel de l'apprenant à risque élevé de décrochage",
                2,
                escalate=(1, Q),
            ),
            step(
                Action.TUTOR_CONTACT,
                "Contact avec l'entreprise et le tuteur (rencontre tripartite si besoin)",
                5,
                apprentices_only=True,
                escalate=(2, Q),
            ),
            step(
                Action.INTERVIEW,
                "Entretien individuel : plan d'action et adaptations éventuelles",
                7,
                escalate=(3, D),
            ),
        ],
    },
    {
        "kind": TriggerKind.THINKING_OF_STOPPING,
        "steps": [
            step(
                Action.CALL,
                "Appel de l'apprenant qui envisage d'arrêter (point d'étape)",
                1,
                escalate=(1, Q),
            ),
            step(
                Action.INTERVIEW,
                "Entretien individuel : raisons, solutions, adaptations possibles",
                5,
                escalate=(2, D),
            ),
        ],
    },
    {
        "kind": TriggerKind.TUTOR_ALERT,
        "steps": [
            step(Action.CALL, "Appel de l'apprenant à la suite de l'alerte du tuteur", 1),
            step(Action.TUTOR_CONTACT, "Retour au tuteur sur les mesures prises", 3),
            step(
                Action.INTERVIEW,
                "Entretien individuel (tripartite si nécessaire)",
                7,
                escalate=(3, Q),
            ),
        ],
    },
    {
        "kind": TriggerKind.LEARNER_REQUEST,
        "steps": [
            step(
                Action.INTERVIEW,
                "Entretien individuel à la demande de l'apprenant",
                5,
                escalate=(3, Q),
            ),
        ],
    },
    {
        "kind": TriggerKind.FEEDBACK,
        "steps": [
            step(
                Action.CALL,
                "Appel de l'apprenant au sujet de sa réponse au questionnaire",
                3,
                escalate=(3, Q),
            ),
        ],
    },
    {
        "kind": TriggerKind.MANUAL,
        "steps": [
            step(Action.CALL, "Appel de l'apprenant", 2),
            step(
                Action.INTERVIEW,
                "Entretien individuel de suivi",
                7,
                escalate=(3, Q),
            ),
        ],
    },
]
