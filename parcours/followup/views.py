"""Pages of the follow-up: the procedure (read, edit a draft, validate, PDF), the cases
(list, detail, open, steps, reassign, close) and the follow-up officer's dashboard."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud
from parcours.core.access import (
    can,
    capability_required,
    get_scoped,
    membership_of,
    organisation_for,
    scoped,
)
from parcours.core.models import User
from parcours.followup import pdf, selectors, services
from parcours.followup.forms import (
    CaseFilterForm,
    CaseOpenForm,
    ChangeNoteForm,
    CloseForm,
    ReassignForm,
    StepDoneForm,
    StepFormSet,
    TriggerForm,
)
from parcours.followup.models import (
    CaseStep,
    FollowupCase,
    ProcedureStep,
    ProcedureVersion,
    StepStatus,
    Trigger,
)
from parcours.learners.models import Enrolment

VIEW = "records.view"
EDIT = "procedure.edit"
VALIDATE = "procedure.validate"
WORK = "cases.work"


def _version(request: HttpRequest, pk: int, capability: str = VIEW) -> ProcedureVersion:
    return get_scoped(
        request.user,
        ProcedureVersion.objects.select_related("procedure__organisation", "edited_by"),
        capability,
        pk=pk,
    )


def _trigger(request: HttpRequest, pk: int) -> Trigger:
    return get_scoped(request.user, Trigger.objects.select_related("version"), EDIT, pk=pk)


def _case(request: HttpRequest, pk: int, capability: str = VIEW) -> FollowupCase:
    return get_scoped(
        request.user,
        FollowupCase.objects.select_related(
            "enrolment__learner",
            "enrolment__session",
            "enrolment__organisation",
            "assigned_to",
            "opened_by",
            "closed_by",
            "procedure_version",
            "organisation",
        ),
        capability,
        pk=pk,
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# The procedure


@capability_required(VIEW)
def procedure(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    services.ensure_default_procedure(organisation)
    published = services.published_version(organisation)
    return render(
        request,
        "followup/procedure.html",
        {
            "published": published,
            "triggers": selectors.triggers_with_steps(published) if published else [],
            "draft": selectors.draft_of(organisation),
            "history": selectors.versions(organisation).order_by("-number"),
        },
    )


@capability_required(EDIT)
@require_POST
def draft_start(request: HttpRequest) -> HttpResponse:
    draft = services.start_draft(organisation_for(request.user, EDIT), acting_user=_me(request))
    return redirect(draft)


@capability_required(VIEW)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    editable = version.is_draft and can(request.user, EDIT)
    return render(
        request,
        "followup/version_detail.html",
        {
            "version": version,
            "triggers": selectors.triggers_with_steps(version),
            "editable": editable,
            "note_form": ChangeNoteForm(initial={"change_note": version.change_note})
            if editable
            else None,
            "trigger_form": TriggerForm() if editable else None,
            "can_validate": version.is_draft and can(request.user, VALIDATE),
        },
    )


@capability_required(EDIT)
@require_POST
def version_note(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, EDIT)
    form = ChangeNoteForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.update_draft(
                version, acting_user=_me(request), change_note=form.cleaned_data["change_note"]
            ),
            _("Nature des modifications enregistrée."),
        )
    return redirect(version)


@capability_required(EDIT)
@require_POST
def trigger_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, EDIT)
    form = TriggerForm(request.POST)
    if form.is_valid():
        trigger = _attempt(
            request,
            lambda: services.add_trigger(
                version,
                acting_user=_me(request),
                kind=form.cleaned_data["kind"],
                risk_level=form.cleaned_data["risk_level"] or "",
                threshold=form.cleaned_data["threshold"],
            ),
            _("Déclencheur ajouté : ajoutez-lui ses étapes."),
        )
        if trigger is not None:
            return redirect("followup:trigger_edit", pk=trigger.pk)
    return redirect(version)


def _step_initial(step: ProcedureStep) -> dict[str, Any]:
    values = {name: getattr(step, name) for name in services.STEP_FIELDS if name != "order"}
    values["optional"] = not values.pop("mandatory")
    return values


@capability_required(EDIT)
def trigger_edit(request: HttpRequest, pk: int) -> HttpResponse:
    trigger = _trigger(request, pk)
    if not trigger.version.is_draft:
        raise Http404
    initial: dict[str, Any] = {
        "kind": trigger.kind,
        "risk_level": trigger.risk_level,
        "threshold": trigger.threshold,
    }
    form = TriggerForm(request.POST or None, initial=initial)
    formset = StepFormSet(
        request.POST or None,
        initial=[_step_initial(s) for s in trigger.steps.all()],
        prefix="etapes",
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        steps = [
            f.step_values()
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.save_trigger(
                trigger,
                acting_user=_me(request),
                steps=steps,
                kind=form.cleaned_data["kind"],
                risk_level=form.cleaned_data["risk_level"] or "",
                threshold=form.cleaned_data["threshold"],
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Déclencheur enregistré."))
            return redirect(trigger.version)
    return render(
        request,
        "followup/trigger_edit.html",
        {"trigger": trigger, "form": form, "formset": formset},
    )


@capability_required(EDIT)
@require_POST
def trigger_delete(request: HttpRequest, pk: int) -> HttpResponse:
    trigger = _trigger(request, pk)
    version = trigger.version
    _attempt(
        request,
        lambda: services.delete_trigger(trigger, acting_user=_me(request)),
        _("Déclencheur supprimé."),
    )
    return redirect(version)


@capability_required(EDIT)
@require_POST
def version_discard(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, EDIT)
    _attempt(
        request,
        lambda: services.discard_draft(version, acting_user=_me(request)),
        _("Brouillon abandonné."),
    )
    return redirect("followup:procedure")


@capability_required(VALIDATE)
@require_POST
def version_validate(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, VALIDATE)
    done = _attempt(
        request,
        lambda: services.validate_version(version, acting_user=_me(request)),
        _("Procédure validée et publiée ; la version précédente est archivée."),
    )
    return redirect("followup:procedure" if done else version.get_absolute_url())


@capability_required(VIEW)
def procedure_pdf(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    services.ensure_default_procedure(organisation)
    version = services.published_version(organisation)
    if version is None:
        raise Http404
    return _version_pdf(version)


@capability_required(VIEW)
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_pdf(_version(request, pk))


def _version_pdf(version: ProcedureVersion) -> HttpResponse:
    content = pdf.procedure_document(version, generated_at=timezone.now())
    return _pdf_response(content, f"procedure-prevention-abandons-v{version.number}.pdf")


# Cases


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
    case = _case(request, pk)
    steps = list(case.steps.select_related("assigned_to", "done_by").order_by("order", "pk"))
    may_work = case.is_open and can(request.user, WORK)
    return render(
        request,
        "followup/case_detail.html",
        {
            "case": case,
            "steps": steps,
            "today": timezone.localdate(),
            "deliveries": selectors.delivery_status(steps),
            "may_work": may_work,
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
    enrolment = get_scoped(
        request.user,
        Enrolment.objects.select_related("learner", "session", "organisation"),
        WORK,
        pk=pk,
    )
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(
                enrolment,
                trigger_kind=form.cleaned_data["trigger_kind"],
                reason=form.cleaned_data["reason"],
                acting_user=_me(request),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Dossier de suivi ouvert."))
            return redirect(case)
    return render(request, "followup/case_open.html", {"enrolment": enrolment, "form": form})


@capability_required(WORK)
@require_POST
def step_done(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_scoped(request.user, CaseStep.objects.select_related("case"), WORK, pk=pk)
    form = StepDoneForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.complete_step(
                step, acting_user=_me(request), note=form.cleaned_data["note"]
            ),
            _("Étape enregistrée comme faite."),
        )
    else:
        messages.error(request, _("Indiquez le compte rendu de l'action menée."))
    return redirect(step.case)


@capability_required(WORK)
@require_POST
def case_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, WORK)
    form = ReassignForm(request.POST, organisation=case.organisation)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.reassign_case(
                case, acting_user=_me(request), assigned_to=form.cleaned_data["assigned_to"]
            ),
            _("Dossier réattribué."),
        )
    else:
        messages.error(request, _("Choix inconnu dans cette organisation."))
    return redirect(case)


@capability_required(WORK)
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, WORK)
    if not case.is_open:
        return redirect(case)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_case(
                case,
                acting_user=_me(request),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                forced_reason=form.cleaned_data["forced_reason"],
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Dossier clos."))
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


# Helpers


def _me(request: HttpRequest) -> User:
    return crud.acting_user(request)


def _attempt(request: HttpRequest, write: Any, success: str) -> Any:
    """Run a service call; show its success, or its validation errors, as messages."""
    try:
        result = write()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return None
    messages.success(request, success)
    return result if result is not None else True
