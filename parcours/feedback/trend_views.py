"""Trends across periods and the comparison of a programme's sessions: the page, its XLSX
and its PDF, all built from `trends` (the k rule holds in every cell of each)."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal_chain
from parcours.feedback import charts
from parcours.feedback.access import campaigns_for_user, reader
from parcours.feedback.forms import TrendForm
from parcours.feedback.models import Theme
from parcours.feedback.selectors import Filters
from parcours.feedback.trends import (
    GRANULARITIES,
    SessionRow,
    Trends,
    session_comparison,
    trends,
)
from parcours.lib import exports, pdf
from parcours.lib.charts import Chart


@dataclass
class TrendView:
    title: str
    trends: Trends
    sessions: list[SessionRow] | None
    satisfaction_chart: Chart | None
    means_chart: Chart | None
    session_chart: Chart | None


def _build(request: HttpRequest) -> tuple[TrendForm, TrendView]:
    membership = reader(request.user)
    organisation = membership.organisation
    form = TrendForm(request.GET or None, organisation=organisation)
    filters = Filters()
    granularity, theme, programme = "trimestre", "", None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        programme = data.get("programme")
        theme = data.get("theme") or ""
        granularity = data.get("par") or "trimestre"
        filters = Filters(
            programme_id=programme.pk if programme else None,
            audience=data.get("audience") or "",
            date_from=data.get("du"),
            date_to=data.get("au"),
        )
    elif form.is_bound:
        filters = Filters(audience="__invalid__")  # bad filter: nothing, never everything
    campaigns = filters.apply(campaigns_for_user(request.user))
    found = trends(organisation, campaigns, granularity=granularity, theme=theme)
    sessions = session_comparison(organisation, campaigns, theme=theme) if programme else None
    satisfaction_chart, means_chart = charts.trend_charts(found)
    parts = [str(programme) if programme else _("Toutes les formations")]
    if theme:
        parts.append(str(dict(Theme.choices)[theme]))
    parts.append(str(GRANULARITIES[granularity]))
    view = TrendView(
        " · ".join(parts),
        found,
        sessions,
        satisfaction_chart,
        means_chart,
        charts.session_chart(sessions) if sessions else None,
    )
    return form, view


@login_required
def trends_page(request: HttpRequest) -> HttpResponse:
    form, view = _build(request)
    return render(
        request,
        "feedback/trends.html",
        {"form": form, "view": view, "query": request.GET.urlencode()},
    )


def _cell(hidden: bool, value: Any, k: int) -> Any:
    if hidden:
        return _("moins de %(k)s réponses") % {"k": k}
    return "" if value is None else value


@login_required
def trends_xlsx(request: HttpRequest) -> HttpResponse:
    _form, view = _build(request)
    t = view.trends
    rows: list[list[Any]] = []
    for series in [t.satisfaction, *t.items]:
        for label, cell in zip(t.labels, series.cells, strict=True):
            rows.append(
                [series.label, label, cell.respondents, _cell(cell.hidden, cell.value, t.k)]
            )
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            _("Tendances"),
            [_("Série"), _("Période"), _("Répondants"), _("Valeur")],
            rows,
        )
    ]
    if view.sessions is not None:
        sheets.append(
            (
                _("Sessions"),
                [
                    _("Session"),
                    _("Début"),
                    _("Fin"),
                    _("Invitations envoyées"),
                    _("Répondants"),
                    _("Satisfaction (%)"),
                    _("Moyenne (sur 5)"),
                ],
                [
                    [
                        r.session.title,
                        r.session.start_date,
                        r.session.end_date,
                        r.rate.asked,
                        r.respondents,
                        _cell(r.hidden, r.satisfaction, t.k),
                        _cell(r.hidden, r.mean, t.k),
                    ]
                    for r in view.sessions
                ],
            )
        )
    response = HttpResponse(exports.xlsx_book(sheets), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="tendances-questionnaires.xlsx"'
    return response


@login_required
def trends_pdf(request: HttpRequest) -> HttpResponse:
    _form, view = _build(request)
    organisation = reader(request.user).organisation
    html = render_to_string(
        "feedback/trends_pdf.html",
        {"view": view, "generated_at": timezone.localtime(), "organisation": organisation},
    )
    return pdf.pdf_response(
        pdf.render(html, footer=journal_chain.footer(organisation.pk)),
        "tendances-questionnaires.pdf",
    )
