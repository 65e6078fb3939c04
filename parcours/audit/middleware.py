"""The auditor's space is read-only, time-limited and watched.

For a user whose membership is an auditor's: every request other than a read (GET, HEAD,
OPTIONS) is refused with 403, whatever the page (logging out excepted); an expired
auditor is refused everywhere; every page they open is journaled (`audit.page_viewed`,
with its path) — the one documented exception to "a GET writes nothing".
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from parcours.audit import services
from parcours.core.access import membership_of
from parcours.core.models import Membership, Role

READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _expired_auditor(user: Any) -> bool:
    return Membership.objects.filter(
        user=user, role=Role.AUDITEUR, expires_at__lte=timezone.now()
    ).exists()


class AuditorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        membership = membership_of(user)
        if request.path == reverse("logout"):
            return self.get_response(request)
        if membership is None:
            if _expired_auditor(user):  # the same page as core's home for a closed access
                return render(request, "core/no_membership.html", status=403)
            return self.get_response(request)
        if membership.role != Role.AUDITEUR:
            return self.get_response(request)
        if request.method not in READS:
            raise PermissionDenied
        response = self.get_response(request)
        services.record_page_view(
            membership, acting_user=user, path=request.get_full_path(), status=response.status_code
        )
        return response
