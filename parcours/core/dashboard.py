"""The direction's dashboard is made of panels, each given by the app that owns its figures.

Core cannot read followup's or messaging's tables (layer order): each app registers its
panels in `AppConfig.ready`. A panel is a template and a function that returns its
context, or None when it has nothing to show for this member.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parcours.core.models import Membership

PanelContext = Callable[[Membership, dt.datetime], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: PanelContext
    roles: frozenset[str]
    order: int = 100


PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    PANELS[panel.key] = panel


def panels_for(membership: Membership, now: dt.datetime) -> list[dict[str, Any]]:
    """The panels this member sees, in order, each as {"template", "key", and its context}."""
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        if membership.role not in panel.roles:
            continue
        context = panel.context(membership, now)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, **context})
    return shown
