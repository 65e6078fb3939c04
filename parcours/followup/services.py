"""Writes of the follow-up app: the procedure's versions, and the cases it drives.

Every function runs inside `transaction.atomic` and journals in the same transaction
(through `create_record` / `update_record` / `delete_record`, plus an event for the facts
that are not field changes: a version published, a case opened or closed).

Rules of a case:
- It opens once per episode (`episode_key`: the occurrence of the trigger, e.g. the
  date of the first absence of the current run), and never while another case of the
  same trigger kind is open for the enrolment (both enforced by unique constraints).
- Its steps are copied from the version of the procedure in force at opening; steps
  for apprentices only are left out for other learners.
- It is assigned to the member holding the first step's role (chargé de suivi by
  default) with the fewest open cases; steps of another role go to that role's least
  loaded member.
- Email steps due at opening are queued at once through the messaging app and marked
  done; their delivery status is read back from the outbox on the case page.
- It closes with an outcome and a note. While a mandatory step is still to do, closing
  needs an explicit reason ("clore quand même"); the steps left are then cancelled,
  with that reason, so the record shows what was not carried out and why.

Interactions on a case:
- A call may carry out the case's next call step (its summary becomes the step's report).
- A meeting (interview, intermediate review, company visit, tripartite meeting) sends an
  .ics invitation to the learner, the staff present and, for a visit or a tripartite
  meeting, the tutor: one email each, through the messaging outbox. Moving it sends the
  same UID with SEQUENCE + 1; cancelling it, METHOD:CANCEL. It is linked to the case's
  first step of its kind still to do; an interview or review step is done only once its
  meeting's report (for a review, the structured form) is written.
- Mediation and referrals (France Travail, another body, help to find an employer).

The tutor's liaison sheets come through a personal link (see `liaison.py`); an alert on
a sheet opens a tutor-alert case (once per sheet; joins the one already open). A dropout
record ends the enrolment (status abandon, through the learners app) in its transaction.
"""

import datetime as dt
import hashlib
import logging
import math
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import Membership, Organisation, Role, User
from parcours.core.services import create_record, delete_record, update_record
from parcours.followup import defaults, liaison, selectors
from parcours.followup.models import (
    AUTOMATIC_KINDS,
    MEETING_ACTIONS,
    REPORTED_ACTIONS,
    WITH_TUTOR,
    Action,
    Call,
    CallOutcome,
    CaseStatus,
    CaseStep,
    Dropout,
    DropoutReason,
    FollowupCase,
    LiaisonSheet,
    Measure,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Outcome,
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    Review,
    StepStatus,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from parcours.learners.models import ENDED_STATUSES, Enrolment, EnrolmentStatus, Tutor

log = logging.getLogger("parcours.followup")

STEP_FIELDS = (
    "order",
    "action",
    "label",
    "template_key",
    "due_after_days",
    "responsible_role",
    "mandatory",
    "apprentices_only",
    "escalate_after_days",
    "escalate_to_role",
)


# The procedure


def published_version(organisation: Organisation) -> ProcedureVersion | None:
    return (
        ProcedureVersion.objects.filter(organisation=organisation, status=VersionStatus.PUBLISHED)
        .select_related("procedure")
        .first()
    )


def _procedure(organisation: Organisation, acting_user: User | None) -> Procedure:
    procedure = Procedure.objects.filter(organisation=organisation).first()
    if procedure is None:
        procedure = create_record(Procedure, organisation=organisation, acting_user=acting_user)
    return procedure


def _add_trigger_with_steps(
    version: ProcedureVersion,
    values: dict[str, Any],
    steps: Iterable[dict[str, Any]],
    *,
    acting_user: User | None,
) -> Trigger:
    trigger = create_record(
        Trigger,
        acting_user=acting_user,
        organisation_id=version.organisation_id,
        version=version,
        **values,
    )
    for order, values_ in enumerate(steps, start=1):
        fields: dict[str, Any] = {k: values_.get(k) for k in STEP_FIELDS if k in values_}
        fields["order"] = order
        create_record(
            ProcedureStep,
            acting_user=acting_user,
            organisation_id=version.organisation_id,
            trigger=trigger,
            **fields,
        )
    return trigger


@transaction.atomic
def ensure_default_procedure(organisation: Organisation) -> Procedure:
    """The organisation's procedure; the default one (v1, published) if it has none."""
    procedure = Procedure.objects.select_for_update().filter(organisation=organisation).first()
    if procedure is not None and procedure.versions.exists():
        return procedure
    procedure = procedure or create_record(Procedure, organisation=organisation, acting_user=None)
    now = timezone.now()
    version = create_record(
        ProcedureVersion,
        acting_user=None,
        organisation=organisation,
        procedure=procedure,
        number=1,
        status=VersionStatus.PUBLISHED,
        change_note=defaults.DEFAULT_CHANGE_NOTE,
        edited_at=now,
        validated_at=now,
        validated_by_label=defaults.DEFAULT_VALIDATOR_LABEL,
    )
    for order, spec in enumerate(defaults.DEFAULT_PROCEDURE, start=1):
        values = {k: v for k, v in spec.items() if k != "steps"}
        _add_trigger_with_steps(
            version, {**values, "order": order}, spec["steps"], acting_user=None
        )
    journal.record_event(
        "followup.procedure_published",
        organisation=organisation,
        acting_user=None,
        obj=version,
        data={"number": 1, "validated_by": defaults.DEFAULT_VALIDATOR_LABEL},
    )
    return procedure


def _copy_triggers(source: ProcedureVersion, target: ProcedureVersion, acting_user: User) -> None:
    for trigger in source.triggers.prefetch_related("steps"):
        _add_trigger_with_steps(
            target,
            {
                "order": trigger.order,
                "kind": trigger.kind,
                "risk_level": trigger.risk_level,
                "threshold": trigger.threshold,
            },
            [{k: getattr(s, k) for k in STEP_FIELDS} for s in trigger.steps.all()],
            acting_user=acting_user,
        )


@transaction.atomic
def start_draft(organisation: Organisation, *, acting_user: User) -> ProcedureVersion:
    """The draft being written: the existing one, or a copy of the published version."""
    ensure_default_procedure(organisation)
    procedure = Procedure.objects.select_for_update().get(organisation=organisation)
    draft = procedure.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = create_record(
        ProcedureVersion,
        acting_user=acting_user,
        organisation=organisation,
        procedure=procedure,
        number=number,
        status=VersionStatus.DRAFT,
        edited_by=acting_user,
        edited_at=timezone.now(),
    )
    source = published_version(organisation)
    if source is not None:
        _copy_triggers(source, draft, acting_user)
    return draft


def signature_of(user: User) -> str:
    """Who validated, as the document names them: "Prénom Nom (Direction)"."""
    membership = Membership.objects.filter(user=user).first()
    role = f" ({membership.get_role_display()})" if membership is not None else ""
    return f"{user}{role}"[:200]


def _check_draft(version: ProcedureVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Seul un brouillon peut être modifié."))


def _touch(version: ProcedureVersion, acting_user: User, **values: Any) -> None:
    update_record(
        version, acting_user=acting_user, edited_by=acting_user, edited_at=timezone.now(), **values
    )


@transaction.atomic
def update_draft(
    version: ProcedureVersion, *, acting_user: User, change_note: str
) -> ProcedureVersion:
    _check_draft(version)
    _touch(version, acting_user, change_note=change_note.strip())
    return version


@transaction.atomic
def add_trigger(
    version: ProcedureVersion,
    *,
    acting_user: User,
    kind: str,
    risk_level: str = "",
    threshold: int | None = None,
) -> Trigger:
    _check_draft(version)
    order = (version.triggers.aggregate(n=Max("order"))["n"] or 0) + 1
    trigger = _add_trigger_with_steps(
        version,
        {"order": order, "kind": kind, "risk_level": risk_level, "threshold": threshold},
        [],
        acting_user=acting_user,
    )
    _touch(version, acting_user)
    return trigger


@transaction.atomic
def save_trigger(
    trigger: Trigger,
    *,
    acting_user: User,
    steps: Sequence[dict[str, Any]],
    **values: Any,
) -> Trigger:
    """Set the trigger's fields and its steps (in the order given) in a draft."""
    _check_draft(trigger.version)
    update_record(trigger, acting_user=acting_user, **values)
    existing = list(trigger.steps.order_by("order", "pk"))
    for order, step_values in enumerate(steps, start=1):
        fields: dict[str, Any] = {k: step_values.get(k) for k in STEP_FIELDS if k in step_values}
        fields["order"] = order
        if fields.get("escalate_to_role") is None:
            fields["escalate_to_role"] = ""
        if fields.get("template_key") is None:
            fields["template_key"] = ""
        if fields.get("label") is None:
            fields["label"] = ""
        if existing:
            update_record(existing.pop(0), acting_user=acting_user, **fields)
        else:
            create_record(
                ProcedureStep,
                acting_user=acting_user,
                organisation_id=trigger.organisation_id,
                trigger=trigger,
                **fields,
            )
    for leftover in existing:
        delete_record(leftover, acting_user=acting_user)
    _touch(trigger.version, acting_user)
    return trigger


@transaction.atomic
def delete_trigger(trigger: Trigger, *, acting_user: User) -> None:
    version = trigger.version
    _check_draft(version)
    for step_ in trigger.steps.all():
        delete_record(step_, acting_user=acting_user)
    delete_record(trigger, acting_user=acting_user)
    _touch(version, acting_user)


@transaction.atomic
def discard_draft(version: ProcedureVersion, *, acting_user: User) -> None:
    _check_draft(version)
    for trigger in version.triggers.all():
        for step_ in trigger.steps.all():
            delete_record(step_, acting_user=acting_user)
        delete_record(trigger, acting_user=acting_user)
    delete_record(version, acting_user=acting_user)


@transaction.atomic
def validate_version(version: ProcedureVersion, *, acting_user: User) -> ProcedureVersion:
    """Direction validates the draft: it is published and the previous version archived.

    Cases opened under the previous version keep it (and its steps).
    """
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    _check_draft(version)
    if not version.change_note.strip():
        raise ValidationError(
            {"change_note": _("Décrivez la nature des modifications avant la validation.")}
        )
    if not version.triggers.exists():
        raise ValidationError(_("Une procédure sans déclencheur ne peut pas être validée."))
    empty = version.triggers.annotate(n=Count("steps")).filter(n=0).first()
    if empty is not None:
        raise ValidationError(
            _("Le déclencheur « %(trigger)s » n'a aucune étape.") % {"trigger": empty}
        )
    now = timezone.now()
    previous = (
        ProcedureVersion.objects.select_for_update()
        .filter(procedure_id=version.procedure_id, status=VersionStatus.PUBLISHED)
        .first()
    )
    if previous is not None:
        update_record(
            previous,
            acting_user=acting_user,
            verb="followup.procedure_archived",
            status=VersionStatus.ARCHIVED,
            archived_at=now,
        )
    update_record(
        version,
        acting_user=acting_user,
        verb="followup.procedure_validated",
        status=VersionStatus.PUBLISHED,
        validated_by=acting_user,
        validated_by_label=signature_of(acting_user),
        validated_at=now,
    )
    journal.record_event(
        "followup.procedure_published",
        organisation=version.organisation_id,
        acting_user=acting_user,
        obj=version,
        data={
            "number": version.number,
            "archived": previous.number if previous is not None else None,
        },
    )
    return version


# Cases


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
    """Open a case and plan its steps from the procedure in force.

    `acting_user` None means the nightly scan opened it. Raises ValidationError when a
    case of the same kind is already open for the enrolment, or this episode already
    had its case.
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
    if FollowupCase.objects.filter(
        enrolment=enrolment, trigger_kind=trigger_kind, status=CaseStatus.OPEN
    ).exists():
        raise ValidationError(
            _("Un dossier de suivi de ce type est déjà ouvert pour cette inscription.")
        )
    planned = [
        s
        for s in (trigger.steps.all() if trigger is not None else [])
        if not s.apprentices_only or enrolment.is_apprenticeship
    ]
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
                episode_key=episode_key or f"manuel-{uuid.uuid4().hex[:12]}",
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
    holder_role = (
        Membership.objects.filter(user=assigned_to).values_list("role", flat=True).first()
        if assigned_to is not None
        else None
    )
    holders: dict[str, User | None] = {}
    for order, planned_step in enumerate(planned, start=1):
        role = planned_step.responsible_role
        if role not in holders:
            others = [] if role == holder_role else members_by_load(organisation, role)
            holders[role] = others[0] if others else assigned_to
        due_on = today + dt.timedelta(days=planned_step.due_after_days)
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
    send_due_emails(case, as_of=today, acting_user=acting_user)
    return case


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
    if (
        step.action in REPORTED_ACTIONS
        and not step.meetings.filter(status=MeetingStatus.HELD).exists()
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
    """Close with an outcome and a note (both required).

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
    open_kinds = set(
        cases_.filter(status=CaseStatus.OPEN).values_list("enrolment_id", "trigger_kind")
    )
    seen = set(cases_.values_list("enrolment_id", "trigger_kind", "episode_key"))
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


# Interactions on a case: calls, meetings and their reports, other measures


def _check_open(case: FollowupCase) -> None:
    if not case.is_open:
        raise ValidationError(_("Ce dossier est clos."))


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
    _check_open(case)
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
    _check_open(case)
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
    return update_record(
        meeting,
        acting_user=acting_user,
        verb="followup.meeting_reported",
        status=MeetingStatus.HELD,
        report=report.strip(),
        report_written_at=timezone.now(),
        report_by=acting_user,
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
    _check_open(case)
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


# The tutor's liaison sheets


@transaction.atomic
def send_tutor_link(enrolment: Enrolment, *, acting_user: User) -> Any:
    """Email the enrolment's tutor their personal link to the liaison sheet."""
    from parcours.messaging.services import queue_email

    tutor = enrolment.tutor
    if tutor is None or not tutor.email:
        raise ValidationError(_("Aucun tuteur avec une adresse e-mail pour cette inscription."))
    if enrolment.status in ENDED_STATUSES:
        raise ValidationError(_("Ce parcours est terminé."))
    learner = enrolment.learner
    expires = timezone.localdate() + liaison.LINK_MAX_AGE
    values = {
        "tutor": f"{tutor.first_name} {tutor.last_name}".strip(),
        "learner": learner.full_name,
        "session": enrolment.session.title,
        "url": liaison.link_url(enrolment),
        "expires": expires.strftime("%d/%m/%Y"),
        "organisation": enrolment.organisation.name,
        "sender": acting_user.get_full_name(),
    }
    message = queue_email(
        enrolment.organisation,
        to=tutor.email,
        subject=_("Fiche de liaison : %(learner)s (%(session)s)") % values,
        body=_(
            "Bonjour %(tutor)s,\n\n"
            "Pour suivre ensemble le parcours de %(learner)s, en formation « %(session)s », "
            "merci de remplir la fiche de liaison en suivant ce lien personnel (sans compte "
            "à créer) :\n%(url)s\n\n"
            "Ce lien est valable jusqu'au %(expires)s ; vous pouvez l'utiliser pour chaque "
            "nouvelle fiche d'ici là. Il ne concerne que cet apprenti : ne le transférez pas.\n\n"
            "Bien cordialement,\n%(sender)s\n%(organisation)s"
        )
        % values,
        enrolment=enrolment,
        related_key=f"tutor-link:{enrolment.pk}",
        acting_user=acting_user,
    )
    journal.record_event(
        "followup.tutor_link_sent",
        organisation=enrolment.organisation_id,
        acting_user=acting_user,
        obj=enrolment,
        data={"tutor": tutor.pk, "message": message.pk, "expires": expires.isoformat()},
    )
    return message


LIAISON_FIELDS = (
    "company_attendance",
    "attitude",
    "skills_progress",
    "difficulties",
    "alert",
    "comments",
)


@transaction.atomic
def submit_liaison_sheet(enrolment: Enrolment, tutor: Tutor, **values: Any) -> LiaisonSheet:
    """The tutor's sheet, from their personal link (no account needed).

    With the alert ticked, the procedure's tutor-alert trigger opens a case for this sheet
    (or the sheet joins the tutor-alert case already open for the enrolment).
    """
    enrolment = Enrolment.objects.select_for_update().select_related("learner").get(pk=enrolment.pk)
    if enrolment.tutor_id != tutor.pk:
        raise ValidationError(_("Ce lien ne correspond plus au tuteur de cet apprenti."))
    who = _("%(tutor)s (tuteur, lien personnel)") % {
        "tutor": f"{tutor.first_name} {tutor.last_name}".strip()
    }
    fields: dict[str, Any] = {k: values.get(k) for k in LIAISON_FIELDS}
    for name in ("skills_progress", "difficulties", "comments"):
        fields[name] = (fields[name] or "").strip()
    fields["alert"] = bool(fields["alert"])
    sheet = create_record(
        LiaisonSheet,
        acting_user=tutor.user,
        verb="followup.liaison_sheet_submitted",
        journal_label=who,
        organisation_id=enrolment.organisation_id,
        enrolment=enrolment,
        tutor=tutor,
        submitted_at=timezone.now(),
        **fields,
    )
    if sheet.alert:
        case = FollowupCase.objects.filter(
            enrolment=enrolment, trigger_kind=TriggerKind.TUTOR_ALERT, status=CaseStatus.OPEN
        ).first()
        if case is None:
            reason = _("Alerte du tuteur (fiche de liaison du %(day)s) : %(text)s") % {
                "day": timezone.localdate().strftime("%d/%m/%Y"),
                "text": fields["difficulties"] or fields["comments"] or _("à contacter"),
            }
            case = open_case(
                enrolment,
                trigger_kind=TriggerKind.TUTOR_ALERT,
                acting_user=tutor.user,
                episode_key=f"fiche-{sheet.pk}",
                reason=reason,
                journal_label=who,
            )
        update_record(sheet, acting_user=tutor.user, journal_label=who, case=case)
    return sheet


# Dropouts


DROPOUT_FIELDS = (
    "on",
    "reason",
    "detail",
    "actions_before",
    "exit_interview_on",
    "exit_interview_summary",
)


@transaction.atomic
def record_dropout(
    enrolment: Enrolment,
    *,
    acting_user: User,
    case: FollowupCase | None = None,
    **values: Any,
) -> Dropout:
    """Record the dropout and end the enrolment (status abandon), in one transaction."""
    from parcours.learners.services import change_status

    fields: dict[str, Any] = {k: values.get(k) for k in DROPOUT_FIELDS}
    for name in ("detail", "actions_before", "exit_interview_summary"):
        fields[name] = (fields[name] or "").strip()
    if fields["reason"] not in DropoutReason.values:
        raise ValidationError({"reason": _("Choisissez le motif de l'abandon.")})
    if not isinstance(fields["on"], dt.date):
        raise ValidationError({"on": _("Indiquez la date de l'abandon.")})
    if case is not None and case.enrolment_id != enrolment.pk:
        raise ValidationError(_("Ce dossier ne concerne pas cette inscription."))
    if Dropout.objects.filter(enrolment=enrolment).exists():
        raise ValidationError(_("L'abandon de cette inscription est déjà enregistré."))
    label = DropoutReason(fields["reason"]).label
    reason = f"{label} : {fields['detail']}" if fields["detail"] else str(label)
    try:
        change_status(
            enrolment,
            EnrolmentStatus.ABANDON,
            acting_user=acting_user,
            on=fields["on"],
            reason=reason[:200],
        )
    except ValidationError as error:
        messages_ = error.message_dict if hasattr(error, "error_dict") else {}
        if "on" in messages_:
            raise ValidationError({"on": messages_["on"]}) from error
        raise ValidationError(error.messages) from error
    return create_record(
        Dropout,
        acting_user=acting_user,
        verb="followup.dropout_recorded",
        organisation_id=enrolment.organisation_id,
        enrolment=enrolment,
        case=case,
        recorded_by=acting_user,
        recorded_at=timezone.now(),
        **fields,
    )


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation starts with the default dropout-prevention procedure."""
    ensure_default_procedure(organisation)
