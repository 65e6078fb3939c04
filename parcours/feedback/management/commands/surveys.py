import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.core.cli import organisation_option
from parcours.feedback import selectors


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : {value!r} (attendu AAAA-MM-JJ)") from None


class Command(BaseCommand):
    help = (
        "Questionnaires : `surveys coverage --from D1 --to D2` indique, pour chaque session "
        "terminée dans la période et chaque public, combien ont été sollicités, relancés, "
        "répondants et non sollicitables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        cov = sub.add_parser("coverage", help="couverture des parties prenantes sollicitées")
        cov.add_argument("--from", dest="date_from", required=True, help="AAAA-MM-JJ")
        cov.add_argument("--to", dest="date_to", required=True, help="AAAA-MM-JJ")
        cov.add_argument("--format", choices=["json", "text"], default="text")
        cov.add_argument(
            "--organisation",
            help="identifiant court de l'organisation (facultatif s'il n'y en a qu'une)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_option(options["organisation"])
        start, end = _date(options["date_from"]), _date(options["date_to"])
        if end < start:
            raise CommandError("La fin de la période précède son début.")
        rows = selectors.coverage(organisation, start, end)
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(selectors.coverage_json(rows), ensure_ascii=False, indent=2)
            )
            return
        for row in rows:
            parts = [
                f"{a}: {r.answered}/{r.asked} rép., {r.reminded} relancé(s), {r.unreachable} non sollicitable(s)"
                for a, r in row.audiences.items()
            ]
            self.stdout.write(
                f"{row.session.title} ({row.session.end_date:%d/%m/%Y}) — " + " ; ".join(parts)
            )
