from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.core.cli import organisation_option
from parcours.improvement import selectors
from parcours.improvement.models import Action
from parcours.lib import exports


class Command(BaseCommand):
    help = (
        "Amélioration continue : `improvement table --output FICHIER.xlsx` écrit le tableau "
        "de suivi des améliorations (origine, responsable, dates, état, efficacité)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        table = sub.add_parser("table", help="tableau de suivi des améliorations (XLSX)")
        table.add_argument("--output", required=True, help="fichier .xlsx à écrire")
        table.add_argument(
            "--organisation",
            help="identifiant court de l'organisation (facultatif s'il n'y en a qu'une)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("Le fichier de sortie doit se terminer par .xlsx.")
        organisation = organisation_option(options["organisation"])
        actions = Action.objects.filter(organisation=organisation)
        content = exports.xlsx_bytes(
            selectors.table_header(),
            selectors.table_rows(actions, masked=False),
            sheet=_("Suivi des améliorations"),
        )
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Écriture impossible : {error}") from None
        self.stdout.write(f"{actions.count()} action(s) écrite(s) dans {output}")
