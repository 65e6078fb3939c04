"""The starting register every organisation gets: training-quality risks, in French, all
editable. Their scores are a neutral start (none élevé or critique): each organisation
scores its own. Plain data, read by the service at organisation creation and by the data
migration for the organisations that existed before."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.improvement.risks.models import RiskCategory


@dataclass(frozen=True)
class DefaultRisk:
    key: str
    title: Promise
    category: str
    likelihood: int
    impact: int
    controls: Promise


DEFAULT_RISKS = (
    DefaultRisk(
        "formateur-indisponible",
        _("Formateur indisponible (absence, départ) sans remplaçant"),
        RiskCategory.TRAINERS,
        2,
        3,
        _("Vivier de formateurs suppléants ; supports partagés."),
    ),
    DefaultRisk(
        "panne-plateforme",
        _("Panne ou indisponibilité de la plateforme de formation à distance"),
        RiskCategory.DIGITAL,
        2,
        2,
        _("Contrat de service avec l'hébergeur ; supports téléchargeables."),
    ),
    DefaultRisk(
        "groupe-heterogene",
        _("Groupe trop hétérogène (niveaux, attentes)"),
        RiskCategory.PEDAGOGY,
        3,
        2,
        _("Positionnement à l'entrée ; entretien préalable."),
    ),
    DefaultRisk(
        "rupture-contrat-apprentissage",
        _("Rupture du contrat d'apprentissage non anticipée"),
        RiskCategory.APPRENTICESHIP,
        2,
        3,
        _("Fiches de liaison avec le tuteur."),
    ),
    DefaultRisk(
        "handicap-non-identifie",
        _("Besoins liés à un handicap non identifiés"),
        RiskCategory.ACCESSIBILITY,
        2,
        3,
        _("Question systématique à l'inscription ; référent handicap."),
    ),
    DefaultRisk(
        "regles-financeur",
        _("Changement des règles d'un financeur"),
        RiskCategory.FUNDING,
        2,
        3,
        _("Veille réglementaire mensuelle."),
    ),
    DefaultRisk(
        "faible-taux-reponse",
        _("Faible taux de réponse aux questionnaires"),
        RiskCategory.FEEDBACK,
        3,
        2,
        _("Relances automatiques à J+3 et J+7."),
    ),
    DefaultRisk(
        "reclamations-en-retard",
        _("Réponses tardives aux réclamations"),
        RiskCategory.COMPLAINTS,
        2,
        3,
        _("Délais de réponse suivis au registre ; alertes de retard."),
    ),
    DefaultRisk(
        "decrochage-non-detecte",
        _("Décrochage d'un apprenant détecté trop tard"),
        RiskCategory.DROPOUT,
        2,
        3,
        _("Moteur d'alerte précoce ; procédure de suivi."),
    ),
    DefaultRisk(
        "salle-materiel",
        _("Salle ou matériel indisponible le jour de la séance"),
        RiskCategory.ORGANISATION,
        1,
        2,
        _("Réservations confirmées une semaine avant."),
    ),
)
