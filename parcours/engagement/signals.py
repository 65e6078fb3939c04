"""Engagement signals of every enrolment active on a date D, from facts dated on or before D.

`compute_signals(organisation, as_of)` returns a `Frame`: one row per enrolment active on
D (enrolled_on <= D < ended_on, or no ended_on), one numpy column per signal. Nothing
dated after D is read: séances starting after D (Paris time), activity after D, results
submitted after D, enrolments that start after D; and an enrolment's later end, or its
status, is never looked at (only `ended_on > D`, which is what "active on D" means).
The same call on a database that holds later facts gives the same frame.

Signals are normalised to each learner's own dates: the learner's start is the later of
their enrolment and the session's start (late enrolments are not "behind"), assessments
due before that start are not owed, and a session without any LMS activity (face-to-face
training) has no activity signals at all (NaN: not applicable, not "zero activity").

This module is the frame: who is active on D and where each one's period stands. The
signals themselves come from the providers registered in the signal registry
(`parcours.core.signals`) by the apps that own the facts, one module each:
`learners/signals.py` (the learner's period), `attendance/signals.py` (absences),
`activity/signals.py` (LMS activity, assessments and results, the cohort),
`followup/signals.py` (reminders and calls left unanswered, the tutor's alerts).
Each provider is one aggregation per enrolment over one table, so that scoring 200,000
enrolments costs a few passes over the facts. Adding a signal (mid-session satisfaction,
"thinking of stopping") is one module in the app that owns the fact, registered in its
`AppConfig.ready`: engagement scores whatever is registered. A calibrated model that
does not know a signal gives it no weight until it is recalibrated; the default model
uses the signal's `default_weight`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
from django.db import connection, transaction

from parcours.core import signals as registry
from parcours.core.models import Organisation
from parcours.core.signals import NAN, Frame, Scope, Signal, day_number, day_numbers, fetch
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Session

__all__ = ["Frame", "Scope", "Signal", "compute_signals", "feature_matrix", "signals"]

# PostgreSQL settings while aggregating: room to sum 200,000 enrolments' facts in memory
# rather than on disk, and no just-in-time compilation (for these hash aggregations it
# costs more than it saves).
AGGREGATION_SETTINGS = {"work_mem": "64MB", "jit": "off"}
# Default weights (model version 0, before any calibration) are in log-odds per unit of
# the transformed signal, for a base risk of 10 % (intercept -2.2). They encode what the
# reference documents say a provider should react to: three absences in a row, or two
# weeks without any sign of activity, on their own give a high risk; a missed assessment
# or a month of frequent absences a medium one.
DEFAULT_INTERCEPT = -2.2


def base(frame: Frame, scope: Scope) -> None:
    """Who is active, and the days their period is made of (as day numbers)."""
    where, params = scope.where()
    rows = fetch(
        f"""SELECT e.id, e.session_id, s.programme_id, {day_number("e.enrolled_on")},
                   {day_number("s.start_date")}, {day_number("s.end_date")},
                   l.external_id, s.external_id
            FROM {Enrolment._meta.db_table} e
            JOIN {Session._meta.db_table} s ON s.id = e.session_id
            JOIN {Learner._meta.db_table} l ON l.id = e.learner_id
            WHERE {where} ORDER BY e.id""",  # noqa: S608 (see fetch)
        params,
    )
    frame.enrolment_ids = np.array([r[0] for r in rows], dtype=np.int64)
    frame.info = {
        "session_id": [r[1] for r in rows],
        "programme_id": [r[2] for r in rows],
        "learner_external_id": [r[6] for r in rows],
        "session_external_id": [r[7] for r in rows],
    }
    enrolled = day_numbers([r[3] for r in rows])
    start = day_numbers([r[4] for r in rows])
    frame.columns.update(
        {
            "own_start": np.maximum(enrolled, start),
            "session_id": np.array(frame.info["session_id"], dtype=float),
            "enrolled_day": enrolled,
            "session_start_day": start,
            "session_end_day": day_numbers([r[5] for r in rows]),
        }
    )


def scope_of(
    organisation: Organisation | int,
    as_of: dt.date,
    *,
    session: Session | int | None = None,
    enrolment_ids: Iterable[int] | None = None,
) -> Scope:
    return Scope(
        organisation_id=organisation if isinstance(organisation, int) else organisation.pk,
        as_of=as_of,
        session_id=session if isinstance(session, int) or session is None else session.pk,
        enrolment_ids=None if enrolment_ids is None else list(enrolment_ids),
        enrolment_table=Enrolment._meta.db_table,
    )


def aggregation_settings() -> None:
    """Within the current transaction, PostgreSQL's settings for the aggregations."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name, value in AGGREGATION_SETTINGS.items():
                cursor.execute(f"SET LOCAL {name} = '{value}'")


def compute_signals(
    organisation: Organisation | int,
    as_of: dt.date,
    *,
    session: Session | int | None = None,
    enrolment_ids: Iterable[int] | None = None,
) -> Frame:
    """Signals of the organisation's enrolments active on `as_of` (optionally some of them)."""
    scope = scope_of(organisation, as_of, session=session, enrolment_ids=enrolment_ids)
    frame = Frame(as_of=as_of, enrolment_ids=np.zeros(0, dtype=np.int64))
    with transaction.atomic():
        aggregation_settings()
        base(frame, scope)
        for provider in registry.providers():
            provider.compute(frame, scope)
    return frame


def signals() -> list[Signal]:
    """The model's inputs: every registered provider's signals."""
    return registry.signals()


def signal_by_key() -> dict[str, Signal]:
    return {s.key: s for s in registry.signals()}


def feature_matrix(frame: Frame, keys: list[str] | None = None) -> np.ndarray:
    """The transformed signals, one column per key (NaN where not applicable)."""
    by_key = signal_by_key()
    keys = keys or list(by_key)
    cols = []
    for key in keys:
        signal = by_key.get(key)
        if signal is None or signal.column not in frame.columns:
            cols.append(np.full(len(frame), NAN))
            continue
        with np.errstate(invalid="ignore"):
            cols.append(signal.transform(frame.columns[signal.column]).astype(float))
    if not cols:
        return np.zeros((len(frame), 0))
    return np.column_stack(cols)
