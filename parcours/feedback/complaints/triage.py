"""Triage → complaint: a person decided that a questionnaire answer is a complaint; the
register receives it as an entry of the channel "questionnaire", with the answer's
excerpt as its description.

An attributable answer is linked to its enrolment (and to the learner, when the learner
answered). An anonymous answer is linked to no one: no enrolment, no learner, no name,
no address, as anonymous as it was (the campaign's session is kept, which the triage
decision names anyway).
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.feedback.complaints import services
from parcours.feedback.complaints.models import Category, Complainant, EntryChannel, Kind, Severity
from parcours.feedback.models import Audience
from parcours.feedback.triage import Opened, TriageRequest

COMPLAINANT_OF_AUDIENCE: dict[str, str] = {
    Audience.APPRENANT: Complainant.LEARNER,
    Audience.ENTREPRISE: Complainant.COMPANY,
    Audience.FORMATEUR: Complainant.TRAINER,
    Audience.FINANCEUR: Complainant.FUNDER,
}


def _received_at(as_of: dt.date) -> dt.datetime:
    """Now, if the decision is of today; else 9:00 local time on the day of the decision."""
    now = timezone.now()
    if timezone.localdate(now) == as_of:
        return now
    return timezone.make_aware(dt.datetime.combine(as_of, dt.time(9)))


def open_complaint(request: TriageRequest) -> Opened:
    """The triage handler of `TriageOutcome.COMPLAINT` (registered in FeedbackConfig.ready)."""
    campaign = request.campaign
    audience = campaign.questionnaire.audience
    anonymous = request.answer is None
    enrolment = None if anonymous else request.enrolment
    description = request.excerpt
    if request.note:
        description = f"{description}\n\n{_('Note du tri')} : {request.note}"
    facts = services.ComplaintFacts(
        kind=Kind.RECLAMATION,
        subject=(
            _("Réponse au questionnaire « %(title)s »") % {"title": campaign.questionnaire.title}
        )[:200],
        description=description[:5000],
        category=Category.AUTRE,
        severity=Severity.MEDIUM,
        complainant=COMPLAINANT_OF_AUDIENCE.get(str(audience), Complainant.OTHER),
        session=campaign.session if campaign.session_id else None,
        enrolment=enrolment,
    )
    learner = enrolment.learner if enrolment and audience == Audience.APPRENANT else None
    complaint, _code = services.receive(
        campaign.organisation,
        facts,
        channel=EntryChannel.SURVEY,
        received_at=_received_at(request.as_of),
        learner=learner,
        anonymous=anonymous,
        acting_user=request.acting_user,
    )
    return Opened(str(complaint), reverse("feedback:complaints:detail", args=[complaint.pk]))
