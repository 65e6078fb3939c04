"""Interactions on a case:
- A call may carry out the case's next call step (its summary becomes the step's report).
- A meeting (interview, intermediate review, company visit, tripartite meeting) sends an
  .ics invitation to the learner, the staff present and, for a visit or a tripartite
  meeting, the tutor: one email each, through the messaging outbox; only for a meeting
  still to come. Moving it sends the same UID with SEQUENCE + 1; cancelling it,
  METHOD:CANCEL. It is linked to the case's first step of its kind still to do; an
  interview or review step is done once the report of any meeting of its kind on the
  case (for a review, the structured form) is written.
- Mediation and referrals (France Travail, another body, help to find an employer).
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import Role, User
from parcours.core.services import create_record, update_record
from parcours.followup import selectors
from parcours.followup.models import (
    MEETING_ACTIONS,
    REPORTED_ACTIONS,
    WITH_TUTOR,
    Action,
    Call,
    CallOutcome,
    CaseStep,
    FollowupCase,
    Measure,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Review,
    StepStatus,
)
from parcours.followup.services.steps import check_open, complete_step
from parcours.learners.models import Enrolment


def _check_aware(value: dt.datetime, field: str) -> None:
    if timezone.is_naive(value):
        raise ValidationError({field: _("Indiquez une date et une heure.")})


@transaction.atomic
def log_call(
    case: FollowupCase,
    *,
    acting_user: User,
    called_at: dt.datetime,
    duration_minutes: int,
    outcome: str,
    summary: str,
    completes_step: bool = False,
) -> Call:
    """Log a phone call; with `completes_step`, it carries out the case's next call step."""
    case = FollowupCase.objects.select_for_update().get(pk=case.pk)
    check_open(case)
    _check_aware(called_at, "called_at")
    summary = summary.strip()
    if outcome == CallOutcome.REACHED and not summary:
        raise ValidationError({"summary": _("Résumez l'échange avec l'apprenant.")})
    step = None
    if completes_step:
        step = (
            case.steps.filter(action=Action.CALL, status=StepStatus.TODO)
            .order_by("order", "pk")
            .first()
        )
        if step is None:
            raise ValidationError(_("Aucune étape d'appel n'est à faire dans ce dossier."))
    call = create_record(
        Call,
        acting_user=acting_user,
        verb="followup.call_logged",
        organisation_id=case.organisation_id,
        case=case,
        called_at=called_at,
        duration_minutes=duration_minutes,
        outcome=outcome,
        summary=summary,
        step=step,
        created_by=acting_user,
    )
    if step is not None:
        complete_step(
            step,
            acting_user=acting_user,
            note=_("Appel du %(at)s (%(outcome)s, %(n)d min) : %(summary)s")
            % {
                "at": selectors.local_datetime(called_at),
                "outcome": call.get_outcome_display(),
                "n": duration_minutes,
                "summary": summary or "—",
            },
        )
    return call


def _staff_of(case: FollowupCase, staff: Sequence[User]) -> list[User]:
    """The members of staff given, all of the case's organisation (refused otherwise)."""
    ids = {u.pk for u in staff}
    found = list(
        User.objects.filter(
            pk__in=ids,
            is_active=True,
            membership__organisation_id=case.organisation_id,
            membership__role__in=[Role.DIRECTION, Role.QUALITE, Role.SUIVI],
        ).order_by("last_name", "first_name", "pk")
    )
    if not found or len(found) != len(ids):
        raise ValidationError({"staff": _("Choisissez les membres de l'équipe présents.")})
    return found


def _invitees(meeting: Meeting) -> list[tuple[str, str, Enrolment | None]]:
    """(email, name, enrolment) of each person invited; the enrolment on the learner's copy
    only, so that the learner's timeline shows their own invitation."""
    enrolment = meeting.case.enrolment
    learner = enrolment.learner
    found: dict[str, tuple[str, str, Enrolment | None]] = {}
    if learner.email:
        found[learner.email.lower()] = (learner.email, learner.full_name, enrolment)
    for user in meeting.staff.all():
        if user.email:
            found.setdefault(user.email.lower(), (user.email, user.get_full_name(), None))
    tutor = meeting.tutor
    if tutor is not None and tutor.email:
        name = f"{tutor.first_name} {tutor.last_name}".strip()
        found.setdefault(tutor.email.lower(), (tutor.email, name, None))
    return list(found.values())


def _send_invitations(meeting: Meeting, *, acting_user: User, method: str = "REQUEST") -> int:
    """One email per person invited, with the .ics (same UID, the meeting's SEQUENCE)."""
    from parcours.messaging import ics
    from parcours.messaging.services import appointment, queue_email

    case = meeting.case
    learner = case.enrolment.learner
    invitees = _invitees(meeting)
    organizer = meeting.created_by or acting_user
    kind = meeting.get_kind_display()
    content = ics.invitation(
        uid=meeting.uid,
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=_("%(kind)s — %(learner)s") % {"kind": kind, "learner": learner.full_name},
        description=_("Formation « %(session)s », %(organisation)s.")
        % {"session": case.enrolment.session.title, "organisation": case.organisation.name},
        location=meeting.place,
        organizer_email=organizer.email,
        organizer_name=organizer.get_full_name(),
        attendees=[(email, name) for email, name, _e in invitees],
        sequence=meeting.sequence,
        method=method,
    )
    when = appointment(meeting.starts_at, meeting.place)
    values = {"kind": kind, "date": when["date"], "heure": when["heure"], "lieu": when["lieu"]}
    if method == "CANCEL":
        subject = _("Annulé : %(kind)s du %(date)s à %(heure)s") % values
        text = _("Le rendez-vous « %(kind)s » prévu le %(date)s à %(heure)s est annulé.") % values
        if meeting.cancel_reason:
            text += "\n" + _("Motif : %(reason)s") % {"reason": meeting.cancel_reason}
    elif meeting.sequence:
        subject = _("Modifié : %(kind)s le %(date)s à %(heure)s") % values
        text = (
            _("Le rendez-vous « %(kind)s » est déplacé au %(date)s à %(heure)s (%(lieu)s).")
            % values
        )
    else:
        subject = _("%(kind)s le %(date)s à %(heure)s") % values
        text = _("Vous êtes invité(e) : « %(kind)s » le %(date)s à %(heure)s (%(lieu)s).") % values
    about = _("Au sujet du parcours de %(learner)s, formation « %(session)s ».") % {
        "learner": learner.full_name,
        "session": case.enrolment.session.title,
    }
    signature = f"{organizer.get_full_name()}\n{case.organisation.name}"
    attachment = ics.as_attachment(content, method=method)
    for email, name, enrolment in invitees:
        body = "\n\n".join(
            [
                _("Bonjour %(name)s,") % {"name": name} if name else _("Bonjour,"),
                text,
                about,
                _("L'invitation jointe peut être ajoutée à votre agenda."),
                _("Bien cordialement,") + "\n" + signature,
            ]
        )
        digest = hashlib.sha256(email.lower().encode()).hexdigest()[:16]
        queue_email(
            case.organisation,
            to=email,
            subject=subject,
            body=body,
            enrolment=enrolment,
            related_key=meeting.related_key,
            dedupe_key=f"{meeting.related_key}:{meeting.sequence}:{method}:{digest}",
            attachments=[attachment],
            acting_user=acting_user,
        )
    return len(invitees)


@transaction.atomic
def schedule_meeting(
    case: FollowupCase,
    *,
    acting_user: User,
    kind: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    place: str,
    staff: Sequence[User],
) -> Meeting:
    """Plan a meeting and send its invitation (.ics) to the learner, the staff present and,
    for a company visit or a tripartite meeting, the tutor.

    It is linked to the case's first step of its kind still to do: that step is done only
    once the meeting's report is written.
    """
    case = FollowupCase.objects.select_for_update().select_related("enrolment").get(pk=case.pk)
    check_open(case)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Type de rendez-vous inconnu.")})
    _check_aware(starts_at, "starts_at")
    if not place.strip():
        raise ValidationError({"place": _("Indiquez le lieu ou le lien du rendez-vous.")})
    tutor = None
    if kind in WITH_TUTOR:
        tutor = case.enrolment.tutor
        if tutor is None:
            raise ValidationError(
                {"kind": _("Aucun tuteur n'est renseigné pour cette inscription.")}
            )
    members = _staff_of(case, staff)
    _check_future(starts_at)
    step = (
        case.steps.filter(action=MEETING_ACTIONS[MeetingKind(kind)], status=StepStatus.TODO)
        .exclude(meetings__status__in=[MeetingStatus.PLANNED, MeetingStatus.HELD])
        .order_by("order", "pk")
        .first()
    )
    meeting = create_record(
        Meeting,
        acting_user=acting_user,
        verb="followup.meeting_scheduled",
        m2m={"staff": members},
        organisation_id=case.organisation_id,
        case=case,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        tutor=tutor,
        step=step,
        uid=f"rdv-{uuid.uuid4().hex}@parcours",
        created_by=acting_user,
    )
    _send_invitations(meeting, acting_user=acting_user)
    return meeting


def _check_future(starts_at: dt.datetime) -> None:
    """Invitations go only to a meeting still to come (a past one would invite to nothing)."""
    if starts_at <= timezone.now():
        raise ValidationError(
            {
                "starts_at": _(
                    "Ce rendez-vous est dans le passé : aucune invitation ne peut être "
                    "envoyée. Choisissez une date à venir."
                )
            }
        )


def _check_planned(meeting: Meeting) -> None:
    if not meeting.is_planned:
        raise ValidationError(_("Ce rendez-vous n'est plus à venir."))


@transaction.atomic
def reschedule_meeting(
    meeting: Meeting,
    *,
    acting_user: User,
    starts_at: dt.datetime,
    duration_minutes: int,
    place: str,
) -> Meeting:
    """Move a planned meeting: everyone gets the updated invitation (SEQUENCE + 1)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_planned(meeting)
    _check_aware(starts_at, "starts_at")
    _check_future(starts_at)
    if not place.strip():
        raise ValidationError({"place": _("Indiquez le lieu ou le lien du rendez-vous.")})
    update_record(
        meeting,
        acting_user=acting_user,
        verb="followup.meeting_rescheduled",
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        sequence=meeting.sequence + 1,
    )
    _send_invitations(meeting, acting_user=acting_user)
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, acting_user: User, reason: str) -> Meeting:
    """Cancel a planned meeting: everyone gets the cancellation (METHOD:CANCEL)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_planned(meeting)
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation.")})
    update_record(
        meeting,
        acting_user=acting_user,
        verb="followup.meeting_cancelled",
        status=MeetingStatus.CANCELLED,
        cancel_reason=reason.strip()[:300],
        cancelled_at=timezone.now(),
        sequence=meeting.sequence + 1,
    )
    _send_invitations(meeting, acting_user=acting_user, method="CANCEL")
    return meeting


@transaction.atomic
def write_report(meeting: Meeting, *, acting_user: User, report: str) -> Meeting:
    """The meeting's report (compte rendu), once it has taken place; it may be revised."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Ce rendez-vous a été annulé."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Le compte rendu se rédige une fois le rendez-vous passé."))
    if not report.strip():
        raise ValidationError({"report": _("Rédigez le compte rendu du rendez-vous.")})
    meeting = update_record(
        meeting,
        acting_user=acting_user,
        verb="followup.meeting_reported",
        status=MeetingStatus.HELD,
        report=report.strip(),
        report_written_at=timezone.now(),
        report_by=acting_user,
    )
    _complete_reported_step(meeting, acting_user=acting_user)
    return meeting


def _complete_reported_step(meeting: Meeting, *, acting_user: User) -> CaseStep | None:
    """A held meeting carries out its step: the one it was linked to, or else the case's
    first step of its kind still to do (an interview on a second meeting counts too)."""
    action = MEETING_ACTIONS[MeetingKind(meeting.kind)]
    if action not in REPORTED_ACTIONS:
        return None
    steps = CaseStep.objects.select_for_update().filter(
        case_id=meeting.case_id, action=action, status=StepStatus.TODO
    )
    linked = steps.filter(pk=meeting.step_id).first() if meeting.step_id is not None else None
    step = linked or steps.order_by("order", "pk").first()
    if step is None or not meeting.case.is_open:
        return None
    if meeting.step_id != step.pk:
        update_record(meeting, acting_user=acting_user, step=step)
    return update_record(
        step,
        acting_user=acting_user,
        verb="followup.step_done",
        status=StepStatus.DONE,
        done_at=timezone.now(),
        done_by=acting_user,
        note=_("%(meeting)s : compte rendu rédigé.") % {"meeting": meeting},
    )


REVIEW_FIELDS = (
    "progress",
    "difficulties_pedagogical",
    "difficulties_personal",
    "difficulties_professional",
    "learner_view",
    "trainer_view",
    "agreed_actions",
    "next_review_on",
)


@transaction.atomic
def write_review(meeting: Meeting, *, acting_user: User, **values: Any) -> Review:
    """The structured report of an intermediate review; it is the meeting's report too."""
    if meeting.kind != MeetingKind.REVIEW:
        raise ValidationError(_("Seul un bilan intermédiaire a ce formulaire."))
    fields: dict[str, Any] = {k: values.get(k) for k in REVIEW_FIELDS}
    for name in REVIEW_FIELDS[:-1]:
        fields[name] = (fields[name] or "").strip()
    existing = Review.objects.filter(meeting=meeting).first()
    if existing is None:
        review = create_record(
            Review,
            acting_user=acting_user,
            organisation_id=meeting.organisation_id,
            meeting=meeting,
            **fields,
        )
    else:
        review = update_record(existing, acting_user=acting_user, **fields)
    lines = []
    for name in REVIEW_FIELDS:
        value = fields[name]
        if isinstance(value, dt.date):
            value = value.strftime("%d/%m/%Y")
        if value:
            label = str(Review._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            lines.append(f"{label[:1].upper()}{label[1:]} : {value}")
    write_report(meeting, acting_user=acting_user, report="\n".join(lines))
    return review


@transaction.atomic
def record_measure(
    case: FollowupCase,
    *,
    acting_user: User,
    kind: str,
    on: dt.date,
    body: str = "",
    note: str = "",
    outcome: str = "",
) -> Measure:
    """Mediation, referral to France Travail or another body, help to find an employer."""
    check_open(case)
    return create_record(
        Measure,
        acting_user=acting_user,
        verb="followup.measure_recorded",
        organisation_id=case.organisation_id,
        case=case,
        kind=kind,
        on=on,
        body=body.strip(),
        note=note.strip(),
        outcome=outcome.strip(),
        created_by=acting_user,
    )
