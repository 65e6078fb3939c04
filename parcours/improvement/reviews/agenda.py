"""A quality review's agenda: the figures since the last review, computed from the data
as of the review's date. The result is plain JSON, so that holding the review freezes it
as it read (`Review.agenda`), and its PDF later shows what was discussed.

Each block reads its figures from the app that owns them: satisfaction and response rates
from feedback's selectors, complaints from the register, dropouts and their causes from
followup's statistics, the risk register, and the improvement actions.
"""

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.feedback import selectors as feedback_selectors
from parcours.feedback.complaints.models import OPEN_STATUSES, Complaint
from parcours.feedback.models import Campaign
from parcours.followup.dropout_rates import dropout_stats
from parcours.improvement.models import OPEN_STATES, Action
from parcours.improvement.reviews.models import Review, ReviewStatus
from parcours.improvement.risks import selectors as risk_selectors
from parcours.improvement.risks.models import Risk, RiskLevel
from parcours.lib.charts import Chart, bar_chart

# Without an earlier review, the agenda looks back one year.
DEFAULT_SPAN_DAYS = 365


def period_of(review: Review) -> tuple[dt.date, dt.date]:
    """From the day after the last review held before this one (or a year back) to its date."""
    previous = (
        Review.objects.filter(
            organisation_id=review.organisation_id,
            status=ReviewStatus.HELD,
            held_on__lt=review.held_on,
        )
        .exclude(pk=review.pk)
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    until = review.held_on
    since = (
        previous + dt.timedelta(days=1)
        if previous is not None
        else until - dt.timedelta(days=DEFAULT_SPAN_DAYS - 1)
    )
    return since, until


def _feedback(organisation: Any, since: dt.date, until: dt.date) -> dict[str, Any]:
    campaigns = Campaign.objects.filter(
        organisation=organisation, launched_on__gte=since, launched_on__lte=until
    )
    results = feedback_selectors.results(organisation, campaigns)
    return {
        "campaigns": campaigns.count(),
        "respondents": results.respondents,
        "satisfaction": results.satisfaction,
        "asked": results.rate.asked,
        "answered": results.rate.answered,
        "response_rate": results.rate.percent,
        "by_audience": [
            [label, r.percent] for label, r in feedback_selectors.rate_by(campaigns, by="audience")
        ],
    }


def _complaints(organisation: Any, since: dt.date, until: dt.date) -> dict[str, Any]:
    received = list(
        Complaint.objects.filter(
            organisation=organisation,
            received_at__date__gte=since,
            received_at__date__lte=until,
        )
    )
    open_late = Complaint.objects.filter(
        organisation=organisation,
        status__in=OPEN_STATUSES,
        answer_due__lt=until,
        received_at__date__lte=until,
    ).count()
    return {
        "received": len(received),
        "by_kind": sorted(Counter(c.get_kind_display() for c in received).items()),
        "by_category": sorted(Counter(c.get_category_display() for c in received).items()),
        "answered": sum(1 for c in received if c.answered_at is not None),
        "answered_late": sum(1 for c in received if c.answered_on_time is False),
        "open_overdue": open_late,
    }


def _dropouts(organisation: Any, since: dt.date, until: dt.date) -> dict[str, Any]:
    stats = dropout_stats(organisation, since, until)
    return {
        "enrolments": stats.total.enrolments,
        "dropouts": stats.total.dropouts,
        "rate": stats.total.rate,
        "by_cause": [[row.label, row.dropouts] for row in stats.by_cause],
        "by_programme": [[row.label, row.rate] for row in stats.by_programme if row.dropouts],
    }


def _risks(organisation: Any, until: dt.date) -> dict[str, Any]:
    risks = risk_selectors.active_risks(Risk.objects.filter(organisation=organisation))
    yearly = risk_selectors.yearly_review(organisation, until)
    return {
        "total": len(risks),
        "by_level": [
            [str(level.label), sum(1 for r in risks if r.level == level)] for level in RiskLevel
        ],
        "untreated": [
            [r.title, r.criticality, r.get_level_display()] for r in risks if r.untreated
        ],
        "yearly_late": yearly.late,
    }


def _actions(organisation: Any, since: dt.date, until: dt.date) -> dict[str, Any]:
    actions = Action.objects.filter(organisation=organisation)
    late = actions.filter(state__in=OPEN_STATES, deadline__lt=until).filter(
        Q(created_at__date__lte=until)
    )
    return {
        "opened": actions.filter(created_at__date__gte=since, created_at__date__lte=until).count(),
        "closed": actions.filter(closed_at__date__gte=since, closed_at__date__lte=until).count(),
        "late": late.count(),
        "late_list": [
            [str(a), a.deadline.strftime("%d/%m/%Y") if a.deadline else ""]
            for a in late.order_by("deadline")[:20]
        ],
    }


def compute(review: Review) -> dict[str, Any]:
    """The agenda of this review, as of its date."""
    organisation = review.organisation
    since, until = period_of(review)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "computed_at": timezone.now().isoformat(),
        "feedback": _feedback(organisation, since, until),
        "complaints": _complaints(organisation, since, until),
        "dropouts": _dropouts(organisation, since, until),
        "risks": _risks(organisation, until),
        "actions": _actions(organisation, since, until),
    }


def agenda_of(review: Review) -> dict[str, Any]:
    """What the review's pages show: the frozen agenda once held, the live one before."""
    return review.agenda if review.is_held and review.agenda else compute(review)


def charts(agenda: dict[str, Any]) -> list[Chart]:
    """The agenda's charts, drawn from its (possibly frozen) figures."""
    found = []
    rates = agenda["feedback"]["by_audience"]
    if rates:
        found.append(bar_chart(_("Taux de réponse par public"), rates, unit="%", max_value=100))
    if agenda["complaints"]["by_category"]:
        found.append(
            bar_chart(_("Réclamations par catégorie"), agenda["complaints"]["by_category"])
        )
    if agenda["dropouts"]["by_cause"]:
        found.append(bar_chart(_("Abandons par cause"), agenda["dropouts"]["by_cause"]))
    found.append(bar_chart(_("Risques par niveau"), agenda["risks"]["by_level"]))
    return found
