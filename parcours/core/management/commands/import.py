"""`parcours import KIND FILE [--organisation SLUG] [--dry-run]`: import an exchange file."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.core.cli import organisation_option
from parcours.core.imports import IMPORTERS, cli_label, run_import


class Command(BaseCommand):
    help = (
        "Importe un fichier CSV ou XLSX (sessions, apprenants, inscriptions...) : tout ou "
        "rien, les lignes étant rapprochées par leurs identifiants externes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(IMPORTERS), help="type de fichier")
        parser.add_argument("file", type=Path, help="fichier CSV (UTF-8, virgule) ou XLSX")
        parser.add_argument(
            "--organisation",
            help="identifiant court de l'organisation (facultatif s'il n'y en a qu'une)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="vérifier le fichier et dire ce qui serait fait, sans rien écrire",
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: Path,
        organisation: str | None,
        dry_run: bool,
        **options: Any,
    ) -> None:
        org = organisation_option(organisation)
        if not file.is_file():
            raise CommandError(_("Fichier introuvable : %(path)s") % {"path": file})
        report = run_import(
            kind,
            file,
            organisation=org,
            acting_user=None,
            filename=file.name,
            dry_run=dry_run,
            progress=self._progress_printer(),
            label=cli_label(),
        )
        if not report.ok:
            raise CommandError(report.error_summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if report.warnings:
            self.stdout.write(self.style.WARNING(report.warning_summary()))

    def _progress_printer(self) -> Any:
        """A progress line on stderr, when it is a terminal, at most a few times a second."""
        stream = self.stderr
        if not stream.isatty():
            return None
        last = 0.0

        def show(done: int, total: int, label: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < 0.2 and done < total:
                return
            last = now
            end = "\n" if done >= total else ""
            stream.write(f"\r{label} : {done} / {total}\x1b[K", style_func=str, ending=end)
            stream.flush()

        return show
