"""The improvement actions' pages: thin views over selectors (reads, access) and services."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud, journal_chain
from parcours.improvement import forms, selectors, suggestions
from parcours.improvement.models import OPEN_STATES, Action, SuggestionState
from parcours.improvement.services import actions as services
from parcours.improvement.services import effectiveness
from parcours.lib import exports, pdf
from parcours.lib.charts import Chart, bar_chart


def report_charts(report: selectors.Report) -> list[Chart]:
    return [
        bar_chart(_("Actions ouvertes par origine"), report.by_origin),
        bar_chart(_("Actions par état"), report.by_state),
        bar_chart(
            _("Vérifications d'efficacité de la période"),
            [(_("Efficaces"), report.effective), (_("Non efficaces"), report.not_effective)],
        ),
    ]


def _criteria(form: forms.FilterForm) -> selectors.Criteria:
    if not form.is_valid():
        return selectors.Criteria()
    data = form.cleaned_data
    return selectors.Criteria(
        state=data.get("state") or "",
        origin=data.get("origin") or "",
        programme=data.get("programme"),
        owner=data["owner"].user if data.get("owner") else None,
        late=bool(data.get("late")),
    )


def _rows(request: HttpRequest) -> tuple[forms.FilterForm, Any]:
    membership = selectors.reader(request.user)
    form = forms.FilterForm(request.GET or None, organisation=membership.organisation)
    actions = selectors.filtered(
        selectors.actions_for_user(request.user), _criteria(form), timezone.localdate()
    )
    return form, actions


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    form, actions = _rows(request)
    masked = selectors.masks_personal(request.user)
    actions = selectors.with_checks(actions)
    lines = [
        (a, selectors.source_text(a, masked=masked), selectors.latest_check(a)) for a in actions
    ]
    context = {
        "form": form,
        "lines": lines,
        "can_edit": selectors.can_edit(request.user),
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "improvement/actions/list.html", context)


@login_required
def action_new(request: HttpRequest) -> HttpResponse:
    membership = selectors.editor(request.user)
    form = forms.ActionForm(request.POST or None, organisation=membership.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.propose_action(
                membership.organisation,
                acting_user=crud.acting_user(request),
                origin=data["origin"],
                title=data["title"],
                finding=data["finding"],
                programme=data.get("programme"),
                kind=data["kind"],
                owner=data["owner"].user if data.get("owner") else None,
                deadline=data.get("deadline"),
                priority=data["priority"],
                cause_analysis=data.get("cause_analysis") or "",
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:detail", action.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "heading": _("Nouvelle action d'amélioration")}
    return render(request, "improvement/actions/form.html", context, status=status)


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action_to_edit(request.user, pk)
    initial = {
        "title": action.title,
        "finding": action.finding,
        "cause_analysis": action.cause_analysis,
        "kind": action.kind,
        "priority": action.priority,
        "deadline": action.deadline,
        "owner": selectors.Membership.objects.filter(
            organisation_id=action.organisation_id, user=action.owner
        ).first()
        if action.owner is not None
        else None,
    }
    form = forms.EditActionForm(
        request.POST or None, organisation=action.organisation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_action(
                action,
                acting_user=crud.acting_user(request),
                title=data["title"],
                finding=data["finding"],
                cause_analysis=data.get("cause_analysis") or "",
                kind=data["kind"],
                owner=data["owner"].user if data.get("owner") else None,
                deadline=data.get("deadline"),
                priority=data["priority"],
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:detail", action.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "heading": _("Modifier l'action %(ref)s") % {"ref": action.reference}}
    return render(request, "improvement/actions/form.html", context, status=status)


def _forms(action: Action, data: Any = None, files: Any = None) -> dict[str, Any]:
    organisation = action.organisation
    return {
        "valider": forms.ValidateForm(data, organisation=organisation),
        "realiser": forms.DoneForm(data),
        "abandonner": forms.AbandonForm(data),
        "suivre": forms.FollowForm(data, organisation=organisation),
        "verification": forms.CheckForm(
            data,
            files,
            organisation=organisation,
            initial={
                "programme": action.programme,
                "action_date": timezone.localdate(),
                "measure_on": timezone.localdate() + dt.timedelta(days=90),
            },
        ),
        "resultat": forms.ManualResultForm(data),
    }


def _detail(
    request: HttpRequest, action: Action, forms_: dict[str, Any], status: int = 200
) -> HttpResponse:
    masked = selectors.masks_personal(request.user)
    checks = list(action.checks.order_by("measure_on", "pk"))
    context = {
        "action": action,
        "source": selectors.source_text(action, masked=masked),
        "source_url": "" if masked else selectors.source_url(action),
        "checks": [(c, effectiveness.periods(c)) for c in checks],
        "pending_manual": next(
            (c for c in checks if c.measure == "manuelle" and c.verdict == "a_mesurer"), None
        ),
        "not_effective": bool(checks) and checks[-1].verdict == "non_efficace",
        "history": selectors.history(action),
        "followed_by": list(action.followed_by.all()),
        "is_open": action.state in OPEN_STATES,
        "can_edit": selectors.can_edit(request.user),
        "can_validate": selectors.can_validate(request.user),
        "forms": forms_,
    }
    return render(request, "improvement/actions/detail.html", context, status=status)


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action_for_user(request.user, pk)
    return _detail(request, action, _forms(action))


STEPS_WITHOUT_FORM = {"demarrer", "cloturer"}
STEPS = {
    *STEPS_WITHOUT_FORM,
    "valider",
    "realiser",
    "abandonner",
    "suivre",
    "verification",
    "resultat",
}


def _apply(step: str, action: Action, form: Any, user: Any) -> None:
    data = form.cleaned_data if form is not None else {}
    if step == "valider":
        services.validate(
            action,
            acting_user=user,
            owner=data["owner"].user if data.get("owner") else None,
            deadline=data.get("deadline"),
        )
    elif step == "demarrer":
        services.start(action, acting_user=user)
    elif step == "realiser":
        services.mark_done(action, done_note=data["done_note"], acting_user=user)
    elif step == "cloturer":
        services.close(action, acting_user=user)
    elif step == "abandonner":
        services.abandon(action, reason=data["reason"], acting_user=user)
    elif step == "suivre":
        services.follow_with_new(
            action,
            acting_user=user,
            title=data["title"],
            finding=data["finding"],
            owner=data["owner"].user if data.get("owner") else None,
            deadline=data.get("deadline"),
        )
    elif step == "verification":
        effectiveness.add_check(
            action,
            acting_user=user,
            measure=data["measure"],
            parameters=form.parameters(),
            target=data["target"],
            action_date=data["action_date"],
            measure_on=data["measure_on"],
            value_before=data.get("value_before"),
            evidence_note=data.get("evidence_note") or "",
            evidence_file=data.get("evidence_file"),
        )
    elif step == "resultat":
        check = action.checks.filter(measure="manuelle", verdict="a_mesurer").first()
        if check is None:
            raise ValidationError(_("Aucune mesure manuelle n'attend de résultat."))
        effectiveness.record_manual_result(
            check,
            value_after=data["value_after"],
            evidence_note=data["evidence_note"],
            acting_user=user,
        )


@login_required
@require_POST
def action_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    action = selectors.get_action_to_edit(request.user, pk)
    if step == "valider":
        selectors.require_validator(request.user)
    forms_ = _forms(action)
    form = None
    if step not in STEPS_WITHOUT_FORM:
        form = forms_[step] = _forms(action, request.POST, request.FILES)[step]
        if not form.is_valid():
            return _detail(request, action, forms_, status=400)
    try:
        _apply(step, action, form, crud.acting_user(request))
    except ValidationError as error:
        forms_["error"] = error.messages
        return _detail(request, action, forms_, status=400)
    if step == "suivre":
        follower = action.followed_by.order_by("-number").first()
        if follower is not None:
            return redirect("improvement:detail", follower.pk)
    return redirect("improvement:detail", action.pk)


# The direction's glance


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    membership = selectors.reader(request.user)
    today = timezone.localdate()
    context = {
        "glance": selectors.glance(membership.organisation, today),
        "today": today,
        "period": forms.PeriodForm(initial={"start": today.replace(month=1, day=1), "end": today}),
        "can_edit": selectors.can_edit(request.user),
    }
    return render(request, "improvement/actions/overview.html", context)


# Suggestions


def _suggestion_page(
    request: HttpRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    membership = selectors.reader(request.user)
    items = selectors.suggestions_for_user(request.user)
    context = {
        "proposed": [
            (
                s,
                forms.AcceptForm(
                    organisation=membership.organisation,
                    initial={"title": s.text[:200]},
                    prefix=f"s{s.pk}",
                ),
            )
            for s in items.filter(state=SuggestionState.PROPOSED)
        ],
        "decided": items.exclude(state=SuggestionState.PROPOSED)[:100],
        "as_of": forms.AsOfForm(initial={"as_of": timezone.localdate()}),
        "dismiss": forms.DismissForm(),
        "can_edit": selectors.can_edit(request.user),
        "errors": errors or [],
    }
    return render(request, "improvement/suggestions.html", context, status=status)


@login_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    return _suggestion_page(request)


@login_required
@require_POST
def suggestion_compute(request: HttpRequest) -> HttpResponse:
    membership = selectors.editor(request.user)
    form = forms.AsOfForm(request.POST)
    if not form.is_valid():
        return _suggestion_page(request, errors=[_("Indiquez une date valide.")], status=400)
    suggestions.compute(
        membership.organisation,
        as_of=form.cleaned_data["as_of"],
        acting_user=crud.acting_user(request),
    )
    return redirect("improvement:suggestions")


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in {"accepter", "ecarter"}:
        raise Http404
    suggestion = selectors.get_suggestion_to_decide(request.user, pk)
    user = crud.acting_user(request)
    try:
        if decision == "accepter":
            form = forms.AcceptForm(
                request.POST, organisation=suggestion.organisation, prefix=f"s{suggestion.pk}"
            )
            if not form.is_valid():
                raise ValidationError(_("Donnez un intitulé à l'action."))
            data = form.cleaned_data
            action = suggestions.accept(
                suggestion,
                acting_user=user,
                title=data["title"],
                owner=data["owner"].user if data.get("owner") else None,
                deadline=data.get("deadline"),
            )
            return redirect("improvement:detail", action.pk)
        dismiss = forms.DismissForm(request.POST)
        if not dismiss.is_valid():
            raise ValidationError(_("Indiquez pourquoi la suggestion est écartée."))
        suggestions.dismiss(suggestion, reason=dismiss.cleaned_data["reason"], acting_user=user)
    except ValidationError as error:
        return _suggestion_page(request, errors=error.messages, status=400)
    return redirect("improvement:suggestions")


# The tracking table and the report


@login_required
def table_xlsx(request: HttpRequest) -> HttpResponse:
    _form, actions = _rows(request)
    masked = selectors.masks_personal(request.user)
    return exports.xlsx_response(
        "tableau-de-suivi-des-ameliorations.xlsx",
        selectors.table_header(),
        selectors.table_rows(actions, masked=masked),
        sheet=_("Suivi des améliorations"),
    )


@login_required
def table_pdf(request: HttpRequest) -> HttpResponse:
    _form, actions = _rows(request)
    membership = selectors.reader(request.user)
    html = render_to_string(
        "improvement/actions/table_pdf.html",
        {
            "organisation": membership.organisation,
            "header": selectors.table_header(),
            "rows": selectors.table_rows(actions, masked=selectors.masks_personal(request.user)),
            "today": timezone.localdate(),
        },
    )
    content = pdf.render(html, footer=journal_chain.footer(membership.organisation_id))
    return pdf.pdf_response(content, "tableau-de-suivi-des-ameliorations.pdf")


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    membership = selectors.reader(request.user)
    form = forms.PeriodForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("Période invalide : indiquez le début et la fin."), status=400)
    report = selectors.report(
        membership.organisation, form.cleaned_data["start"], form.cleaned_data["end"]
    )
    html = render_to_string(
        "improvement/actions/report_pdf.html",
        {
            "organisation": membership.organisation,
            "report": report,
            "charts": report_charts(report),
            "today": timezone.localdate(),
        },
    )
    content = pdf.render(html, footer=journal_chain.footer(membership.organisation_id))
    name = f"rapport-amelioration-{report.start:%Y%m%d}-{report.end:%Y%m%d}.pdf"
    return pdf.pdf_response(content, name)
