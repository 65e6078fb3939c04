"""Pages of safeguarding: reporting (learner portal, public link, follow-up code), the
handlers' case pages, the designation of handlers, the anonymised register and the
published prevention procedure."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud
from parcours.core.access import can, capability_required, membership_of, organisation_for
from parcours.core.models import Organisation
from parcours.core.throttle import Limit, client_address
from parcours.lib.pdf import pdf_response
from parcours.safeguarding import pdf, selectors, services
from parcours.safeguarding.access import (
    get_report_for_handler,
    handler_membership,
    handler_required,
    is_handler,
    member_required,
    reports_for_handler,
)
from parcours.safeguarding.forms import (
    CodeForm,
    DesignateForm,
    InformationForm,
    MeasureForm,
    MessageForm,
    NoteForm,
    ProcedureForm,
    ReportForm,
    TransitionForm,
)
from parcours.safeguarding.models import Channel, PreventionProcedure, Report, Status

# A simple brake on robots, per address: reports per hour, wrong codes per quarter hour.
# Counted in the shared cache (parcours.core.throttle): it holds across processes.
REPORTS = Limit("safeguarding.report", attempts=5, seconds=3600)
WRONG_CODES = Limit("safeguarding.code", attempts=10, seconds=900)


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with a code or a report's content: never cached anywhere."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Reporting


def report_page(
    request: HttpRequest,
    organisation: Organisation,
    form: ReportForm,
    submit: Callable[[ReportForm], tuple[Report, str]],
    *,
    public: bool,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        if form.is_spam() or REPORTS.hit(client_address(request)) > REPORTS.attempts:
            form.add_error(
                None, _("Envoi refusé : trop d'envois depuis cette connexion, réessayez plus tard.")
            )
        else:
            try:
                report, code = submit(form)
            except ValidationError as error:
                crud.show_errors(form, error)
            else:
                return _private(
                    render(
                        request,
                        "safeguarding/receipt.html",
                        {"report": report, "code": code, "organisation": organisation},
                    )
                )
    return _private(
        render(
            request,
            "safeguarding/report_form.html",
            {
                "form": form,
                "report_org": organisation,
                "public": public,
                "handlers": selectors.active_handlers(organisation),
            },
        )
    )


def public_report(request: HttpRequest, slug: str) -> HttpResponse:
    """The public link: no account, anonymous unless contact details are given."""
    organisation = get_object_or_404(Organisation, slug=slug)
    form = ReportForm(request.POST or None)

    def submit(f: ReportForm) -> tuple[Report, str]:
        return services.submit_report(organisation, f.facts(), channel=Channel.PUBLIC)

    return report_page(request, organisation, form, submit, public=True)


def follow_up(request: HttpRequest) -> HttpResponse:
    """The reporter's page, reached with the follow-up code (posted, never in the URL)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if WRONG_CODES.exceeded(client_address(request)):
            form.add_error(None, _("Trop d'essais : réessayez dans un quart d'heure."))
        else:
            report = services.report_for_code(form.cleaned_data["code"])
            if report is not None:
                return _follow_up_page(request, report, form.cleaned_data["code"])
            WRONG_CODES.hit(client_address(request))
            form.add_error("code", _("Code inconnu. Vérifiez-le et réessayez."))
    return _private(render(request, "safeguarding/follow_up_code.html", {"form": form}))


@require_POST
def follow_up_add(request: HttpRequest) -> HttpResponse:
    form = InformationForm(request.POST)
    code = request.POST.get("code", "")
    if WRONG_CODES.exceeded(client_address(request)):
        return _private(
            render(
                request,
                "safeguarding/follow_up_code.html",
                {
                    "form": CodeForm(),
                    "refused": _("Trop d'essais : réessayez dans un quart d'heure."),
                },
                status=429,
            )
        )
    report = services.report_for_code(code)
    if report is None:
        WRONG_CODES.hit(client_address(request))
        return _private(
            render(
                request,
                "safeguarding/follow_up_code.html",
                {"form": CodeForm(), "refused": _("Code inconnu. Vérifiez-le et réessayez.")},
                status=404,
            )
        )
    if form.is_valid():
        try:
            services.add_information(report, body=form.cleaned_data["body"])
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return _follow_up_page(request, report, code, added=True)
    return _follow_up_page(request, report, code, information_form=form)


def _follow_up_page(
    request: HttpRequest,
    report: Report,
    code: str,
    *,
    added: bool = False,
    information_form: InformationForm | None = None,
) -> HttpResponse:
    return _private(
        render(
            request,
            "safeguarding/follow_up.html",
            {
                "report": report,
                "steps": report.transitions.order_by("at", "pk"),
                "thread": report.messages.order_by("created_at", "pk"),
                "information_form": information_form or InformationForm(initial={"code": code}),
                "added": added,
            },
        )
    )


# Handling (designated handlers only)


@handler_required
def report_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    reports = list(selectors.queue(reports_for_handler(request.user)))
    return _private(
        render(
            request,
            "safeguarding/report_list.html",
            {
                "reports": reports,
                "now": now,
                "overdue": [r for r in reports if r.acknowledgement_overdue(now)],
            },
        )
    )


@handler_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_handler(request.user, pk)
    return _case_page(request, report)


@handler_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_handler(request.user, pk)
    services.record_export(report, acting_user=crud.acting_user(request))
    content = pdf.report_document(report, generated_at=timezone.now())
    return _private(pdf_response(content, f"signalement-{report.number}.pdf"))


def _case_page(request: HttpRequest, report: Report, **forms: Any) -> HttpResponse:
    next_status = report.next_status
    context = {
        "report": report,
        "now": timezone.now(),
        "transitions": report.transitions.select_related("by"),
        "measures": report.measures.select_related("recorded_by"),
        "notes": report.notes.select_related("author"),
        "thread": report.messages.select_related("author"),
        "next_status": Status(next_status) if next_status else None,
        "transition_form": forms.get("transition_form")
        or TransitionForm(initial={"to_status": next_status}),
        "measure_form": forms.get("measure_form")
        or MeasureForm(initial={"decided_on": timezone.localdate()}),
        "note_form": forms.get("note_form") or NoteForm(),
        "message_form": forms.get("message_form") or MessageForm(),
    }
    status = 400 if forms else 200
    return _private(render(request, "safeguarding/report_detail.html", context, status=status))


def _handle(
    request: HttpRequest,
    pk: int,
    form_class: type[Any],
    form_key: str,
    write: Callable[[Report, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """A handler's write on a report: found through the one access function, then a service."""
    report = get_report_for_handler(request.user, pk)
    if request.method != "POST":
        return redirect(report)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            write(report, form.cleaned_data)
        except ValidationError as error:
            crud.show_errors(form, error)
            # Also shown at the top: a closed report's page has no forms left.
            for message in form.non_field_errors():
                messages.error(request, message)
        else:
            messages.success(request, success)
            return redirect(report)
    return _case_page(request, report, **{form_key: form})


@handler_required
def report_advance(request: HttpRequest, pk: int) -> HttpResponse:
    me = crud.acting_user(request)
    return _handle(
        request,
        pk,
        TransitionForm,
        "transition_form",
        lambda r, d: services.advance(r, to_status=d["to_status"], note=d["note"], acting_user=me),
        _("Statut mis à jour."),
    )


@handler_required
def report_measure(request: HttpRequest, pk: int) -> HttpResponse:
    me = crud.acting_user(request)
    return _handle(
        request,
        pk,
        MeasureForm,
        "measure_form",
        lambda r, d: services.record_measure(r, acting_user=me, **d),
        _("Mesure enregistrée."),
    )


@handler_required
def report_note(request: HttpRequest, pk: int) -> HttpResponse:
    me = crud.acting_user(request)
    return _handle(
        request,
        pk,
        NoteForm,
        "note_form",
        lambda r, d: services.add_note(r, body=d["body"], acting_user=me),
        _("Note ajoutée."),
    )


@handler_required
def report_message(request: HttpRequest, pk: int) -> HttpResponse:
    me = crud.acting_user(request)
    return _handle(
        request,
        pk,
        MessageForm,
        "message_form",
        lambda r, d: services.message_reporter(r, body=d["body"], acting_user=me),
        _("Message envoyé : la personne le lira avec son code de suivi."),
    )


# Designation of handlers (direction)


@capability_required("organisation.manage")
def handlers(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, "organisation.manage")
    form = DesignateForm(request.POST or None, members=selectors.designable_members(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.designate_handler(
                organisation,
                form.cleaned_data["member"].user,
                acting_user=crud.acting_user(request),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Référent désigné."))
            return redirect("safeguarding:handlers")
    return render(
        request,
        "safeguarding/handlers.html",
        {"form": form, "handlers": selectors.handlers(organisation)},
    )


@capability_required("organisation.manage")
@require_POST
def handler_end(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for(request.user, "organisation.manage")
    handler = get_object_or_404(selectors.handlers(organisation), pk=pk)
    try:
        services.end_designation(handler, acting_user=crud.acting_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La désignation a pris fin."))
    return redirect("safeguarding:handlers")


# The anonymised register (direction, quality, auditor, and the handlers)


@member_required
def register(request: HttpRequest) -> HttpResponse:
    membership = handler_membership(request.user)
    if membership is None:
        if not can(request.user, "journal.view"):
            raise PermissionDenied
        membership = membership_of(request.user)
    assert membership is not None  # noqa: S101
    return render(
        request,
        "safeguarding/register.html",
        {"register": selectors.register(membership.organisation, timezone.now())},
    )


# The prevention procedure


def _procedure_context(organisation: Organisation, version: PreventionProcedure) -> dict[str, Any]:
    return {
        "report_org": organisation,
        "version": version,
        "blocks": selectors.procedure_blocks(version.body),
        "handlers": selectors.active_handlers(organisation),
        "history": selectors.procedure_history(organisation),
    }


def _procedure_pdf(version: PreventionProcedure) -> HttpResponse:
    content = pdf.procedure_document(version, generated_at=timezone.now())
    return pdf_response(content, f"procedure-prevention-violences-v{version.number}.pdf")


@member_required
def procedure(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    assert membership is not None  # noqa: S101
    organisation = membership.organisation
    context = _procedure_context(organisation, services.current_procedure(organisation))
    context["can_edit"] = can(request.user, "procedure.edit")
    context["is_handler"] = is_handler(request.user)
    return render(request, "safeguarding/procedure.html", context)


@member_required
def procedure_pdf(request: HttpRequest, number: int | None = None) -> HttpResponse:
    membership = membership_of(request.user)
    assert membership is not None  # noqa: S101
    organisation = membership.organisation
    if number is None:
        return _procedure_pdf(services.current_procedure(organisation))
    return _procedure_pdf(
        get_object_or_404(
            PreventionProcedure.objects.select_related("organisation"),
            organisation=organisation,
            number=number,
        )
    )


def public_procedure(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    context = _procedure_context(organisation, services.current_procedure(organisation))
    context["public"] = True
    return render(request, "safeguarding/procedure.html", context)


def public_procedure_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    return _procedure_pdf(services.current_procedure(organisation))


@capability_required("procedure.edit")
def procedure_edit(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, "procedure.edit")
    current = services.current_procedure(organisation)
    form = ProcedureForm(
        request.POST or None, initial={"title": current.title, "body": current.body}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.publish_procedure(
                organisation, acting_user=crud.acting_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Version %(n)d publiée.") % {"n": version.number})
            return redirect("safeguarding:procedure")
    return render(request, "safeguarding/procedure_edit.html", {"form": form, "version": current})
