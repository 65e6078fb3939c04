"""API tokens: one per user, rotated (the old one stops working), journaled without the key."""

from django.db import transaction
from rest_framework.authtoken.models import Token

from parcours.core import journal
from parcours.core.access import membership_of
from parcours.core.models import User


@transaction.atomic
def rotate_token(user: User, *, acting_user: User | None) -> Token:
    """A new API token for the user; the previous one, if any, is revoked."""
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    membership = membership_of(user)
    journal.record_event(
        "api.token_rotated" if replaced else "api.token_created",
        organisation=membership.organisation if membership else None,
        acting_user=acting_user,
        obj=user,
    )
    return token
