"""Feedback's triage, on the follow-up's side: an attributable answer a person judged
worrying opens a follow-up case (or joins the enrolment's open case), with the
procedure's "réponse à un questionnaire" trigger. Registered in feedback's triage
registry by `FollowupConfig.ready` (feedback sits below followup and cannot call it)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from parcours.feedback.models import TriageOutcome
from parcours.feedback.triage import Opened, TriageRefused, TriageRequest, register_handler
from parcours.followup.models import TriggerKind
from parcours.followup.services.cases import open_case


def open_case_from_answer(request: TriageRequest) -> Opened:
    if request.answer is None or request.enrolment is None:
        raise TriageRefused(_("Une réponse anonyme ne peut pas ouvrir un dossier de suivi."))
    reason = _("Réponse au questionnaire « %(title)s » : %(excerpt)s") % {
        "title": request.campaign.questionnaire.title,
        "excerpt": request.excerpt,
    }
    try:
        case = open_case(
            request.enrolment,
            trigger_kind=TriggerKind.FEEDBACK,
            acting_user=request.acting_user,
            as_of=request.as_of,
            episode_key=f"appreciation-{request.answer.pk}",
            reason=reason,
        )
    except ValidationError as error:
        raise TriageRefused(" ".join(error.messages)) from error
    return Opened(_("Dossier de suivi n° %(n)d") % {"n": case.pk}, case.get_absolute_url())


def register() -> None:
    register_handler(TriageOutcome.CASE, open_case_from_answer)
