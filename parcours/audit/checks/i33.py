"""Indicator 33 (V10, apprenticeships): the apprentices' evaluation of the teaching,
collected and shared with the teaching staff.

For each apprenticeship session judged under a version that has indicator 33, ended at
least a week before `as_of`:
- I33-EVALUATION: the apprentices were never asked to evaluate the teaching;
- I33-PARTAGE: the results were never shared with the teaching staff.
"""

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from parcours.audit import framework
from parcours.audit.checks import Gap, Scope, framework_category, session_gap
from parcours.audit.checks.i30 import GRACE_DAYS
from parcours.feedback.models import Campaign, SummaryShare

NUMBER = 33
QUESTIONNAIRE = "apprenti-enseignements"


def _judged(session: object) -> bool:
    version = framework.version_for_session(session)  # type: ignore[arg-type]
    try:
        item = version.indicator(NUMBER)
    except KeyError:
        return False
    return item.applies(framework_category(session.category))  # type: ignore[attr-defined]


def check(scope: Scope) -> Iterable[Gap]:
    last = scope.as_of - dt.timedelta(days=GRACE_DAYS)
    sessions = [s for s in scope.sessions() if s.end_date <= last and _judged(s)]
    if not sessions:
        return
    asked = set(
        Campaign.objects.filter(
            session__in=sessions,
            questionnaire__key=QUESTIONNAIRE,
            launched_on__lte=scope.as_of,
            created_at__lt=scope.cutoff,
        ).values_list("session_id", flat=True)
    )
    shared = set(
        SummaryShare.objects.filter(session__in=sessions, shared_at__lt=scope.cutoff).values_list(
            "session_id", flat=True
        )
    )
    for session in sessions:
        url = reverse("feedback:session_results", args=[session.pk])
        if session.pk not in asked:
            gap = session_gap(
                session,
                indicator=NUMBER,
                rule="I33-EVALUATION",
                text=_("Évaluation des enseignements par les apprentis non recueillie"),
            )
            yield Gap(**{**gap.__dict__, "url": url})
        elif session.pk not in shared:
            gap = session_gap(
                session,
                indicator=NUMBER,
                rule="I33-PARTAGE",
                text=_("Résultats de l'évaluation jamais partagés avec l'équipe pédagogique"),
            )
            yield Gap(**{**gap.__dict__, "url": url})
