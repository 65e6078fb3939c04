import argparse
import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.demo.builder import (
    DEFAULT_LEARNERS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_SLUG,
    Login,
    build_demo,
    demo_logins,
    demo_organisation,
)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"nombre entier positif attendu, pas « {value} »")
    return int(value)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date attendue au format AAAA-MM-JJ, pas « {value} »"
        ) from None


class Command(BaseCommand):
    help = (
        "Crée l'organisation de démonstration (identifiant « demo ») avec ses formations, "
        "sessions, apprenants et inscriptions, puis affiche un compte par rôle."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--learners",
            type=_positive,
            default=DEFAULT_LEARNERS,
            help=f"nombre d'apprenants (par défaut {DEFAULT_LEARNERS})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="graine du tirage : même graine et même date, mêmes données",
        )
        parser.add_argument(
            "--today",
            type=_date,
            help="date de référence AAAA-MM-JJ (par défaut aujourd'hui)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="si la démonstration existe déjà, réafficher les comptes sans rien recréer",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        existing = demo_organisation()
        if existing is not None:
            if not options["if_empty"]:
                raise CommandError(
                    f"L'organisation de démonstration (identifiant « {DEMO_SLUG} ») existe déjà : "
                    "rien n'a été modifié. Ajoutez --if-empty pour réafficher les comptes, "
                    "ou repartez d'une base vide."
                )
            self.stdout.write(f"La démonstration existe déjà : {existing.name}.")
            self._print_logins(demo_logins(existing))
            return
        started = time.monotonic()
        try:
            result = build_demo(
                learners=options["learners"],
                seed=options["seed"],
                today=options["today"] or timezone.localdate(),
            )
        except ValidationError as exc:
            raise CommandError(f"Démonstration impossible : {'; '.join(exc.messages)}") from exc
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Démonstration créée en {time.monotonic() - started:.1f} s : "
                f"{result.organisation.name}, {counts['programmes']} formations, "
                f"{counts['sessions']} sessions, {counts['slots']} séances, "
                f"{counts['learners']} apprenants, {counts['enrolments']} inscriptions, "
                f"{counts['marks']} présences relevées, {counts['employers']} employeurs."
            )
        )
        absentees = ngettext(
            "%(n)d apprenant absent à ses dernières séances",
            "%(n)d apprenants absents à leurs dernières séances",
            counts["absentees"],
        ) % {"n": counts["absentees"]}
        inactive = ngettext(
            "%(n)d inactif sur la plateforme",
            "%(n)d inactifs sur la plateforme",
            counts["inactive"],
        ) % {"n": counts["inactive"]}
        self.stdout.write(
            _(
                "Procédure de relance : %(absentees)s et %(inactive)s ; "
                "« parcours worker --once » ouvre leurs dossiers de suivi et envoie les "
                "premières relances."
            )
            % {"absentees": absentees, "inactive": inactive}
        )
        self._print_logins(result.logins)

    def _print_logins(self, logins: list[Login]) -> None:
        rows = [("Rôle", "Adresse e-mail", "Nom")]
        for login in logins:
            name = login.name
            if login.expires_at is not None:
                until = timezone.localtime(login.expires_at)
                name += f" (accès jusqu'au {until:%d/%m/%Y})"
            rows.append((login.role_label, login.email, name))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration — mot de passe commun : {DEMO_PASSWORD}")
        self.stdout.write("")
        for k, row in enumerate(rows):
            self.stdout.write(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if k == 0:
                self.stdout.write("  " + "  ".join("─" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Connexion : {settings.SITE_URL}{reverse('login')}")
