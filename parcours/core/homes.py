"""The home page of a role, when an app above core owns it (the learner's portal).

core cannot import those apps: each registers its page in its `AppConfig.ready`. A page
returns None to leave the visitor on core's default home.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HomePage = Callable[[HttpRequest], HttpResponse | None]

_homes: dict[str, HomePage] = {}


def register_home(role: str, page: HomePage) -> None:
    _homes[role] = page


def home_page(request: HttpRequest, role: str) -> HttpResponse | None:
    page = _homes.get(role)
    return page(request) if page is not None else None
