"""Readiness per indicator, the mock audits (list, run, report) and a finding's action."""

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.audit import readiness
from parcours.audit.forms import AsOfForm, MockAuditForm
from parcours.audit.mock import overall
from parcours.audit.models import Finding, Grade, MockAudit
from parcours.audit.services import mock as mock_services
from parcours.core import crud, journal_chain
from parcours.core.access import can, capability_required, get_scoped, organisation_for, scoped
from parcours.lib import pdf

VIEW = "audit.view"
RUN = "audit.run"


@capability_required(VIEW)
def readiness_page(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, VIEW)
    form = AsOfForm(request.GET or None)
    as_of = timezone.localdate()
    if form.is_valid() and form.cleaned_data.get("as_of"):
        as_of = form.cleaned_data["as_of"]
    result = readiness.readiness(organisation, as_of)
    return render(
        request,
        "audit/readiness.html",
        {"form": form, "readiness": result, "counts": result.counts(), "labels": _labels()},
    )


def _labels() -> dict[str, str]:
    return {k: str(v) for k, v in readiness.Status.LABELS.items()}


@capability_required(VIEW)
def mock_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, VIEW)
    form = MockAuditForm(
        request.POST or None,
        initial={"as_of": timezone.localdate(), "seed": 1, "sample_size": 3},
    )
    if request.method == "POST":
        organisation = organisation_for(request.user, RUN)
        if form.is_valid():
            try:
                run = mock_services.run_mock_audit(
                    organisation,
                    acting_user=crud.acting_user(request),
                    as_of=form.cleaned_data["as_of"],
                    seed=form.cleaned_data["seed"],
                    sample_size=form.cleaned_data["sample_size"],
                )
            except ValidationError as error:
                crud.show_errors(form, error)
            else:
                messages.success(request, _("Audit blanc réalisé."))
                return redirect(run)
    runs = list(
        scoped(request.user, MockAudit.objects.all(), VIEW)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:100]
    )
    for run in runs:
        run.overall = Grade(overall(run.grades)).label  # type: ignore[attr-defined]
    return render(
        request,
        "audit/mock_list.html",
        {"form": form, "runs": runs, "can_run": can(request.user, RUN)},
    )


def _run_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    run = get_scoped(request.user, MockAudit.objects.select_related("created_by"), VIEW, pk=pk)
    findings = list(
        Finding.objects.filter(audit=run, organisation=run.organisation_id).select_related("action")
    )
    by_indicator: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_indicator[finding.indicator].append(finding)
    rows = [
        {**row, "findings": by_indicator.get(int(row["indicator"]), [])}  # type: ignore[call-overload]
        for row in run.grade_rows()
    ]
    sampled = {
        category: {"sessions": len(part["sessions"]), "enrolments": len(part["enrolments"])}
        for category, part in run.sample.items()
    }
    return {
        "run": run,
        "rows": rows,
        "findings": findings,
        "sampled": sampled,
        "overall": Grade(overall(run.grades)).label,
    }


@capability_required(VIEW)
def mock_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = _run_context(request, pk)
    context["can_run"] = can(request.user, RUN)
    return render(request, "audit/mock_detail.html", context)


@capability_required(VIEW)
def mock_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    context = _run_context(request, pk)
    context["generated_at"] = timezone.localtime()
    html = render_to_string("audit/mock_pdf.html", context)
    run = context["run"]
    content = pdf.render(html, footer=journal_chain.footer(run.organisation_id))
    return pdf.pdf_response(content, f"audit-blanc-{run.pk}.pdf")


@capability_required(RUN)
@require_POST
def finding_action(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_scoped(request.user, Finding.objects.select_related("audit"), RUN, pk=pk)
    try:
        action = mock_services.finding_to_action(finding, acting_user=crud.acting_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Action d'amélioration %(ref)s proposée à partir du constat.")
            % {"ref": action.reference},
        )
    return redirect(finding.get_absolute_url())
