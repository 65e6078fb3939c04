"""The quality part of the demo organisation (indicator 32): its risk register scored,
a few risks treated by improvement actions, ONE critical risk left untreated (the
apprentices' broken contracts: the gap a mock audit will find), the register's yearly
review recorded; and two quality reviews in the demo year, the last one held with its
minutes and two decisions, which became improvement actions (validated there, so
that the demo's one action awaiting validation is the improvement demo's)."""

import datetime as dt
from zoneinfo import ZoneInfo

from parcours.core.models import Membership, Organisation, Role, User
from parcours.improvement.reviews import services as review_services
from parcours.improvement.risks import services as risk_services
from parcours.improvement.risks.models import Risk
from parcours.improvement.services import actions as action_services
from parcours.programmes.models import Programme

PARIS = ZoneInfo("Europe/Paris")
UNTREATED_KEY = "rupture-contrat-apprentissage"

# key: (likelihood, impact, treatment action or "", residual likelihood, residual impact)
SCORES: dict[str, tuple[int, int, str, int | None, int | None]] = {
    UNTREATED_KEY: (4, 4, "", None, None),
    "decrochage-non-detecte": (
        3,
        4,
        "Appel systématique de l'apprenant après deux absences non justifiées",
        2,
        3,
    ),
    "handicap-non-identifie": (
        2,
        4,
        "Question sur les besoins d'adaptation dans chaque dossier d'inscription",
        1,
        4,
    ),
    "formateur-indisponible": (
        3,
        3,
        "Constituer un vivier de trois formateurs suppléants par domaine",
        2,
        2,
    ),
    "faible-taux-reponse": (3, 2, "", None, None),
    "groupe-heterogene": (2, 3, "", None, None),
    "panne-plateforme": (2, 2, "", None, None),
}

FIRST_MINUTES = (
    "Revue du premier semestre. Satisfaction stable ; taux de réponse des entreprises "
    "insuffisant. Le registre des risques est relu : le décrochage et les besoins liés au "
    "handicap sont traités ; la rupture des contrats d'apprentissage reste à instruire."
)
LAST_MINUTES = (
    "Les réclamations de l'année sont passées en revue, dont une réponse hors délai "
    "(facture adressée au mauvais financeur). Les abandons et leurs causes sont analysés "
    "par formation. Deux décisions sont prises ci-dessous. Le risque de rupture des "
    "contrats d'apprentissage reste sans action de traitement : point à reprendre."
)
DECISIONS = (
    (
        "Relancer les entreprises à J+10 pour le questionnaire à froid",
        "Taux de réponse des entreprises inférieur à 40 % sur la période.",
        45,
    ),
    (
        "Rappeler les délais de réponse aux réclamations à l'équipe administrative",
        "Une réclamation répondue hors délai depuis la dernière revue.",
        30,
    ),
)


def _member(organisation: Organisation, role: str) -> User:
    membership = (
        Membership.objects.filter(organisation=organisation, role=role)
        .select_related("user")
        .order_by("pk")
        .first()
    ) or Membership.objects.filter(organisation=organisation, role=Role.DIRECTION).first()
    assert membership is not None  # noqa: S101 (the demo has a direction)
    return membership.user


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def build_quality_demo(organisation: Organisation, *, today: dt.date) -> dict[str, int]:
    quality = _member(organisation, Role.QUALITE)
    director = _member(organisation, Role.DIRECTION)
    risks = {r.key: r for r in Risk.objects.filter(organisation=organisation)}
    apprenticeship = (
        Programme.objects.filter(organisation=organisation, category="APP").order_by("pk").first()
    )
    for key, (likelihood, impact, treatment, res_l, res_i) in SCORES.items():
        risk = risks.get(key)
        if risk is None:
            continue
        risk = risk_services.update_risk(
            risk,
            acting_user=quality,
            likelihood=likelihood,
            impact=impact,
            owner=quality,
            residual_likelihood=res_l,
            residual_impact=res_i,
            programme=apprenticeship if key == UNTREATED_KEY else None,
        )
        if treatment:
            action = risk_services.propose_treatment(
                risk,
                acting_user=quality,
                title=treatment,
                owner=quality,
                deadline=today + dt.timedelta(days=60),
            )
            # Validated by the direction and under way.
            action_services.validate(action, acting_user=director)
            action_services.start(action, acting_user=quality)

    first = review_services.plan_review(
        organisation,
        acting_user=quality,
        held_on=today - dt.timedelta(days=200),
        participants=[director, quality],
        other_participants="Représentant des formateurs",
        minutes=FIRST_MINUTES,
    )
    review_services.hold_review(
        first, acting_user=quality, as_of=_at(today - dt.timedelta(days=200), 17)
    )
    # The yearly review of the register, at the first quality review.
    risk_services.record_register_review(
        organisation,
        acting_user=quality,
        held_on=today - dt.timedelta(days=200),
        note=FIRST_MINUTES,
        risks=list(Risk.objects.filter(organisation=organisation, archived=False)),
    )
    last_day = today - dt.timedelta(days=20)
    last = review_services.plan_review(
        organisation,
        acting_user=quality,
        held_on=last_day,
        kind="copil",
        participants=[director, quality],
        other_participants="Représentant des formateurs\nMaître d'apprentissage (entreprise)",
        minutes=LAST_MINUTES,
    )
    review_services.hold_review(last, acting_user=director, as_of=_at(last_day, 17))
    for title, finding, days in DECISIONS:
        # Decided with the direction at the meeting: validated there.
        decision = review_services.record_decision(
            last,
            acting_user=director,
            title=title,
            finding=finding,
            owner=quality,
            deadline=last_day + dt.timedelta(days=days),
        )
        action_services.validate(decision, acting_user=director, as_of=_at(last_day, 17))
    return {"risks": len(risks), "reviews": 2}
