"""Reads of activity and results: the learner timeline's entries.

Three queries whatever the learner's history: activity summed per enrolment and week,
results with their assessments, and assessments missed (due date passed while enrolled,
no result).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.learners.models import Learner
from parcours.learners.selectors import TimelineItem


def score_text(score: Decimal | None) -> str:
    """A score on 100 as French shows it: "78/100", "78,5/100", or "non notée"."""
    if score is None:
        return _("non notée")
    number = f"{score:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{number}/100"


def weekly_activity(learner: Learner) -> list[dict[str, Any]]:
    """Per enrolment and week (starting Monday): the number of actions."""
    return list(
        ActivityEvent.objects.filter(enrolment__learner=learner)
        .annotate(week=TruncWeek("day"))
        .values("enrolment_id", "enrolment__session__title", "week")
        .annotate(total=Sum("count"))
        .order_by("week", "enrolment_id")
    )


def activity_events(
    learner: Learner, user: Any, today: dt.date | None = None
) -> Iterable[TimelineItem]:
    """The learner's activity per week, results, and missed assessments."""
    today = today or timezone.localdate()
    for row in weekly_activity(learner):
        week = row["week"]
        if isinstance(week, dt.datetime):
            week = week.date()
        yield TimelineItem(
            week,
            "activite",
            ngettext(
                "Semaine du %(week)s : %(count)d action sur la plateforme",
                "Semaine du %(week)s : %(count)d actions sur la plateforme",
                row["total"],
            )
            % {"week": week.strftime("%d/%m"), "count": row["total"]},
            detail=row["enrolment__session__title"],
        )
    results = Result.objects.filter(enrolment__learner=learner).select_related("assessment")
    for result in results:
        yield TimelineItem(
            result.submitted_on,
            "resultat",
            _("Évaluation %(title)s : %(score)s")
            % {"title": result.assessment.title, "score": score_text(result.score)},
        )
    missed = (
        Assessment.objects.filter(
            Q(session__enrolments__ended_on__isnull=True)
            | Q(session__enrolments__ended_on__gt=F("due_date")),
            session__enrolments__learner=learner,
            session__enrolments__enrolled_on__lte=F("due_date"),
            due_date__lt=today,
        )
        .filter(
            ~Exists(Result.objects.filter(assessment=OuterRef("pk"), enrolment__learner=learner))
        )
        .only("title", "due_date")
        .distinct()
    )
    for assessment in missed:
        yield TimelineItem(
            assessment.due_date,
            "evaluation_manquee",
            _("Évaluation %(title)s non rendue (attendue le %(due)s)")
            % {"title": assessment.title, "due": assessment.due_date.strftime("%d/%m/%Y")},
        )
