"""Pages of the follow-up: the procedure (read, edit a draft, validate, PDF), the cases
(list, detail, open, steps, reassign, close), their calls, meetings and measures, the
follow-up officer's dashboard, an enrolment's follow-up (tutor link, liaison sheets,
dropout record), the dropout statistics, and the tutor's page reached by their personal
link (the only page here without a login)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
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
from parcours.followup import liaison, pdf, selectors, services
from parcours.followup.forms import (
    CallForm,
    CancelMeetingForm,
    CaseFilterForm,
    CaseOpenForm,
    ChangeNoteForm,
    CloseForm,
    DropoutForm,
    LiaisonSheetForm,
    MeasureForm,
    MeetingForm,
    ReassignForm,
    ReportForm,
    RescheduleForm,
    ReviewForm,
    StatsFilterForm,
    StepDoneForm,
    StepFormSet,
    TriggerForm,
)
from parcours.followup.models import (
    CaseStep,
    Dropout,
    FollowupCase,
    LiaisonSheet,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Outcome,
    ProcedureStep,
    ProcedureVersion,
    StepStatus,
    Trigger,
)
from parcours.learners.models import ENDED_STATUSES, Enrolment
from parcours.lib import exports
from parcours.messaging.selectors import messages_for, status_label

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


# Interactions: calls, meetings and their reports, measures


def _meeting(request: HttpRequest, pk: int, capability: str = VIEW) -> Meeting:
    return get_scoped(
        request.user,
        Meeting.objects.select_related(
            "case__enrolment__learner", "case__enrolment__session", "tutor", "report_by"
        ),
        capability,
        pk=pk,
    )


@capability_required(WORK)
@require_POST
def call_log(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, WORK)
    form = CallForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    _attempt(
        request,
        lambda: services.log_call(case, acting_user=_me(request), **form.cleaned_data),
        _("Appel enregistré."),
    )
    return redirect(case)


@capability_required(WORK)
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, WORK)
    form = MeasureForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(case)
    _attempt(
        request,
        lambda: services.record_measure(case, acting_user=_me(request), **form.cleaned_data),
        _("Mesure enregistrée."),
    )
    return redirect(case)


@capability_required(WORK)
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, WORK)
    if not case.is_open:
        return redirect(case)
    me = _me(request)
    form = MeetingForm(
        request.POST or None,
        organisation=case.organisation,
        initial={"staff": [case.assigned_to_id or me.pk]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.schedule_meeting(case, acting_user=me, **form.cleaned_data)
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
    meeting = _meeting(request, pk)
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
                {name: getattr(review, name) for name in services.REVIEW_FIELDS} if review else {}
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
    meeting = _meeting(request, pk, WORK)
    if form_class is ReportForm and meeting.kind == MeetingKind.REVIEW:
        form_class, write = ReviewForm, services.write_review
    form = form_class(request.POST)
    if form.is_valid():
        try:
            write(meeting, acting_user=_me(request), **form.cleaned_data)
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
        services.write_report,
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
        services.reschedule_meeting,
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
        services.cancel_meeting,
        _("Rendez-vous annulé : l'annulation est envoyée."),
        "cancel_form",
    )


# The enrolment's follow-up: tutor link, liaison sheets, dropout


def _enrolment(request: HttpRequest, pk: int, capability: str = VIEW) -> Enrolment:
    return get_scoped(
        request.user,
        Enrolment.objects.select_related("learner", "session", "organisation", "tutor__employer"),
        capability,
        pk=pk,
    )


@capability_required(VIEW)
def enrolment_followup(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
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
    enrolment = _enrolment(request, pk, WORK)
    _attempt(
        request,
        lambda: services.send_tutor_link(enrolment, acting_user=_me(request)),
        _("Le lien personnel de la fiche de liaison est envoyé au tuteur."),
    )
    return redirect("followup:enrolment_followup", pk=enrolment.pk)


@capability_required(VIEW)
def liaison_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_scoped(
        request.user,
        LiaisonSheet.objects.select_related(
            "enrolment__learner", "enrolment__session", "tutor", "case"
        ),
        pk=pk,
    )
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
            services.submit_liaison_sheet(enrolment, tutor, **form.cleaned_data)
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


@capability_required(WORK)
def dropout_record(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk, WORK)
    if Dropout.objects.filter(enrolment=enrolment).exists():
        return redirect("followup:enrolment_followup", pk=enrolment.pk)
    case = None
    case_pk = request.GET.get("dossier", "")
    if case_pk.isdigit():
        case = FollowupCase.objects.filter(
            pk=int(case_pk), enrolment=enrolment, organisation=enrolment.organisation
        ).first()
    form = DropoutForm(
        request.POST or None,
        initial={
            "on": timezone.localdate(),
            "actions_before": selectors.actions_before(enrolment),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_dropout(
                enrolment, acting_user=_me(request), case=case, **form.cleaned_data
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Abandon enregistré ; l'inscription est close."))
            return redirect("followup:enrolment_followup", pk=enrolment.pk)
    return render(
        request,
        "followup/dropout_record.html",
        {"enrolment": enrolment, "form": form, "case": case},
    )


@capability_required(VIEW)
def dropout_stats(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    filters = StatsFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    end = cleaned.get("end") or today
    start = cleaned.get("start") or dt.date(end.year - 1, end.month, 1)
    if start > end:
        start, end = end, start
    stats = selectors.dropout_stats(organisation, start, end, cleaned.get("period") or "mois")
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        return exports.table_response(
            fmt,
            f"abandons-{start.isoformat()}-{end.isoformat()}",
            ["axe", "valeur", "inscriptions", "abandons", "taux"],
            (
                [section, row.label, row.enrolments, row.dropouts, _one_decimal(row.rate)]
                for section, rows in stats.sections()
                for row in rows
            ),
            sheet=_("Abandons"),
        )
    query = request.GET.copy()
    query["format"] = "csv"
    xlsx_query = request.GET.copy()
    xlsx_query["format"] = "xlsx"
    return render(
        request,
        "followup/dropout_stats.html",
        {
            "stats": stats,
            "filters": filters,
            "csv_query": query.urlencode(),
            "xlsx_query": xlsx_query.urlencode(),
        },
    )


def _one_decimal(rate: Any) -> Decimal | None:
    return None if rate is None else Decimal(f"{rate:.1f}")


# Helpers


def _me(request: HttpRequest) -> User:
    return crud.acting_user(request)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    """A form posted from a section of another page: its errors shown as messages."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else str(error))


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
