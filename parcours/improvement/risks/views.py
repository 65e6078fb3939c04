"""The risk register's pages: thin views over access, selectors and services."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud, journal_chain
from parcours.improvement.risks import access, selectors, services
from parcours.improvement.risks.forms import LinkForm, RegisterReviewForm, RiskForm, TreatmentForm
from parcours.improvement.risks.indicators import figures_for
from parcours.improvement.risks.models import Risk, RiskReview
from parcours.lib import exports, pdf


def _register(request: HttpRequest) -> selectors.Register:
    membership = access.reader(request.user)
    return selectors.register(
        membership.organisation, access.risks_for_user(request.user), timezone.localdate()
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    context = {
        "register": _register(request),
        "can_edit": access.can_edit(request.user),
        "archived": access.risks_for_user(request.user).filter(archived=True),
    }
    return render(request, "improvement/risks/register.html", context)


@login_required
def register_xlsx(request: HttpRequest) -> HttpResponse:
    found = _register(request)
    return exports.xlsx_response(
        "registre-des-risques.xlsx",
        selectors.table_header(),
        selectors.table_rows(found),
        sheet=_("Registre des risques"),
    )


@login_required
def register_pdf(request: HttpRequest) -> HttpResponse:
    membership = access.reader(request.user)
    found = _register(request)
    html = render_to_string(
        "improvement/risks/register_pdf.html",
        {"organisation": membership.organisation, "register": found, "today": found.as_of},
    )
    content = pdf.render(html, footer=journal_chain.footer(membership.organisation_id))
    return pdf.pdf_response(content, "registre-des-risques.pdf")


def _form_page(request: HttpRequest, form: RiskForm, risk: Risk | None) -> HttpResponse:
    status = 400 if form.errors else 200
    context = {"form": form, "risk": risk}
    return render(request, "improvement/risks/form.html", context, status=status)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    membership = access.editor(request.user)
    form = RiskForm(request.POST or None, organisation=membership.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.create_risk(
                membership.organisation, acting_user=crud.acting_user(request), **form.values()
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:risks:detail", risk.pk)
    return _form_page(request, form, None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access.get_risk_to_edit(request.user, pk)
    form = RiskForm(request.POST or None, instance=risk, organisation=risk.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_risk(risk, acting_user=crud.acting_user(request), **form.values())
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:risks:detail", risk.pk)
    return _form_page(request, form, risk)


def _detail(
    request: HttpRequest, risk: Risk, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    can_edit = access.can_edit(request.user)
    organisation = risk.organisation
    forms = forms or {}
    if can_edit:
        forms.setdefault("link", LinkForm(organisation=organisation, risk=risk))
        forms.setdefault("treat", TreatmentForm(organisation=organisation))
    today = timezone.localdate()
    context = {
        "risk": risk,
        "figure": figures_for([risk], today).get(risk.pk),
        "treatments": list(risk.treatments.all()),
        "reviews": risk.reviews.all()[:5],
        "review_late": risk.review_late(today),
        "can_edit": can_edit,
        "forms": forms,
    }
    return render(request, "improvement/risks/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_risk_for_user(request.user, pk))


@login_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access.get_risk_to_edit(request.user, pk)
    form = LinkForm(request.POST, organisation=risk.organisation, risk=risk)
    if form.is_valid():
        try:
            services.link_treatment(
                risk, form.cleaned_data["action"], acting_user=crud.acting_user(request)
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:risks:detail", risk.pk)
    return _detail(request, risk, {"link": form}, status=400)


@login_required
@require_POST
def unlink(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    risk = access.get_risk_to_edit(request.user, pk)
    action = access.get_action_for_editor(request.user, action_pk)
    try:
        services.unlink_treatment(risk, action, acting_user=crud.acting_user(request))
    except ValidationError as error:
        return _detail(request, risk, {"error": error.messages}, status=400)
    return redirect("improvement:risks:detail", risk.pk)


@login_required
@require_POST
def treat(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access.get_risk_to_edit(request.user, pk)
    form = TreatmentForm(request.POST, organisation=risk.organisation)
    if form.is_valid():
        try:
            services.propose_treatment(
                risk, acting_user=crud.acting_user(request), **form.action_values()
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:risks:detail", risk.pk)
    return _detail(request, risk, {"treat": form}, status=400)


@login_required
@require_POST
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    risk = access.get_risk_to_edit(request.user, pk)
    services.set_archived(risk, archived=not risk.archived, acting_user=crud.acting_user(request))
    return redirect("improvement:risks:detail", risk.pk)


@login_required
def yearly_review(request: HttpRequest) -> HttpResponse:
    """The register's reviews; the form to record one (direction, référent qualité)."""
    membership = access.reader(request.user)
    organisation = membership.organisation
    can_edit = access.can_edit(request.user)
    form = None
    if can_edit:
        form = RegisterReviewForm(
            request.POST or None,
            organisation=organisation,
            initial={"held_on": timezone.localdate()},
        )
    elif request.method == "POST":
        access.editor(request.user)  # refused
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_register_review(
                organisation,
                acting_user=crud.acting_user(request),
                held_on=data["held_on"],
                note=data["note"],
                risks=list(data["risks"]),
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:risks:yearly_review")
    context = {
        "form": form,
        "reviews": RiskReview.objects.filter(organisation=organisation)
        .select_related("reviewer")
        .prefetch_related("risks"),
        "yearly": selectors.yearly_review(organisation, timezone.localdate()),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "improvement/risks/yearly_review.html", context, status=status)
