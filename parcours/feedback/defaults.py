"""The questionnaires shipped with Parcours (in French), and the scheduling rules.

Each organisation gets its own copy (version 1), which the référent qualité then edits.
The item keys are stable across versions: results compare by key and theme, and the
check-in's "arreter" item is what an engagement signal will read.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from parcours.feedback.models import Audience, ItemKind, Moment, Theme

SATISFACTION = [
    "Pas du tout satisfait",
    "Peu satisfait",
    "Moyennement",
    "Satisfait",
    "Très satisfait",
]
AGREEMENT = [
    "Pas du tout d'accord",
    "Plutôt pas d'accord",
    "Mitigé",
    "Plutôt d'accord",
    "Tout à fait d'accord",
]


@dataclass(frozen=True)
class DefaultItem:
    key: str
    kind: str
    theme: str
    text: str
    options: list[str] = field(default_factory=list)
    required: bool = False
    per_trainer: bool = False


@dataclass(frozen=True)
class DefaultQuestionnaire:
    key: str
    title: str
    audience: str
    moment: str
    anonymous: bool
    intro: str
    items: list[DefaultItem]
    delay_days: int = 0


def _scale(key: str, theme: str, text: str, **kw: Any) -> DefaultItem:
    return DefaultItem(key, ItemKind.SCALE5, theme, text, [_(s) for s in SATISFACTION], **kw)


def defaults() -> list[DefaultQuestionnaire]:
    return [
        DefaultQuestionnaire(
            "apprenant-a-chaud",
            _("Satisfaction des apprenants en fin de session"),
            Audience.APPRENANT,
            Moment.A_CHAUD,
            True,
            _("Vos réponses sont anonymes : personne ne peut savoir qui a répondu quoi."),
            [
                _scale(
                    "global",
                    Theme.GLOBAL,
                    _("Globalement, êtes-vous satisfait(e) de la formation ?"),
                    required=True,
                ),
                _scale(
                    "objectifs", Theme.PEDAGOGIE, _("Les objectifs annoncés ont-ils été atteints ?")
                ),
                _scale(
                    "formateur", Theme.FORMATEUR, _("La qualité de l'animation par le formateur")
                ),
                _scale("supports", Theme.SUPPORTS, _("Les supports de formation")),
                _scale(
                    "organisation",
                    Theme.ORGANISATION,
                    _("L'organisation (planning, informations, accueil)"),
                ),
                _scale("locaux", Theme.LOCAUX, _("Les locaux ou la plateforme à distance")),
                DefaultItem(
                    "recommandation",
                    ItemKind.NPS,
                    Theme.GLOBAL,
                    _(
                        "Recommanderiez-vous cette formation à un proche ou un collègue ? (0 = pas du tout, 10 = certainement)"
                    ),
                ),
                DefaultItem(
                    "commentaire",
                    ItemKind.TEXT,
                    Theme.GLOBAL,
                    _("Ce que vous avez apprécié, ce qui serait à améliorer"),
                ),
            ],
        ),
        DefaultQuestionnaire(
            "apprenant-a-froid",
            _("Apprenants : et quelques mois après ?"),
            Audience.APPRENANT,
            Moment.A_FROID,
            True,
            _(
                "Vos réponses sont anonymes. Elles nous aident à mesurer l'utilité de la formation dans la durée."
            ),
            [
                _scale(
                    "utilite",
                    Theme.ACQUIS,
                    _("Ce que vous avez appris vous est-il utile aujourd'hui ?"),
                    required=True,
                ),
                DefaultItem(
                    "situation",
                    ItemKind.SINGLE,
                    Theme.ACQUIS,
                    _("Votre situation aujourd'hui"),
                    [
                        _("En emploi"),
                        _("En formation"),
                        _("En recherche d'emploi"),
                        _("Projet en cours de réalisation"),
                        _("Autre"),
                    ],
                ),
                DefaultItem(
                    "mise-en-pratique",
                    ItemKind.YESNO,
                    Theme.ACQUIS,
                    _("Avez-vous mis en pratique ce que vous avez appris ?"),
                ),
                DefaultItem(
                    "recommandation",
                    ItemKind.NPS,
                    Theme.GLOBAL,
                    _("Recommanderiez-vous cet organisme ? (0 à 10)"),
                ),
                DefaultItem("commentaire", ItemKind.TEXT, Theme.GLOBAL, _("Un commentaire ?")),
            ],
            delay_days=90,
        ),
        DefaultQuestionnaire(
            "point-mi-parcours",
            _("Point d'étape : comment ça se passe ?"),
            Audience.APPRENANT,
            Moment.MI_PARCOURS,
            False,
            _(
                "Ce questionnaire n'est pas anonyme : votre référent de suivi lira vos réponses pour vous aider si besoin."
            ),
            [
                _scale("ca-se-passe", Theme.GLOBAL, _("Comment ça se passe ?"), required=True),
                DefaultItem(
                    "difficultes",
                    ItemKind.MULTIPLE,
                    Theme.ACCOMPAGNEMENT,
                    _("Rencontrez-vous des difficultés ?"),
                    [
                        _("Rythme"),
                        _("Contenus"),
                        _("Transport ou horaires"),
                        _("Personnelles ou financières"),
                        _("Matériel ou connexion"),
                        _("Aucune"),
                    ],
                ),
                DefaultItem(
                    "arreter",
                    ItemKind.YESNO,
                    Theme.PERSEVERANCE,
                    _("Pensez-vous arrêter la formation ?"),
                    required=True,
                ),
                DefaultItem(
                    "besoin", ItemKind.TEXT, Theme.ACCOMPAGNEMENT, _("De quoi auriez-vous besoin ?")
                ),
            ],
        ),
        DefaultQuestionnaire(
            "entreprise",
            _("Appréciation de l'entreprise et du tuteur"),
            Audience.ENTREPRISE,
            Moment.A_CHAUD,
            True,
            _("Vos réponses sont anonymes."),
            [
                _scale(
                    "global",
                    Theme.GLOBAL,
                    _(
                        "Globalement, êtes-vous satisfait(e) de la formation suivie par votre salarié ou apprenti ?"
                    ),
                    required=True,
                ),
                _scale(
                    "liaison",
                    Theme.RELATION,
                    _(
                        "La liaison avec l'organisme de formation (informations, visites, réactivité)"
                    ),
                ),
                _scale(
                    "acquis",
                    Theme.ACQUIS,
                    _("Les compétences acquises sont-elles utiles dans l'entreprise ?"),
                ),
                DefaultItem(
                    "recommandation",
                    ItemKind.NPS,
                    Theme.GLOBAL,
                    _("Recommanderiez-vous notre organisme ? (0 à 10)"),
                ),
                DefaultItem(
                    "commentaire", ItemKind.TEXT, Theme.GLOBAL, _("Vos remarques et suggestions")
                ),
            ],
        ),
        DefaultQuestionnaire(
            "formateur",
            _("Regard du formateur sur la session"),
            Audience.FORMATEUR,
            Moment.A_CHAUD,
            False,
            _("Ce questionnaire n'est pas anonyme : il est lu par le référent qualité."),
            [
                _scale(
                    "deroulement", Theme.GLOBAL, _("Le déroulement de la session"), required=True
                ),
                _scale("groupe", Theme.PEDAGOGIE, _("L'implication du groupe")),
                _scale("moyens", Theme.LOCAUX, _("Les moyens matériels et les locaux")),
                _scale(
                    "organisation",
                    Theme.ORGANISATION,
                    _("L'organisation et les informations reçues"),
                ),
                DefaultItem(
                    "commentaire",
                    ItemKind.TEXT,
                    Theme.GLOBAL,
                    _("Points forts, difficultés, améliorations à proposer"),
                ),
            ],
        ),
        DefaultQuestionnaire(
            "financeur",
            _("Appréciation annuelle des financeurs"),
            Audience.FINANCEUR,
            Moment.ANNUEL,
            True,
            _("Vos réponses sont anonymes."),
            [
                _scale(
                    "global",
                    Theme.GLOBAL,
                    _("Globalement, êtes-vous satisfait(e) de notre collaboration cette année ?"),
                    required=True,
                ),
                _scale(
                    "administratif",
                    Theme.ORGANISATION,
                    _(
                        "La qualité des informations administratives (conventions, attestations, factures)"
                    ),
                ),
                _scale("resultats", Theme.ACQUIS, _("Les résultats des formations financées")),
                DefaultItem(
                    "commentaire",
                    ItemKind.TEXT,
                    Theme.GLOBAL,
                    _("Vos attentes pour l'année à venir"),
                ),
            ],
        ),
        DefaultQuestionnaire(
            "apprenti-enseignements",
            _("Apprentis : évaluation des contenus et des enseignements"),
            Audience.APPRENANT,
            Moment.A_CHAUD,
            True,
            _(
                "Vos réponses sont anonymes. Elles sont partagées avec l'équipe pédagogique (indicateur 33)."
            ),
            [
                DefaultItem(
                    "contenus",
                    ItemKind.SCALE5,
                    Theme.CONTENUS,
                    _("Les contenus du module sont adaptés au métier préparé"),
                    [_(s) for s in AGREEMENT],
                    required=True,
                ),
                DefaultItem(
                    "progression",
                    ItemKind.SCALE5,
                    Theme.CONTENUS,
                    _("La progression entre le centre et l'entreprise est cohérente"),
                    [_(s) for s in AGREEMENT],
                ),
                DefaultItem(
                    "enseignement",
                    ItemKind.SCALE5,
                    Theme.FORMATEUR,
                    _("Les explications et l'animation de cet enseignant"),
                    [_(s) for s in AGREEMENT],
                    per_trainer=True,
                ),
                DefaultItem(
                    "disponibilite",
                    ItemKind.SCALE5,
                    Theme.FORMATEUR,
                    _("La disponibilité de cet enseignant pour répondre aux questions"),
                    [_(s) for s in AGREEMENT],
                    per_trainer=True,
                ),
                DefaultItem(
                    "commentaire",
                    ItemKind.TEXT,
                    Theme.PEDAGOGIE,
                    _("Vos remarques sur les contenus et les enseignements"),
                ),
            ],
        ),
    ]


@dataclass(frozen=True)
class Rule:
    """When a session's campaign of `questionnaire` goes out."""

    questionnaire: str
    categories: tuple[str, ...]

    def due_on(
        self, moment: str, start: dt.date, end: dt.date, delay_days: int, category: str
    ) -> dt.date:
        if moment == Moment.MI_PARCOURS:
            return start + dt.timedelta(days=round((end - start).days * CHECKIN_AT))
        if moment == Moment.A_FROID:
            days = BC_COLD_DAYS if category == "BC" else delay_days
            return end + dt.timedelta(days=days)
        return end


ALL = ("AF", "BC", "VAE", "APP")
CHECKIN_AT = 0.3  # the check-in goes out at 30 % of the session
BC_COLD_DAYS = 182  # bilans de compétences: à froid at six months
DEFAULT_REMINDER_DAYS = [3, 7]
# Campaigns are scheduled for sessions whose date came within this window (not for old ones).
CATCH_UP_DAYS = 14
RULES = [
    Rule("apprenant-a-chaud", ALL),
    Rule("apprenant-a-froid", ALL),
    Rule("point-mi-parcours", ("AF", "APP", "VAE")),
    Rule("entreprise", ALL),
    Rule("formateur", ALL),
    Rule("apprenti-enseignements", ("APP",)),
]
FUNDER_DAY = (1, 15)  # the funders' annual campaign, for the year before, on 15 January
