"""Back office pages for learners (apprenants) and enrolments (inscriptions)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core import crud
from parcours.core.access import can, capability_required, get_scoped, organisation_for, scoped
from parcours.learners import selectors, services
from parcours.learners.forms import (
    ENROLMENT_DETAILS,
    EnrolmentCreateForm,
    EnrolmentFilters,
    EnrolmentForm,
    LearnerFilters,
    LearnerForm,
    TransitionForm,
)
from parcours.learners.models import TRANSITIONS, Enrolment, EnrolmentStatus, Learner

EDIT = "records.edit"
LEARNER_SORTS = {
    "nom": ["last_name", "first_name"],
    "date": ["created_at"],
    "inscriptions": ["enrolment_count"],
}
ENROLMENT_SORTS = {
    "apprenant": ["learner__last_name", "learner__first_name"],
    "session": ["session__title"],
    "date": ["enrolled_on"],
    "sortie": ["ended_on"],
}
# The lifecycle actions offered on an enrolment's page, in this order.
ACTIONS = {
    EnrolmentStatus.EN_COURS: gettext_lazy("Démarrer la formation"),
    EnrolmentStatus.TERMINE: gettext_lazy("Terminer"),
    EnrolmentStatus.ABANDON: gettext_lazy("Déclarer un abandon"),
}


# Learners


@capability_required("records.view")
def learner_list(request: HttpRequest) -> HttpResponse:
    filters = LearnerFilters(request.GET, organisation=organisation_for(request.user))
    rows = selectors.learners(scoped(request.user, Learner.objects.all()), **filters.criteria())
    context = crud.list_context(request, rows, filters, sorts=LEARNER_SORTS, default_sort="nom")
    return render(request, "learners/learner_list.html", context)


@capability_required("records.view")
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_scoped(request.user, Learner.objects.select_related("employer"), pk=pk)
    return render(
        request,
        "learners/learner_detail.html",
        {
            "learner": learner,
            "enrolments": selectors.learner_enrolments(learner),
            "timeline": selectors.timeline(learner, request.user),
        },
    )


@capability_required(EDIT)
def learner_create(request: HttpRequest) -> HttpResponse:
    organisation, user = organisation_for(request.user, EDIT), crud.acting_user(request)
    return crud.form_page(
        request,
        LearnerForm(request.POST or None, organisation=organisation),
        lambda data: services.create_learner(organisation, acting_user=user, **data),
        success=_("Apprenant créé."),
        heading=_("Nouvel apprenant"),
        cancel_url=reverse("learners:learner_list"),
    )


@capability_required(EDIT)
def learner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_scoped(request.user, Learner.objects.all(), EDIT, pk=pk)
    user = crud.acting_user(request)
    return crud.form_page(
        request,
        LearnerForm(request.POST or None, instance=learner, organisation=learner.organisation),
        lambda data: services.update_learner(learner, acting_user=user, **data),
        success=_("Apprenant enregistré."),
        heading=_("Modifier l'apprenant"),
        cancel_url=learner.get_absolute_url(),
    )


# Enrolments


@capability_required("records.view")
def enrolment_list(request: HttpRequest) -> HttpResponse:
    filters = EnrolmentFilters(request.GET, organisation=organisation_for(request.user))
    rows = selectors.enrolments(scoped(request.user, Enrolment.objects.all()), **filters.criteria())
    context = crud.list_context(request, rows, filters, sorts=ENROLMENT_SORTS, default_sort="-date")
    return render(request, "learners/enrolment_list.html", context)


def _enrolment_page(
    request: HttpRequest, enrolment: Enrolment, failed: TransitionForm | None = None
) -> HttpResponse:
    """The enrolment's page; `failed` is a lifecycle action refused, shown with its errors."""
    actions = []
    if can(request.user, EDIT):
        for status, label in ACTIONS.items():
            if status not in TRANSITIONS[enrolment.status]:
                continue
            if failed is not None and failed.data.get("status") == status:
                form, failed = failed, None
            else:
                form = TransitionForm(status=status)
            actions.append({"status": status, "label": label, "form": form})
    return render(
        request,
        "learners/enrolment_detail.html",
        # An action no longer offered (the status moved meanwhile): its errors on top.
        {"enrolment": enrolment, "actions": actions, "refused": failed},
    )


@capability_required("records.view")
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_scoped(request.user, _enrolment_queryset(), pk=pk)
    return _enrolment_page(request, enrolment)


@capability_required(EDIT)
def enrolment_transition(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_scoped(request.user, _enrolment_queryset(), EDIT, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = TransitionForm(request.POST, status=request.POST.get("status", ""))
    if form.is_valid():
        try:
            services.change_status(
                enrolment,
                form.cleaned_data["status"],
                acting_user=crud.acting_user(request),
                on=form.cleaned_data["on"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            label = EnrolmentStatus(form.cleaned_data["status"]).label
            messages.success(request, _("Statut passé à « %(status)s ».") % {"status": label})
            return redirect(enrolment)
    return _enrolment_page(request, enrolment, failed=form)


@capability_required(EDIT)
def enrolment_create(request: HttpRequest) -> HttpResponse:
    organisation, user = organisation_for(request.user, EDIT), crud.acting_user(request)
    # Prefilled from the learner's or the session's page.
    initial = {
        "learner": request.GET.get("learner"),
        "session": request.GET.get("session"),
        "enrolled_on": timezone.localdate(),
    }

    def save(data: dict[str, Any]) -> Enrolment:
        details = {name: data[name] for name in ENROLMENT_DETAILS}
        return services.enrol(data["learner"], data["session"], acting_user=user, **details)

    return crud.form_page(
        request,
        EnrolmentCreateForm(request.POST or None, organisation=organisation, initial=initial),
        save,
        success=_("Inscription enregistrée."),
        heading=_("Nouvelle inscription"),
        cancel_url=reverse("learners:enrolment_list"),
    )


@capability_required(EDIT)
def enrolment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_scoped(request.user, _enrolment_queryset(), EDIT, pk=pk)
    user = crud.acting_user(request)
    return crud.form_page(
        request,
        EnrolmentForm(
            request.POST or None, instance=enrolment, organisation=enrolment.organisation
        ),
        lambda data: services.update_enrolment(enrolment, acting_user=user, **data),
        success=_("Inscription enregistrée."),
        heading=_("Modifier l'inscription"),
        cancel_url=enrolment.get_absolute_url(),
    )


def _enrolment_queryset() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related(
        "learner", "session__programme", "funder", "employer", "tutor__employer"
    )
