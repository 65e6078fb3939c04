"""The measures the system computes for itself, to prove an action's effect.

Each measure is one function `compute(organisation, params, start, end) -> float | None`
over the half-open period [start, end). An effectiveness check computes its value before
with the same function over the period of equal length ending at the action's date, and
its value after over the period of that length starting at it: the two are comparable.
None means "not measurable" (no enrolment, or fewer survey respondents than the k rule
allows a figure for).

Apps above this one may add measures with `register`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core.models import Organisation
from parcours.feedback import selectors as feedback_selectors
from parcours.feedback.complaints.models import Category, Complaint
from parcours.feedback.models import Campaign
from parcours.followup.models import CaseStep, Dropout, DropoutReason
from parcours.followup.models.cases import StepStatus
from parcours.learners import selectors as learner_selectors
from parcours.programmes.models import Programme

Compute = Callable[[Organisation, dict[str, Any], dt.date, dt.date], float | None]

MANUAL = "manuelle"


@dataclass(frozen=True)
class Measure:
    key: str
    label: Promise | str
    higher_is_better: bool
    compute: Compute | None
    # The parameters it reads: "programme", "item", "cause", "category".
    params: tuple[str, ...] = ()
    unit: str = "%"

    @property
    def manual(self) -> bool:
        return self.compute is None


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> None:
    MEASURES[measure.key] = measure


def get(key: str) -> Measure | None:
    return MEASURES.get(key)


def choices() -> list[tuple[str, str]]:
    return [(m.key, str(m.label)) for m in MEASURES.values()]


def compute(
    organisation: Organisation, key: str, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    """The measure over [start, end): the one entry point for before and after alike."""
    measure = MEASURES[key]
    if measure.compute is None or end <= start:
        return None
    value = measure.compute(organisation, params, start, end)
    return None if value is None else round(float(value), 2)


def describe(organisation: Organisation, key: str, params: dict[str, Any]) -> str:
    """ "Taux d'abandon — Comptabilité (cause : Erreur d'orientation)"."""
    measure = MEASURES.get(key)
    parts = [str(measure.label) if measure else key]
    details = []
    if params.get("programme"):
        programme = Programme.objects.filter(
            organisation=organisation, pk=params["programme"]
        ).first()
        if programme is not None:
            details.append(programme.title)
    if params.get("item"):
        details.append(_("question « %(key)s »") % {"key": params["item"]})
    if params.get("cause") in DropoutReason.values:
        details.append(_("cause : %(c)s") % {"c": DropoutReason(params["cause"]).label})
    if params.get("category") in Category.values:
        details.append(_("catégorie : %(c)s") % {"c": Category(params["category"]).label})
    if details:
        parts.append("(" + ", ".join(details) + ")")
    return " ".join(parts)[:250]


def _programme_id(params: dict[str, Any]) -> int | None:
    value = params.get("programme")
    return None if value is None or value == "" else int(value)


# Surveys (k rule respected: `feedback.selectors.results` gives no figure under k).


def _survey(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> Any:
    filters = feedback_selectors.Filters(
        programme_id=_programme_id(params),
        date_from=start,
        date_to=end - dt.timedelta(days=1),
    )
    campaigns = filters.apply(Campaign.objects.filter(organisation=organisation))
    return feedback_selectors.results(organisation, campaigns)


def _item(results: Any, key: str) -> Any:
    for item in results.items:
        if item.key == key and not item.trainer:
            return item
    return None


def survey_item_mean(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    results = _survey(organisation, params, start, end)
    item = _item(results, params.get("item", "")) if results.shown else None
    return item.mean if item is not None and item.shown else None


def survey_satisfaction(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    """The share of satisfied answers (4-5 on a scale, "oui"), for one item or all scales."""
    results = _survey(organisation, params, start, end)
    if not results.shown:
        return None
    if params.get("item"):
        item = _item(results, params["item"])
        return item.satisfaction if item is not None and item.shown else None
    return results.satisfaction


def response_rate(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    return _survey(organisation, params, start, end).rate.percent


# Dropouts (followup's dropout records, learners' definition of the rate).


def _enrolments(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> Any:
    enrolments = learner_selectors.enrolments_in_period(
        organisation, start, end - dt.timedelta(days=1)
    )
    programme = _programme_id(params)
    if programme is not None:
        enrolments = enrolments.filter(session__programme_id=programme)
    return enrolments


def _dropouts(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> Any:
    dropouts = Dropout.objects.filter(organisation=organisation, on__gte=start, on__lt=end)
    programme = _programme_id(params)
    if programme is not None:
        dropouts = dropouts.filter(enrolment__session__programme_id=programme)
    if params.get("cause"):
        dropouts = dropouts.filter(reason=params["cause"])
    return dropouts


def dropout_rate(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    """Dropouts per 100 enrolments active in the period: every dropout (the enrolments
    ended "abandon", learners' definition), or those recorded with the named cause."""
    enrolments = _enrolments(organisation, params, start, end)
    total = enrolments.count()
    if not total:
        return None
    if params.get("cause"):
        dropped = _dropouts(organisation, params, start, end).count()
    else:
        last = end - dt.timedelta(days=1)
        dropped = enrolments.filter(learner_selectors.dropped_in_period(start, last)).count()
    return round(100 * dropped / total, 1)


def dropout_count(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    return float(_dropouts(organisation, params, start, end).count())


# Complaints.


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def complaint_count(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    complaints = Complaint.objects.filter(
        organisation=organisation, received_at__gte=_aware(start), received_at__lt=_aware(end)
    )
    if params.get("category"):
        complaints = complaints.filter(category=params["category"])
    programme = _programme_id(params)
    if programme is not None:
        complaints = complaints.filter(session__programme_id=programme)
    return float(complaints.count())


# Follow-up steps.


def steps_on_time(
    organisation: Organisation, params: dict[str, Any], start: dt.date, end: dt.date
) -> float | None:
    """Of the follow-up steps due in the period (cancelled ones aside), the share done by
    their due date."""
    steps = CaseStep.objects.filter(
        organisation=organisation, due_on__gte=start, due_on__lt=end
    ).exclude(status=StepStatus.CANCELLED)
    programme = _programme_id(params)
    if programme is not None:
        steps = steps.filter(case__enrolment__session__programme_id=programme)
    total = steps.count()
    if not total:
        return None
    on_time = sum(
        1
        for status, done_at, due_on in steps.values_list("status", "done_at", "due_on")
        if status == StepStatus.DONE and done_at and timezone.localtime(done_at).date() <= due_on
    )
    return round(100 * on_time / total, 1)


register(
    Measure(
        "satisfaction",
        gettext_lazy("Taux de satisfaction"),
        True,
        survey_satisfaction,
        ("programme", "item"),
    )
)
register(
    Measure(
        "moyenne_question",
        gettext_lazy("Note moyenne d'une question"),
        True,
        survey_item_mean,
        ("programme", "item"),
        unit="",
    )
)
register(
    Measure(
        "taux_reponse",
        gettext_lazy("Taux de réponse aux questionnaires"),
        True,
        response_rate,
        ("programme",),
    )
)
register(
    Measure(
        "taux_abandon", gettext_lazy("Taux d'abandon"), False, dropout_rate, ("programme", "cause")
    )
)
register(
    Measure(
        "abandons_cause",
        gettext_lazy("Nombre d'abandons pour une cause"),
        False,
        dropout_count,
        ("programme", "cause"),
        unit="",
    )
)
register(
    Measure(
        "reclamations",
        gettext_lazy("Nombre de réclamations d'une catégorie"),
        False,
        complaint_count,
        ("category", "programme"),
        unit="",
    )
)
register(
    Measure(
        "etapes_a_temps",
        gettext_lazy("Part des étapes de suivi faites à temps"),
        True,
        steps_on_time,
        ("programme",),
    )
)
register(Measure(MANUAL, gettext_lazy("Mesure manuelle (avec preuve)"), True, None, ()))
