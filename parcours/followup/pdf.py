"""The procedure as a PDF document (WeasyPrint): what the auditor reads and staff know.

Title, organisation, version, who validated it and when, each trigger with its steps in
a table, and the history of every version (dates, editor, validator, change note).
"""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from parcours.core import journal_chain
from parcours.followup import selectors
from parcours.followup.models import ProcedureVersion
from parcours.lib.pdf import render


def procedure_document(version: ProcedureVersion, *, generated_at: dt.datetime) -> bytes:
    organisation = version.procedure.organisation
    return render(
        render_to_string(
            "followup/procedure_pdf.html",
            {
                "organisation": organisation,
                "procedure": version.procedure,
                "version": version,
                "triggers": selectors.triggers_with_steps(version),
                "history": list(selectors.versions(organisation).order_by("-number")),
                "generated_at": timezone.localtime(generated_at),
            },
        ),
        footer=journal_chain.footer(organisation.pk),
    )
