from typing import Any

from django.http import HttpRequest

from parcours.core.access import CAPABILITIES, membership_of
from parcours.core.menu import menu_for


def membership(request: HttpRequest) -> dict[str, Any]:
    m = membership_of(request.user)
    role = m.role if m else None
    return {
        "membership": m,
        "organisation": m.organisation if m else None,
        "caps": {name for name, roles in CAPABILITIES.items() if role in roles},
        "menu": menu_for(request),
    }
