"""Writes to learners, enrolments, employers, tutors and funders (each journaled)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parcours.core.models import Organisation, User
from parcours.core.services import create_record, update_record
from parcours.learners.models import (
    ENDED_STATUSES,
    TRANSITIONS,
    Employer,
    Enrolment,
    EnrolmentStatus,
    Funder,
    Learner,
    Tutor,
)
from parcours.programmes.models import Session


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
