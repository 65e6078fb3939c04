"""The improvement plan's panel on the direction's dashboard: what awaits validation, what
is late, what awaits its effectiveness check."""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.improvement import selectors


def improvement_glance(membership: Membership, now: dt.datetime) -> dict[str, Any] | None:
    glance = selectors.glance(membership.organisation, timezone.localtime(now).date())
    counts = {
        "to_validate": len(glance.to_validate),
        "late": len(glance.late),
        "to_check": len(glance.to_check),
        "not_effective": len(glance.not_effective),
    }
    if not any(counts.values()):
        return None
    return {"improvement": counts}


def register() -> None:
    register_panel(
        Panel(
            "improvement.glance",
            "dashboard/improvement.html",
            improvement_glance,
            frozenset({Role.DIRECTION, Role.QUALITE}),
            40,
        )
    )
