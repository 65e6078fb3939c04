"""The XLSX export of results and the PDF summary of a session. Both are built from
`selectors.results`, so the k rule holds in them exactly as in the pages.

The XLSX is written by `write_xlsx` alone: the day lib gains the product's safe writer,
only that function changes.
"""

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal_chain
from parcours.feedback import charts
from parcours.feedback.selectors import Results
from parcours.lib import pdf
from parcours.programmes.models import Session

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Text cells that a spreadsheet would run as a formula are neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_xlsx(title: str, results: Results) -> bytes:
    summary = [
        (_("Périmètre"), title),
        (_("Invitations envoyées"), results.rate.asked),
        (_("Réponses"), results.rate.answered),
        (
            _("Taux de réponse (%)"),
            results.rate.percent if results.rate.percent is not None else "",
        ),
        (_("Non sollicitables"), results.rate.unreachable),
        (_("Seuil d'anonymat (k)"), results.k),
    ]
    if not results.shown:
        summary.append(
            (
                _("Détail"),
                _("Moins de %(k)s répondants : aucun détail n'est communiqué.") % {"k": results.k},
            )
        )
        return write_xlsx([(_("Synthèse"), [_("Indicateur"), _("Valeur")], summary)])
    summary.append(
        (
            _("Taux de satisfaction (%)"),
            results.satisfaction if results.satisfaction is not None else "",
        )
    )
    rows = []
    for item in results.items:
        if not item.shown:
            rows.append(
                [
                    item.questionnaire,
                    item.theme,
                    item.label,
                    item.respondents,
                    "",
                    "",
                    "",
                    "",
                    _("moins de k répondants"),
                ]
            )
            continue
        counts: list[tuple[str, Any]] = list(item.counts) or [("", "")]
        for label, n in counts:
            rows.append(
                [
                    item.questionnaire,
                    item.theme,
                    item.label,
                    item.respondents,
                    label,
                    n,
                    item.mean,
                    item.satisfaction,
                    item.nps,
                ]
            )
    header = [
        _("Questionnaire"),
        _("Thème"),
        _("Question"),
        _("Répondants"),
        _("Réponse"),
        _("Nombre"),
        _("Moyenne"),
        _("Satisfaction (%)"),
        _("NPS"),
    ]
    return write_xlsx(
        [
            (_("Synthèse"), [_("Indicateur"), _("Valeur")], summary),
            (_("Questions"), header, rows),
            (_("Verbatims"), [_("Commentaire")], [[t] for t in results.verbatims]),
        ]
    )


def session_pdf(session: Session, results: Results) -> bytes:
    html = render_to_string(
        "feedback/summary_pdf.html",
        {
            "session": session,
            "results": results,
            "items": charts.item_charts(results),
            "generated_at": timezone.localtime(),
        },
    )
    return pdf.render(html, footer=journal_chain.footer(session.organisation_id))
