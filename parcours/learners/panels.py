"""The learners' figures on the dashboard: active enrolments, learners, dropouts."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.learners.models import Enrolment, EnrolmentStatus, Learner


def figures(membership: Membership, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    organisation = membership.organisation
    year_start = today.replace(month=1, day=1)
    counts = Enrolment.objects.filter(organisation=organisation).aggregate(
        active=Count(
            "pk",
            filter=Q(enrolled_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today)),
        ),
        dropouts=Count("pk", filter=Q(status=EnrolmentStatus.ABANDON, ended_on__gte=year_start)),
        ended=Count("pk", filter=Q(ended_on__gte=year_start, ended_on__lte=today)),
    )
    return {
        "active_enrolments": counts["active"],
        "dropouts_this_year": counts["dropouts"],
        "dropout_rate": round(100 * counts["dropouts"] / counts["ended"], 1)
        if counts["ended"]
        else None,
        "learner_count": Learner.objects.filter(organisation=organisation).count(),
    }


def register() -> None:
    register_panel(
        Panel(
            "learners.figures",
            "dashboard/learner_figures.html",
            figures,
            frozenset({Role.DIRECTION, Role.QUALITE, Role.SUIVI, Role.AUDITEUR}),
            0,
        )
    )
