"""The programmes' panel on the dashboard: running and upcoming sessions."""

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.programmes.models import Session


def sessions(membership: Membership, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    mine = Session.objects.filter(organisation=membership.organisation)
    return {
        "running": list(
            mine.running_on(today)
            .select_related("programme")
            .annotate(n=Count("enrolments"))
            .order_by("end_date")[:8]
        ),
        "upcoming": list(
            mine.filter(start_date__gt=today).select_related("programme").order_by("start_date")[:5]
        ),
    }


def register() -> None:
    register_panel(
        Panel(
            "programmes.sessions",
            "dashboard/sessions.html",
            sessions,
            frozenset({Role.DIRECTION, Role.QUALITE, Role.SUIVI, Role.AUDITEUR}),
            50,
        )
    )
