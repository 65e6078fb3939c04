"""Reads of stored risk scores for the pages: the latest snapshot, its rows, and the
history of a learner's enrolments (each a bounded number of queries, whatever the size)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import Job, Organisation
from parcours.engagement import scoring, signals, tasks, triggers
from parcours.engagement.models import Level, RiskModel, RiskScore, RiskThreshold
from parcours.learners.models import Enrolment, Learner
from parcours.lib.charts import Chart, line_chart
from parcours.programmes.models import Programme, Session, Trainer


@dataclass(frozen=True)
class Snapshot:
    """The most recent day scored for an organisation, and the model that scored it."""

    as_of: dt.date
    model_version: int
    computed_at: dt.datetime


def latest_snapshot(organisation: Organisation) -> Snapshot | None:
    row = (
        RiskScore.objects.filter(organisation=organisation)
        .order_by("-as_of", "-computed_at")
        .values("as_of", "model_version", "computed_at")
        .first()
    )
    return Snapshot(**row) if row else None


def level_counts(organisation: Organisation, as_of: dt.date) -> dict[str, int]:
    """How many enrolments of the snapshot are at each level (every level present)."""
    counts = dict(
        RiskScore.objects.filter(organisation=organisation, as_of=as_of)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {level: counts.get(level, 0) for level in Level.values}


def at_risk(
    organisation: Organisation,
    as_of: dt.date,
    *,
    q: str = "",
    session: Session | None = None,
    programme: Programme | None = None,
    trainer: Trainer | None = None,
    level: str = "",
) -> QuerySet[RiskScore]:
    """The snapshot's scores matching the filters, with what a row of the list shows."""
    rows = RiskScore.objects.filter(organisation=organisation, as_of=as_of)
    for word in q.split():
        rows = rows.filter(
            Q(enrolment__learner__last_name__icontains=word)
            | Q(enrolment__learner__first_name__icontains=word)
            | Q(enrolment__learner__external_id__icontains=word)
        )
    if session is not None:
        rows = rows.filter(enrolment__session=session)
    if programme is not None:
        rows = rows.filter(enrolment__session__programme=programme)
    if trainer is not None:
        rows = rows.filter(enrolment__session__trainers=trainer)
    if level:
        rows = rows.filter(level=level)
    return rows.select_related("enrolment__learner", "enrolment__session__programme")


def with_trainers(rows: QuerySet[RiskScore]) -> QuerySet[RiskScore]:
    """The rows with their sessions' trainers (one query for a whole page)."""
    return rows.prefetch_related(
        Prefetch("enrolment__session__trainers", queryset=Trainer.objects.order_by("last_name"))
    )


def scoring_job(organisation: Organisation, day: dt.date) -> Job | None:
    """The latest job that scores the organisation as of `day` (nightly or asked for)."""
    return (
        Job.objects.filter(
            organisation=organisation, kind=tasks.SCORE, payload__as_of=day.isoformat()
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def calibration_job(organisation: Organisation) -> Job | None:
    """The latest calibration asked for from the thresholds page."""
    return (
        Job.objects.filter(organisation=organisation, kind=tasks.CALIBRATE)
        .order_by("-created_at", "-pk")
        .first()
    )


def model_label(organisation_id: int, version: int | None) -> str:
    """The model behind a score, in words: "pondération par défaut" (version 0) or
    "modèle calibré n° 2 du 14/03/2026"."""
    if not version:
        return _("pondération par défaut")
    created = (
        RiskModel.objects.filter(organisation_id=organisation_id, version=version)
        .values_list("created_at", flat=True)
        .first()
    )
    if created is None:
        return _("modèle calibré n° %(n)d") % {"n": version}
    return _("modèle calibré n° %(n)d du %(day)s") % {
        "n": version,
        "day": timezone.localtime(created).strftime("%d/%m/%Y"),
    }


# Registered at start-up by the follow-up app (a higher layer): given enrolment ids,
# {enrolment id: address of its open follow-up case}. One query per provider per page.
OPEN_CASE_PROVIDERS: list[Callable[[list[int]], dict[int, str]]] = []


def open_cases(enrolment_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for provider in OPEN_CASE_PROVIDERS:
        for enrolment_id, url in provider(enrolment_ids).items():
            found.setdefault(enrolment_id, url)
    return found


def trigger_facts(
    organisation: Organisation,
    as_of: dt.date,
    *,
    absences_from: int | None = None,
    inactivity_from: int | None = None,
    missed: bool = False,
    recorded_before: dt.datetime | None = None,
) -> list[triggers.TriggerFacts]:
    """The enrolments active on `as_of` for which a follow-up trigger may fire (see
    `triggers.fires`), by enrolment, from the day's stored snapshot; without one (the
    nightly scoring has not run yet, or, with `recorded_before`, not by then), the signals
    are computed once, and not stored."""
    snapshot = RiskScore.objects.filter(organisation=organisation, as_of=as_of)
    if recorded_before is not None:
        snapshot = snapshot.filter(computed_at__lt=recorded_before)
    if snapshot.exists():
        wanted = Q(pk__in=[])
        if absences_from is not None:
            wanted |= Q(consecutive_unexcused__gte=absences_from)
        if inactivity_from is not None:
            wanted |= Q(days_since_activity__gte=inactivity_from)
        if missed:
            wanted |= Q(missed_assessment__isnull=False)
        return [
            triggers.TriggerFacts(*values)
            for values in snapshot.filter(wanted)
            .order_by("enrolment_id")
            .values_list(
                "enrolment_id",
                "consecutive_unexcused",
                "unexcused_run_start",
                "days_since_activity",
                "missed_assessments",
                "missed_assessment_id",
            )
        ]
    frame = signals.compute_signals(organisation, as_of)
    return [
        facts
        for facts in triggers.of_frame(frame, signals.scope_of(organisation, as_of))
        if triggers.fires(
            facts, absences_from=absences_from, inactivity_from=inactivity_from, missed=missed
        )
    ]


def risk_models(organisation: Organisation) -> QuerySet[RiskModel]:
    return RiskModel.objects.filter(organisation=organisation).order_by("-version")


def threshold_rows(
    organisation: Organisation,
) -> tuple[RiskThreshold | None, list[tuple[Programme, RiskThreshold | None]]]:
    """The organisation's default thresholds (if set) and each programme with its own."""
    default = None
    by_programme: dict[int, RiskThreshold] = {}
    for threshold in RiskThreshold.objects.filter(organisation=organisation):
        if threshold.programme_id is None:
            default = threshold
        else:
            by_programme[threshold.programme_id] = threshold
    programmes = Programme.objects.filter(organisation=organisation).order_by("title", "pk")
    return default, [(p, by_programme.get(p.pk)) for p in programmes]


# The risk history of a learner's enrolments, drawn on the learner's page.


@dataclass
class History:
    """One enrolment's stored scores, oldest first, with the thresholds of its programme;
    drawn by the product's chart module, its values listed in a table beside the chart."""

    enrolment: Enrolment
    medium: float
    high: float
    points: list[RiskScore] = field(default_factory=list)
    latest: RiskScore | None = None

    @property
    def first(self) -> RiskScore | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> RiskScore | None:
        return self.points[-1] if self.points else None

    def place(self, scores: list[RiskScore]) -> None:
        self.points = list(scores)
        self.latest = scores[-1] if scores else None

    @property
    def chart(self) -> Chart | None:
        """The score over time, with the two thresholds as flat lines (in %)."""
        if not self.points:
            return None
        n = len(self.points)
        return line_chart(
            _("Évolution du risque de décrochage · %(session)s")
            % {"session": self.enrolment.session.title},
            [f"{p.as_of:%d/%m}" for p in self.points],
            [
                (_("Score de risque"), [round(100 * p.score) for p in self.points]),
                (_("Seuil moyen"), [round(100 * self.medium)] * n),
                (_("Seuil élevé"), [round(100 * self.high)] * n),
            ],
            unit="%",
        )


def learner_risk_history(learner: Learner) -> list[History]:
    """Each of the learner's enrolments with its stored scores, oldest first (3 queries)."""
    enrolments = list(
        learner.enrolments.select_related("session__programme").order_by("-enrolled_on", "-pk")
    )
    scores: dict[int, list[RiskScore]] = {e.pk: [] for e in enrolments}
    for score in RiskScore.objects.filter(
        organisation_id=learner.organisation_id, enrolment__in=[e.pk for e in enrolments]
    ).order_by("as_of"):
        scores[score.enrolment_id].append(score)
    default, per_programme = scoring.thresholds_for(learner.organisation_id)
    out = []
    for enrolment in enrolments:
        programme_id = enrolment.session.programme_id
        medium, high = per_programme.get(programme_id, default) if programme_id else default
        history = History(enrolment, medium, high)
        history.place(scores[enrolment.pk])
        out.append(history)
    return out


def reasons_text(reasons: list[dict[str, Any]]) -> str:
    return " ; ".join(str(r.get("text", "")) for r in reasons)
