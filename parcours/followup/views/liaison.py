"""An enrolment's follow-up (tutor link, liaison sheets), and the tutor's page reached by
their personal link (no login).
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from parcours.core import crud
from parcours.core.access import (
    can,
    capability_required,
)
from parcours.followup import liaison, selectors
from parcours.followup.access import (
    VIEW,
    WORK,
    get_enrolment_for_user,
    get_liaison_sheet_for_user,
)
from parcours.followup.forms import (
    LiaisonSheetForm,
)
from parcours.followup.models import (
    Dropout,
    FollowupCase,
)
from parcours.followup.services import liaison as liaison_services
from parcours.followup.views.common import attempt, me
from parcours.learners.models import ENDED_STATUSES


@capability_required(VIEW)
def enrolment_followup(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_user(request.user, pk)
    return render(
        request,
        "followup/enrolment_followup.html",
        {
            "enrolment": enrolment,
            "cases": selectors.cases(FollowupCase.objects.filter(enrolment=enrolment)),
            "sheets": enrolment.liaison_sheets.select_related("tutor", "case"),
            "dropout": Dropout.objects.filter(enrolment=enrolment).first(),
            "may_work": can(request.user, WORK),
            "ended": enrolment.status in ENDED_STATUSES,
        },
    )


@capability_required(WORK)
@require_POST
def tutor_link_send(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_user(request.user, pk, WORK)
    attempt(
        request,
        lambda: liaison_services.send_tutor_link(enrolment, acting_user=me(request)),
        _("Le lien personnel de la fiche de liaison est envoyé au tuteur."),
    )
    return redirect("followup:enrolment_followup", pk=enrolment.pk)


@capability_required(VIEW)
def liaison_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_liaison_sheet_for_user(request.user, pk)
    return render(request, "followup/liaison_sheet.html", {"sheet": sheet})


@never_cache
def tutor_sheet(request: HttpRequest, token: str) -> HttpResponse:
    """The tutor's form, reached by their personal link, without an account."""
    try:
        enrolment, tutor = liaison.read_link(token)
    except liaison.Refused as refusal:
        return render(
            request, "followup/tutor_refused.html", {"message": refusal.message}, status=403
        )
    form = LiaisonSheetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            liaison_services.submit_liaison_sheet(enrolment, tutor, **form.cleaned_data)
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return render(
                request,
                "followup/tutor_sheet_done.html",
                {"enrolment": enrolment, "tutor": tutor, "alert": form.cleaned_data["alert"]},
            )
    return render(
        request,
        "followup/tutor_sheet.html",
        {"enrolment": enrolment, "tutor": tutor, "form": form},
    )
