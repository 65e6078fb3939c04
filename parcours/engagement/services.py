"""Writes of the engagement app: calibrated models, thresholds, stored scores."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from parcours.core import jobs, journal
from parcours.core.models import Job, JobState, JournalAction, Organisation, User
from parcours.engagement import calibration, triggers
from parcours.engagement.models import RiskModel, RiskScore, RiskThreshold
from parcours.engagement.scoring import Scored
from parcours.engagement.signals import scope_of
from parcours.lib.bulk import BulkWriter
from parcours.programmes.models import Programme

STORE_BATCH = 20_000


def calibrate(
    organisation: Organisation,
    *,
    until: dt.date,
    acting_user: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> RiskModel:
    """Learn a new model version from enrolments finished before `until`, and put it in service.

    Raises `calibration.NotEnoughHistory` when there is too little to learn from.
    """
    data = calibration.training_set(organisation, until, progress=progress)
    fitted = calibration.fit(data)
    with transaction.atomic():
        last = RiskModel.objects.select_for_update().filter(organisation=organisation)
        version = (last.aggregate(v=Max("version"))["v"] or 0) + 1
        last.filter(is_active=True).update(is_active=False)
        model = RiskModel.objects.create(
            organisation=organisation,
            version=version,
            method=calibration.METHOD,
            trained_until=until,
            coefficients=fitted.coefficients,
            intercept=fitted.intercept,
            means=fitted.means,
            scales=fitted.scales,
            metrics=fitted.metrics,
            created_by=acting_user,
        )
        journal.record(
            JournalAction.CREATE,
            model,
            organisation=organisation,
            acting_user=acting_user,
            changes=journal.diff(
                {},
                {
                    "version": version,
                    "trained_until": until.isoformat(),
                    "cv_auc": fitted.metrics["cv_auc"],
                    "examples": fitted.metrics["examples"],
                },
            ),
            verb="risk.calibrated",
        )
    return model


@transaction.atomic
def queue_calibration(organisation: Organisation, *, until: dt.date, acting_user: User) -> Job:
    """Ask the worker to calibrate a new model on what finished before `until` (one at a
    time: while one is queued or running, asking again returns it)."""
    from parcours.engagement.tasks import CALIBRATE

    pending = Job.objects.filter(
        organisation=organisation,
        kind=CALIBRATE,
        state__in=[JobState.QUEUED, JobState.RUNNING],
    ).first()
    if pending is not None:
        return pending
    job = jobs.enqueue(
        CALIBRATE, {"until": until.isoformat()}, organisation=organisation, created_by=acting_user
    )
    journal.record_event(
        "risk.calibration_queued",
        organisation=organisation,
        acting_user=acting_user,
        obj=job,
        data={"until": until.isoformat()},
    )
    return job


@transaction.atomic
def set_thresholds(
    organisation: Organisation,
    *,
    programme: Programme | None,
    medium: float,
    high: float,
    acting_user: User | None,
) -> RiskThreshold:
    """Set where moyen and élevé start, for a programme or for the whole organisation."""
    if programme is not None and programme.organisation_id != organisation.pk:
        raise ValueError("programme of another organisation")
    threshold = RiskThreshold.objects.filter(organisation=organisation, programme=programme).first()
    before = journal.snapshot(threshold) if threshold else {}
    if threshold is None:
        threshold = RiskThreshold(organisation=organisation, programme=programme)
    threshold.medium, threshold.high = medium, high
    threshold.full_clean()
    threshold.save()
    journal.record(
        JournalAction.UPDATE if before else JournalAction.CREATE,
        threshold,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff(before, journal.snapshot(threshold)),
    )
    return threshold


@transaction.atomic
def clear_thresholds(
    organisation: Organisation, *, programme: Programme, acting_user: User | None
) -> None:
    """The programme follows the organisation's default thresholds again."""
    threshold = RiskThreshold.objects.filter(organisation=organisation, programme=programme).first()
    if threshold is None:
        return
    journal.record(
        JournalAction.DELETE,
        threshold,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff(journal.snapshot(threshold), {}),
    )
    threshold.delete()


def store_scores(organisation: Organisation, scored: Scored, *, acting_user: User | None) -> int:
    """Keep the scores as the day's snapshot (replacing that day's earlier run, if any),
    with what the follow-up's triggers read (see `triggers.py`).

    Scores are derived facts, thousands a night: the journal traces each run with one
    entry (date, model version, how many of each level), not one per row.
    """
    as_of = scored.frame.as_of
    rows = scored.rows()
    facts = triggers.of_frame(scored.frame, scope_of(organisation, as_of))
    writer = BulkWriter(
        RiskScore,
        (
            "enrolment_id",
            "score",
            "level",
            "reasons",
            "model_version",
            "consecutive_unexcused",
            "unexcused_run_start",
            "days_since_activity",
            "missed_assessments",
            "missed_assessment_id",
        ),
        {"organisation_id": organisation.pk, "as_of": as_of, "computed_at": timezone.now()},
        # Given as the database takes them: floats, JSON text, adapted dates.
        prepared_columns=("score", "reasons", "unexcused_run_start"),
    )
    version = scored.weights.version
    counts = {level: scored.levels.count(level) for level in sorted(set(scored.levels))}
    # The same few sentences recur: each list of reasons is written as JSON once.
    texts: dict[tuple[tuple[str, str, float], ...], str] = {}

    def reasons_json(reasons: list[dict[str, Any]]) -> str:
        case = tuple((r["signal"], r["text"], r["weight"]) for r in reasons)
        text = texts.get(case)
        if text is None:
            text = texts[case] = json.dumps(reasons, ensure_ascii=False)
        return text

    day = connection.ops.adapt_datefield_value
    with transaction.atomic():
        RiskScore.objects.filter(organisation=organisation, as_of=as_of).delete()
        for start in range(0, len(rows), STORE_BATCH):
            writer.insert(
                (
                    row["enrolment_id"],
                    row["score"],
                    row["level"],
                    reasons_json(row["reasons"]),
                    version,
                    fact.consecutive_unexcused,
                    day(fact.unexcused_run_start),
                    fact.days_since_activity,
                    fact.missed_assessments,
                    fact.missed_assessment_id,
                )
                for row, fact in zip(
                    rows[start : start + STORE_BATCH],
                    facts[start : start + STORE_BATCH],
                    strict=True,
                )
            )
        journal.record_event(
            "risk.scored",
            organisation=organisation,
            acting_user=acting_user,
            data={
                "as_of": as_of.isoformat(),
                "model_version": scored.weights.version,
                "enrolments": len(rows),
                "levels": counts,
            },
        )
    return len(rows)
