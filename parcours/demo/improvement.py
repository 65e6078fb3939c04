"""The improvement part of the demo organisation: a year of improvement actions.

- an action from the complaints register (logistics incidents): proven effective by the
  data at its measuring date, then closed;
- an action from the complaints register (administrative complaints) found not
  effective at its measuring date: reopened;
- an action from a dropout cause (the programme with the most dropouts), under way, its
  dropout rate measured before and to be measured after;
- an action from a survey item, proposed, awaiting the direction's validation.

The incidents behind the first two are entered here (closed "sans suite", so the
register's deadlines are unchanged), dated so that the before and after periods hold
them; the checks are then measured by the worker's own function at their dates, so the
verdicts come from the data.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from parcours.core.models import Membership, Organisation, Role, User
from parcours.feedback.complaints import services as complaint_services
from parcours.feedback.complaints.models import Complaint, EntryChannel, Kind
from parcours.feedback.models import Campaign
from parcours.improvement import suggestions
from parcours.improvement.models import Action, ActionKind, Origin, Priority
from parcours.improvement.services import actions as services
from parcours.improvement.services import effectiveness
from parcours.learners.models import EnrolmentStatus
from parcours.programmes.models import Programme

PARIS = ZoneInfo("Europe/Paris")

# (days ago, kind, category, subject): incidents before and after the actions below.
INCIDENTS = [
    (330, Kind.ALEA, "logistique", "Vidéoprojecteur en panne en salle 2"),
    (300, Kind.ALEA, "logistique", "Salle réservée deux fois le même jour"),
    (270, Kind.ALEA, "logistique", "Chauffage coupé pendant la séance"),
    (320, Kind.RECLAMATION, "administratif", "Convocation envoyée à une mauvaise adresse"),
    (290, Kind.RECLAMATION, "administratif", "Attestation d'assiduité incomplète"),
    (180, Kind.RECLAMATION, "administratif", "Convention de formation non signée à temps"),
    (130, Kind.RECLAMATION, "administratif", "Relevé d'heures erroné pour le financeur"),
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def _user(organisation: Organisation, role: str) -> User:
    membership = (
        Membership.objects.filter(organisation=organisation, role=role)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        membership = Membership.objects.select_related("user").get(
            organisation=organisation, role=Role.DIRECTION
        )
    return membership.user


def _incidents(organisation: Organisation, today: dt.date, quality: User) -> list[Complaint]:
    entries = []
    for days_ago, kind, category, subject in INCIDENTS:
        day = today - dt.timedelta(days=days_ago)
        complaint, _code = complaint_services.receive(
            organisation,
            complaint_services.ComplaintFacts(
                kind=kind,
                subject=subject,
                description=subject + ".",
                category=category,
                severity="faible",
                complainant="autre",
            ),
            channel=EntryChannel.PHONE,
            received_at=_at(day),
            acting_user=quality,
        )
        complaint_services.dismiss(
            complaint,
            reason="Réglé sur place le jour même ; noté pour l'analyse annuelle.",
            acting_user=quality,
            as_of=_at(day, 16),
        )
        entries.append(complaint)
    return entries


def build_improvement_demo(organisation: Organisation, *, today: dt.date) -> dict[str, int]:
    director = _user(organisation, Role.DIRECTION)
    quality = _user(organisation, Role.QUALITE)
    incidents = _incidents(organisation, today, quality)
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731

    # 1. Logistics incidents: a booking and maintenance procedure. Effective, closed.
    logistics = services.propose_action(
        organisation,
        acting_user=quality,
        origin=Origin.COMPLAINT,
        title="Procédure de réservation et de vérification des salles",
        finding="Trois incidents logistiques en deux mois (salle, matériel, chauffage).",
        source=incidents[2],
        cause_analysis="Aucune vérification des salles la veille ; réservations sur papier.",
        kind=ActionKind.CORRECTIVE,
        owner=quality,
        deadline=day(200),
        priority=Priority.HIGH,
        as_of=_at(day(215)),
    )
    services.validate(logistics, acting_user=director, as_of=_at(day(212)))
    services.start(logistics, acting_user=quality)
    services.mark_done(
        logistics,
        done_note="Agenda partagé des salles ; check-list de la veille signée par l'accueil.",
        acting_user=quality,
        as_of=_at(day(200)),
    )
    effectiveness.add_check(
        logistics,
        acting_user=quality,
        measure="reclamations",
        parameters={"category": "logistique"},
        target=1,
        action_date=day(200),
        measure_on=day(60),
    )

    # 2. Administrative complaints: a document checklist. Not effective: reopened.
    paperwork = services.propose_action(
        organisation,
        acting_user=quality,
        origin=Origin.COMPLAINT,
        title="Liste de contrôle des documents administratifs",
        finding="Deux réclamations sur des documents administratifs erronés.",
        source=incidents[4],
        kind=ActionKind.CORRECTIVE,
        owner=quality,
        deadline=day(220),
        as_of=_at(day(240)),
    )
    services.validate(paperwork, acting_user=director, as_of=_at(day(235)))
    services.mark_done(
        paperwork,
        done_note="Liste de contrôle diffusée à l'équipe administrative.",
        acting_user=quality,
        as_of=_at(day(220)),
    )
    effectiveness.add_check(
        paperwork,
        acting_user=quality,
        measure="reclamations",
        parameters={"category": "administratif"},
        target=0,
        action_date=day(220),
        measure_on=day(100),
    )

    # The worker's check, at each measuring date (the same function as its nightly pass).
    # (Nobody is e-mailed about verdicts of months ago.)
    effectiveness.measure_due(organisation, as_of=_at(day(100), 6), notify=False)
    effectiveness.measure_due(organisation, as_of=_at(day(60), 6), notify=False)
    logistics.refresh_from_db()
    services.close(logistics, acting_user=director, as_of=_at(day(55)))
    # The reopened action gets a new deadline from the quality lead.
    paperwork.refresh_from_db()
    services.update_action(
        paperwork,
        acting_user=quality,
        title=paperwork.title,
        finding=paperwork.finding,
        cause_analysis="La liste n'est pas utilisée pour les conventions : elle doit l'être.",
        kind=paperwork.kind,
        owner=paperwork.owner,
        deadline=today + dt.timedelta(days=30),
        priority=Priority.HIGH,
    )

    # 3. A dropout cause: the programme with the most dropouts.
    programme = (
        Programme.objects.filter(organisation=organisation)
        .annotate(
            dropouts=Count(
                "sessions__enrolments",
                filter=Q(sessions__enrolments__status=EnrolmentStatus.ABANDON),
            )
        )
        .order_by("-dropouts", "pk")
        .first()
    )
    if programme is not None:
        dropout = services.propose_action(
            organisation,
            acting_user=quality,
            origin=Origin.DROPOUT,
            title="Entretien de positionnement renforcé avant l'entrée en formation",
            finding="Les abandons de la formation se concentrent dans les premières semaines.",
            source=programme,
            source_label=f"Abandons — {programme.title}",
            programme=programme,
            kind=ActionKind.PREVENTIVE,
            owner=quality,
            deadline=today + dt.timedelta(days=45),
            as_of=_at(day(20)),
        )
        services.validate(dropout, acting_user=director, as_of=_at(day(18)))
        services.start(dropout, acting_user=quality)
        effectiveness.add_check(
            dropout,
            acting_user=quality,
            measure="taux_abandon",
            parameters={"programme": programme.pk},
            target=5,
            action_date=day(10),
            measure_on=today + dt.timedelta(days=90),
        )

    # 4. A survey item: proposed, awaiting the direction's validation.
    campaign = (
        Campaign.objects.filter(organisation=organisation, questionnaire__key="apprenant-a-chaud")
        .order_by("launched_on", "pk")
        .first()
    )
    services.propose_action(
        organisation,
        acting_user=quality,
        origin=Origin.SURVEY,
        title="Refaire les supports de formation",
        finding="Les supports de formation sont la question la moins bien notée à chaud.",
        source=campaign,
        source_label=f"{campaign} — Les supports de formation" if campaign else "",
        programme=campaign.session.programme if campaign and campaign.session else None,
        kind=ActionKind.IMPROVEMENT,
        owner=quality,
        deadline=today + dt.timedelta(days=20),
        as_of=_at(day(3)),
    )
    made = suggestions.compute(organisation, as_of=today)
    return {
        "improvement_actions": Action.objects.filter(organisation=organisation).count(),
        "improvement_suggestions": len(made),
    }
