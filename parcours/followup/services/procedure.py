"""The procedure's versions: a draft written by the référent qualité, validated (published)
by direction, the version it replaces archived; the default procedure of a new
organisation.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import Membership, Organisation, User
from parcours.core.services import create_record, delete_record, update_record
from parcours.followup import defaults
from parcours.followup.models import (
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    Trigger,
    VersionStatus,
)

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


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation starts with the default dropout-prevention procedure."""
    ensure_default_procedure(organisation)
