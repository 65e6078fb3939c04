"""Writes to learners, enrolments, employers, tutors, funders and adaptation sheets (each
journaled)."""

import datetime as dt
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.access import STAFF as STAFF_ROLES
from parcours.core.models import JournalAction, Membership, Organisation, User
from parcours.core.services import check_same_organisation, create_record, update_record
from parcours.learners.models import (
    ENDED_STATUSES,
    TRANSITIONS,
    AdaptationMeasure,
    AdaptationSheet,
    Employer,
    Enrolment,
    EnrolmentStatus,
    Funder,
    Learner,
    Tutor,
)
from parcours.programmes.models import Session

M = TypeVar("M", bound=models.Model)


def create_learner(
    organisation: Organisation, *, acting_user: User | None, **values: Any
) -> Learner:
    return create_record(Learner, organisation=organisation, acting_user=acting_user, **values)


def update_learner(learner: Learner, *, acting_user: User | None, **values: Any) -> Learner:
    return update_record(learner, acting_user=acting_user, **values)


def create_employer(
    organisation: Organisation, *, acting_user: User | None, **values: Any
) -> Employer:
    return create_record(Employer, organisation=organisation, acting_user=acting_user, **values)


def create_tutor(employer: Employer, *, acting_user: User | None, **values: Any) -> Tutor:
    return create_record(
        Tutor,
        organisation_id=employer.organisation_id,
        employer=employer,
        acting_user=acting_user,
        **values,
    )


def create_funder(organisation: Organisation, *, acting_user: User | None, **values: Any) -> Funder:
    return create_record(Funder, organisation=organisation, acting_user=acting_user, **values)


def enrol(
    learner: Learner,
    session: Session,
    *,
    acting_user: User | None,
    enrolled_on: dt.date,
    **values: Any,
) -> Enrolment:
    """Enrol a learner in a session (status inscrit unless given)."""
    if Enrolment.objects.filter(learner=learner, session=session).exists():
        raise ValidationError({"session": _("Cet apprenant est déjà inscrit à cette session.")})
    return create_record(
        Enrolment,
        organisation_id=learner.organisation_id,
        learner=learner,
        session=session,
        enrolled_on=enrolled_on,
        acting_user=acting_user,
        **values,
    )


def update_enrolment(enrolment: Enrolment, *, acting_user: User | None, **values: Any) -> Enrolment:
    """Edit an enrolment's details; its status changes only through `change_status`."""
    if "status" in values and values["status"] != enrolment.status:
        raise ValidationError(
            {"status": _("Le statut se change par une transition (démarrer, terminer, abandon).")}
        )
    values.pop("status", None)
    return update_record(enrolment, acting_user=acting_user, **values)


@transaction.atomic
def change_status(
    enrolment: Enrolment,
    status: str,
    *,
    acting_user: User | None,
    on: dt.date,
    reason: str = "",
) -> Enrolment:
    """Move along the lifecycle inscrit → en_cours → termine | abandon."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if status not in TRANSITIONS[enrolment.status]:
        raise ValidationError(
            {
                "status": _("Passage impossible de « %(from)s » à « %(to)s ».")
                % {
                    "from": EnrolmentStatus(enrolment.status).label,
                    "to": EnrolmentStatus(status).label
                    if status in EnrolmentStatus.values
                    else status,
                }
            }
        )
    if on < enrolment.enrolled_on:
        raise ValidationError({"on": _("La date ne peut pas précéder l'inscription.")})
    values: dict[str, Any] = {"status": status}
    if status == EnrolmentStatus.EN_COURS:
        values["started_on"] = on
    if status in ENDED_STATUSES:
        if status == EnrolmentStatus.ABANDON and not reason.strip():
            raise ValidationError({"reason": _("Le motif d'abandon est obligatoire.")})
        values["ended_on"] = on
        values["end_reason"] = reason.strip()
    return update_record(enrolment, acting_user=acting_user, verb=f"enrolment.{status}", **values)


# Disability (PSH): adaptation sheets and their measures.
#
# These records hold health information. Their journal entries record which fields
# changed, who changed them and when, never what the needs, the measures or the
# attestation notes say: those fields are written "(confidentiel)" in the journal.

CONFIDENTIAL = "(confidentiel)"
SHEET_CONFIDENTIAL = {"needs", "need_categories"}
MEASURE_CONFIDENTIAL = {"description", "attestation_note"}
SHEET_FIELDS = ("needs", "need_categories", "referent", "next_review_on", "consent_on")
MEASURE_FIELDS = ("kind", "description", "responsible", "due_on")


def _redacted(changes: dict[str, list[Any]], confidential: set[str]) -> dict[str, list[Any]]:
    def hide(value: Any) -> Any:
        return value if value in (None, "", []) else CONFIDENTIAL

    return {
        name: [hide(v) for v in pair] if name in confidential else pair
        for name, pair in changes.items()
    }


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The values, refusing any other field (attestation fields are set by attesting)."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"not editable here: {', '.join(sorted(unknown))}")
    return values


def _check_staff(organisation_id: int, user: User | None, field: str) -> None:
    """The person named (référent, responsible) is a member of staff of the organisation."""
    if user is None:
        return
    member = Membership.objects.filter(user=user, organisation_id=organisation_id).first()
    if member is None or member.role not in STAFF_ROLES:
        raise ValidationError({field: _("Choisissez un membre de l'équipe de l'organisme.")})


def _save_confidential(
    obj: M,
    values: dict[str, Any],
    *,
    confidential: set[str],
    acting_user: User | None,
    verb: str,
) -> M:
    """Create (no pk yet) or update `obj` with `values`, journaled with `confidential`
    fields redacted; an update that changes nothing writes nothing."""
    creating = obj.pk is None
    names = [obj._meta.get_field(name).attname for name in values]  # type: ignore[union-attr]
    before = {} if creating else journal.snapshot(obj, names)
    for name, value in values.items():
        setattr(obj, name, value)
    check_same_organisation(obj)
    obj.full_clean()
    after = journal.snapshot(obj) if creating else journal.snapshot(obj, names)
    changes = journal.diff(before, after)
    if not creating and not changes:
        return obj
    if creating:
        obj.save()
    else:
        obj.save(update_fields=[*[n for n in names if n in changes], "updated_at"])
    journal.record(
        JournalAction.CREATE if creating else JournalAction.UPDATE,
        obj,
        organisation=getattr(obj, "organisation_id", None),
        acting_user=acting_user,
        changes=_redacted(changes, confidential),
        verb=verb,
    )
    return obj


@transaction.atomic
def create_adaptation_sheet(
    enrolment: Enrolment, *, acting_user: User | None, **values: Any
) -> AdaptationSheet:
    """The enrolment's adaptation sheet (one per enrolment), for a learner who declared
    a disability."""
    if not enrolment.learner.disability:
        raise ValidationError(
            _("Déclarez d'abord la situation de handicap de l'apprenant sur sa fiche.")
        )
    if AdaptationSheet.objects.filter(enrolment=enrolment).exists():
        raise ValidationError(_("Cette inscription a déjà sa fiche d'adaptation."))
    _check_staff(enrolment.organisation_id, values.get("referent"), "referent")
    sheet = AdaptationSheet(organisation_id=enrolment.organisation_id, enrolment=enrolment)
    return _save_confidential(
        sheet,
        _only(values, SHEET_FIELDS),
        confidential=SHEET_CONFIDENTIAL,
        acting_user=acting_user,
        verb="adaptation.sheet_created",
    )


@transaction.atomic
def update_adaptation_sheet(
    sheet: AdaptationSheet, *, acting_user: User | None, **values: Any
) -> AdaptationSheet:
    if "referent" in values:
        _check_staff(sheet.organisation_id, values["referent"], "referent")
    return _save_confidential(
        sheet,
        _only(values, SHEET_FIELDS),
        confidential=SHEET_CONFIDENTIAL,
        acting_user=acting_user,
        verb="adaptation.sheet_updated",
    )


@transaction.atomic
def add_measure(
    sheet: AdaptationSheet, *, acting_user: User | None, **values: Any
) -> AdaptationMeasure:
    _check_staff(sheet.organisation_id, values.get("responsible"), "responsible")
    measure = AdaptationMeasure(organisation_id=sheet.organisation_id, sheet=sheet)
    return _save_confidential(
        measure,
        _only(values, MEASURE_FIELDS),
        confidential=MEASURE_CONFIDENTIAL,
        acting_user=acting_user,
        verb="adaptation.measure_added",
    )


@transaction.atomic
def update_measure(
    measure: AdaptationMeasure, *, acting_user: User | None, **values: Any
) -> AdaptationMeasure:
    """Change a measure not yet attested (an attested one is evidence: it stays as it was)."""
    measure = AdaptationMeasure.objects.select_for_update().get(pk=measure.pk)
    if measure.is_attested:
        raise ValidationError(_("Une mesure dont la mise en place est attestée ne change plus."))
    if "responsible" in values:
        _check_staff(measure.organisation_id, values["responsible"], "responsible")
    return _save_confidential(
        measure,
        _only(values, MEASURE_FIELDS),
        confidential=MEASURE_CONFIDENTIAL,
        acting_user=acting_user,
        verb="adaptation.measure_updated",
    )


@transaction.atomic
def attest_measure(
    measure: AdaptationMeasure, *, acting_user: User, note: str
) -> AdaptationMeasure:
    """Attest that the measure was put in place: by whom, when, and what was observed."""
    measure = AdaptationMeasure.objects.select_for_update().get(pk=measure.pk)
    if measure.is_attested:
        raise ValidationError(_("La mise en place de cette mesure est déjà attestée."))
    if not note.strip():
        raise ValidationError(
            {"note": _("Décrivez ce qui a été mis en place (date, lieu, modalités).")}
        )
    _check_staff(measure.organisation_id, acting_user, "attested_by")
    membership = Membership.objects.get(user=acting_user)
    return _save_confidential(
        measure,
        {
            "attested_at": timezone.now(),
            "attested_by": acting_user,
            "attested_by_label": f"{acting_user} ({membership.get_role_display()})"[:200],
            "attestation_note": note.strip(),
        },
        confidential=MEASURE_CONFIDENTIAL,
        acting_user=acting_user,
        verb="adaptation.measure_attested",
    )
