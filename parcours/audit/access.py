"""The one way audit views reach their objects: through the user's organisation."""

from typing import Any

from parcours.audit.models import EvidencePack
from parcours.core.access import get_scoped, scoped
from parcours.core.models import Membership, Role


def packs_for_user(user: Any) -> Any:
    return scoped(user, EvidencePack.objects.select_related("created_by"), "audit.view")


def get_pack_for_user(user: Any, pk: int) -> EvidencePack:
    return get_scoped(user, EvidencePack.objects.all(), "audit.view", pk=pk)


def auditors_for_user(user: Any) -> Any:
    return scoped(
        user, Membership.objects.select_related("user").filter(role=Role.AUDITEUR), "audit.grant"
    ).order_by("-expires_at", "user__email")


def get_auditor_for_user(user: Any, pk: int) -> Membership:
    return get_scoped(
        user,
        Membership.objects.select_related("user", "organisation").filter(role=Role.AUDITEUR),
        "audit.grant",
        pk=pk,
    )
