"""Read-only figures for the dashboard."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from parcours.core.models import JournalEntry, Organisation
from parcours.learners.models import Enrolment, Learner
from parcours.learners.selectors import dropout_rate
from parcours.programmes.models import Session


def dashboard_figures(organisation: Organisation, today: dt.date) -> dict[str, Any]:
    enrolments = Enrolment.objects.filter(organisation=organisation)
    year_start = today.replace(month=1, day=1)
    counts = enrolments.aggregate(
        active=Count(
            "pk",
            filter=Q(enrolled_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today)),
        ),
    )
    dropouts = dropout_rate(organisation, year_start, today)
    sessions = Session.objects.filter(organisation=organisation)
    return {
        "active_enrolments": counts["active"],
        "dropouts_this_year": dropouts.dropouts,
        "dropout_rate": dropouts.rate,
        "dropout_definition": dropouts.definition,
        "learner_count": Learner.objects.filter(organisation=organisation).count(),
        "running_sessions": sessions.running_on(today)
        .select_related("programme")
        .annotate(n=Count("enrolments"))
        .order_by("end_date")[:8],
        "upcoming_sessions": sessions.filter(start_date__gt=today)
        .select_related("programme")
        .order_by("start_date")[:5],
        "recent_entries": JournalEntry.objects.filter(organisation=organisation).order_by("-seq")[
            :8
        ],
    }
