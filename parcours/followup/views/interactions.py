"""Calls, meetings (and their reports) and measures, on a case."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud
from parcours.core.access import (
    can,
    capability_required,
)
from parcours.followup.access import (
    VIEW,
    WORK,
    get_case_for_user,
    get_meeting_for_user,
)
from parcours.followup.forms import (
    CallForm,
    CancelMeetingForm,
    MeasureForm,
    MeetingForm,
    ReportForm,
    RescheduleForm,
    ReviewForm,
)
from parcours.followup.models import (
    MeetingKind,
    MeetingStatus,
)
from parcours.followup.services import interactions as interaction_services
from parcours.followup.views.common import attempt, form_errors, me
from parcours.messaging.selectors import messages_for, status_label


@capability_required(WORK)
@require_POST
def call_log(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, WORK)
    form = CallForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(case)
    attempt(
        request,
        lambda: interaction_services.log_call(case, acting_user=me(request), **form.cleaned_data),
        _("Appel enregistré."),
    )
    return redirect(case)


@capability_required(WORK)
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, WORK)
    form = MeasureForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(case)
    attempt(
        request,
        lambda: interaction_services.record_measure(
            case, acting_user=me(request), **form.cleaned_data
        ),
        _("Mesure enregistrée."),
    )
    return redirect(case)


@capability_required(WORK)
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, WORK)
    if not case.is_open:
        return redirect(case)
    acting = me(request)
    form = MeetingForm(
        request.POST or None,
        organisation=case.organisation,
        initial={"staff": [case.assigned_to_id or acting.pk]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = interaction_services.schedule_meeting(
                case, acting_user=acting, **form.cleaned_data
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Rendez-vous planifié : les invitations sont envoyées."))
            return redirect("followup:meeting_detail", pk=meeting.pk)
    return render(request, "followup/meeting_schedule.html", {"case": case, "form": form})


@capability_required(VIEW)
def meeting_detail(
    request: HttpRequest, pk: int, forms_: dict[str, Any] | None = None
) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    may_work = can(request.user, WORK) and meeting.status != MeetingStatus.CANCELLED
    review = getattr(meeting, "review", None)
    context: dict[str, Any] = {
        "meeting": meeting,
        "case": meeting.case,
        "review": review,
        "invited": meeting.staff.all(),
        "emails": [
            (m, status_label(m))
            for m in messages_for(meeting.related_key, organisation_id=meeting.organisation_id)
        ],
        "may_work": may_work,
        "is_past": meeting.starts_at <= timezone.now(),
    }
    if may_work:
        local = timezone.localtime(meeting.starts_at)
        context["reschedule_form"] = RescheduleForm(
            initial={
                "starts_at": local,
                "duration_minutes": meeting.duration_minutes,
                "place": meeting.place,
            }
        )
        context["cancel_form"] = CancelMeetingForm()
        if meeting.kind == MeetingKind.REVIEW:
            initial = (
                {name: getattr(review, name) for name in interaction_services.REVIEW_FIELDS}
                if review
                else {}
            )
            context["report_form"] = ReviewForm(initial=initial)
        else:
            context["report_form"] = ReportForm(initial={"report": meeting.report})
    context.update(forms_ or {})
    status = 400 if forms_ else 200
    return render(request, "followup/meeting_detail.html", context, status=status)


def _meeting_write(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    write: Any,
    success: str,
    form_key: str,
) -> HttpResponse:
    """A form posted from the meeting's page: the service call, then back to the page
    (with the form and its errors when refused)."""
    meeting = get_meeting_for_user(request.user, pk, WORK)
    if form_class is ReportForm and meeting.kind == MeetingKind.REVIEW:
        form_class, write = ReviewForm, interaction_services.write_review
    form = form_class(request.POST)
    if form.is_valid():
        try:
            write(meeting, acting_user=me(request), **form.cleaned_data)
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("followup:meeting_detail", pk=meeting.pk)
    return meeting_detail(request, meeting.pk, {form_key: form})


@capability_required(WORK)
@require_POST
def meeting_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report; for an intermediate review, its structured form."""
    return _meeting_write(
        request,
        pk,
        ReportForm,
        interaction_services.write_report,
        _("Compte rendu enregistré."),
        "report_form",
    )


@capability_required(WORK)
@require_POST
def meeting_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_write(
        request,
        pk,
        RescheduleForm,
        interaction_services.reschedule_meeting,
        _("Rendez-vous déplacé : l'invitation mise à jour est envoyée."),
        "reschedule_form",
    )


@capability_required(WORK)
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_write(
        request,
        pk,
        CancelMeetingForm,
        interaction_services.cancel_meeting,
        _("Rendez-vous annulé : l'annulation est envoyée."),
        "cancel_form",
    )
