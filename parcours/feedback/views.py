"""Pages of feedback: campaigns, results (under the k rule), exports, the session's PDF
summary and its sharing, coverage, and the public answering page (/q/<token>/)."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from parcours.core.models import User
from parcours.feedback import charts, exports, selectors, services, triage
from parcours.feedback.access import (
    campaigns_for_user,
    can_manage,
    get_campaign_for_user,
    get_session_for_user,
    reader,
    require_manager,
    sessions_for_user,
)
from parcours.feedback.forms import LaunchForm, PeriodForm, ResultFilterForm, SettingsForm
from parcours.feedback.models import AttributedAnswer, Campaign, Questionnaire, TriageOutcome
from parcours.lib.pdf import pdf_response

INVITATIONS_SHOWN = 300


@login_required
def index(request: HttpRequest) -> HttpResponse:
    membership = reader(request.user)
    organisation = membership.organisation
    manager = can_manage(request.user)
    form = LaunchForm(organisation=organisation) if manager else None
    if manager and request.method == "POST":
        form = LaunchForm(request.POST, organisation=organisation)
        if form.is_valid():
            year = form.cleaned_data.get("year")
            period = (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else None
            session = form.cleaned_data.get("session")
            try:
                campaign = services.launch_campaign(
                    form.cleaned_data["questionnaire"],
                    acting_user=request.user,  # type: ignore[arg-type]
                    now=timezone.now(),
                    session=session,
                    period=None if session else period,
                )
            except services.Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Campagne lancée."))
                return redirect(campaign)
    campaigns = (
        campaigns_for_user(request.user)
        .select_related("questionnaire", "session")
        .order_by("-launched_on", "-pk")[:100]
    )
    rates = {c.pk: selectors.rate(c.invitations.all()) for c in campaigns}
    questionnaires = Questionnaire.objects.filter(organisation=organisation) if manager else []
    return render(
        request,
        "feedback/index.html",
        {
            "campaigns": [(c, rates[c.pk]) for c in campaigns],
            "questionnaires": questionnaires,
            "form": form,
            "manager": manager,
        },
    )


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = reader(request.user)
    campaign = get_campaign_for_user(request.user, pk)
    results = selectors.results(membership.organisation, Campaign.objects.filter(pk=campaign.pk))
    invitations = list(
        campaign.invitations.order_by("audience", "name", "pk")[: INVITATIONS_SHOWN + 1]
    )
    return render(
        request,
        "feedback/campaign_detail.html",
        {
            "campaign": campaign,
            "results": results,
            "items": charts.item_charts(results),
            "invitations": invitations[:INVITATIONS_SHOWN],
            "more_invitations": max(
                0, results.rate.asked + results.rate.unreachable - INVITATIONS_SHOWN
            ),
            "manager": can_manage(request.user),
            **triage_context(request, campaign),
        },
    )


def triage_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    """The answers to triage (managers only) and the decisions taken."""
    if not can_manage(request.user):
        return {}
    return {
        "triage_candidates": []
        if campaign.questionnaire.anonymous
        else triage.candidates(campaign),
        "triage_outcomes": TriageOutcome.choices,
        "triage_decisions": campaign.triage.select_related("item", "decided_by")[:200],
    }


@login_required
@require_POST
def triage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager's decision on a low score or a comment of the campaign."""
    require_manager(request.user)
    campaign = get_campaign_for_user(request.user, pk)
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "")
    user: User = request.user  # type: ignore[assignment]
    try:
        if request.POST.get("answer"):
            answer = get_object_or_404(
                AttributedAnswer.objects.select_related("item", "response__enrolment", "campaign"),
                pk=request.POST["answer"] if request.POST["answer"].isdigit() else -1,
                campaign=campaign,
            )
            decision = triage.triage_answer(
                answer,
                outcome=outcome,
                acting_user=user,
                as_of=timezone.localdate(),
                note=note,
            )
        else:
            decision = triage.triage_comment(
                campaign,
                request.POST.get("comment", ""),
                outcome=outcome,
                acting_user=user,
                as_of=timezone.localdate(),
                note=note,
            )
    except triage.TriageRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Décision enregistrée : %(outcome)s.") % {"outcome": decision.get_outcome_display()},
        )
    return redirect(campaign)


def _filtered(request: HttpRequest) -> tuple[Any, ResultFilterForm, selectors.Results, str]:
    membership = reader(request.user)
    organisation = membership.organisation
    form = ResultFilterForm(
        request.GET or None, sessions=sessions_for_user(request.user), organisation=organisation
    )
    filters = selectors.Filters()
    title = _("Toutes les campagnes")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.Filters(
            session=data.get("session"),
            programme_id=data["programme"].pk if data.get("programme") else None,
            trainer=data.get("trainer"),
            audience=data.get("audience") or "",
            date_from=data.get("du"),
            date_to=data.get("au"),
        )
        parts = [
            str(v) for v in (data.get("session"), data.get("programme"), data.get("trainer")) if v
        ]
        if parts:
            title = " · ".join(parts)
    elif form.is_bound:
        filters = selectors.Filters(audience="__invalid__")  # bad filter: nothing, never everything
    campaigns = filters.apply(campaigns_for_user(request.user))
    return organisation, form, selectors.results(organisation, campaigns), title


@login_required
def results(request: HttpRequest) -> HttpResponse:
    organisation, form, result, title = _filtered(request)
    campaigns = campaigns_for_user(request.user)
    by_audience = selectors.rate_by(campaigns, by="audience")
    return render(
        request,
        "feedback/results.html",
        {
            "form": form,
            "results": result,
            "title": title,
            "items": charts.item_charts(result),
            "by_audience": by_audience,
            "audience_chart": charts.rate_chart(_("Taux de réponse par public"), by_audience),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def results_xlsx(request: HttpRequest) -> HttpResponse:
    _organisation, _form, result, title = _filtered(request)
    response = HttpResponse(
        exports.results_xlsx(title, result),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="resultats-questionnaires.xlsx"'
    return response


def _session_results(request: HttpRequest, pk: int) -> tuple[Any, selectors.Results]:
    membership = reader(request.user)
    session = get_session_for_user(request.user, pk)
    campaigns = campaigns_for_user(request.user).filter(session=session)
    return session, selectors.results(membership.organisation, campaigns)


@login_required
def session_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    session, result = _session_results(request, pk)
    return pdf_response(exports.session_pdf(session, result), f"appreciations-{session.pk}.pdf")


@login_required
@require_POST
def session_share(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user)
    session, result = _session_results(request, pk)
    content = exports.session_pdf(session, result)
    try:
        share = services.share_summary(
            session,
            acting_user=request.user,  # type: ignore[arg-type]
            pdf=content,
            filename=f"appreciations-{session.pk}.pdf",
            now=timezone.now(),
        )
    except services.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Synthèse envoyée à l'équipe pédagogique : %(who)s.")
            % {"who": ", ".join(share.recipients)},
        )
    return redirect("feedback:session_results", pk=session.pk)


@login_required
def session_results(request: HttpRequest, pk: int) -> HttpResponse:
    session, result = _session_results(request, pk)
    return render(
        request,
        "feedback/session_results.html",
        {
            "session": session,
            "results": result,
            "items": charts.item_charts(result),
            "shares": session.feedback_shares.select_related("shared_by"),
            "manager": can_manage(request.user),
        },
    )


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    membership = reader(request.user)
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"du": today.replace(month=1, day=1), "au": today})
    rows = []
    if form.is_valid():
        rows = selectors.coverage(
            membership.organisation, form.cleaned_data["du"], form.cleaned_data["au"]
        )
    return render(
        request,
        "feedback/coverage.html",
        {"form": form, "rows": rows, "audiences": selectors.COVERAGE_AUDIENCES},
    )


@login_required
def questionnaire_preview(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_manager(request.user)
    questionnaire = get_object_or_404(Questionnaire, organisation=membership.organisation, pk=pk)
    number = request.GET.get("version", "")
    version = (
        questionnaire.versions.filter(number=int(number)).first()
        if number.isdigit()
        else questionnaire.current_version() or questionnaire.draft()
    )
    if version is None:
        raise Http404
    asked = [(item, None, f"q{item.pk}") for item in version.items.all()]
    return render(
        request,
        "feedback/answer.html",
        {
            "questionnaire": questionnaire,
            "version": version,
            "questions": asked,
            "preview": True,
            "errors": {},
            "data": {},
        },
    )


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    membership = require_manager(request.user)
    current = services.settings_for(membership.organisation)
    form = SettingsForm(
        request.POST or None,
        initial={
            "k_threshold": current.k_threshold,
            "reminder_days": ", ".join(str(d) for d in current.reminder_days),
            "link_days": current.link_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                membership.organisation,
                acting_user=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Réglages enregistrés."))
            return redirect("feedback:settings")
    return render(request, "feedback/settings.html", {"form": form})


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    response["Referrer-Policy"] = "same-origin"
    # Django logs every 4xx with its path: the path holds the personal token, which the
    # logs must never tie to a time. (django.utils.log.log_response honours this flag.)
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The public answering page: no account, the personal link is the key.

    Exempt from the CSRF check: a forged form cannot post to a URL whose secret token it
    does not know, and a refused check would log that URL (the token) with its time.
    """
    now = timezone.now()
    try:
        invitation = services.invitation_for_token(token, now=now)
    except services.Refused as exc:
        return _private(
            render(request, "feedback/answer_closed.html", {"message": str(exc)}, status=410)
        )
    campaign = invitation.campaign
    errors: dict[str, str] = {}
    data: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {
            key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"
        }
        try:
            services.submit(invitation, data, now=now)
        except services.InvalidAnswers as exc:
            errors = exc.errors
        except services.Refused as exc:
            return _private(
                render(request, "feedback/answer_closed.html", {"message": str(exc)}, status=410)
            )
        else:
            return _private(render(request, "feedback/answer_thanks.html", {"campaign": campaign}))
    else:
        services.record_open(invitation, now=now)
    return _private(
        render(
            request,
            "feedback/answer.html",
            {
                "questionnaire": campaign.questionnaire,
                "version": campaign.version,
                "campaign": campaign,
                "invitation": invitation,
                "questions": services.questions(invitation),
                "errors": errors,
                "data": data,
                "preview": False,
            },
            status=400 if errors else 200,
        )
    )
