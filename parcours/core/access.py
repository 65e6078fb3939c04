"""Who may do what, and the one way views reach objects: through the user's organisation.

A user of organisation A never sees, guesses or alters anything of organisation B:
lookups are filtered by organisation and answer 404, never another tenant's data.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from parcours.core.models import Membership, Organisation, Role

M = TypeVar("M", bound=models.Model)

STAFF = {Role.DIRECTION, Role.QUALITE, Role.SUIVI}
CAPABILITIES: dict[str, set[str]] = {
    # Staff back office: programmes, sessions, learners, enrolments.
    "records.view": {*STAFF, Role.AUDITEUR},
    "records.edit": set(STAFF),
    "records.import": {Role.DIRECTION, Role.QUALITE},
    "journal.view": {Role.DIRECTION, Role.QUALITE, Role.AUDITEUR},
    "organisation.manage": {Role.DIRECTION},
    # Early warning: recalibrating the risk model and setting the level thresholds.
    "risk.calibrate": {Role.DIRECTION, Role.QUALITE},
    # Dropout-prevention procedure: the référent qualité writes it, direction validates it.
    "procedure.edit": {Role.QUALITE},
    "procedure.validate": {Role.DIRECTION},
    # Questionnaires (I30): the référent qualité and the direction write and publish them.
    "surveys.edit": {Role.DIRECTION, Role.QUALITE},
    # Follow-up cases and their interactions.
    "cases.work": set(STAFF),
    # Message templates and the outbox.
    "messaging.manage": {Role.DIRECTION, Role.QUALITE},
    # Continuous improvement (I32): actions, reviews and the quality risk register. The
    # référent qualité and the direction write; the direction validates actions.
    "improvement.view": {*STAFF, Role.AUDITEUR},
    "improvement.edit": {Role.DIRECTION, Role.QUALITE},
    "improvement.validate": {Role.DIRECTION},
    # Audit readiness, mock audits and evidence packs; granting the auditor's access.
    "audit.view": {Role.DIRECTION, Role.QUALITE, Role.AUDITEUR},
    "audit.run": {Role.DIRECTION, Role.QUALITE},
    "audit.grant": {Role.DIRECTION},
}


def membership_of(user: Any) -> Membership | None:
    """The user's valid membership, or None (anonymous, none, or expired)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, "_parcours_membership"):
        cached: Membership | None = user._parcours_membership
        return cached
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    if membership is not None and not membership.is_valid_at(timezone.now()):
        membership = None
    user._parcours_membership = membership
    return membership


def can(user: Any, capability: str) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in CAPABILITIES[capability]


def require(user: Any, capability: str) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role not in CAPABILITIES[capability]:
        raise PermissionDenied
    return membership


def organisation_for(user: Any, capability: str = "records.view") -> Organisation:
    return require(user, capability).organisation


def scoped(
    user: Any, queryset: models.QuerySet[M], capability: str = "records.view"
) -> models.QuerySet[M]:
    """The queryset restricted to the user's organisation (which they must be allowed to see)."""
    return queryset.filter(organisation=organisation_for(user, capability))


def get_scoped(
    user: Any, queryset: models.QuerySet[M], capability: str = "records.view", **lookup: Any
) -> M:
    """One object of the user's organisation, or 404: never one of another organisation."""
    try:
        return get_object_or_404(scoped(user, queryset, capability), **lookup)
    except (ValueError, TypeError):
        raise Http404 from None


def capability_required(
    capability: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: logged in, with a valid membership whose role has the capability."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
