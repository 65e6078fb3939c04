"""The procedure's pages: read, edit a draft, validate, PDF."""

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
    organisation_for,
)
from parcours.followup import pdf, selectors
from parcours.followup.access import (
    EDIT,
    VALIDATE,
    VIEW,
    get_trigger_for_user,
    get_version_for_user,
)
from parcours.followup.forms import (
    ChangeNoteForm,
    StepFormSet,
    TriggerForm,
)
from parcours.followup.models import (
    ProcedureStep,
    ProcedureVersion,
)
from parcours.followup.services import procedure as procedure_services
from parcours.followup.views.common import attempt, me, pdf_response


@capability_required(VIEW)
def procedure(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    procedure_services.ensure_default_procedure(organisation)
    published = procedure_services.published_version(organisation)
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
    draft = procedure_services.start_draft(
        organisation_for(request.user, EDIT), acting_user=me(request)
    )
    return redirect(draft)


@capability_required(VIEW)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
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
    version = get_version_for_user(request.user, pk, EDIT)
    form = ChangeNoteForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: procedure_services.update_draft(
                version, acting_user=me(request), change_note=form.cleaned_data["change_note"]
            ),
            _("Nature des modifications enregistrée."),
        )
    return redirect(version)


@capability_required(EDIT)
@require_POST
def trigger_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk, EDIT)
    form = TriggerForm(request.POST)
    if form.is_valid():
        trigger = attempt(
            request,
            lambda: procedure_services.add_trigger(
                version,
                acting_user=me(request),
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
    values = {
        name: getattr(step, name) for name in procedure_services.STEP_FIELDS if name != "order"
    }
    values["optional"] = not values.pop("mandatory")
    return values


@capability_required(EDIT)
def trigger_edit(request: HttpRequest, pk: int) -> HttpResponse:
    trigger = get_trigger_for_user(request.user, pk)
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
            procedure_services.save_trigger(
                trigger,
                acting_user=me(request),
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
    trigger = get_trigger_for_user(request.user, pk)
    version = trigger.version
    attempt(
        request,
        lambda: procedure_services.delete_trigger(trigger, acting_user=me(request)),
        _("Déclencheur supprimé."),
    )
    return redirect(version)


@capability_required(EDIT)
@require_POST
def version_discard(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk, EDIT)
    attempt(
        request,
        lambda: procedure_services.discard_draft(version, acting_user=me(request)),
        _("Brouillon abandonné."),
    )
    return redirect("followup:procedure")


@capability_required(VALIDATE)
@require_POST
def version_validate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk, VALIDATE)
    done = attempt(
        request,
        lambda: procedure_services.validate_version(version, acting_user=me(request)),
        _("Procédure validée et publiée ; la version précédente est archivée."),
    )
    return redirect("followup:procedure" if done else version.get_absolute_url())


@capability_required(VIEW)
def procedure_pdf(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    procedure_services.ensure_default_procedure(organisation)
    version = procedure_services.published_version(organisation)
    if version is None:
        raise Http404
    return _version_pdf(version)


@capability_required(VIEW)
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_pdf(get_version_for_user(request.user, pk))


def _version_pdf(version: ProcedureVersion) -> HttpResponse:
    content = pdf.procedure_document(version, generated_at=timezone.now())
    return pdf_response(content, f"procedure-prevention-abandons-v{version.number}.pdf")
