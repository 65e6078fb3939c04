"""`parcours audit pack --as-of D --output FILE.zip [--seed S] [--sample N]`: the evidence
pack, written at once. Without --seed nor --sample, the sample is the latest mock audit's
as of D (or a draw with seed 1 when there is none)."""

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.audit.cli import subcommand
from parcours.audit.pack import builder
from parcours.audit.services.mock import MAX_SAMPLE
from parcours.core.cli import organisation_option


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
        "--seed",
        type=int,
        help="graine du tirage de l'échantillon, comme l'audit blanc (par défaut : "
        "l'échantillon du dernier audit blanc à cette date, sinon la graine 1)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        help="taille de l'échantillon : sessions par catégorie et apprenants par session",
    )
    parser.add_argument("--organisation", help="identifiant court de l'organisation")


@subcommand("pack", "dossier de preuves (ZIP, empreintes SHA-256)", _arguments)
def handle(command: BaseCommand, **options: Any) -> None:
    as_of = as_of_date(options["as_of"])
    output = Path(options["output"])
    if output.suffix.lower() != ".zip":
        raise CommandError(_("Le fichier de sortie doit se terminer par .zip."))
    organisation = organisation_option(options.get("organisation"))
    seed, size = options.get("seed"), options.get("sample")
    if seed is not None and seed < 0:
        raise CommandError(_("La graine est un entier positif."))
    if size is not None and not 1 <= size <= MAX_SAMPLE:
        raise CommandError(_("L'échantillon va de 1 à %(max)d.") % {"max": MAX_SAMPLE})
    try:
        result = builder.build(
            organisation,
            as_of=as_of,
            output=output,
            seed=seed,
            sample_size=size,
            progress=_Timings(command) if options.get("verbosity", 1) >= 2 else None,
        )
    except OSError as error:
        raise CommandError(_("Écriture impossible : %(error)s") % {"error": error}) from None
    command.stdout.write(
        _("%(n)s fichier(s) écrit(s) dans %(path)s · sha256 %(sha)s")
        % {"n": len(result.files) + 1, "path": output, "sha": result.sha256}
    )
