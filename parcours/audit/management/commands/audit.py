from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parcours.audit import cli


class Command(BaseCommand):
    help = (
        "Audit Qualiopi : `audit pack --as-of D --output FICHIER.zip` écrit le dossier de "
        "preuves (un dossier par indicateur, MANIFEST.csv, SHA256SUMS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, item in sorted(cli.SUBCOMMANDS.items()):
            item.add_arguments(sub.add_parser(name, help=item.help))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        cli.run(self, action, **options)
