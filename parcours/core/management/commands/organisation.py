from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from parcours.core.models import Organisation, Role
from parcours.core.services import create_member, create_organisation


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k} : {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Crée une organisation (`organisation create`) ou un compte rattaché (`organisation add-member`)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="créer une organisation")
        create.add_argument("--name", required=True, help="raison sociale")
        create.add_argument(
            "--slug", required=True, help="identifiant court (lettres, chiffres, tirets)"
        )
        create.add_argument("--siret", default="")
        create.add_argument("--nda", default="", help="numéro de déclaration d'activité")
        member = sub.add_parser(
            "add-member", help="créer un compte et son rôle dans une organisation"
        )
        member.add_argument(
            "--organisation", required=True, help="identifiant court de l'organisation"
        )
        member.add_argument("--email", required=True)
        member.add_argument("--role", required=True, choices=Role.values)
        member.add_argument("--first-name", default="")
        member.add_argument("--last-name", default="")
        member.add_argument("--expires-at", help="fin de l'accès (auditeurs), AAAA-MM-JJTHH:MM")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "create":
                org = create_organisation(
                    acting_user=None,
                    name=options["name"],
                    slug=options["slug"],
                    siret=options["siret"],
                    nda=options["nda"],
                )
                self.stdout.write(
                    self.style.SUCCESS(f"Organisation créée : {org.name} ({org.slug})")
                )
            else:
                self._add_member(**options)
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc

    def _add_member(self, **options: Any) -> None:
        org = Organisation.objects.filter(slug=options["organisation"]).first()
        if org is None:
            raise CommandError(f"Organisation inconnue : {options['organisation']}")
        expires_at = None
        if options.get("expires_at"):
            expires_at = parse_datetime(options["expires_at"])
            if expires_at is None:
                raise CommandError("--expires-at : date invalide (format AAAA-MM-JJTHH:MM)")
        membership = create_member(
            org,
            acting_user=None,
            email=options["email"],
            role=options["role"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            expires_at=expires_at,
        )
        user = membership.user
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        self.stdout.write(
            self.style.SUCCESS(f"Compte créé : {user.email} ({membership.get_role_display()})")
        )
        self.stdout.write(f"Lien pour choisir son mot de passe : {settings.SITE_URL}{path}")
