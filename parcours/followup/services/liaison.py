"""The tutor's liaison sheets, through a personal link (see `parcours.followup.liaison`);
an alert on a sheet opens a tutor-alert case (once per sheet; or joins the case already
open for the enrolment).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import User
from parcours.core.services import create_record, update_record
from parcours.followup import liaison
from parcours.followup.models import (
    LiaisonSheet,
    TriggerKind,
)
from parcours.followup.services.cases import open_case
from parcours.learners.models import ENDED_STATUSES, Enrolment, Tutor


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
    (or joins the case already open for the enrolment).
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
