"""`parcours audit readiness --as-of D [--format json]`: readiness per indicator."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from parcours.audit import readiness
from parcours.audit.cli import subcommand
from parcours.audit.cli.pack import as_of_date
from parcours.core.cli import organisation_option


def common_arguments(parser: CommandParser) -> None:
    parser.add_argument("--as-of", dest="as_of", required=True, help="AAAA-MM-JJ")
    parser.add_argument("--format", choices=["json", "text"], default="text")
    parser.add_argument(
        "--organisation",
        help=_("identifiant court de l'organisation (facultatif s'il n'y en a qu'une)"),
    )


@subcommand("readiness", "préparation de l'audit, par indicateur", common_arguments)
def handle(command: BaseCommand, **options: Any) -> None:
    command.stdout.write(_readiness(options))


def _readiness(options: dict[str, Any]) -> str:
    organisation = organisation_option(options["organisation"])
    result = readiness.readiness(organisation, as_of_date(options["as_of"]))
    if options["format"] == "json":
        return json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
    lines = [
        _("Préparation de l'audit au %(day)s (%(version)s)")
        % {"day": result.as_of.strftime("%d/%m/%Y"), "version": result.version.code}
    ]
    for row in result.rows:
        lines.append(f"I{row.indicator.number:<3} {row.label:<22} {row.missing}")
    return "\n".join(lines)
