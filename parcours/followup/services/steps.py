"""Carrying out a case's steps: email steps due are queued through the messaging app
(their delivery status is read back from the outbox on the case page) and marked done;
any other step is done with its report (compte rendu); an interview or review step only
once a meeting of its kind on the case has its report written.
"""

import datetime as dt
import logging
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import User
from parcours.core.services import update_record
from parcours.followup import selectors
from parcours.followup.models import (
    MEETING_ACTIONS,
    REPORTED_ACTIONS,
    Action,
    CaseStep,
    FollowupCase,
    Meeting,
    MeetingStatus,
    StepStatus,
)
from parcours.learners.models import Enrolment

log = logging.getLogger("parcours.followup")


def send_due_emails(
    case: FollowupCase, *, as_of: dt.date, acting_user: User | None = None
) -> list[CaseStep]:
    """Queue the email of every email step due by `as_of`; the step is then done."""
    sent = []
    steps = case.steps.filter(action=Action.EMAIL, status=StepStatus.TODO, due_on__lte=as_of)
    for step_ in steps:
        if send_step_email(step_, acting_user=acting_user):
            sent.append(step_)
    return sent


def _responsible(case: FollowupCase) -> dict[str, dict[str, str]]:
    user = case.assigned_to
    if user is None:
        return {}
    return {"responsable": {"nom": str(user), "email": user.email}}


@transaction.atomic
def _situation(enrolment: Enrolment) -> dict[str, dict[str, Any]]:
    """The facts a reminder names, as of today: the current run of absences, the days
    without activity, the assessment missed (the engine's signals, one enrolment)."""
    from parcours.engagement.signals import compute_signals

    today = timezone.localdate()
    frame = compute_signals(enrolment.organisation_id, today, enrolment_ids=[enrolment.pk])
    if not len(frame):
        return {}

    def count(name: str) -> str:
        value = frame.value(enrolment.pk, name)
        return "" if math.isnan(value) else str(int(value))

    situation: dict[str, dict[str, Any]] = {
        "absences": {"nombre": count("consecutive_unexcused") or count("consecutive_absences")},
        "inactivite": {"jours": count("days_since_activity")},
    }
    missed = selectors.latest_missed_assessment(enrolment, today)
    if missed is not None:
        situation["evaluation"] = {"intitule": missed.title, "echeance": missed.due_date}
    return situation


def send_step_email(step: CaseStep, *, acting_user: User | None = None) -> bool:
    """Queue the step's templated email to the learner; False when it cannot be sent."""
    case = step.case
    enrolment = case.enrolment
    address = enrolment.learner.email
    if not address or not step.template_key or not case.is_open:
        return False
    try:
        from parcours.messaging.services import merge_context, queue_from_template
    except ImportError:
        log.warning("messaging app not available: step %s not sent", step.pk)
        return False
    try:
        with transaction.atomic():
            queue_from_template(
                case.organisation,
                step.template_key,
                to=address,
                context=merge_context(enrolment, **_responsible(case), **_situation(enrolment)),
                enrolment=enrolment,
                related_key=step.related_key,
                dedupe_key=step.related_key,
                acting_user=acting_user,
            )
    except (ValidationError, LookupError) as error:
        log.warning("step %s: email not queued (%s)", step.pk, error)
        return False
    update_record(
        step,
        acting_user=acting_user,
        verb="followup.step_done",
        status=StepStatus.DONE,
        done_at=timezone.now(),
        done_by=acting_user,
        note=_("Courriel « %(template)s » mis en file d'envoi à %(to)s.")
        % {"template": step.template_key, "to": address},
    )
    return True


@transaction.atomic
def complete_step(step: CaseStep, *, acting_user: User, note: str) -> CaseStep:
    """Record that the step was carried out, with its report (compte rendu)."""
    step = CaseStep.objects.select_for_update().select_related("case").get(pk=step.pk)
    if not step.case.is_open:
        raise ValidationError(_("Ce dossier est clos."))
    if step.status != StepStatus.TODO:
        raise ValidationError(_("Cette étape n'est plus à faire."))
    if not note.strip():
        raise ValidationError({"note": _("Indiquez le compte rendu de l'action menée.")})
    kinds = [kind for kind, action in MEETING_ACTIONS.items() if action == step.action]
    if (
        step.action in REPORTED_ACTIONS
        and not Meeting.objects.filter(
            case_id=step.case_id, kind__in=kinds, status=MeetingStatus.HELD
        ).exists()
    ):
        raise ValidationError(
            _(
                "Cette étape est un rendez-vous : planifiez-le et rédigez son compte rendu "
                "avant de la marquer comme faite."
            )
        )
    return update_record(
        step,
        acting_user=acting_user,
        verb="followup.step_done",
        status=StepStatus.DONE,
        done_at=timezone.now(),
        done_by=acting_user,
        note=note.strip(),
    )


def check_open(case: FollowupCase) -> None:
    if not case.is_open:
        raise ValidationError(_("Ce dossier est clos."))
