from typing import Any

from django.utils.translation import gettext as _

from parcours.core.cli import TableCommand
from parcours.core.models import Organisation
from parcours.improvement import selectors
from parcours.improvement.models import Action


class Command(TableCommand):
    help = (
        "Amélioration continue : `improvement table --output FICHIER.xlsx` écrit le tableau "
        "de suivi des améliorations (origine, responsable, dates, état, efficacité)."
    )
    table_help = "tableau de suivi des améliorations (XLSX)"

    def table(self, organisation: Organisation) -> tuple[list[str], Any, str, str]:
        actions = Action.objects.filter(organisation=organisation)
        return (
            selectors.table_header(),
            selectors.table_rows(actions, masked=False),
            _("Suivi des améliorations"),
            f"{actions.count()} action(s) écrite(s)",
        )
