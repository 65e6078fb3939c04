"""Writes to the complaints register: reception, then one service per transition, each
with its journal entry in the same transaction.

Deadlines are counted in business days (weekends and French public holidays excluded,
with the `holidays` library the attendance schedule uses) from the organisation's
setting read once, at reception, and frozen on the entry.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import holidays
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.attendance.services import check_justification_file
from parcours.core import journal
from parcours.core.access import CAPABILITIES
from parcours.core.models import JournalAction, Membership, Organisation, Role, User
from parcours.core.services import create_record, delete_record, update_record
from parcours.feedback.complaints import defaults
from parcours.feedback.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintProcedure,
    ComplaintSettings,
    Kind,
    ProcedureStatus,
    Status,
)
from parcours.learners.models import Enrolment, Learner, Tutor
from parcours.lib.followup_codes import code_digest, digest_if_well_formed, new_code
from parcours.messaging.services import queue_email, queue_from_template
from parcours.programmes.models import Session

ANONYMOUS_LABEL = "émetteur (formulaire public)"
ACKNOWLEDGEMENT_TEMPLATE = "accuse_reclamation"
ANSWER_TEMPLATE = "reponse_reclamation"


# Deadlines


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th business day after `start` (weekends and French holidays skipped)."""
    public_holidays = holidays.country_holidays(
        "FR", years=range(start.year, start.year + 2), language="fr"
    )
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in public_holidays:
            remaining -= 1
    return day


def settings_for(organisation: Organisation) -> ComplaintSettings:
    found = ComplaintSettings.objects.filter(organisation=organisation).first()
    return found if found is not None else ComplaintSettings(organisation=organisation)


@transaction.atomic
def update_settings(
    organisation: Organisation, *, acknowledge_days: int, answer_days: int, acting_user: User
) -> ComplaintSettings:
    """New deadlines for the entries received from now on (existing ones keep theirs)."""
    if not (1 <= acknowledge_days <= 30 and 1 <= answer_days <= 90):
        raise ValidationError(
            _("Délais refusés : de 1 à 30 jours ouvrés pour l'accusé, de 1 à 90 pour la réponse.")
        )
    current, created = ComplaintSettings.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    before = journal.snapshot(current)
    current.acknowledge_days = acknowledge_days
    current.answer_days = answer_days
    current.save()
    journal.record(
        JournalAction.CREATE if created else JournalAction.UPDATE,
        current,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff(before if not created else {}, journal.snapshot(current)),
        verb="complaints.settings_changed",
    )
    return current


# Reception


@dataclass
class ComplaintFacts:
    kind: str
    subject: str
    description: str
    category: str
    severity: str
    complainant: str
    contact_name: str = ""
    contact_email: str = ""
    session: Session | None = None
    enrolment: Enrolment | None = None


def _store_attachment(upload: UploadedFile) -> str:
    suffix = PurePath(upload.name or "").suffix.lower()
    name = f"reclamations/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    return default_storage.save(name, upload)


def _check_same_organisation(organisation: Organisation, *objects: object) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "organisation_id", None) != organisation.pk:
            raise ValidationError(_("Choix inconnu dans cette organisation."))


@transaction.atomic
def receive(
    organisation: Organisation,
    facts: ComplaintFacts,
    *,
    channel: str,
    received_at: dt.datetime | None = None,
    attachment: UploadedFile | None = None,
    learner: Learner | None = None,
    tutor: Tutor | None = None,
    anonymous: bool = False,
    acting_user: User | None = None,
) -> tuple[Complaint, str]:
    """Record an entry with its frozen deadlines. Returns it with its follow-up code, shown
    once to the complainant and never stored (only its digest is)."""
    _check_same_organisation(organisation, facts.session, facts.enrolment, learner, tutor)
    if attachment is not None:
        check_justification_file(attachment)
    if anonymous:
        learner = tutor = None
    received_at = received_at or timezone.now()
    rules = settings_for(organisation)
    day = timezone.localtime(received_at).date()
    # Numbers are per organisation: lock the organisation's row while taking the next one.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = Complaint.objects.filter(organisation=organisation).aggregate(n=Max("number"))["n"]
    code = new_code()
    complaint = Complaint(
        organisation=organisation,
        number=(last or 0) + 1,
        kind=facts.kind,
        channel=channel,
        received_at=received_at,
        complainant=facts.complainant,
        anonymous=anonymous,
        contact_name="" if anonymous else facts.contact_name.strip(),
        contact_email=facts.contact_email.strip(),
        learner=learner,
        tutor=tutor,
        session=facts.session,
        enrolment=facts.enrolment,
        subject=facts.subject.strip(),
        description=facts.description.strip(),
        category=facts.category,
        severity=facts.severity,
        code_digest=code_digest(code),
        acknowledge_due=add_business_days(day, rules.acknowledge_days),
        answer_due=add_business_days(day, rules.answer_days),
        created_by=acting_user,
    )
    complaint.full_clean(exclude=["attachment"])
    if attachment is not None:
        complaint.attachment.name = _store_attachment(attachment)
    complaint.save()
    journal.record_event(
        "complaints.received",
        organisation=organisation,
        acting_user=acting_user,
        obj=complaint,
        data={
            "nature": complaint.kind,
            "canal": complaint.channel,
            "accuse_avant": complaint.acknowledge_due.isoformat(),
            "reponse_avant": complaint.answer_due.isoformat(),
        },
        label="" if acting_user else ANONYMOUS_LABEL,
    )
    return complaint, code


def complaint_for_code(code: str) -> Complaint | None:
    digest = digest_if_well_formed(code)
    if digest is None:
        return None
    return Complaint.objects.select_related("organisation").filter(code_digest=digest).first()


# Transitions


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _require(complaint: Complaint, *states: str) -> None:
    if complaint.status not in states:
        raise ValidationError(
            _("Impossible depuis l'état « %(state)s ».") % {"state": complaint.get_status_display()}
        )


def _record(complaint: Complaint, verb: str, acting_user: User | None, **data: object) -> None:
    journal.record_event(
        verb,
        organisation=complaint.organisation_id,
        acting_user=acting_user,
        obj=complaint,
        data={"etat": complaint.status, **data},
    )


def _context(complaint: Complaint, **extra: str) -> dict[str, dict[str, str]]:
    return {
        "organisme": {"nom": complaint.organisation.name},
        "reclamation": {
            "numero": str(complaint),
            "objet": complaint.subject,
            "echeance": complaint.answer_due.strftime("%d/%m/%Y"),
            **extra,
        },
    }


def _address(complaint: Complaint) -> str:
    if complaint.contact_email:
        return complaint.contact_email
    if complaint.learner is not None and complaint.learner.email:
        return str(complaint.learner.email)
    return ""


@transaction.atomic
def acknowledge(
    complaint: Complaint, *, acting_user: User | None, as_of: dt.datetime | None = None
) -> Complaint:
    """Send the acknowledgement from the organisation's template, or record that the
    complainant cannot be reached (no address)."""
    complaint = _locked(complaint)
    _require(complaint, Status.RECEIVED)
    address = _address(complaint)
    if address:
        queue_from_template(
            complaint.organisation,
            ACKNOWLEDGEMENT_TEMPLATE,
            to=address,
            context=_context(complaint),
            related_key=f"complaint:{complaint.pk}",
            dedupe_key=f"complaint:{complaint.pk}:ack",
            acting_user=acting_user,
        )
    complaint.status = Status.ACKNOWLEDGED
    complaint.acknowledged_at = as_of or timezone.now()
    complaint.unreachable = not address
    complaint.save(update_fields=["status", "acknowledged_at", "unreachable"])
    _record(complaint, "complaints.acknowledged", acting_user, non_joignable=not address)
    return complaint


@transaction.atomic
def start_analysis(
    complaint: Complaint, *, owner: User, cause: str, acting_user: User
) -> Complaint:
    complaint = _locked(complaint)
    _require(complaint, Status.ACKNOWLEDGED, Status.ANALYSING)
    if not Membership.objects.filter(
        user=owner, organisation_id=complaint.organisation_id, role__in=STAFF_ROLES
    ).exists():
        raise ValidationError(_("Le responsable doit être un membre de l'équipe."))
    complaint.status = Status.ANALYSING
    complaint.owner = owner
    complaint.cause = cause.strip()
    complaint.save(update_fields=["status", "owner", "cause"])
    _record(complaint, "complaints.analysing", acting_user, responsable=owner.get_full_name())
    return complaint


@transaction.atomic
def answer(
    complaint: Complaint, *, text: str, acting_user: User, as_of: dt.datetime | None = None
) -> Complaint:
    """Send the answer to the complainant (or record it, if they cannot be reached)."""
    complaint = _locked(complaint)
    _require(complaint, Status.ANALYSING)
    text = text.strip()
    if not text:
        raise ValidationError(_("Écrivez la réponse."))
    address = _address(complaint)
    if address:
        queue_from_template(
            complaint.organisation,
            ANSWER_TEMPLATE,
            to=address,
            context=_context(complaint, reponse=text),
            related_key=f"complaint:{complaint.pk}",
            dedupe_key=f"complaint:{complaint.pk}:answer",
            acting_user=acting_user,
        )
    complaint.status = Status.ANSWERED
    complaint.answer = text
    complaint.answered_at = as_of or timezone.now()
    complaint.save(update_fields=["status", "answer", "answered_at"])
    _record(
        complaint, "complaints.answered", acting_user, dans_les_delais=complaint.answered_on_time
    )
    return complaint


@transaction.atomic
def close(
    complaint: Complaint,
    *,
    complainant_view: str = "",
    acting_user: User,
    as_of: dt.datetime | None = None,
) -> Complaint:
    complaint = _locked(complaint)
    _require(complaint, Status.ANSWERED)
    complaint.status = Status.CLOSED
    complaint.complainant_view = complainant_view.strip()
    complaint.closed_at = as_of or timezone.now()
    complaint.save(update_fields=["status", "complainant_view", "closed_at"])
    _record(complaint, "complaints.closed", acting_user)
    return complaint


@transaction.atomic
def dismiss(
    complaint: Complaint, *, reason: str, acting_user: User, as_of: dt.datetime | None = None
) -> Complaint:
    complaint = _locked(complaint)
    _require(complaint, *OPEN_STATUSES)
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du classement sans suite."))
    complaint.status = Status.DISMISSED
    complaint.dismissed_reason = reason.strip()
    complaint.closed_at = as_of or timezone.now()
    complaint.save(update_fields=["status", "dismissed_reason", "closed_at"])
    _record(complaint, "complaints.dismissed", acting_user, motif=complaint.dismissed_reason)
    return complaint


@transaction.atomic
def requalify(complaint: Complaint, *, kind: str, reason: str, acting_user: User) -> Complaint:
    """Change the entry's kind (e.g. "this comment is not a complaint"), with a reason."""
    complaint = _locked(complaint)
    if kind not in Kind.values:
        raise ValidationError(_("Nature inconnue."))
    if kind == complaint.kind:
        raise ValidationError(_("L'entrée est déjà de cette nature."))
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif de la requalification."))
    before = complaint.kind
    complaint.kind = kind
    complaint.save(update_fields=["kind"])
    _record(
        complaint,
        "complaints.requalified",
        acting_user,
        avant=before,
        apres=kind,
        motif=reason.strip(),
    )
    return complaint


@transaction.atomic
def suggest_improvement(complaint: Complaint, *, text: str, acting_user: User) -> Complaint:
    """Record the improvement action an entry calls for (indicator 32), for the improvement
    plan to take up."""
    complaint = _locked(complaint)
    text = text.strip()
    if not text:
        raise ValidationError(_("Décrivez l'action d'amélioration."))
    complaint.improvement_suggestion = text
    complaint.save(update_fields=["improvement_suggestion"])
    _record(complaint, "complaints.improvement_suggested", acting_user, action=text)
    return complaint


# Overdue entries


STAFF_ROLES = (Role.DIRECTION, Role.QUALITE, Role.SUIVI)


def _is_late(complaint: Complaint, today: dt.date) -> bool:
    if complaint.status == Status.RECEIVED and complaint.acknowledge_due < today:
        return True
    return complaint.answer_due < today


@transaction.atomic
def flag_overdue(organisation: Organisation, *, as_of: dt.datetime) -> list[Complaint]:
    """Flag the open entries past a deadline and escalate each, once, to the direction."""
    today = timezone.localtime(as_of).date()
    candidates = Complaint.objects.select_for_update().filter(
        organisation=organisation, status__in=OPEN_STATUSES, escalated_at__isnull=True
    )
    late = [c for c in candidates if _is_late(c, today)]
    if not late:
        return []
    recipients = list(
        Membership.objects.filter(
            organisation=organisation, role=Role.DIRECTION, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    for complaint in late:
        complaint.overdue_flagged_at = as_of
        complaint.escalated_at = as_of
        complaint.save(update_fields=["overdue_flagged_at", "escalated_at"])
        _record(complaint, "complaints.escalated", None, destinataires=len(recipients))
        for address in recipients:
            queue_email(
                organisation,
                to=address,
                subject=_("Réclamation %(n)s en retard") % {"n": complaint},
                body=_(
                    "L'entrée %(n)s du registre des réclamations (« %(subject)s ») a dépassé "
                    "son délai : accusé attendu le %(ack)s, réponse attendue le %(answer)s."
                )
                % {
                    "n": complaint,
                    "subject": complaint.subject,
                    "ack": complaint.acknowledge_due.strftime("%d/%m/%Y"),
                    "answer": complaint.answer_due.strftime("%d/%m/%Y"),
                },
                related_key=f"complaint:{complaint.pk}",
                dedupe_key=f"complaint:{complaint.pk}:escalation:{address}",
            )
    return late


# The published procedure: drafted by the référent qualité, validated by the direction.


def published_procedure(organisation: Organisation) -> ComplaintProcedure | None:
    return ComplaintProcedure.objects.filter(
        organisation=organisation, status=ProcedureStatus.PUBLISHED
    ).first()


@transaction.atomic
def ensure_default_procedure(organisation: Organisation) -> ComplaintProcedure:
    """The version in force; the text shipped with Parcours (v1, published) if none is."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    current = published_procedure(organisation)
    if current is not None:
        return current
    number = ComplaintProcedure.objects.filter(organisation=organisation).aggregate(
        n=Max("number")
    )["n"]
    now = timezone.now()
    return create_record(
        ComplaintProcedure,
        acting_user=None,
        journal_label=_("texte fourni par Parcours"),
        verb="complaint_procedure.published",
        organisation=organisation,
        number=(number or 0) + 1,
        status=ProcedureStatus.PUBLISHED,
        title=str(defaults.TITLE),
        body=str(defaults.BODY),
        change_note=str(defaults.CHANGE_NOTE),
        edited_by_label=str(defaults.AUTHOR_LABEL),
        edited_at=now,
        validated_by_label=str(defaults.AUTHOR_LABEL),
        validated_at=now,
    )


def _signature(user: User) -> str:
    """Who wrote or validated, as the document names them: "Prénom Nom (Rôle)"."""
    membership = Membership.objects.filter(user=user).first()
    role = f" ({membership.get_role_display()})" if membership is not None else ""
    return f"{user}{role}"[:200]


def _require_role(user: User, organisation_id: int, capability: str) -> None:
    membership = Membership.objects.filter(user=user, organisation_id=organisation_id).first()
    if membership is None or membership.role not in CAPABILITIES[capability]:
        raise PermissionDenied


def draft_procedure(organisation: Organisation) -> ComplaintProcedure | None:
    return ComplaintProcedure.objects.filter(
        organisation=organisation, status=ProcedureStatus.DRAFT
    ).first()


def _check_draft(version: ComplaintProcedure) -> None:
    if version.status != ProcedureStatus.DRAFT:
        raise ValidationError(_("Seul un brouillon peut être modifié."))


@transaction.atomic
def save_procedure_draft(
    organisation: Organisation,
    *,
    title: str,
    body: str,
    change_note: str,
    acting_user: User,
) -> ComplaintProcedure:
    """Write the draft of the next version (started from the version in force if there is
    none yet). It is in force only once the direction validates it."""
    _require_role(acting_user, organisation.pk, "procedure.edit")
    if not title.strip() or not body.strip():
        raise ValidationError(_("L'intitulé et le texte de la procédure sont obligatoires."))
    ensure_default_procedure(organisation)  # locks the organisation's row, too
    draft = (
        ComplaintProcedure.objects.select_for_update()
        .filter(organisation=organisation, status=ProcedureStatus.DRAFT)
        .first()
    )
    values: dict[str, Any] = {
        "title": title.strip(),
        "body": body.strip(),
        "change_note": change_note.strip(),
        "edited_by": acting_user,
        "edited_by_label": _signature(acting_user),
        "edited_at": timezone.now(),
    }
    if draft is not None:
        return update_record(draft, acting_user=acting_user, **values)
    return create_record(
        ComplaintProcedure,
        acting_user=acting_user,
        verb="complaint_procedure.drafted",
        organisation=organisation,
        number=ComplaintProcedure.objects.filter(organisation=organisation).aggregate(
            n=Max("number")
        )["n"]
        + 1,
        status=ProcedureStatus.DRAFT,
        **values,
    )


@transaction.atomic
def discard_procedure_draft(version: ComplaintProcedure, *, acting_user: User) -> None:
    _require_role(acting_user, version.organisation_id, "procedure.edit")
    version = ComplaintProcedure.objects.select_for_update().get(pk=version.pk)
    _check_draft(version)
    delete_record(version, acting_user=acting_user)


@transaction.atomic
def publish_procedure(version: ComplaintProcedure, *, acting_user: User) -> ComplaintProcedure:
    """The direction validates the draft: it is in force at once, the previous version is
    archived (and kept, with its PDF)."""
    _require_role(acting_user, version.organisation_id, "procedure.validate")
    version = ComplaintProcedure.objects.select_for_update().get(pk=version.pk)
    _check_draft(version)
    if not version.change_note.strip():
        raise ValidationError(
            _("Le brouillon doit décrire la nature des modifications avant la validation.")
        )
    previous = (
        ComplaintProcedure.objects.select_for_update()
        .filter(organisation_id=version.organisation_id, status=ProcedureStatus.PUBLISHED)
        .first()
    )
    if previous is not None and (previous.title, previous.body) == (version.title, version.body):
        raise ValidationError(_("Le texte n'a pas changé : aucune nouvelle version à valider."))
    now = timezone.now()
    if previous is not None:
        update_record(
            previous,
            acting_user=acting_user,
            verb="complaint_procedure.archived",
            status=ProcedureStatus.ARCHIVED,
            archived_at=now,
        )
    return update_record(
        version,
        acting_user=acting_user,
        verb="complaint_procedure.published",
        status=ProcedureStatus.PUBLISHED,
        validated_by=acting_user,
        validated_by_label=_signature(acting_user),
        validated_at=now,
    )


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation publishes the default complaints procedure at once."""
    ensure_default_procedure(organisation)
