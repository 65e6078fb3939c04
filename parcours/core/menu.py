"""The main menu, as data: each app registers its links in its `AppConfig.ready`.

A link belongs to one of four groups (Apprenants, Suivi, Qualité, Administration) and
says who sees it: a capability of `parcours.core.access.CAPABILITIES`, a set of roles, or
a predicate on the user (the safeguarding handlers, say). `base.html` loops over
`menu_for(request)`, so a later app (questionnaires, complaints, audit) adds one entry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parcours.core.access import CAPABILITIES, membership_of

GROUPS: dict[str, Promise] = {
    "apprenants": _("Apprenants"),
    "suivi": _("Suivi"),
    "qualite": _("Qualité"),
    "administration": _("Administration"),
}


@dataclass(frozen=True)
class MenuLink:
    group: str
    label: Promise
    url_name: str
    order: int = 100
    capability: str | None = None
    roles: frozenset[str] = frozenset()
    visible: Callable[[Any], bool] | None = None
    # Other view names (namespace:name) that light this link up as the current page.
    also_current: tuple[str, ...] = field(default_factory=tuple)

    def shown_to(self, user: Any, role: str) -> bool:
        if self.capability is not None and role not in CAPABILITIES[self.capability]:
            return False
        if self.roles and role not in self.roles:
            return False
        return self.visible is None or self.visible(user)


MENU: list[MenuLink] = []


def register(*links: MenuLink) -> None:
    """Add links to the menu (idempotent: `ready()` may run more than once in tests)."""
    for link in links:
        if link.group not in GROUPS:
            raise ValueError(f"unknown menu group {link.group!r}")
        if all(existing.url_name != link.url_name for existing in MENU):
            MENU.append(link)


def menu_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The groups the user sees, each with its links in order; the current one marked."""
    membership = membership_of(request.user)
    if membership is None:
        return []
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    groups: list[dict[str, Any]] = []
    for key, label in GROUPS.items():
        links = [
            {
                "label": link.label,
                "url": reverse(link.url_name),
                "current": current == link.url_name or current in link.also_current,
            }
            for link in sorted(MENU, key=lambda item: item.order)
            if link.group == key and link.shown_to(request.user, membership.role)
        ]
        if links:
            groups.append(
                {
                    "key": key,
                    "label": label,
                    "links": links,
                    "current": any(link["current"] for link in links),
                }
            )
    return groups
