"""Small helpers shared by the `parcours` management commands."""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.core.models import Organisation
from parcours.lib import exports


def organisation_option(slug: str | None) -> Organisation:
    """The organisation named by --organisation, or the only one there is."""
    if slug:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(_("Organisation inconnue : %(slug)s") % {"slug": slug})
        return org
    orgs = list(Organisation.objects.order_by("slug")[:21])
    if not orgs:
        raise CommandError(
            _("Aucune organisation : créez-en une avec « parcours organisation create ».")
        )
    if len(orgs) > 1:
        raise CommandError(
            _("Plusieurs organisations existent : précisez --organisation (%(slugs)s).")
            % {"slugs": ", ".join(o.slug for o in orgs[:20])}
        )
    return orgs[0]


class TableCommand(BaseCommand):
    """`parcours <command> table --output FILE.xlsx [--organisation SLUG]`: one tracking
    table (complaints, improvement actions...) written through the safe XLSX writer.
    A subclass names it (`table_help`) and gives its header, rows, sheet and summary line."""

    table_help = ""

    def table(self, organisation: Organisation) -> tuple[list[str], Iterable[Any], str, str]:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        table = sub.add_parser("table", help=self.table_help)
        table.add_argument("--output", required=True, help="fichier .xlsx à écrire")
        table.add_argument(
            "--organisation",
            help="identifiant court de l'organisation (facultatif s'il n'y en a qu'une)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("Le fichier de sortie doit se terminer par .xlsx.")
        header, rows, sheet, summary = self.table(organisation_option(options["organisation"]))
        content = exports.xlsx_bytes(header, rows, sheet=sheet)
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Écriture impossible : {error}") from None
        self.stdout.write(f"{summary} dans {output}")
