from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.core import journal
from parcours.core.models import Organisation


class Command(BaseCommand):
    help = "Journal infalsifiable : `journal verify` recalcule toute la chaîne et nomme la première entrée altérée."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="vérifier l'intégrité du journal")
        verify.add_argument("--organisation", help="identifiant court (slug) d'une organisation")

    def handle(
        self, *args: Any, action: str, organisation: str | None = None, **options: Any
    ) -> None:
        org_id = None
        if organisation:
            org = Organisation.objects.filter(slug=organisation).first()
            if org is None:
                raise CommandError(f"Organisation inconnue : {organisation}")
            org_id = org.pk
        result = journal.verify(org_id)
        if not result.ok:
            raise CommandError(f"Journal altéré — {result.problems[0]}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Journal intègre : {result.entries} entrée(s) dans {result.chains} chaîne(s)."
            )
        )
