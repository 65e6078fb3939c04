from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.api.services import rotate_token
from parcours.core.models import User


class Command(BaseCommand):
    help = "API REST : `api token --email E` crée ou renouvelle le jeton d'API d'un compte et l'affiche."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser(
            "token", help="créer ou renouveler le jeton d'un compte (l'ancien est révoqué)"
        )
        token.add_argument("--email", required=True, help="adresse e-mail du compte")

    def handle(self, *args: Any, action: str, email: str, **options: Any) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Compte inconnu : {email}")
        if not user.is_active:
            raise CommandError(f"Compte désactivé : {email}")
        token = rotate_token(user, acting_user=None)
        # The key alone on stdout, so that scripts can capture it.
        self.stdout.write(token.key)
        self.stderr.write(
            "Jeton à transmettre dans l'en-tête « Authorization: Token <jeton> » ; "
            "l'ancien jeton ne fonctionne plus."
        )
