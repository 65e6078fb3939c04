"""The complaints part of the demo organisation: a handful of entries of each kind at
every state, one answered late (the gap an auditor finds on indicator 31) and one survey
comment re-qualified as "not a complaint" (received a few business days ago, in analysis,
within its deadlines: the register holds no entry open past its deadline). The demo's complainants left no address, so
the demo's worker sends nothing on their behalf (the acknowledgements are recorded as
"non joignable"). The complaints procedure in force is a version 2, written by the
référent qualité from the shipped text and validated by the direction."""

import datetime as dt
from zoneinfo import ZoneInfo

from parcours.core.models import Membership, Organisation, Role, User
from parcours.feedback.complaints import services
from parcours.feedback.complaints.models import Complaint, EntryChannel, Kind
from parcours.programmes.models import Session

PARIS = ZoneInfo("Europe/Paris")

# (days ago, kind, channel, category, subject, how far it went, answered late)
ENTRIES = [
    (
        60,
        Kind.RECLAMATION,
        EntryChannel.PUBLIC,
        "administratif",
        "Attestation de fin de formation non reçue",
        "close",
        False,
    ),
    (
        45,
        Kind.RECLAMATION,
        EntryChannel.EMAIL,
        "financement",
        "Facture adressée au mauvais financeur",
        "close",
        True,
    ),
    (
        30,
        Kind.ALEA,
        EntryChannel.PHONE,
        "logistique",
        "Salle indisponible le jour de la séance",
        "answered",
        False,
    ),
    (
        20,
        Kind.DIFFICULTE,
        EntryChannel.PORTAL,
        "pedagogie",
        "Difficulté à suivre le module de comptabilité",
        "analysing",
        False,
    ),
    (
        12,
        Kind.ALEA,
        EntryChannel.LETTER,
        "organisation",
        "Formateur absent sans remplaçant",
        "acknowledged",
        False,
    ),
    (
        8,
        Kind.RECLAMATION,
        EntryChannel.PUBLIC,
        "communication",
        "Planning envoyé trop tard",
        "dismissed",
        False,
    ),
    (
        1,
        Kind.DIFFICULTE,
        EntryChannel.PORTAL,
        "accessibilite",
        "Support de cours illisible avec une loupe",
        "received",
        False,
    ),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def build_complaints_demo(organisation: Organisation, *, today: dt.date) -> dict[str, int]:
    quality = _staff(organisation, Role.QUALITE)
    owner = quality
    session = Session.objects.filter(organisation=organisation).order_by("start_date").first()
    for days_ago, kind, channel, category, subject, reached, late in ENTRIES:
        day = today - dt.timedelta(days=days_ago)
        complaint, _code = services.receive(
            organisation,
            services.ComplaintFacts(
                kind=kind,
                subject=subject,
                description=subject + ".",
                category=category,
                severity="moyenne",
                complainant="apprenant" if channel == EntryChannel.PORTAL else "autre",
                session=session,
            ),
            channel=channel,
            received_at=_at(day, 10),
            acting_user=None if channel == EntryChannel.PUBLIC else quality,
        )
        _advance(complaint, reached, late=late, day=day, user=quality, owner=owner)
    _requalified_survey_comment(organisation, today=today, user=quality, session=session)
    _procedure_v2(organisation, quality=quality, director=_staff(organisation, Role.DIRECTION))
    return {"complaints": Complaint.objects.filter(organisation=organisation).count()}


def _staff(organisation: Organisation, role: str) -> User:
    membership = (
        Membership.objects.filter(organisation=organisation, role=role)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        membership = Membership.objects.filter(
            organisation=organisation, role=Role.DIRECTION
        ).first()
    assert membership is not None  # noqa: S101 (the demo has a direction)
    return membership.user


def _advance(
    complaint: Complaint, reached: str, *, late: bool, day: dt.date, user: User, owner: User
) -> None:
    if reached == "received":
        return
    if reached == "dismissed":
        services.dismiss(
            complaint,
            reason="Doublon d'une demande déjà traitée par téléphone.",
            acting_user=user,
            as_of=_at(day + dt.timedelta(days=1), 11),
        )
        return
    complaint = services.acknowledge(
        complaint, acting_user=user, as_of=_at(day + dt.timedelta(days=1), 9)
    )
    if reached == "acknowledged":
        return
    complaint = services.start_analysis(
        complaint, owner=owner, cause="Cause identifiée lors de l'analyse.", acting_user=user
    )
    if reached == "analysing":
        return
    answered_on = (
        complaint.answer_due + dt.timedelta(days=6) if late else day + dt.timedelta(days=5)
    )
    complaint = services.answer(
        complaint,
        text="Nous avons corrigé la situation et vous prions de nous excuser.",
        acting_user=user,
        as_of=_at(answered_on, 15),
    )
    if reached == "close":
        services.close(
            complaint,
            complainant_view="Satisfait de la réponse.",
            acting_user=user,
            as_of=_at(answered_on + dt.timedelta(days=2), 10),
        )


def _requalified_survey_comment(
    organisation: Organisation, *, today: dt.date, user: User, session: Session | None
) -> None:
    """A survey comment triaged as a complaint, then shown not to be one; acknowledged the
    next day and in analysis, well within its answer deadline."""
    day = today - dt.timedelta(days=5)
    complaint, _code = services.receive(
        organisation,
        services.ComplaintFacts(
            kind=Kind.RECLAMATION,
            subject="Commentaire de questionnaire : « Salle trop petite pour le groupe. »",
            description="Salle trop petite pour le groupe.",
            category="logistique",
            severity="faible",
            complainant="apprenant",
            session=session,
        ),
        channel=EntryChannel.SURVEY,
        received_at=_at(day, 14),
        acting_user=user,
    )
    complaint = services.requalify(
        complaint,
        kind=Kind.DIFFICULTE,
        reason="Appréciation sans demande de réparation : ce n'est pas une réclamation.",
        acting_user=user,
    )
    complaint = services.acknowledge(
        complaint, acting_user=user, as_of=_at(day + dt.timedelta(days=1), 9)
    )
    services.start_analysis(
        complaint,
        owner=user,
        cause="Salle choisie pour un groupe plus petit ; à revoir au prochain planning.",
        acting_user=user,
    )


def _procedure_v2(organisation: Organisation, *, quality: User, director: User) -> None:
    """The shipped procedure (v1) adapted by the référent qualité, validated by the direction."""
    current = services.published_procedure(organisation) or services.ensure_default_procedure(
        organisation
    )
    services.save_procedure_draft(
        organisation,
        title=current.title,
        body=current.body + "\n\n## Référent réclamations\n"
        "La référente qualité suit le registre chaque semaine et présente les réclamations, "
        "leurs causes et les actions qui en découlent à chaque revue qualité.",
        change_note="Ajout du référent réclamations et de la revue hebdomadaire du registre.",
        acting_user=quality,
    )
    draft = services.draft_procedure(organisation)
    assert draft is not None  # noqa: S101 (just written)
    services.publish_procedure(draft, acting_user=director)
