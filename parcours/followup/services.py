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
"""

import datetime as dt
import logging
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
from parcours.followup import defaults, selectors
from parcours.followup.models import (
    AUTOMATIC_KINDS,
    Action,
    CaseStatus,
    CaseStep,
    FollowupCase,
    Outcome,
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    StepStatus,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from parcours.learners.models import Enrolment

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
                journal_label=_("analyse automatique") if acting_user is None else "",
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
                context=merge_context(enrolment, **_responsible(case)),
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
