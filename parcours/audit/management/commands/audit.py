from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parcours.audit import cli


class Command(BaseCommand):
    help = (
        "Audit : `audit readiness --as-of D` (préparation par indicateur), "
        "`audit mock --as-of D --seed S [--sample N]` (audit blanc)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        cli.add_parsers(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        output = cli.handle(options["action"], options)
        if output:
            self.stdout.write(output)
