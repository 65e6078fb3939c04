"""The one way anyone reaches a report: being an active designated handler of its
organisation. Everyone else (direction included, unless designated) gets a 404."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from parcours.core.access import STAFF, membership_of
from parcours.core.models import Membership
from parcours.safeguarding.models import Report, SafeguardingHandler

# Who may be designated: staff of the organisation (never a tutor, learner or auditor).
DESIGNABLE_ROLES = STAFF


def handler_membership(user: Any) -> Membership | None:
    """The user's membership if they are an active designated handler, else None."""
    membership = membership_of(user)
    if membership is None or membership.role not in DESIGNABLE_ROLES:
        return None
    active = SafeguardingHandler.objects.filter(
        organisation=membership.organisation, user=user, active=True
    ).exists()
    return membership if active else None


def is_handler(user: Any) -> bool:
    return handler_membership(user) is not None


def reports_for_handler(user: Any) -> QuerySet[Report]:
    """The reports the user may read: their organisation's if they are a handler, else none."""
    membership = handler_membership(user)
    if membership is None:
        return Report.objects.none()
    return Report.objects.filter(organisation=membership.organisation)


def get_report_for_handler(user: Any, pk: Any) -> Report:
    """One report of the handler's organisation; 404 for anyone else, whoever they are."""
    try:
        return (
            reports_for_handler(user)
            .select_related("organisation", "reporter_user", "reporter_learner")
            .get(pk=int(pk))
        )
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in with a valid membership, whatever the role."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if membership_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def handler_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in as an active designated handler; 404 otherwise (nothing to see here)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_handler(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
