"""« Mon espace »: the learner's own pages (schedule and signing, adaptations, reporting).

Every page starts from the logged-in account's learner record (`learner_of_user`); the
signing pages themselves stay in attendance.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.core import crud
from parcours.core.access import membership_of
from parcours.core.models import Role
from parcours.learners import selectors as learner_selectors
from parcours.learners.access import learner_of_user
from parcours.learners.models import AdaptationSheet, Learner
from parcours.portal.sections import blocks_for
from parcours.safeguarding import services as safeguarding_services
from parcours.safeguarding.access import member_required
from parcours.safeguarding.forms import PortalReportForm, ReportForm
from parcours.safeguarding.models import Channel, Report
from parcours.safeguarding.views import report_page


def _learner(request: HttpRequest) -> Learner:
    learner = learner_of_user(request.user)
    if learner is None:
        raise PermissionDenied
    return learner


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """« Mon espace »: one block per registered section (see `portal.sections`)."""
    learner = _learner(request)
    now = timezone.now()
    return render(
        request,
        "portal/home.html",
        {
            "learner": learner,
            "now": now,
            "blocks": [
                render_to_string(block.template, block.context)
                for block in blocks_for(learner, now)
            ],
        },
    )


def learner_home(request: HttpRequest) -> HttpResponse | None:
    """The site's home page for a learner account linked to a learner record."""
    if not hasattr(request.user, "learner"):
        return None
    return home(request)


@login_required
def adaptations(request: HttpRequest) -> HttpResponse:
    """The learner reads their own adaptation sheets (never edits them)."""
    learner = _learner(request)
    sheets = learner_selectors.sheet_rows(
        AdaptationSheet.objects.filter(enrolment__learner=learner)
    )
    return render(
        request,
        "portal/adaptations.html",
        {
            "learner": learner,
            "sheets": [(sheet, learner_selectors.sheet_measures(sheet)) for sheet in sheets],
        },
    )


@member_required
def report(request: HttpRequest) -> HttpResponse:
    """A report of violence, harassment or discrimination: linked to the learner unless
    they tick « anonyme »."""
    membership = membership_of(request.user)
    if membership is None or membership.role != Role.APPRENANT:
        raise PermissionDenied
    organisation = membership.organisation
    me = crud.acting_user(request)
    learner = learner_of_user(me)
    form = PortalReportForm(request.POST or None)

    def submit(f: ReportForm) -> tuple[Report, str]:
        return safeguarding_services.submit_report(
            organisation,
            f.facts(),
            channel=Channel.PORTAL,
            anonymous=f.cleaned_data["anonymous"],
            reporter_user=me,
            reporter_learner=learner,
        )

    return report_page(request, organisation, form, submit, public=False)
