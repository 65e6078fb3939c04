"""The login throttle: django-axes' backend, for the login form only.

django-axes counts failed logins per account and per address and refuses a locked one,
even with the right password. Its backend insists on the request; an authentication
without one (a command, a test's client.login) is not a guess over the network, so it is
left to the next backend.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parcours.core.throttle import client_address


class ThrottledBackend(AxesStandaloneBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for django-axes (None when there is none, as in tests)."""
    return client_address(request) or None


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked login: the French page, 429 Too Many Requests."""
    cooloff = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(cooloff.total_seconds() // 60),
        },
        status=429,
    )
