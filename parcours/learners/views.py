"""Back office pages for learners (apprenants) and enrolments (inscriptions)."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
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
    AdaptationFilters,
    AdaptationMeasureForm,
    AdaptationSheetForm,
    AttestationForm,
    EnrolmentCreateForm,
    EnrolmentFilters,
    EnrolmentForm,
    LearnerFilters,
    LearnerForm,
    TransitionForm,
)
from parcours.learners.models import (
    TRANSITIONS,
    AdaptationSheet,
    Enrolment,
    EnrolmentStatus,
    Learner,
)

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
            "adaptations": selectors.sheet_rows(
                selectors.sheet_access(request.user).sheets.filter(enrolment__learner=learner)
            ),
            "today": timezone.localdate(),
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
            if status == EnrolmentStatus.ABANDON:
                continue  # recorded on the follow-up's dropout form (see the template)
            if failed is not None and failed.data.get("status") == status:
                form, failed = failed, None
            else:
                form = TransitionForm(status=status)
            actions.append({"status": status, "label": label, "form": form})
    sheets = selectors.sheet_access(request.user).sheets
    sheet = sheets.filter(enrolment=enrolment).only("pk").first()
    return render(
        request,
        "learners/enrolment_detail.html",
        # An action no longer offered (the status moved meanwhile): its errors on top.
        {
            "enrolment": enrolment,
            "actions": actions,
            "refused": failed,
            "may_record_dropout": can(request.user, EDIT)
            and EnrolmentStatus.ABANDON in TRANSITIONS[enrolment.status],
            "adaptation_sheet": sheet,
            "may_open_sheet": enrolment.learner.disability
            and not AdaptationSheet.objects.filter(enrolment=enrolment).exists()
            and selectors.follows_enrolment(request.user, enrolment),
        },
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


# Disability (PSH) adaptation sheets. Who reaches which sheet is decided in one place,
# `selectors.sheet_access`; these views only parse, call a service and render.

REVIEW_NOTICE = dt.timedelta(days=14)  # a review this close (or past) is listed as due
SHEET_SORTS = {
    "apprenant": ["enrolment__learner__last_name", "enrolment__learner__first_name"],
    "revue": ["next_review_on"],
}


@capability_required("records.view")
def adaptation_list(request: HttpRequest) -> HttpResponse:
    access = selectors.sheet_access(request.user)
    filters = AdaptationFilters(request.GET, organisation=organisation_for(request.user))
    criteria = filters.criteria()
    rows = selectors.sheet_rows(access.sheets)
    for word in criteria.get("q", "").split():
        rows = rows.filter(
            Q(enrolment__learner__last_name__icontains=word)
            | Q(enrolment__learner__first_name__icontains=word)
        )
    review_by = timezone.localdate() + REVIEW_NOTICE
    if criteria.get("due"):
        rows = selectors.reviews_due(rows, review_by)
    context = crud.list_context(request, rows, filters, sorts=SHEET_SORTS, default_sort="revue")
    context["review_by"] = review_by
    return render(request, "learners/adaptation_list.html", context)


@capability_required(EDIT)
def adaptation_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The enrolment's sheet: shown if it exists, else the form that opens it."""
    enrolment = get_scoped(request.user, _enrolment_queryset(), EDIT, pk=pk)
    existing = AdaptationSheet.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return redirect(existing)
    if not selectors.follows_enrolment(request.user, enrolment):
        raise PermissionDenied
    user = crud.acting_user(request)
    previous = (
        AdaptationSheet.objects.filter(enrolment__learner=enrolment.learner)
        .order_by("-created_at")
        .first()
    )
    initial: dict[str, Any] = {"referent": user.pk}
    if previous is not None:  # the needs are the learner's: start from the last sheet
        initial.update(
            needs=previous.needs,
            need_categories=previous.need_categories,
            referent=previous.referent_id,
            consent_on=previous.consent_on,
        )
    return crud.form_page(
        request,
        AdaptationSheetForm(
            request.POST or None, organisation=enrolment.organisation, initial=initial
        ),
        lambda data: services.create_adaptation_sheet(enrolment, acting_user=user, **data),
        success=_("Fiche d'adaptation créée."),
        heading=_("Fiche d'adaptation — %(name)s") % {"name": enrolment.learner.full_name},
        cancel_url=enrolment.get_absolute_url(),
    )


@capability_required("records.view")
def adaptation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = selectors.sheet_access(request.user)
    sheet = selectors.get_sheet_for_user(request.user, pk)
    return render(
        request,
        "learners/adaptation_detail.html",
        {
            "sheet": sheet,
            "measures": selectors.sheet_measures(sheet),
            "sees_needs": access.sees_needs,
            "can_edit": access.can_edit,
            "review_due": sheet.review_due(timezone.localdate()),
            "attest_form": AttestationForm(),
        },
    )


@capability_required(EDIT)
def adaptation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = selectors.get_sheet_for_user(request.user, pk, edit=True)
    user = crud.acting_user(request)
    initial = {
        "needs": sheet.needs,
        "need_categories": sheet.need_categories,
        "referent": sheet.referent_id,
        "next_review_on": sheet.next_review_on,
        "consent_on": sheet.consent_on,
    }
    return crud.form_page(
        request,
        AdaptationSheetForm(
            request.POST or None, organisation=sheet.enrolment.organisation, initial=initial
        ),
        lambda data: services.update_adaptation_sheet(sheet, acting_user=user, **data),
        success=_("Fiche d'adaptation enregistrée."),
        heading=_("Modifier la fiche d'adaptation"),
        cancel_url=sheet.get_absolute_url(),
    )


@capability_required(EDIT)
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = selectors.get_sheet_for_user(request.user, pk, edit=True)
    user = crud.acting_user(request)

    def save(data: dict[str, Any]) -> AdaptationSheet:
        services.add_measure(sheet, acting_user=user, **data)
        return sheet

    return crud.form_page(
        request,
        AdaptationMeasureForm(
            request.POST or None,
            organisation=sheet.enrolment.organisation,
            initial={"responsible": user.pk},
        ),
        save,
        success=_("Mesure ajoutée."),
        heading=_("Nouvelle mesure d'adaptation"),
        cancel_url=sheet.get_absolute_url(),
    )


@capability_required(EDIT)
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    user = crud.acting_user(request)

    def save(data: dict[str, Any]) -> AdaptationSheet:
        services.update_measure(measure, acting_user=user, **data)
        return measure.sheet

    initial = {
        "kind": measure.kind,
        "description": measure.description,
        "responsible": measure.responsible_id,
        "due_on": measure.due_on,
    }
    return crud.form_page(
        request,
        AdaptationMeasureForm(
            request.POST or None, organisation=measure.sheet.enrolment.organisation, initial=initial
        ),
        save,
        success=_("Mesure enregistrée."),
        heading=_("Modifier la mesure d'adaptation"),
        cancel_url=measure.sheet.get_absolute_url(),
    )


@capability_required(EDIT)
def measure_attest(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    user = crud.acting_user(request)

    def save(data: dict[str, Any]) -> AdaptationSheet:
        services.attest_measure(measure, acting_user=user, note=data["note"])
        return measure.sheet

    return crud.form_page(
        request,
        AttestationForm(request.POST or None),
        save,
        success=_("Mise en place attestée."),
        heading=_("Attester la mise en place de la mesure"),
        cancel_url=measure.sheet.get_absolute_url(),
    )
