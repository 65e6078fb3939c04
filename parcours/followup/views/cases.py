"""The cases' pages: list, detail, open (or join), steps, reassign, close; the dashboard."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud
from parcours.core.access import (
    can,
    capability_required,
    membership_of,
    organisation_for,
    scoped,
)
from parcours.followup import selectors
from parcours.followup.access import (
    VIEW,
    WORK,
    get_case_for_user,
    get_enrolment_for_user,
    get_step_for_user,
)
from parcours.followup.forms import (
    CallForm,
    CaseFilterForm,
    CaseOpenForm,
    CloseForm,
    MeasureForm,
    ReassignForm,
    StepDoneForm,
)
from parcours.followup.models import (
    Dropout,
    FollowupCase,
    Outcome,
    StepStatus,
)
from parcours.followup.services import cases as case_services
from parcours.followup.services import steps as step_services
from parcours.followup.views.common import attempt, me
from parcours.learners.models import ENDED_STATUSES
from parcours.messaging.selectors import status_label


@capability_required(VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    filters = CaseFilterForm(request.GET or None, organisation=organisation)
    criteria = filters.criteria()
    queryset = selectors.cases(
        scoped(request.user, FollowupCase.objects.all()),
        status=criteria.get("status", ""),
        assigned_to=criteria.get("assigned_to"),
    )
    enrolment_pk = request.GET.get("inscription", "")
    if enrolment_pk.isdigit():
        queryset = queryset.filter(enrolment_id=int(enrolment_pk))
    context = crud.list_context(
        request,
        queryset,
        filters,  # type: ignore[arg-type]
        sorts={"ouvert": ["opened_at"], "apprenant": ["enrolment__learner__last_name"]},
        default_sort="-ouvert",
    )
    return render(request, "followup/case_list.html", context)


@capability_required(VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    steps = list(case.steps.select_related("assigned_to", "done_by").order_by("order", "pk"))
    meetings = list(case.meetings.prefetch_related("staff").select_related("tutor"))
    may_work = case.is_open and can(request.user, WORK)
    now = timezone.localtime().replace(second=0, microsecond=0)
    return render(
        request,
        "followup/case_detail.html",
        {
            "case": case,
            "steps": steps,
            "today": timezone.localdate(),
            "deliveries": selectors.delivery_status(steps),
            "calls": case.calls.select_related("created_by"),
            "meetings": meetings,
            "measures": case.measures.all(),
            "signals": case.signals.all(),
            "sheets": case.liaison_sheets.select_related("tutor"),
            "emails": [(m, status_label(m)) for m in selectors.case_messages(case, meetings)],
            "may_work": may_work,
            # Closed on a dropout not recorded yet: the page offers to record it.
            "dropout_to_record": case.outcome == Outcome.DROPOUT
            and can(request.user, WORK)
            and not Dropout.objects.filter(enrolment_id=case.enrolment_id).exists(),
            "call_form": CallForm(initial={"called_at": now}) if may_work else None,
            "measure_form": MeasureForm(initial={"on": now.date()}) if may_work else None,
            "done_form": StepDoneForm() if may_work else None,
            "reassign_form": ReassignForm(
                organisation=case.organisation, initial={"assigned_to": case.assigned_to_id}
            )
            if may_work
            else None,
        },
    )


@capability_required(WORK)
def case_open(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_user(request.user, pk, WORK)
    form = CaseOpenForm(request.POST or None)
    already_open = case_services.open_case_of(enrolment)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.open_case(
                enrolment,
                trigger_kind=form.cleaned_data["trigger_kind"],
                reason=form.cleaned_data["reason"],
                acting_user=me(request),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            if already_open is not None and case.pk == already_open.pk:
                messages.success(
                    request,
                    _("Motif rattaché au dossier de suivi déjà ouvert (n° %(pk)s).")
                    % {"pk": case.pk},
                )
            else:
                messages.success(request, _("Dossier de suivi ouvert."))
            return redirect(case)
    return render(
        request,
        "followup/case_open.html",
        {"enrolment": enrolment, "form": form, "already_open": already_open},
    )


@capability_required(WORK)
@require_POST
def step_done(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_step_for_user(request.user, pk)
    form = StepDoneForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: step_services.complete_step(
                step, acting_user=me(request), note=form.cleaned_data["note"]
            ),
            _("Étape enregistrée comme faite."),
        )
    else:
        messages.error(request, _("Indiquez le compte rendu de l'action menée."))
    return redirect(step.case)


@capability_required(WORK)
@require_POST
def case_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, WORK)
    form = ReassignForm(request.POST, organisation=case.organisation)
    if form.is_valid():
        attempt(
            request,
            lambda: case_services.reassign_case(
                case, acting_user=me(request), assigned_to=form.cleaned_data["assigned_to"]
            ),
            _("Dossier réattribué."),
        )
    else:
        messages.error(request, _("Choix inconnu dans cette organisation."))
    return redirect(case)


@capability_required(WORK)
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, WORK)
    if not case.is_open:
        return redirect(case)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_services.close_case(
                case,
                acting_user=me(request),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                forced_reason=form.cleaned_data["forced_reason"],
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Dossier clos."))
            enrolment = case.enrolment
            if (
                form.cleaned_data["outcome"] == Outcome.DROPOUT
                and enrolment.status not in ENDED_STATUSES
                and not Dropout.objects.filter(enrolment=enrolment).exists()
            ):
                messages.info(
                    request, _("Dossier clos sur un abandon : enregistrez l'abandon ci-dessous.")
                )
                url = reverse("followup:dropout_record", args=[enrolment.pk])
                return redirect(f"{url}?dossier={case.pk}")
            return redirect(case)
    open_steps = case.steps.filter(status=StepStatus.TODO).order_by("order")
    return render(
        request, "followup/case_close.html", {"case": case, "form": form, "open_steps": open_steps}
    )


@capability_required(WORK)
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    assert membership is not None  # noqa: S101 (capability_required checked it)
    today = timezone.localdate()
    return render(
        request,
        "followup/dashboard.html",
        {
            "today": today,
            "board": selectors.dashboard(
                membership.organisation, request.user, membership.role, today
            ),
        },
    )
