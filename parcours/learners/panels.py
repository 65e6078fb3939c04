"""The learners' figures on the dashboard: active enrolments, learners, dropouts."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.learners.models import Enrolment, Learner
from parcours.learners.selectors import dropout_rate


def figures(membership: Membership, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    organisation = membership.organisation
    year_start = today.replace(month=1, day=1)
    counts = Enrolment.objects.filter(organisation=organisation).aggregate(
        active=Count(
            "pk",
            filter=Q(enrolled_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today)),
        ),
    )
    dropouts = dropout_rate(organisation, year_start, today)
    return {
        "active_enrolments": counts["active"],
        "dropouts_this_year": dropouts.dropouts,
        "dropout_rate": dropouts.rate,
        "dropout_definition": dropouts.definition,
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
