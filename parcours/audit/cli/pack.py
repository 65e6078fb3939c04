"""`parcours audit pack --as-of D --output FILE.zip`: the evidence pack, written at once."""

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.audit.cli import subcommand
from parcours.audit.pack import builder
from parcours.core.cli import organisation_option
from parcours.programmes.models import Session


def as_of_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("Date invalide : %(value)s (format attendu AAAA-MM-JJ).") % {"value": text}
        ) from None


class _Timings:
    """With -v 2, the time each step of the build took (what the bench prints)."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.label = ""
        self.started = time.perf_counter()

    def __call__(self, percent: int, label: str) -> None:
        now = time.perf_counter()
        if self.label:
            self.command.stdout.write(f"  {self.label} : {now - self.started:.1f} s")
        self.label, self.started = label, now


def _arguments(parser: CommandParser) -> None:
    parser.add_argument("--as-of", required=True, help="date de référence (AAAA-MM-JJ)")
    parser.add_argument("--output", required=True, help="fichier .zip à écrire")
    parser.add_argument(
        "--sessions",
        help="identifiants externes des sessions de l'échantillon, séparés par des virgules "
        "(par défaut : les sessions terminées dans les 12 mois, 20 au plus)",
    )
    parser.add_argument("--organisation", help="identifiant court de l'organisation")


@subcommand("pack", "dossier de preuves (ZIP, empreintes SHA-256)", _arguments)
def handle(command: BaseCommand, **options: Any) -> None:
    as_of = as_of_date(options["as_of"])
    output = Path(options["output"])
    if output.suffix.lower() != ".zip":
        raise CommandError(_("Le fichier de sortie doit se terminer par .zip."))
    organisation = organisation_option(options.get("organisation"))
    session_ids = None
    if options.get("sessions"):
        wanted = [s.strip() for s in options["sessions"].split(",") if s.strip()]
        found = dict(
            Session.objects.filter(organisation=organisation, external_id__in=wanted).values_list(
                "external_id", "pk"
            )
        )
        missing = [s for s in wanted if s not in found]
        if missing:
            raise CommandError(_("Sessions inconnues : %(ids)s") % {"ids": ", ".join(missing)})
        session_ids = [found[s] for s in wanted]
    try:
        result = builder.build(
            organisation,
            as_of=as_of,
            output=output,
            session_ids=session_ids,
            progress=_Timings(command) if options.get("verbosity", 1) >= 2 else None,
        )
    except OSError as error:
        raise CommandError(_("Écriture impossible : %(error)s") % {"error": error}) from None
    command.stdout.write(
        _("%(n)s fichier(s) écrit(s) dans %(path)s · sha256 %(sha)s")
        % {"n": len(result.files) + 1, "path": output, "sha": result.sha256}
    )
