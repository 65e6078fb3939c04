"""What the follow-up's triggers read, per enrolment active on D.

The nightly scoring keeps these values with each score (`RiskScore`), so that the daily
scan of the follow-up reads them from the night's snapshot (`selectors.trigger_facts`)
instead of computing the signals of the whole organisation a second time:
- the current run of unexcused absences (`consecutive_unexcused`) and its first day;
- the days without activity on the platform;
- the assessments owed and not handed in, and the latest of them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from parcours.activity.signals import latest_missed_assessments
from parcours.core.signals import Frame, Scope


@dataclass(frozen=True)
class TriggerFacts:
    """One enrolment's trigger values on a day (None: the signal does not apply)."""

    enrolment_id: int
    consecutive_unexcused: int | None
    unexcused_run_start: dt.date | None
    days_since_activity: int | None
    missed_assessments: int | None
    missed_assessment_id: int | None


def _count(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


def _day(value: float) -> dt.date | None:
    return None if math.isnan(value) else dt.date.fromordinal(int(value))


def of_frame(frame: Frame, scope: Scope) -> list[TriggerFacts]:
    """The trigger values of every row of a frame (one more query: the latest missed
    assessment of each enrolment that missed one)."""
    c = frame.columns
    missed = c["missed_assessments"]
    latest = latest_missed_assessments(scope) if bool(np.nan_to_num(missed).any()) else {}
    ids = frame.enrolment_ids.tolist()
    return [
        TriggerFacts(
            enrolment_id=enrolment_id,
            consecutive_unexcused=_count(run),
            unexcused_run_start=_day(start),
            days_since_activity=_count(days),
            missed_assessments=_count(n),
            missed_assessment_id=latest.get(enrolment_id) if n >= 1 else None,
        )
        for enrolment_id, run, start, days, n in zip(
            ids,
            c["consecutive_unexcused"].tolist(),
            c["unexcused_run_start"].tolist(),
            c["days_since_activity"].tolist(),
            missed.tolist(),
            strict=True,
        )
    ]


def fires(
    facts: TriggerFacts,
    *,
    absences_from: int | None,
    inactivity_from: int | None,
    missed: bool,
) -> bool:
    """Could a trigger fire: a run of at least `absences_from` unexcused absences, at least
    `inactivity_from` days without activity, or (`missed`) an assessment missed."""
    return (
        (
            absences_from is not None
            and facts.consecutive_unexcused is not None
            and facts.consecutive_unexcused >= absences_from
        )
        or (
            inactivity_from is not None
            and facts.days_since_activity is not None
            and facts.days_since_activity >= inactivity_from
        )
        or (missed and facts.missed_assessment_id is not None)
    )
