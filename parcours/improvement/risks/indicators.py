"""What Parcours knows beside a risk's likelihood: a figure from the data, chosen by the
risk's category. The mapping is declarative (`INDICATORS`: a category → an indicator),
so a new category names its figure in one line.

Each figure covers the 12 months up to `as_of`, for the risk's programme where it has one.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from parcours.engagement.models import Level, RiskScore
from parcours.feedback.complaints.models import Category, Complaint
from parcours.feedback.models import Invitation
from parcours.feedback.selectors import rate
from parcours.improvement.risks.models import Risk, RiskCategory
from parcours.learners import selectors as learner_selectors

WINDOW_DAYS = 365


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True)
class Indicator:
    label: Promise
    compute: Callable[[Any, int | None, dt.date], str]
    category: str = ""  # a complaint category, named in the label

    def figure(self, organisation: Any, programme_id: int | None, as_of: dt.date) -> Figure:
        label = str(self.label)
        if self.category:
            label = label % {"category": Category(self.category).label}
        return Figure(label, self.compute(organisation, programme_id, as_of))


def _start(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=WINDOW_DAYS - 1)


def complaints_of(category: str) -> Callable[[Any, int | None, dt.date], str]:
    def compute(organisation: Any, programme_id: int | None, as_of: dt.date) -> str:
        found = Complaint.objects.filter(
            organisation=organisation,
            category=category,
            received_at__date__gte=_start(as_of),
            received_at__date__lte=as_of,
        )
        if programme_id is not None:
            found = found.filter(session__programme_id=programme_id)
        return str(found.count())

    return compute


def late_complaint_answers(organisation: Any, programme_id: int | None, as_of: dt.date) -> str:
    """Entries received in the window answered after their deadline, or still unanswered
    past it."""
    found = Complaint.objects.filter(
        organisation=organisation,
        received_at__date__gte=_start(as_of),
        received_at__date__lte=as_of,
    ).only("answered_at", "answer_due")
    if programme_id is not None:
        found = found.filter(session__programme_id=programme_id)
    late = sum(
        1
        for c in found
        if (c.answered_at is not None and c.answered_on_time is False)
        or (c.answered_at is None and c.answer_due < as_of)
    )
    return str(late)


def dropout_rate(organisation: Any, programme_id: int | None, as_of: dt.date) -> str:
    start = _start(as_of)
    considered = learner_selectors.enrolments_in_period(organisation, start, as_of)
    if programme_id is not None:
        considered = considered.filter(session__programme_id=programme_id)
    counts = considered.aggregate(
        n=Count("pk"), d=Count("pk", filter=learner_selectors.dropped_in_period(start, as_of))
    )
    if not counts["n"]:
        return "—"
    return f"{100 * counts['d'] / counts['n']:.1f} %".replace(".", ",")


def high_risk_learners(organisation: Any, programme_id: int | None, as_of: dt.date) -> str:
    """Learners at the high level in engagement's latest snapshot (on or before as_of)."""
    scores = RiskScore.objects.filter(organisation=organisation, as_of__lte=as_of)
    latest = scores.aggregate(day=Max("as_of"))["day"]
    if latest is None:
        return "—"
    found = scores.filter(as_of=latest, level=Level.ELEVE)
    if programme_id is not None:
        found = found.filter(enrolment__session__programme_id=programme_id)
    return str(found.count())


def response_rate(organisation: Any, programme_id: int | None, as_of: dt.date) -> str:
    invitations = Invitation.objects.filter(
        organisation=organisation,
        campaign__launched_on__gte=_start(as_of),
        campaign__launched_on__lte=as_of,
    )
    if programme_id is not None:
        invitations = invitations.filter(
            Q(campaign__session__programme_id=programme_id)
            | Q(enrolment__session__programme_id=programme_id)
        )
    percent = rate(invitations).percent
    return "—" if percent is None else f"{percent} %"


def _complaints(category: str) -> Indicator:
    return Indicator(
        gettext_lazy("Réclamations « %(category)s » sur 12 mois"),
        complaints_of(category),
        category=category,
    )


DROPOUT_RATE = Indicator(gettext_lazy("Taux d'abandon sur 12 mois"), dropout_rate)
HIGH_RISK = Indicator(
    gettext_lazy("Apprenants en risque élevé (dernier calcul)"), high_risk_learners
)
RESPONSE_RATE = Indicator(
    gettext_lazy("Taux de réponse aux questionnaires sur 12 mois"), response_rate
)
LATE_ANSWERS = Indicator(
    gettext_lazy("Réclamations répondues hors délai sur 12 mois"), late_complaint_answers
)

# A risk category → the figure shown beside its likelihood.
INDICATORS: dict[str, Indicator] = {
    RiskCategory.TRAINERS: _complaints(Category.PEDAGOGIE),
    RiskCategory.DIGITAL: _complaints(Category.LOGISTIQUE),
    RiskCategory.PEDAGOGY: DROPOUT_RATE,
    RiskCategory.APPRENTICESHIP: DROPOUT_RATE,
    RiskCategory.ACCESSIBILITY: _complaints(Category.ACCESSIBILITE),
    RiskCategory.FUNDING: _complaints(Category.FINANCEMENT),
    RiskCategory.FEEDBACK: RESPONSE_RATE,
    RiskCategory.COMPLAINTS: LATE_ANSWERS,
    RiskCategory.DROPOUT: HIGH_RISK,
    RiskCategory.ORGANISATION: _complaints(Category.ORGANISATION),
}


def figures_for(risks: list[Risk], as_of: dt.date) -> dict[int, Figure]:
    """Each risk's figure, computed once per (indicator, programme) for the whole list."""
    computed: dict[tuple[int, int | None], Figure] = {}
    found: dict[int, Figure] = {}
    for risk in risks:
        indicator = INDICATORS.get(risk.category)
        if indicator is None:
            continue
        key = (id(indicator), risk.programme_id)
        if key not in computed:
            computed[key] = indicator.figure(risk.organisation_id, risk.programme_id, as_of)
        found[risk.pk] = computed[key]
    return found
