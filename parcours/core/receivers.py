"""Signal receivers of core: a locked login is journaled."""

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver

from parcours.core import journal
from parcours.core.models import User


@receiver(user_locked_out, dispatch_uid="parcours.core.login_locked")
def journal_login_lock(
    sender: Any, request: Any, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    """Who was locked out, in the journal of the account's organisation (if it has one)."""
    user = User.objects.filter(email__iexact=username or "").first() if username else None
    membership = getattr(user, "membership", None) if user else None
    if user is None or membership is None:
        return  # an unknown address: nothing of any organisation to journal
    # Once per lock: the attempts refused while it lasts would otherwise flood the journal.
    lock_key = f"auth.login_locked:{user.pk}"
    if not cache.add(lock_key, 1, int(settings.AXES_COOLOFF_TIME.total_seconds())):
        return
    journal.record_event(
        "auth.login_locked",
        organisation=membership.organisation,
        acting_user=None,
        obj=user,
        data={"compte": user.email, "adresse_ip": ip_address},
    )
