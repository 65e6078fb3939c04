"""What lower apps hand to the improvement plan: a triaged survey answer (feedback's
triage, outcome "improvement") and a complaint's "Créer une action d'amélioration"
button. Both propose an action, linked to its source, for the direction to validate.

A survey answer's source is its campaign, never the answer: an anonymous answer must
stay impossible to re-identify, and an attributable one names nobody here either."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from parcours.feedback.complaints.models import Complaint
from parcours.feedback.triage import Opened, TriageRequest
from parcours.improvement.models import Origin
from parcours.improvement.services.actions import propose_action


def from_triage(request: TriageRequest) -> Opened:
    campaign, item = request.campaign, request.item
    session = campaign.session
    finding = request.note or _("Réponse à « %(item)s » : %(excerpt)s") % {
        "item": item.text,
        "excerpt": request.excerpt,
    }
    action = propose_action(
        campaign.organisation,
        acting_user=request.acting_user,
        origin=Origin.SURVEY,
        title=(_("Suite au questionnaire : %(item)s") % {"item": item.text})[:200],
        finding=finding,
        source=campaign,
        source_label=f"{campaign} — {item.text}"[:250],
        programme=session.programme if session is not None else None,
    )
    return Opened(action.reference, reverse("improvement:detail", args=[action.pk]))


def from_complaint(complaint: Complaint, acting_user: Any) -> tuple[str, str]:
    title = complaint.improvement_suggestion or complaint.subject
    action = propose_action(
        complaint.organisation,
        acting_user=acting_user,
        origin=Origin.COMPLAINT,
        title=title.splitlines()[0][:200] if title else str(complaint),
        finding=_("%(entry)s (%(category)s) : %(subject)s")
        % {
            "entry": complaint,
            "category": complaint.get_category_display(),
            "subject": complaint.subject,
        },
        source=complaint,
        source_label=str(complaint),
        programme=complaint.session.programme if complaint.session is not None else None,
        cause_analysis=complaint.cause,
    )
    return action.reference, reverse("improvement:detail", args=[action.pk])
