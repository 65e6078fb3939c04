"""Feedback's charts, drawn by the product's chart module (parcours.lib.charts)."""

from django.utils.translation import gettext as _

from parcours.feedback.models import ItemKind
from parcours.feedback.selectors import ItemResult, Rate, Results
from parcours.feedback.trends import SessionRow, Trends
from parcours.lib.charts import Chart, bar_chart, line_chart


def item_charts(results: Results) -> list[tuple[ItemResult, Chart | None]]:
    """Each question with its distribution chart (none for free text or under k)."""
    out: list[tuple[ItemResult, Chart | None]] = []
    for item in results.items:
        chart = None
        if item.shown and item.kind != ItemKind.TEXT and item.counts:
            chart = bar_chart(item.label, list(item.counts), unit=_("rép."))
        out.append((item, chart))
    return out


def rate_chart(title: str, rates: list[tuple[str, Rate]]) -> Chart:
    return bar_chart(title, [(label, r.percent) for label, r in rates], unit="%", max_value=100)


def trend_charts(trends: Trends) -> tuple[Chart | None, Chart | None]:
    """Satisfaction per period, and the mean of each 1-5 question per period; a period
    under k is a gap in the line (and "moins de k réponses" in the table beside it)."""
    if not trends.periods:
        return None, None
    satisfaction = line_chart(
        _("Satisfaction par période (notes 4 et 5)"),
        trends.labels,
        [(trends.satisfaction.label, trends.satisfaction.values)],
        unit="%",
    )
    means = None
    if trends.items:
        means = line_chart(
            _("Moyenne par question (sur 5)"),
            trends.labels,
            [(s.label, s.values) for s in trends.items],
        )
    return satisfaction, means


def session_chart(rows: list[SessionRow]) -> Chart | None:
    if not rows:
        return None
    return bar_chart(
        _("Satisfaction par session (notes 4 et 5)"),
        [(row.session.title, None if row.hidden else row.satisfaction) for row in rows],
        unit="%",
        max_value=100,
    )
