from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from parcours.core import journal_chain
from parcours.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Journal infalsifiable : `journal verify` recalcule chaque chaîne et nomme la "
        "première entrée altérée ; `journal head` imprime la tête de chaque chaîne, à "
        "conserver hors de la base et à redonner à `journal verify --anchor FICHIER`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="vérifier l'intégrité du journal")
        verify.add_argument("--organisation", help="identifiant court (slug) d'une organisation")
        verify.add_argument(
            "--anchor",
            metavar="FICHIER",
            help="têtes conservées (sortie de `journal head`) que le journal doit prolonger",
        )
        head = sub.add_parser("head", help="imprimer la tête de chaque chaîne (à conserver)")
        head.add_argument("--organisation", help="identifiant court (slug) d'une organisation")

    def handle(
        self,
        *args: Any,
        action: str,
        organisation: str | None = None,
        anchor: str | None = None,
        **options: Any,
    ) -> None:
        org_id = None
        if organisation:
            org = Organisation.objects.filter(slug=organisation).first()
            if org is None:
                raise CommandError(f"Organisation inconnue : {organisation}")
            org_id = org.pk
        if action == "head":
            names = {
                journal_chain.chain_key(pk): name
                for pk, name in Organisation.objects.values_list("pk", "name")
            }
            text = journal_chain.anchor_text(
                journal_chain.heads(org_id), as_of=timezone.now(), names=names
            )
            self.stdout.write(text, ending="")
            return
        anchors = self._anchors(anchor) if anchor else []
        result = journal_chain.verify(org_id, anchors=anchors)
        if not result.ok:
            raise CommandError(f"Journal altéré — {result.problems[0]}")
        message = f"Journal intègre : {result.entries} entrée(s) dans {result.chains} chaîne(s)."
        if anchor:
            message += f" Il prolonge les {result.anchors} tête(s) conservée(s) dans {anchor}."
        self.stdout.write(self.style.SUCCESS(message))

    def _anchors(self, path: str) -> list[journal_chain.Head]:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Fichier d'ancrage illisible : {path} ({exc})") from exc
        try:
            return journal_chain.parse_anchors(text)
        except journal_chain.AnchorError as exc:
            raise CommandError(f"Fichier d'ancrage {path} : {exc}") from exc
