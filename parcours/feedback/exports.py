"""The XLSX export of results and the PDF summary of a session. Both are built from
`selectors.results`, so the k rule holds in them exactly as in the pages.

The XLSX goes through the product's one safe writer (`parcours.lib.exports`).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal_chain
from parcours.feedback import charts
from parcours.feedback.selectors import Results
from parcours.lib import exports, pdf
from parcours.programmes.models import Session


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """The workbook, through the product's one safe writer (formula cells neutralised)."""
    return exports.xlsx_book(sheets)


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
