"""The complaints register's pages: thin views over access, selectors and services."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud, journal_chain
from parcours.core.access import can, require
from parcours.core.models import Organisation
from parcours.core.throttle import Limit, client_address
from parcours.feedback.complaints import access, handoff, selectors, services
from parcours.feedback.complaints import pdf as complaint_pdf
from parcours.feedback.complaints.forms import (
    AnalysisForm,
    AnswerForm,
    CloseForm,
    CodeForm,
    ComplaintForm,
    DeadlinesForm,
    DismissForm,
    FilterForm,
    ImprovementForm,
    PeriodForm,
    ProcedureForm,
    RequalifyForm,
    StaffComplaintForm,
)
from parcours.feedback.complaints.models import Complaint, ComplaintProcedure, EntryChannel
from parcours.learners.models import Learner, Tutor
from parcours.lib import exports, pdf

# A simple brake on robots, per address, counted in the shared cache (core.throttle).
SUBMISSIONS = Limit("complaints.submit", attempts=5, seconds=3600)
WRONG_CODES = Limit("complaints.code", attempts=10, seconds=900)


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _submit_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    channel: str,
    learner: Learner | None = None,
    tutor: Tutor | None = None,
    public: bool,
) -> HttpResponse:
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam() or SUBMISSIONS.hit(client_address(request)) > SUBMISSIONS.attempts:
            form.add_error(
                None, _("Envoi refusé : trop d'envois depuis cette connexion, réessayez plus tard.")
            )
        else:
            try:
                complaint, code = services.receive(
                    organisation,
                    form.facts(),
                    channel=channel,
                    attachment=form.cleaned_data.get("attachment"),
                    learner=learner,
                    tutor=tutor,
                    anonymous=public and not form.cleaned_data.get("contact_name"),
                    acting_user=None if public else crud.acting_user(request),
                )
            except ValidationError as error:
                crud.show_errors(form, error)
            else:
                context = {"complaint": complaint, "code": code, "organisation": organisation}
                return _private(render(request, "feedback/complaints/receipt.html", context))
    status = 200 if request.method == "GET" or form.is_valid() and not form.errors else 400
    context = {"form": form, "complaint_org": organisation, "public": public}
    return _private(render(request, "feedback/complaints/submit.html", context, status=status))


def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    """The public channel: no account, anonymous unless a name is given."""
    organisation = get_object_or_404(Organisation, slug=slug)
    return _submit_page(request, organisation, channel=EntryChannel.PUBLIC, public=True)


@login_required
def own_form(request: HttpRequest) -> HttpResponse:
    """The learner's (or tutor's) button in their own space."""
    membership = access.sender(request.user)
    user = crud.acting_user(request)
    learner = Learner.objects.filter(organisation=membership.organisation, user=user).first()
    tutor = Tutor.objects.filter(organisation=membership.organisation, user=user).first()
    return _submit_page(
        request,
        membership.organisation,
        channel=EntryChannel.PORTAL,
        learner=learner,
        tutor=tutor,
        public=False,
    )


@login_required
def own_list(request: HttpRequest) -> HttpResponse:
    complaints = access.own_complaints(request.user).order_by("-received_at")
    return render(request, "feedback/complaints/own_list.html", {"complaints": complaints})


def follow_up(request: HttpRequest) -> HttpResponse:
    """The complainant's view of their entry, reached with the code (posted, never in the URL)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if WRONG_CODES.exceeded(client_address(request)):
            form.add_error(None, _("Trop d'essais : réessayez dans un quart d'heure."))
        else:
            complaint = services.complaint_for_code(form.cleaned_data["code"])
            if complaint is not None:
                return _private(
                    render(request, "feedback/complaints/follow_up.html", {"complaint": complaint})
                )
            WRONG_CODES.hit(client_address(request))
            form.add_error("code", _("Code inconnu. Vérifiez-le et réessayez."))
    return _private(render(request, "feedback/complaints/follow_up_code.html", {"form": form}))


# The register (staff and auditor)


def _rows(request: HttpRequest) -> tuple[FilterForm, Any]:
    form = FilterForm(request.GET or None)
    complaints = selectors.filtered(
        access.register_for_user(request.user), form.criteria(), today=timezone.localdate()
    )
    return form, complaints


@login_required
def register(request: HttpRequest) -> HttpResponse:
    form, complaints = _rows(request)
    masked = access.masks_identity(request.user)
    complaints = complaints.select_related("learner")
    lines = [(c, selectors.identity(c, masked=masked)) for c in complaints]
    context = {
        "form": form,
        "lines": lines,
        "can_work": not masked,
        "figures": selectors.figures(access.register_for_user(request.user)),
        "query": request.GET.urlencode(),
    }
    return render(request, "feedback/complaints/register.html", context)


@login_required
def table_xlsx(request: HttpRequest) -> HttpResponse:
    _form, complaints = _rows(request)
    masked = access.masks_identity(request.user)
    return exports.xlsx_response(
        "tableau-de-suivi-des-reclamations.xlsx",
        selectors.table_header(),
        selectors.table_rows(complaints, masked=masked),
        sheet=_("Suivi des réclamations"),
    )


@login_required
def table_pdf(request: HttpRequest) -> HttpResponse:
    _form, complaints = _rows(request)
    membership = access.reader(request.user)
    masked = access.masks_identity(request.user)
    html = render_to_string(
        "feedback/complaints/table_pdf.html",
        {
            "organisation": membership.organisation,
            "header": selectors.table_header(),
            "rows": selectors.table_rows(complaints, masked=masked),
            "figures": selectors.figures(complaints),
            "today": timezone.localdate(),
        },
    )
    content = pdf.render(html, footer=journal_chain.footer(membership.organisation_id))
    return pdf.pdf_response(content, "tableau-de-suivi-des-reclamations.pdf")


@login_required
def new(request: HttpRequest) -> HttpResponse:
    membership = access.worker(request.user)
    organisation = membership.organisation
    form = StaffComplaintForm(
        request.POST or None,
        request.FILES or None,
        organisation=organisation,
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A letter or a call of that day: counted from that day, at 9:00 local time.
        received_at = timezone.make_aware(dt.datetime.combine(data["received_on"], dt.time(9)))
        try:
            complaint, _code = services.receive(
                organisation,
                form.facts(session=data.get("session"), enrolment=data.get("enrolment")),
                channel=data["channel"],
                received_at=received_at,
                attachment=data.get("attachment"),
                learner=data["enrolment"].learner if data.get("enrolment") else None,
                acting_user=crud.acting_user(request),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("feedback:complaints:detail", complaint.pk)
    status = 400 if form.errors else 200
    return render(request, "feedback/complaints/new.html", {"form": form}, status=status)


def _forms(complaint: Complaint, data: Any = None) -> dict[str, Any]:
    organisation = complaint.organisation
    return {
        "analyse": AnalysisForm(data, organisation=organisation),
        "answer": AnswerForm(data),
        "close": CloseForm(data),
        "dismiss": DismissForm(data),
        "requalify": RequalifyForm(data),
        "improve": ImprovementForm(data),
    }


def _detail(
    request: HttpRequest, complaint: Complaint, forms: dict[str, Any], status: int = 200
) -> HttpResponse:
    masked = access.masks_identity(request.user)
    context = {
        "complaint": complaint,
        "identity": selectors.identity(complaint, masked=masked),
        "masked": masked,
        "can_work": not masked,
        "forms": forms,
    }
    return render(request, "feedback/complaints/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = access.get_complaint_for_user(request.user, pk)
    return _detail(request, complaint, _forms(complaint))


# The form each transition reads ("accuser" needs none).
FORM_OF = {
    "analyser": "analyse",
    "repondre": "answer",
    "clore": "close",
    "classer": "dismiss",
    "requalifier": "requalify",
    "ameliorer": "improve",
}


def _apply(action: str, complaint: Complaint, data: dict[str, Any], user: Any) -> Complaint:
    if action == "accuser":
        return services.acknowledge(complaint, acting_user=user)
    if action == "analyser":
        return services.start_analysis(
            complaint, owner=data["owner"].user, cause=data["cause"], acting_user=user
        )
    if action == "repondre":
        return services.answer(complaint, text=data["text"], acting_user=user)
    if action == "clore":
        return services.close(
            complaint, complainant_view=data["complainant_view"], acting_user=user
        )
    if action == "classer":
        return services.dismiss(complaint, reason=data["reason"], acting_user=user)
    if action == "ameliorer":
        complaint = services.suggest_improvement(complaint, text=data["text"], acting_user=user)
        # The improvement plan, when installed, turns it into a proposed action.
        handoff.create_action(complaint, user)
        return complaint
    return services.requalify(complaint, kind=data["kind"], reason=data["reason"], acting_user=user)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action != "accuser" and action not in FORM_OF:
        raise Http404
    complaint = access.get_complaint_to_work(request.user, pk)
    forms = _forms(complaint)
    form = None
    if action in FORM_OF:
        form = forms[FORM_OF[action]] = _forms(complaint, request.POST)[FORM_OF[action]]
        if not form.is_valid():
            return _detail(request, complaint, forms, status=400)
    try:
        _apply(action, complaint, form.cleaned_data if form else {}, crud.acting_user(request))
    except ValidationError as error:
        # Shown above the entry: the form of a transition refused may not be on the page.
        forms["error"] = error.messages
        return _detail(request, complaint, forms, status=400)
    return redirect("feedback:complaints:detail", complaint.pk)


@login_required
def deadlines(request: HttpRequest) -> HttpResponse:
    """The organisation's deadlines, for the entries received from now on."""
    membership = access.manager(request.user)
    current = services.settings_for(membership.organisation)
    form = DeadlinesForm(
        request.POST or None,
        initial={"acknowledge_days": current.acknowledge_days, "answer_days": current.answer_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                membership.organisation,
                acknowledge_days=form.cleaned_data["acknowledge_days"],
                answer_days=form.cleaned_data["answer_days"],
                acting_user=crud.acting_user(request),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("feedback:complaints:register")
    status = 400 if form.errors else 200
    return render(request, "feedback/complaints/deadlines.html", {"form": form}, status=status)


# Statistics


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    """The register's figures over a period, by kind, category, programme and month."""
    complaints = access.register_for_user(request.user)
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data.get("du"), form.cleaned_data.get("au")
        else:
            complaints = complaints.none()  # a bad period shows nothing, never everything
    result = selectors.figures(selectors.in_period(complaints, start, end))
    context = {
        "form": form,
        "figures": result,
        "charts": selectors.charts(result) if result.total else [],
        "start": start,
        "end": end,
    }
    return render(
        request,
        "feedback/complaints/statistics.html",
        context,
        status=400 if form.errors else 200,
    )


# The published procedure: read by the staff and the auditor, drafted by the référent
# qualité, validated by the direction; its version in force is public (no account).


def _procedure_pdf(version: ComplaintProcedure) -> HttpResponse:
    content = complaint_pdf.procedure_document(version)
    return pdf.pdf_response(content, f"procedure-reclamations-v{version.number}.pdf")


@login_required
def procedure(request: HttpRequest) -> HttpResponse:
    organisation = access.reader(request.user).organisation
    current = services.published_procedure(organisation)
    draft = services.draft_procedure(organisation)
    can_edit, can_validate = (
        can(request.user, "procedure.edit"),
        can(request.user, "procedure.validate"),
    )
    context = {
        "complaint_org": organisation,
        "version": current,
        "blocks": selectors.procedure_blocks(current) if current else [],
        "draft": draft if can_edit or can_validate else None,
        "draft_blocks": selectors.procedure_blocks(draft) if draft else [],
        "history": selectors.procedure_history(organisation),
        "can_edit": can_edit,
        "can_validate": can_validate,
        "public": False,
    }
    return render(request, "feedback/complaints/procedure.html", context)


@login_required
def procedure_edit(request: HttpRequest) -> HttpResponse:
    """The référent qualité writes the next version (a draft, until the direction validates)."""
    organisation = require(request.user, "procedure.edit").organisation
    source = services.draft_procedure(organisation) or services.published_procedure(organisation)
    initial = {"title": source.title, "body": source.body} if source else {}
    if source is not None and source.is_draft:
        initial["change_note"] = source.change_note
    form = ProcedureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_procedure_draft(
                organisation,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                change_note=form.cleaned_data["change_note"],
                acting_user=crud.acting_user(request),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("feedback:complaints:procedure")
    status = 400 if form.errors else 200
    return render(request, "feedback/complaints/procedure_edit.html", {"form": form}, status=status)


def _draft_or_404(request: HttpRequest, capability: str) -> ComplaintProcedure:
    organisation = require(request.user, capability).organisation
    draft = services.draft_procedure(organisation)
    if draft is None:
        raise Http404
    return draft


@login_required
@require_POST
def procedure_publish(request: HttpRequest) -> HttpResponse:
    """The direction validates the draft: it is in force at once."""
    draft = _draft_or_404(request, "procedure.validate")
    try:
        services.publish_procedure(draft, acting_user=crud.acting_user(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Version %(n)d validée : elle est en vigueur.") % {"n": draft.number}
        )
    return redirect("feedback:complaints:procedure")


@login_required
@require_POST
def procedure_discard(request: HttpRequest) -> HttpResponse:
    draft = _draft_or_404(request, "procedure.edit")
    services.discard_procedure_draft(draft, acting_user=crud.acting_user(request))
    messages.success(request, _("Brouillon abandonné."))
    return redirect("feedback:complaints:procedure")


@login_required
def procedure_pdf(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The version in force as a PDF, or an earlier one (never a draft)."""
    organisation = access.reader(request.user).organisation
    if number is None:
        version = services.published_procedure(organisation)
    else:
        version = (
            selectors.published_versions(organisation)
            .select_related("organisation")
            .filter(number=number)
            .first()
        )
    if version is None:
        raise Http404
    return _procedure_pdf(version)


def _public_procedure(slug: str) -> ComplaintProcedure:
    organisation = get_object_or_404(Organisation, slug=slug)
    version = services.published_procedure(organisation)
    if version is None:
        raise Http404
    return version


def public_procedure(request: HttpRequest, slug: str) -> HttpResponse:
    """The version in force, for anyone (the evidence that the channel exists)."""
    version = _public_procedure(slug)
    context = {
        "complaint_org": version.organisation,
        "version": version,
        "blocks": selectors.procedure_blocks(version),
        "public": True,
    }
    return render(request, "feedback/complaints/procedure.html", context)


def public_procedure_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    return _procedure_pdf(_public_procedure(slug))
