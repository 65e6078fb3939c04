"""Follow-up cases (dossiers de suivi).

Rules of a case:
- One case per learner's episode: it opens once per episode (`episode_key`: the
  occurrence of the trigger, e.g. the date of the first absence of the current run), and
  while a case is open for the enrolment, a new trigger joins it instead (recorded as a
  signal on the case, adding the steps it calls for, the case keeping its officer): at
  most one open case per enrolment (unique constraints; migration 0003 merged the
  duplicates of older data).
- Its steps are copied from the version of the procedure in force at opening; steps
  for apprentices only are left out for other learners.
- It is assigned to the member holding the first step's role (chargé de suivi by
  default) with the fewest open cases; steps of another role go to that role's least
  loaded member.
- It closes with an outcome and a note. While a mandatory step is still to do, closing
  needs an explicit reason ("clore quand même"); the steps left are then cancelled,
  with that reason, so the record shows what was not carried out and why. Its meetings
  still to come are cancelled (everyone invited receives METHOD:CANCEL).
"""

import datetime as dt
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import Membership, Organisation, Role, User
from parcours.core.services import create_record, update_record
from parcours.followup import selectors
from parcours.followup.models import (
    AUTOMATIC_KINDS,
    Action,
    CaseSignal,
    CaseStatus,
    CaseStep,
    FollowupCase,
    MeetingStatus,
    Outcome,
    ProcedureStep,
    ProcedureVersion,
    StepStatus,
    Trigger,
    TriggerKind,
)
from parcours.followup.services.interactions import cancel_meeting
from parcours.followup.services.procedure import ensure_default_procedure, published_version
from parcours.followup.services.steps import send_due_emails
from parcours.learners.models import Enrolment


def members_by_load(organisation: Organisation | int, role: str) -> list[User]:
    """The organisation's valid members with the role, the least loaded first."""
    now = timezone.now()
    memberships = (
        Membership.objects.filter(organisation=organisation, role=role, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("user")
        .annotate(
            load=Count(
                "user__followup_cases",
                filter=Q(user__followup_cases__status=CaseStatus.OPEN),
            )
        )
        .order_by("load", "user_id")
    )
    return [m.user for m in memberships]


def pick_assignee(organisation: Organisation | int, role: str) -> User | None:
    """The member with the role and the fewest open cases (any chargé de suivi if none)."""
    for candidate_role in dict.fromkeys([role, Role.SUIVI]):
        members = members_by_load(organisation, candidate_role)
        if members:
            return members[0]
    return None


def _trigger_for(version: ProcedureVersion, kind: str) -> Trigger | None:
    return version.triggers.filter(kind=kind).prefetch_related("steps").first()


def open_case_of(enrolment: Enrolment) -> FollowupCase | None:
    """The enrolment's open case, if any (there is at most one)."""
    return FollowupCase.objects.filter(enrolment=enrolment, status=CaseStatus.OPEN).first()


def _episode_seen(enrolment: Enrolment, trigger_kind: str, episode_key: str) -> bool:
    return (
        FollowupCase.objects.filter(
            enrolment=enrolment, trigger_kind=trigger_kind, episode_key=episode_key
        ).exists()
        or CaseSignal.objects.filter(
            enrolment=enrolment, trigger_kind=trigger_kind, episode_key=episode_key
        ).exists()
    )


@transaction.atomic
def open_case(
    enrolment: Enrolment,
    *,
    trigger_kind: str,
    acting_user: User | None,
    as_of: dt.date | None = None,
    episode_key: str = "",
    reason: str = "",
    trigger: Trigger | None = None,
    assigned_to: User | None = None,
    journal_label: str = "",
) -> FollowupCase:
    """Open a case and plan its steps from the procedure in force; or, while a case is
    open for the enrolment, join it (see `join_case`): one case per learner's episode.

    `acting_user` None means the nightly scan opened it. Raises ValidationError when this
    episode already had its case or joined one.
    """
    if trigger_kind not in TriggerKind.values:
        raise ValidationError({"trigger_kind": _("Déclencheur inconnu.")})
    organisation = enrolment.organisation
    today = as_of or timezone.localdate()
    ensure_default_procedure(organisation)
    version = published_version(organisation)
    assert version is not None  # noqa: S101 (ensure_default_procedure made one)
    if trigger is None:
        trigger = _trigger_for(version, trigger_kind)
    episode_key = episode_key or f"manuel-{uuid.uuid4().hex[:12]}"
    # Serialises two triggers of the same enrolment (PostgreSQL; SQLite locks the database).
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    if _episode_seen(enrolment, trigger_kind, episode_key):
        raise ValidationError(_("Un dossier de suivi existe déjà pour cet épisode."))
    existing = (
        FollowupCase.objects.select_for_update()
        .filter(enrolment=enrolment, status=CaseStatus.OPEN)
        .first()
    )
    if existing is not None:
        join_case(
            existing,
            trigger_kind=trigger_kind,
            trigger=trigger,
            acting_user=acting_user,
            as_of=today,
            episode_key=episode_key,
            reason=reason,
            journal_label=journal_label,
        )
        return existing
    planned = _planned_steps(trigger, enrolment)
    if assigned_to is None:
        assigned_to = pick_assignee(
            organisation, planned[0].responsible_role if planned else Role.SUIVI
        )
    try:
        with transaction.atomic():
            case = create_record(
                FollowupCase,
                acting_user=acting_user,
                verb="followup.case_opened",
                organisation=organisation,
                enrolment=enrolment,
                trigger_kind=trigger_kind,
                trigger=trigger,
                episode_key=episode_key,
                reason=reason[:300],
                procedure_version=version,
                opened_at=timezone.now(),
                opened_on=today,
                opened_by=acting_user,
                assigned_to=assigned_to,
                journal_label=journal_label
                or (_("analyse automatique") if acting_user is None else ""),
            )
    except (IntegrityError, ValidationError) as error:
        raise ValidationError(
            _("Un dossier de suivi existe déjà pour cet épisode ou est déjà ouvert.")
        ) from error
    _plan_steps(case, planned, today=today, acting_user=acting_user)
    send_due_emails(case, as_of=today, acting_user=acting_user)
    return case


def _planned_steps(trigger: Trigger | None, enrolment: Enrolment) -> list[ProcedureStep]:
    return [
        s
        for s in (trigger.steps.all() if trigger is not None else [])
        if not s.apprentices_only or enrolment.is_apprenticeship
    ]


def _plan_steps(
    case: FollowupCase,
    planned: Sequence[ProcedureStep],
    *,
    today: dt.date,
    acting_user: User | None,
) -> list[CaseStep]:
    """Copy the procedure's steps onto the case, after the steps it already has.

    The case's officer holds the steps of their role; another role's steps go to that
    role's least loaded member (or to the officer when the role has none).
    """
    organisation = case.organisation
    assigned_to = case.assigned_to
    holder_role = (
        Membership.objects.filter(user=assigned_to).values_list("role", flat=True).first()
        if assigned_to is not None
        else None
    )
    holders: dict[str, User | None] = {}
    start = case.steps.aggregate(n=Max("order"))["n"] or 0
    created = []
    for order, planned_step in enumerate(planned, start=start + 1):
        role = planned_step.responsible_role
        if role not in holders:
            others = [] if role == holder_role else members_by_load(organisation, role)
            holders[role] = others[0] if others else assigned_to
        due_on = today + dt.timedelta(days=planned_step.due_after_days)
        created.append(
            create_record(
                CaseStep,
                acting_user=acting_user,
                organisation=organisation,
                case=case,
                order=order,
                action=planned_step.action,
                label=planned_step.title[:200],
                template_key=planned_step.template_key,
                due_on=due_on,
                responsible_role=role,
                mandatory=planned_step.mandatory,
                assigned_to=holders[role],
                escalate_on=(
                    due_on + dt.timedelta(days=planned_step.escalate_after_days)
                    if planned_step.escalate_after_days is not None
                    else None
                ),
                escalate_to_role=planned_step.escalate_to_role,
            )
        )
    return created


@transaction.atomic
def join_case(
    case: FollowupCase,
    *,
    trigger_kind: str,
    acting_user: User | None,
    as_of: dt.date,
    episode_key: str,
    reason: str = "",
    trigger: Trigger | None = None,
    journal_label: str = "",
) -> CaseSignal:
    """A new trigger on an enrolment whose case is open: it joins that case.

    The signal is recorded on the case; the steps its trigger calls for are added, except
    those already planned and still to do (the same action, the same email); the case
    keeps its officer.
    """
    signal = create_record(
        CaseSignal,
        acting_user=acting_user,
        verb="followup.case_joined",
        journal_label=journal_label or (_("analyse automatique") if acting_user is None else ""),
        organisation_id=case.organisation_id,
        case=case,
        enrolment_id=case.enrolment_id,
        trigger_kind=trigger_kind,
        trigger=trigger,
        episode_key=episode_key,
        reason=reason[:300],
        detected_on=as_of,
        recorded_at=timezone.now(),
        recorded_by=acting_user,
    )
    todo = set(case.steps.filter(status=StepStatus.TODO).values_list("action", "template_key"))
    planned = [
        s for s in _planned_steps(trigger, case.enrolment) if (s.action, s.template_key) not in todo
    ]
    _plan_steps(case, planned, today=as_of, acting_user=acting_user)
    send_due_emails(case, as_of=as_of, acting_user=acting_user)
    return signal


@transaction.atomic
def reassign_case(case: FollowupCase, *, acting_user: User, assigned_to: User) -> FollowupCase:
    """Give the case (and its steps still to do by the previous holder) to another member."""
    if not case.is_open:
        raise ValidationError(_("Ce dossier est clos."))
    member = Membership.objects.filter(
        user=assigned_to, organisation_id=case.organisation_id
    ).first()
    if member is None or member.role not in {Role.DIRECTION, Role.QUALITE, Role.SUIVI}:
        raise ValidationError({"assigned_to": _("Choix inconnu dans cette organisation.")})
    previous = case.assigned_to_id
    for step_ in case.steps.filter(status=StepStatus.TODO):
        if step_.assigned_to_id in (previous, None):
            update_record(step_, acting_user=acting_user, assigned_to=assigned_to)
    return update_record(
        case, acting_user=acting_user, verb="followup.case_reassigned", assigned_to=assigned_to
    )


@transaction.atomic
def close_case(
    case: FollowupCase,
    *,
    acting_user: User,
    outcome: str,
    note: str,
    forced_reason: str = "",
) -> FollowupCase:
    """Close with an outcome and a note (both required). Its meetings still to come are
    cancelled: everyone invited receives the cancellation (METHOD:CANCEL).

    With a mandatory step still to do, only with `forced_reason`; the steps left to do
    (mandatory or not) are then cancelled, carrying the reason.
    """
    case = FollowupCase.objects.select_for_update().get(pk=case.pk)
    errors: dict[str, str] = {}
    if not case.is_open:
        raise ValidationError(_("Ce dossier est déjà clos."))
    if outcome not in Outcome.values:
        errors["outcome"] = _("Indiquez l'issue du dossier.")
    if not note.strip():
        errors["note"] = _("Indiquez la conclusion du dossier.")
    if errors:
        raise ValidationError(errors)
    left = list(case.steps.filter(status=StepStatus.TODO))
    forced_reason = forced_reason.strip()
    if any(s.mandatory for s in left) and not forced_reason:
        raise ValidationError(
            {
                "forced_reason": _(
                    "Des étapes obligatoires restent à faire : réalisez-les, ou indiquez "
                    "pourquoi le dossier est clos quand même."
                )
            }
        )
    now = timezone.now()
    for meeting in case.meetings.filter(status=MeetingStatus.PLANNED, starts_at__gt=now):
        cancel_meeting(
            meeting,
            acting_user=acting_user,
            reason=_("Dossier de suivi clos (%(outcome)s).") % {"outcome": Outcome(outcome).label},
        )
    for step_ in left:
        update_record(
            step_,
            acting_user=acting_user,
            verb="followup.step_cancelled",
            status=StepStatus.CANCELLED,
            note=_("Annulée à la clôture du dossier : %(reason)s")
            % {"reason": forced_reason or _("étape facultative")},
        )
    return update_record(
        case,
        acting_user=acting_user,
        verb="followup.case_closed",
        status=CaseStatus.CLOSED,
        outcome=outcome,
        closing_note=note.strip(),
        forced_reason=forced_reason,
        closed_at=timezone.now(),
        closed_by=acting_user,
    )


@transaction.atomic
def escalate_overdue(organisation: Organisation | int, *, as_of: dt.date) -> list[CaseStep]:
    """Flag every step still to do past its escalation date, for the escalation role."""
    due = (
        CaseStep.objects.select_for_update()
        .filter(
            organisation=organisation,
            status=StepStatus.TODO,
            case__status=CaseStatus.OPEN,
            escalate_on__lte=as_of,
            escalated_at__isnull=True,
        )
        .exclude(escalate_to_role="")
        .order_by("pk")
    )
    escalated = []
    now = timezone.now()
    for step_ in due:
        escalated.append(
            update_record(
                step_,
                acting_user=None,
                verb="followup.step_escalated",
                journal_label=_("escalade automatique"),
                escalated_at=now,
                escalated_to_role=step_.escalate_to_role,
            )
        )
    return escalated


def scan(organisation: Organisation, *, as_of: dt.date) -> list[FollowupCase]:
    """Evaluate the published triggers for every enrolment active on `as_of` and open a
    case for each new episode (each case in its own transaction)."""
    ensure_default_procedure(organisation)
    version = published_version(organisation)
    if version is None:
        return []
    triggers = [t for t in version.triggers.prefetch_related("steps") if t.kind in AUTOMATIC_KINDS]
    if not triggers:
        return []
    found = selectors.detect(organisation, as_of, triggers)
    if not found:
        return []
    cases_ = FollowupCase.objects.filter(organisation=organisation, enrolment_id__in=list(found))
    signals_ = CaseSignal.objects.filter(organisation=organisation, enrolment_id__in=list(found))
    # The kinds already on an open case (its own, or joined): the same concern goes on.
    open_kinds = set(
        cases_.filter(status=CaseStatus.OPEN).values_list("enrolment_id", "trigger_kind")
    ) | set(
        signals_.filter(case__status=CaseStatus.OPEN).values_list("enrolment_id", "trigger_kind")
    )
    seen = set(cases_.values_list("enrolment_id", "trigger_kind", "episode_key")) | set(
        signals_.values_list("enrolment_id", "trigger_kind", "episode_key")
    )
    enrolments = Enrolment.objects.select_related("learner", "session", "organisation").in_bulk(
        list(found)
    )
    opened = []
    for enrolment_id, detections in found.items():
        for d in detections:
            kind = d.trigger.kind
            if (enrolment_id, kind) in open_kinds or (enrolment_id, kind, d.episode_key) in seen:
                continue
            try:
                case = open_case(
                    enrolments[enrolment_id],
                    trigger_kind=kind,
                    trigger=d.trigger,
                    acting_user=None,
                    as_of=as_of,
                    episode_key=d.episode_key,
                    reason=d.reason,
                )
            except ValidationError:
                continue  # opened meanwhile by another worker
            open_kinds.add((enrolment_id, kind))
            if case.trigger_kind == kind and case.episode_key == d.episode_key:
                opened.append(case)
    return opened


def run_daily(organisation: Organisation, *, as_of: dt.date) -> dict[str, int]:
    """The nightly follow-up of one organisation: open cases, send due emails, escalate."""
    opened = scan(organisation, as_of=as_of)
    sent = 0
    open_with_emails = FollowupCase.objects.filter(
        organisation=organisation,
        status=CaseStatus.OPEN,
        steps__action=Action.EMAIL,
        steps__status=StepStatus.TODO,
        steps__due_on__lte=as_of,
    ).distinct()
    for case in open_with_emails.select_related("enrolment__learner", "organisation"):
        sent += len(send_due_emails(case, as_of=as_of))
    escalated = escalate_overdue(organisation, as_of=as_of)
    return {"opened": len(opened), "emails": sent, "escalated": len(escalated)}
