from typing import Any

from django.utils.translation import gettext as _

from parcours.core.cli import TableCommand
from parcours.core.models import Organisation
from parcours.feedback.complaints import selectors
from parcours.feedback.complaints.models import Complaint


class Command(TableCommand):
    help = (
        "Réclamations : `complaints table --output FICHIER.xlsx` écrit le tableau de suivi "
        "des réclamations (dates, délais, respect des délais)."
    )
    table_help = "tableau de suivi des réclamations (XLSX)"

    def table(self, organisation: Organisation) -> tuple[list[str], Any, str, str]:
        complaints = Complaint.objects.filter(organisation=organisation)
        return (
            selectors.table_header(),
            selectors.table_rows(complaints, masked=False),
            _("Suivi des réclamations"),
            f"{complaints.count()} entrée(s) écrite(s)",
        )
