"""Feedback's charts, drawn by the product's chart module (parcours.lib.charts)."""

from django.utils.translation import gettext as _

from parcours.feedback.models import ItemKind
from parcours.feedback.selectors import ItemResult, Rate, Results
from parcours.lib.charts import Chart, bar_chart


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
