"""Effectiveness checks: the measure, its value before, a target and a measuring date;
at that date the worker computes the value after and gives the verdict.

Before and after are computed by the same function (`measures.compute`) over periods of
the same length: [action_date - length, action_date) and [action_date, measure_on), where
length = measure_on - action_date.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.attendance.services import check_justification_file
from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.improvement import measures
from parcours.improvement.models import Action, ActionState, EffectivenessCheck, Verdict
from parcours.improvement.services import actions as action_services
from parcours.messaging.services import queue_email

CHECKABLE = (
    ActionState.PROPOSED,
    ActionState.VALIDATED,
    ActionState.IN_PROGRESS,
    ActionState.DONE,
)


def periods(check: EffectivenessCheck) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The half-open periods before and after the action: equal lengths, by construction."""
    return (check.period_start, check.action_date), (
        check.action_date,
        check.action_date + (check.action_date - check.period_start),
    )


def verdict_for(value: float, target: float, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    return Verdict.EFFECTIVE if met else Verdict.NOT_EFFECTIVE


@transaction.atomic
def add_check(
    action: Action,
    *,
    acting_user: User,
    measure: str,
    target: float,
    action_date: dt.date,
    measure_on: dt.date,
    parameters: dict[str, Any] | None = None,
    value_before: float | None = None,
    evidence_note: str = "",
    evidence_file: UploadedFile | None = None,
) -> EffectivenessCheck:
    """Name the measure, compute its value before (same function, equal period), set the
    target and the measuring date."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.state not in CHECKABLE:
        raise ValidationError(_("Cette action n'attend plus de vérification d'efficacité."))
    found = measures.get(measure)
    if found is None:
        raise ValidationError(_("Mesure inconnue."))
    if measure_on <= action_date:
        raise ValidationError(_("La date de mesure doit suivre la date de l'action."))
    if action.checks.filter(verdict=Verdict.PENDING).exists():
        raise ValidationError(_("Une vérification est déjà en attente pour cette action."))
    params = {
        k: v for k, v in (parameters or {}).items() if k in found.params and v not in ("", None)
    }
    length = measure_on - action_date
    period_start = action_date - length
    if found.manual:
        if not evidence_note.strip() and evidence_file is None:
            raise ValidationError(
                _("Une mesure manuelle demande sa preuve : une note ou une pièce jointe.")
            )
        if value_before is None:
            raise ValidationError(_("Indiquez la valeur avant de la mesure manuelle."))
        if evidence_file is not None:
            check_justification_file(evidence_file)
    else:
        value_before = measures.compute(
            action.organisation, measure, params, period_start, action_date
        )
    check = EffectivenessCheck(
        organisation_id=action.organisation_id,
        created_by=acting_user,
        action=action,
        measure=measure,
        parameters=params,
        label=measures.describe(action.organisation, measure, params),
        higher_is_better=found.higher_is_better,
        period_start=period_start,
        action_date=action_date,
        measure_on=measure_on,
        value_before=value_before,
        target=target,
        evidence_note=evidence_note.strip(),
    )
    if evidence_file is not None:
        check.evidence_file = evidence_file
    check.save()
    journal.record(
        JournalAction.CREATE,
        check,
        organisation=action.organisation_id,
        acting_user=acting_user,
        changes=journal.diff({}, journal.snapshot(check)),
        verb="improvement.check_planned",
    )
    return check


def _conclude(
    check: EffectivenessCheck,
    value_after: float,
    acting_user: User | None,
    now: dt.datetime,
    notify: bool = True,
) -> EffectivenessCheck:
    check.value_after = value_after
    check.verdict = verdict_for(value_after, check.target, check.higher_is_better)
    check.measured_at = now
    check.save(update_fields=["value_after", "verdict", "measured_at"])
    action = Action.objects.select_for_update().get(pk=check.action_id)
    journal.record_event(
        "improvement.check_measured",
        organisation=check.organisation_id,
        acting_user=acting_user,
        obj=action,
        data={
            "mesure": check.label,
            "valeur_avant": check.value_before,
            "valeur_apres": value_after,
            "cible": check.target,
            "verdict": check.verdict,
        },
    )
    if check.verdict == Verdict.EFFECTIVE and action.state == ActionState.DONE:
        action.state = ActionState.EFFECTIVE
        action.save(update_fields=["state"])
        journal.record_event(
            "improvement.action_effective",
            organisation=action.organisation_id,
            acting_user=acting_user,
            obj=action,
            data={"etat": action.state},
        )
    elif check.verdict == Verdict.NOT_EFFECTIVE and action.state in (
        ActionState.DONE,
        ActionState.EFFECTIVE,
    ):
        action_services.reopen(
            action, acting_user=acting_user, reason=_("Vérification d'efficacité : non efficace")
        )
    if notify:
        _notify(action, check)
    return check


def _notify(action: Action, check: EffectivenessCheck) -> None:
    addresses = set(action_services.direction_addresses(action.organisation_id))
    if action.owner is not None and action.owner.email:
        addresses.add(action.owner.email)
    for address in sorted(addresses):
        queue_email(
            action.organisation,
            to=address,
            subject=_("Action %(ref)s : %(verdict)s")
            % {"ref": action.reference, "verdict": check.get_verdict_display()},
            body=_(
                "Vérification d'efficacité de l'action %(action)s : %(label)s. "
                "Avant : %(before)s ; après : %(after)s ; cible : %(target)s. "
                "Verdict : %(verdict)s."
            )
            % {
                "action": action,
                "label": check.label,
                "before": "—" if check.value_before is None else check.value_before,
                "after": check.value_after,
                "target": check.target,
                "verdict": check.get_verdict_display(),
            },
            related_key=f"improvement-action:{action.pk}",
            dedupe_key=f"improvement-check:{check.pk}:verdict:{address}",
        )


@transaction.atomic
def measure_due(
    organisation: Organisation, *, as_of: dt.datetime, notify: bool = True
) -> list[EffectivenessCheck]:
    """The worker's pass: every computed check whose measuring date has come gets its
    value after (same function, period of the same length) and its verdict. A check that
    cannot be measured yet (too few answers) stays pending. The owner and the direction
    are told of each verdict (`notify=False` when replaying a past, as the demo does)."""
    today = timezone.localtime(as_of).date()
    due = list(
        EffectivenessCheck.objects.select_for_update(of=("self",))
        .filter(organisation=organisation, verdict=Verdict.PENDING, measure_on__lte=today)
        .exclude(measure=measures.MANUAL)
        .select_related("action__owner", "action__organisation")
        .order_by("measure_on", "pk")
    )
    done = []
    for check in due:
        _before, (start, end) = periods(check)
        value = measures.compute(organisation, check.measure, check.parameters, start, end)
        if value is not None:
            done.append(_conclude(check, value, None, as_of, notify))
    return done


@transaction.atomic
def record_manual_result(
    check: EffectivenessCheck,
    *,
    value_after: float,
    evidence_note: str,
    acting_user: User,
    as_of: dt.datetime | None = None,
) -> EffectivenessCheck:
    check = EffectivenessCheck.objects.select_for_update().get(pk=check.pk)
    if check.measure != measures.MANUAL or check.verdict != Verdict.PENDING:
        raise ValidationError(_("Cette vérification n'attend pas de résultat manuel."))
    if not evidence_note.strip():
        raise ValidationError(_("Une mesure manuelle demande sa preuve : une note."))
    check.evidence_note = (check.evidence_note + "\n" + evidence_note.strip()).strip()
    check.save(update_fields=["evidence_note"])
    return _conclude(check, value_after, acting_user, as_of or timezone.now())
