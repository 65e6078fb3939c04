"""A dropout record ends the enrolment (status abandon, through the learners app) in its
transaction.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import User
from parcours.core.services import create_record
from parcours.followup.models import (
    Dropout,
    DropoutReason,
    FollowupCase,
)
from parcours.learners.models import Enrolment, EnrolmentStatus

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
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == EnrolmentStatus.ABANDON:
        # Already ended in a dropout (an import, an earlier status change): the record adds
        # its cause and the actions tried, on the exit date already known.
        if fields["on"] != enrolment.ended_on:
            raise ValidationError(
                {
                    "on": _("L'inscription est sortie le %(day)s : indiquez cette date.")
                    % {
                        "day": enrolment.ended_on.strftime("%d/%m/%Y")
                        if enrolment.ended_on
                        else "—"
                    }
                }
            )
    else:
        _end_enrolment(enrolment, fields["on"], reason, acting_user)
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


def _end_enrolment(enrolment: Enrolment, on: dt.date, reason: str, acting_user: User) -> None:
    from parcours.learners.services import change_status

    try:
        change_status(
            enrolment,
            EnrolmentStatus.ABANDON,
            acting_user=acting_user,
            on=on,
            reason=reason[:200],
        )
    except ValidationError as error:
        messages_ = error.message_dict if hasattr(error, "error_dict") else {}
        if "on" in messages_:
            raise ValidationError({"on": messages_["on"]}) from error
        raise ValidationError(error.messages) from error
