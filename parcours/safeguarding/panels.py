"""Safeguarding's panel on the direction's dashboard: « aucun référent désigné »."""

import datetime as dt
from typing import Any

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.safeguarding.services import active_handler_emails


def no_handler(membership: Membership, now: dt.datetime) -> dict[str, Any] | None:
    """Shown until the organisation has someone to read its reports."""
    if active_handler_emails(membership.organisation):
        return None
    return {"can_designate": membership.role == Role.DIRECTION}


def register() -> None:
    register_panel(
        Panel(
            "safeguarding.no_handler",
            "dashboard/no_handler.html",
            no_handler,
            frozenset({Role.DIRECTION, Role.QUALITE}),
            10,
        )
    )
