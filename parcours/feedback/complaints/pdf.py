"""The complaints procedure as a PDF: one version's text with the history of the versions
that were in force (who drafted, who validated, when). Used by the views and by the
audit's evidence pack."""

import datetime as dt
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils import timezone

from parcours.core import journal_chain
from parcours.feedback.complaints import selectors
from parcours.feedback.complaints.models import ComplaintProcedure
from parcours.lib import pdf


def procedure_document(
    version: ComplaintProcedure,
    *,
    generated_at: dt.datetime | None = None,
    history: Iterable[ComplaintProcedure] | None = None,
) -> bytes:
    organisation = version.organisation
    html = render_to_string(
        "feedback/complaints/procedure_pdf.html",
        {
            "organisation": organisation,
            "version": version,
            "blocks": selectors.procedure_blocks(version),
            "history": selectors.published_versions(organisation) if history is None else history,
            "generated_at": timezone.localtime(generated_at),
        },
    )
    return pdf.render(html, footer=journal_chain.footer(organisation.pk))
