"""The follow-up's panels on the direction's dashboard: late steps, cases opened this week."""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.followup.models import CaseStatus, FollowupCase
from parcours.followup.selectors import open_steps

SHOWN = 10
LEADERS = frozenset({Role.DIRECTION, Role.QUALITE, Role.SUIVI, Role.AUDITEUR})


def late_steps(membership: Membership, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    late = open_steps(membership.organisation).filter(due_on__lt=today).order_by("due_on", "pk")
    return {"count": late.count(), "steps": list(late[:SHOWN]), "today": today}


def cases_this_week(membership: Membership, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=timezone.get_current_timezone())
    opened = (
        FollowupCase.objects.filter(organisation=membership.organisation, opened_at__gte=start)
        .select_related("enrolment__learner", "enrolment__session", "assigned_to")
        .order_by("-opened_at", "-pk")
    )
    return {
        "count": opened.count(),
        "still_open": opened.filter(status=CaseStatus.OPEN).count(),
        "cases": list(opened[:SHOWN]),
        "monday": monday,
    }


def register() -> None:
    register_panel(
        Panel("followup.late_steps", "dashboard/late_steps.html", late_steps, LEADERS, 20)
    )
    register_panel(
        Panel("followup.cases_week", "dashboard/cases_week.html", cases_this_week, LEADERS, 30)
    )
