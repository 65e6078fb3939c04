"""The prevention procedure as a PDF (WeasyPrint): the version in force, who to contact,
and the history of the versions."""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from parcours.core import journal_chain
from parcours.lib.pdf import render
from parcours.safeguarding import selectors
from parcours.safeguarding.models import PreventionProcedure, Report


def procedure_document(version: PreventionProcedure, *, generated_at: dt.datetime) -> bytes:
    organisation = version.organisation
    return render(
        render_to_string(
            "safeguarding/procedure_pdf.html",
            {
                "organisation": organisation,
                "version": version,
                "blocks": selectors.procedure_blocks(version.body),
                "handlers": selectors.active_handlers(organisation),
                "history": selectors.procedure_history(organisation),
                "generated_at": timezone.localtime(generated_at),
            },
        ),
        footer=journal_chain.footer(organisation.pk),
    )


def report_document(report: Report, *, generated_at: dt.datetime) -> bytes:
    """A report's file, for the handlers (e.g. to refer the case to the authorities)."""
    return render(
        render_to_string(
            "safeguarding/report_pdf.html",
            {
                "report": report,
                "transitions": report.transitions.select_related("by"),
                "measures": report.measures.select_related("recorded_by"),
                "thread": report.messages.select_related("author"),
                "generated_at": timezone.localtime(generated_at),
            },
        ),
        footer=journal_chain.footer(report.organisation_id),
    )
