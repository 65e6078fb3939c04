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

Each signal provider is one aggregation per enrolment over one table (attendance,
activity, results, and the follow-up's reminders, calls and tutor liaison sheets), so
that scoring 200,000 enrolments costs a few passes over the facts. Other features add
signals by appending a provider to `PROVIDERS` and describing the signals in `SIGNALS`
(mid-session satisfaction is meant to plug in there, as `responses` did for unanswered
reminders and tutor alerts): a calibrated model that does not know a signal gives it no
weight until it is recalibrated, and the default weights can name it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.attendance.models import AttendanceMark
from parcours.core.models import Organisation
from parcours.learners.models import Enrolment
from parcours.programmes.models import Session, Slot

RECENT_ATTENDANCE_DAYS = 28
RECENT_ACTIVITY_DAYS = 14
RECENT_RESULTS_DAYS = 35
CONTACT_DAYS = 28  # reminders and calls of the last four weeks
TUTOR_ALERT_DAYS = 42  # the company tutor's alerts of the last six weeks
# PostgreSQL settings while aggregating: room to sum 200,000 enrolments' facts in memory
# rather than on disk, and no just-in-time compilation (for these hash aggregations it
# costs more than it saves).
AGGREGATION_SETTINGS = {"work_mem": "64MB", "jit": "off"}
NAN = math.nan


EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def day_number(column: str) -> str:
    """SQL for a date column as days since 1970-01-01 (the database counts, not Python)."""
    if connection.vendor == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"({column} - DATE '1970-01-01')"


def day_numbers(values: list[Any]) -> np.ndarray:
    """Day numbers from `day_number` as ordinals (NaN for none)."""
    days = np.array([NAN if v is None else v for v in values], dtype=float)
    return days + EPOCH_ORDINAL


def ordinal(day: dt.date | str | None) -> float:
    """A date as a day number (NaN for None); SQLite hands raw dates back as text."""
    if day is None:
        return NAN
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    elif isinstance(day, dt.datetime):
        day = day.date()
    return float(day.toordinal())


def local_ordinal(moment: dt.datetime | str | None) -> float:
    """A stored instant's day in Paris time, as a day number (SQLite gives text, in UTC)."""
    if moment is None:
        return NAN
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if timezone.is_naive(moment):  # (SQLite stores UTC, and may hand it back naive)
        moment = moment.replace(tzinfo=dt.UTC)
    return float(timezone.localdate(moment).toordinal())


def local_day(column: str) -> str:
    """SQL for an instant's day in local (Paris) time: PostgreSQL counts it as a day
    number; SQLite, which has no time zones, hands the instant back for `local_days`."""
    if connection.vendor == "postgresql":
        zone = settings.TIME_ZONE.replace("'", "")
        return f"(({column} AT TIME ZONE '{zone}')::date - DATE '1970-01-01')"
    return column


def local_days(values: Iterable[Any]) -> list[float]:
    """Day numbers (ordinals, NaN for none) of `local_day` values; on SQLite each distinct
    instant is converted once (a séance's start is the same for all its learners)."""
    if connection.vendor == "postgresql":
        return [NAN if v is None else v + EPOCH_ORDINAL for v in values]
    seen: dict[Any, float] = {}
    out = []
    for moment in values:
        day = seen.get(moment)
        if day is None:
            day = seen[moment] = local_ordinal(moment)
        out.append(day)
    return out


@dataclass
class Frame:
    """Signals of the enrolments active on `as_of`: row i is `enrolment_ids[i]`."""

    as_of: dt.date
    enrolment_ids: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, list[Any]] = field(default_factory=dict)
    _index: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.enrolment_ids)

    def index_of(self, enrolment_id: int) -> int:
        if self._index is None:
            self._index = {int(e): i for i, e in enumerate(self.enrolment_ids)}
        return self._index[enrolment_id]

    def value(self, enrolment_id: int, name: str) -> float:
        return float(self.columns[name][self.index_of(enrolment_id)])

    def row(self, i: int) -> Row:
        return Row(self.columns, i)

    def take(self, mask: np.ndarray) -> Frame:
        """The rows where mask is true."""
        return Frame(
            as_of=self.as_of,
            enrolment_ids=self.enrolment_ids[mask],
            columns={k: v[mask] for k, v in self.columns.items()},
            info={
                k: [x for x, keep in zip(v, mask, strict=True) if keep]
                for k, v in self.info.items()
            },
        )


class Row(Mapping[str, float]):
    """Row i of a frame's columns, read on demand."""

    def __init__(self, columns: dict[str, np.ndarray], i: int) -> None:
        self.columns, self.i = columns, i

    def __getitem__(self, name: str) -> float:
        return float(self.columns[name][self.i])

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


@dataclass
class Scope:
    """Which enrolments a computation covers, as SQL over the enrolment table `e`."""

    organisation_id: int
    as_of: dt.date
    session_id: int | None = None
    enrolment_ids: list[int] | None = None

    def where(self) -> tuple[str, list[Any]]:
        day = connection.ops.adapt_datefield_value(self.as_of)
        sql = "e.organisation_id = %s AND e.enrolled_on <= %s AND (e.ended_on IS NULL OR e.ended_on > %s)"
        params: list[Any] = [self.organisation_id, day, day]
        if self.session_id is not None:
            sql += " AND e.session_id = %s"
            params.append(self.session_id)
        if self.enrolment_ids is not None:
            ids = [int(i) for i in self.enrolment_ids] or [-1]
            sql += f" AND e.id IN ({', '.join(['%s'] * len(ids))})"
            params.extend(ids)
        return sql, params

    def facts_of(self, column: str) -> tuple[str, list[Any]]:
        """SQL restricting a fact table to the scope before it is aggregated.

        For the whole organisation, the facts are filtered by organisation only, summed
        per enrolment, and the sums joined to the active enrolments afterwards (cheaper
        than joining millions of rows first); for one session or a few enrolments, the
        facts are restricted first.
        """
        if self.session_id is None and self.enrolment_ids is None:
            return "", []
        where, params = self.where()
        table = Enrolment._meta.db_table
        return f" AND {column} IN (SELECT e.id FROM {table} e WHERE {where})", params  # noqa: S608


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run an aggregation. Its SQL is made of fixed text and model table names only; every
    value (dates, ids) is a parameter."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def start_of_day(day: dt.date) -> Any:
    """The first instant of a day, Paris time, as the database expects it."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return connection.ops.adapt_datetimefield_value(moment)


def end_of_day(day: dt.date) -> Any:
    """The first instant after D, Paris time, as the database expects it."""
    return start_of_day(day + dt.timedelta(days=1))


def scatter(frame: Frame, rows: list[tuple[Any, ...]], names: list[str], fill: float) -> None:
    """Put aggregated rows (enrolment id first) into new columns, `fill` where none."""
    n = len(frame)
    cols = {name: np.full(n, fill, dtype=float) for name in names}
    if rows:
        # One conversion of the whole result (None becomes NaN); ids stay exact as floats.
        table = np.array(rows, dtype=float)
        idx = np.searchsorted(frame.enrolment_ids, table[:, 0].astype(np.int64))
        for j, name in enumerate(names, start=1):
            cols[name][idx] = table[:, j]
    frame.columns.update(cols)


# --- Providers: each adds columns to the frame ------------------------------------


def base(frame: Frame, scope: Scope) -> None:
    """Who is active, and where each one stands in their own period."""
    where, params = scope.where()
    rows = fetch(
        f"""SELECT e.id, e.session_id, s.programme_id, {day_number("e.enrolled_on")},
                   {day_number("s.start_date")}, {day_number("s.end_date")},
                   l.external_id, s.external_id
            FROM {Enrolment._meta.db_table} e
            JOIN {Session._meta.db_table} s ON s.id = e.session_id
            JOIN learners_learner l ON l.id = e.learner_id
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
    d = float(scope.as_of.toordinal())
    enrolled = day_numbers([r[3] for r in rows])
    start = day_numbers([r[4] for r in rows])
    end = day_numbers([r[5] for r in rows])
    own_start = np.maximum(enrolled, start)
    frame.columns.update(
        {
            "own_start": own_start,
            "session_id": np.array(frame.info["session_id"], dtype=float),
            "days_enrolled": np.maximum(0.0, d - own_start),
            "progress": np.clip((d - own_start) / np.maximum(1.0, end - own_start), 0.0, 1.5),
            "late_enrolment_days": np.maximum(0.0, enrolled - start),
        }
    )


def attendance(frame: Frame, scope: Scope) -> None:
    """Absences: overall, of the last four weeks, unexcused, and the current run.

    The current run is what came after the last séance attended (present or late):
    `consecutive_absences` counts every absence in it, `consecutive_unexcused` only the
    unexcused ones (an excused absence neither counts there nor breaks the run), and
    `unexcused_run_start` is the day of the run's first unexcused absence (what names
    an episode for the follow-up procedure).
    """
    where, params = scope.where()
    narrow, narrow_params = scope.facts_of("m.enrolment_id")
    marks = AttendanceMark._meta.db_table
    slots = Slot._meta.db_table
    recent_from = start_of_day(scope.as_of - dt.timedelta(days=RECENT_ATTENDANCE_DAYS - 1))
    cut = end_of_day(scope.as_of)
    # Two passes over the marks, both hash aggregations: the counts and the last séance
    # attended, then the absences after it (a small part of the marks).
    rows = fetch(
        f"""WITH agg AS (
                SELECT m.enrolment_id, COUNT(*) AS n,
                       SUM(CASE WHEN m.status IN ('absent', 'excuse') THEN 1 ELSE 0 END) AS absences,
                       SUM(CASE WHEN m.status = 'absent' THEN 1 ELSE 0 END) AS unexcused,
                       SUM(CASE WHEN sl.starts_at >= %s THEN 1 ELSE 0 END) AS recent,
                       SUM(CASE WHEN sl.starts_at >= %s AND m.status IN ('absent', 'excuse')
                                THEN 1 ELSE 0 END) AS recent_absences,
                       MAX(CASE WHEN m.status IN ('present', 'retard') THEN sl.starts_at END)
                           AS last_attended
                FROM {marks} m JOIN {slots} sl ON sl.id = m.slot_id
                WHERE m.organisation_id = %s AND sl.starts_at < %s{narrow}
                GROUP BY m.enrolment_id
            ),
            runs AS (
                SELECT m.enrolment_id, COUNT(*) AS run,
                       SUM(CASE WHEN m.status = 'absent' THEN 1 ELSE 0 END) AS run_unexcused,
                       MIN(CASE WHEN m.status = 'absent' THEN sl.starts_at END) AS run_start
                FROM {marks} m JOIN {slots} sl ON sl.id = m.slot_id
                JOIN agg ON agg.enrolment_id = m.enrolment_id
                WHERE m.organisation_id = %s AND sl.starts_at < %s{narrow}
                  AND m.status IN ('absent', 'excuse')
                  AND (agg.last_attended IS NULL OR sl.starts_at > agg.last_attended)
                GROUP BY m.enrolment_id
            )
            SELECT agg.enrolment_id, agg.n, agg.absences, agg.unexcused, agg.recent,
                   agg.recent_absences, runs.run, runs.run_unexcused,
                   {local_day("runs.run_start")}, {local_day("agg.last_attended")}
            FROM agg
            JOIN {Enrolment._meta.db_table} e ON e.id = agg.enrolment_id
            LEFT JOIN runs ON runs.enrolment_id = agg.enrolment_id
            WHERE {where}""",  # noqa: S608 (see fetch)
        [recent_from, recent_from, scope.organisation_id, cut, *narrow_params]
        + [scope.organisation_id, cut, *narrow_params]
        + params,
    )
    # The first unexcused absence of the current run and the last séance attended, as
    # (Paris) day numbers.
    run_starts = local_days(r[8] for r in rows)
    last_attended = local_days(r[9] for r in rows)
    rows = [
        (*r[:6], r[6] or 0, r[7] or 0, start, last)
        for r, start, last in zip(rows, run_starts, last_attended, strict=True)
    ]
    scatter(
        frame,
        rows,
        [
            "marks",
            "absences",
            "unexcused_absences",
            "recent_marks",
            "recent_absences",
            "consecutive_absences",
            "consecutive_unexcused",
            "unexcused_run_start",
            "last_attended",
        ],
        0.0,
    )
    c = frame.columns
    with np.errstate(invalid="ignore", divide="ignore"):
        c["absence_rate"] = np.where(c["marks"] > 0, c["absences"] / c["marks"], NAN)
        c["recent_absence_rate"] = np.where(
            c["recent_marks"] > 0, c["recent_absences"] / c["recent_marks"], NAN
        )
    # With no séance marked yet, absences are not applicable (distance learning).
    for name in ("consecutive_absences", "consecutive_unexcused", "unexcused_absences"):
        c[name] = np.where(c["marks"] > 0, c[name], NAN)
    c["unexcused_run_start"] = np.where(
        c["consecutive_unexcused"] > 0, c["unexcused_run_start"], NAN
    )
    c["last_attended"] = np.where(c["last_attended"] > 0, c["last_attended"], NAN)


def activity(frame: Frame, scope: Scope) -> None:
    """LMS activity: how long since the last trace, against the learner's and cohort's rhythm."""
    where, params = scope.where()
    d = scope.as_of
    recent_from = connection.ops.adapt_datefield_value(
        d - dt.timedelta(days=RECENT_ACTIVITY_DAYS - 1)
    )
    narrow, narrow_params = scope.facts_of("a.enrolment_id")
    rows = fetch(
        f"""SELECT x.* FROM (
                SELECT a.enrolment_id, COUNT(*), SUM(a.count),
                       MIN({day_number("a.day")}) + {EPOCH_ORDINAL}, MAX({day_number("a.day")}) + {EPOCH_ORDINAL},
                       SUM(CASE WHEN a.day >= %s THEN a.count ELSE 0 END)
                FROM {ActivityEvent._meta.db_table} a
                WHERE a.organisation_id = %s AND a.day <= %s{narrow}
                GROUP BY a.enrolment_id
            ) x
            JOIN {Enrolment._meta.db_table} e ON e.id = x.enrolment_id
            WHERE {where}""",  # noqa: S608 (see fetch)
        [recent_from, scope.organisation_id, connection.ops.adapt_datefield_value(d)]
        + narrow_params
        + params,
    )
    scatter(
        frame, rows, ["traces", "actions", "first_active", "last_active", "recent_actions"], NAN
    )
    c = frame.columns
    today = float(d.toordinal())
    sessions = c["session_id"]
    has_any = ~np.isnan(c["traces"])
    # A session where nobody has any activity has no LMS (or does not report it).
    lms_sessions = np.unique(sessions[has_any])
    has_lms = np.isin(sessions, lms_sessions)
    for name in ("traces", "actions", "recent_actions"):
        c[name] = np.where(has_lms & ~has_any, 0.0, c[name])
    own_start = c["own_start"]
    last = np.where(has_any, c["last_active"], own_start)
    since = np.where(has_lms, np.maximum(0.0, today - np.maximum(last, own_start - 1)), NAN)
    c["days_since_activity"] = since
    span = np.maximum(1.0, today - own_start + 1)
    # The learner's own rhythm: days between two traces, on average, since their start.
    with np.errstate(invalid="ignore", divide="ignore"):
        c["usual_gap"] = np.where(
            has_any,
            np.maximum(
                1.0, (c["last_active"] - np.maximum(c["first_active"], own_start) + 1) / c["traces"]
            ),
            NAN,
        )
        c["inactivity_vs_own"] = np.where(has_any, since / c["usual_gap"], NAN)
        c["actions_per_week"] = np.where(has_lms, c["actions"] / span * 7.0, NAN)
        earlier_days = span - RECENT_ACTIVITY_DAYS
        earlier_rate = (c["actions"] - c["recent_actions"]) / np.maximum(1.0, earlier_days)
        recent_rate = c["recent_actions"] / RECENT_ACTIVITY_DAYS
        c["activity_drop"] = np.where(
            has_lms & (earlier_days >= RECENT_ACTIVITY_DAYS) & (earlier_rate > 0),
            np.clip(1.0 - recent_rate / earlier_rate, 0.0, 1.0),
            NAN,
        )
    # The cohort's rhythm: the median days since activity among the session's learners.
    c["cohort_days_since_activity"] = group_median(since, sessions)
    c["inactivity_vs_cohort"] = since - c["cohort_days_since_activity"]


def assessments(frame: Frame, scope: Scope) -> None:
    """Assessments owed by D (due after the learner's own start) and the results given."""
    where, params = scope.where()
    d = scope.as_of
    session_ids = sorted({int(s) for s in frame.info["session_id"]})
    due_days: dict[int, list[float]] = {}
    for session_id, due_date in Assessment.objects.filter(
        organisation_id=scope.organisation_id, session_id__in=session_ids, due_date__lt=d
    ).values_list("session_id", "due_date"):
        due_days.setdefault(session_id, []).append(ordinal(due_date))
    day = connection.ops.adapt_datefield_value(d)
    recent = connection.ops.adapt_datefield_value(d - dt.timedelta(days=RECENT_RESULTS_DAYS - 1))
    own_start = "CASE WHEN e.enrolled_on > s.start_date THEN e.enrolled_on ELSE s.start_date END"
    # Marks averaged as floats: a decimal average keeps a large state per enrolment.
    score = "CAST(r.score AS DOUBLE PRECISION)"
    rows = fetch(
        f"""SELECT r.enrolment_id,
                   SUM(CASE WHEN a.due_date >= {own_start} AND a.due_date < %s THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.submitted_on > a.due_date THEN 1 ELSE 0 END),
                   AVG({score}),
                   AVG(CASE WHEN r.submitted_on >= %s THEN {score} END),
                   AVG(CASE WHEN r.submitted_on < %s THEN {score} END),
                   MAX(CASE WHEN a.due_date >= {own_start} AND a.due_date < %s
                            THEN {day_number("a.due_date")} END) + {EPOCH_ORDINAL},
                   MAX({day_number("r.submitted_on")}) + {EPOCH_ORDINAL}
            FROM {Result._meta.db_table} r
            JOIN {Assessment._meta.db_table} a ON a.id = r.assessment_id
            JOIN {Enrolment._meta.db_table} e ON e.id = r.enrolment_id
            JOIN {Session._meta.db_table} s ON s.id = e.session_id
            WHERE {where} AND r.submitted_on <= %s
            GROUP BY r.enrolment_id""",  # noqa: S608 (see fetch)
        [day, recent, recent, day] + params + [day],
    )
    scatter(
        frame,
        rows,
        [
            "submitted_owed",
            "late_submissions",
            "mean_score",
            "recent_score",
            "earlier_score",
            "latest_handed_in_due",
            "last_submitted",
        ],
        NAN,
    )
    c = frame.columns
    # How long since the learner last handed in any work (NaN: nothing handed in yet,
    # which `missed_assessments` already tells when something was owed).
    c["days_since_submission"] = float(d.toordinal()) - c["last_submitted"]
    # Owed: the session's assessments due from the learner's own start to D, counted in
    # one sorted array of (session, due day) pairs.
    owed = np.zeros(len(frame))
    latest_due = np.full(len(frame), NAN)
    if due_days:
        pairs = np.array(sorted((s, day) for s, days in due_days.items() for day in days))
        sessions, first = np.unique(pairs[:, 0], return_index=True)
        last = np.append(first[1:], len(pairs)) - 1
        rank = np.minimum(np.searchsorted(sessions, c["session_id"]), len(sessions) - 1)
        found = sessions[rank] == c["session_id"]
        # Keyed by (session rank, day): the first pair of the row's session due from its
        # own start on; from there to the session's last pair, all are owed.
        span = 1e7  # more days than any date has
        keys = np.searchsorted(sessions, pairs[:, 0]) * span + pairs[:, 1]
        start = np.searchsorted(keys, rank * span + c["own_start"], side="left")
        owed = np.where(found, last[rank] + 1 - start, 0.0).astype(float)
        latest_due = np.where(found, pairs[last[rank], 1], NAN)
    latest_due = np.where(owed > 0, latest_due, NAN)
    has_results = ~np.isnan(c["submitted_owed"])
    has_any = np.isin(c["session_id"], np.array(list(due_days), dtype=float)) | has_results
    submitted = np.nan_to_num(c["submitted_owed"])
    c["assessments_due"] = np.where(has_any, owed, NAN)
    c["missed_assessments"] = np.where(has_any, np.maximum(0.0, owed - submitted), NAN)
    c["late_submissions"] = np.where(has_any, np.nan_to_num(c["late_submissions"]), NAN)
    # The latest assessment owed is not handed in (the learner stopped, or is stopping).
    with np.errstate(invalid="ignore"):
        c["missed_latest"] = np.where(
            owed > 0,
            (np.isnan(c["latest_handed_in_due"]) | (c["latest_handed_in_due"] < latest_due)).astype(
                float
            ),
            NAN,
        )
    c["latest_due"] = latest_due
    # Falling: the marks of the last five weeks against the earlier ones.
    c["score_trend"] = c["recent_score"] - c["earlier_score"]


def group_median(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's group median of `values` (ignoring NaN; NaN for an all-NaN group)."""
    out = np.full(len(values), NAN)
    seen = ~np.isnan(values)
    if not seen.any():
        return out
    # Sorted by group then value, each group's middle one (or two) is its median.
    order = np.lexsort((values[seen], groups[seen]))
    ranked, by_group = values[seen][order], groups[seen][order]
    names, first, counts = np.unique(by_group, return_index=True, return_counts=True)
    medians = (ranked[first + (counts - 1) // 2] + ranked[first + counts // 2]) / 2.0
    where = np.minimum(np.searchsorted(names, groups), len(names) - 1)
    found = names[where] == groups
    out[found] = medians[where[found]]
    return out


def cohort(frame: Frame, scope: Scope) -> None:
    """The learner against their session: its missed work, its marks.

    Comparing to the cohort makes signals travel between
    programmes of different difficulty and habits (an assessment everyone skips says less
    than one only this learner skipped).
    """
    c = frame.columns
    sessions = c["session_id"]
    missed = c["missed_assessments"]
    with np.errstate(invalid="ignore"):
        c["cohort_missed_assessments"] = np.where(
            np.isnan(missed), NAN, group_mean(np.nan_to_num(missed), sessions)
        )
        c["missed_vs_cohort"] = missed - c["cohort_missed_assessments"]
        c["cohort_mean_score"] = group_median(c["mean_score"], sessions)
        c["score_vs_cohort"] = c["mean_score"] - c["cohort_mean_score"]


def group_mean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=values)
    return (sums / counts)[inverse]


def responses(frame: Frame, scope: Scope) -> None:
    """How the learner answers the provider's follow-up, and what the company tutor says.

    A contact attempt is a reminder e-mail sent by a follow-up case step or a phone call
    logged on a case, in the last four weeks. It is unanswered when the learner has shown
    no sign of life since the day it was made (no LMS trace, no work handed in, no séance
    attended) and, for a call, nobody answered. `unanswered_contacts` is NaN for a learner
    nobody tried to reach: there is nothing to answer. `tutor_alerts` counts the company
    tutor's liaison sheets of the last six weeks that raised the alert; NaN without any
    sheet (no tutor, or one who never reported).
    """
    from parcours.followup.models import Call, CallOutcome, FollowupCase, LiaisonSheet
    from parcours.messaging.models import Message

    where, params = scope.where()
    cut = end_of_day(scope.as_of)
    contacts_from = start_of_day(scope.as_of - dt.timedelta(days=CONTACT_DAYS - 1))
    alerts_from = start_of_day(scope.as_of - dt.timedelta(days=TUTOR_ALERT_DAYS - 1))
    enrolments = Enrolment._meta.db_table
    attempts = fetch(
        f"""SELECT m.enrolment_id, {local_day("m.sent_at")}, 0
            FROM {Message._meta.db_table} m JOIN {enrolments} e ON e.id = m.enrolment_id
            WHERE m.organisation_id = %s AND m.related_key LIKE 'case-step:%%'
              AND m.sent_at >= %s AND m.sent_at < %s AND {where}
            UNION ALL
            SELECT k.enrolment_id, {local_day("c.called_at")},
                   CASE WHEN c.outcome = %s THEN 1 ELSE 0 END
            FROM {Call._meta.db_table} c
            JOIN {FollowupCase._meta.db_table} k ON k.id = c.case_id
            JOIN {enrolments} e ON e.id = k.enrolment_id
            WHERE c.organisation_id = %s AND c.called_at >= %s AND c.called_at < %s
              AND {where}""",  # noqa: S608 (see fetch)
        [scope.organisation_id, contacts_from, cut, *params]
        + [CallOutcome.REACHED, scope.organisation_id, contacts_from, cut, *params],
    )
    c = frame.columns
    with np.errstate(invalid="ignore"):
        sign_of_life = np.fmax(np.fmax(c["last_active"], c["last_submitted"]), c["last_attended"])
    contacted = np.zeros(len(frame))
    unanswered = np.zeros(len(frame))
    last_contact = np.full(len(frame), NAN)
    if attempts:
        who = np.searchsorted(frame.enrolment_ids, np.array([a[0] for a in attempts]))
        days = np.array(local_days(a[1] for a in attempts))
        reached = np.array([a[2] for a in attempts], dtype=bool)
        np.add.at(contacted, who, 1.0)
        np.fmax.at(last_contact, who, days)
        with np.errstate(invalid="ignore"):
            answered = reached | (sign_of_life[who] >= days)
        np.add.at(unanswered, who, (~answered).astype(float))
    c["contact_attempts"] = np.where(contacted > 0, contacted, NAN)
    c["unanswered_contacts"] = np.where(contacted > 0, unanswered, NAN)
    c["last_contact"] = last_contact
    rows = fetch(
        f"""SELECT t.enrolment_id, COUNT(*),
                   SUM(CASE WHEN t.alert AND t.submitted_at >= %s THEN 1 ELSE 0 END),
                   {local_day("MAX(CASE WHEN t.alert THEN t.submitted_at END)")}
            FROM {LiaisonSheet._meta.db_table} t JOIN {enrolments} e ON e.id = t.enrolment_id
            WHERE t.organisation_id = %s AND t.submitted_at < %s AND {where}
            GROUP BY t.enrolment_id""",  # noqa: S608 (see fetch)
        [alerts_from, scope.organisation_id, cut, *params],
    )
    last_alerts = local_days(r[3] for r in rows)
    rows = [(*r[:3], last) for r, last in zip(rows, last_alerts, strict=True)]
    scatter(frame, rows, ["liaison_sheets", "tutor_alerts", "last_tutor_alert"], NAN)


Provider = Callable[[Frame, Scope], None]
PROVIDERS: list[Provider] = [base, attendance, activity, assessments, cohort, responses]


def compute_signals(
    organisation: Organisation | int,
    as_of: dt.date,
    *,
    session: Session | int | None = None,
    enrolment_ids: Iterable[int] | None = None,
) -> Frame:
    """Signals of the organisation's enrolments active on `as_of` (optionally some of them)."""
    scope = Scope(
        organisation_id=organisation if isinstance(organisation, int) else organisation.pk,
        as_of=as_of,
        session_id=session if isinstance(session, int) or session is None else session.pk,
        enrolment_ids=None if enrolment_ids is None else list(enrolment_ids),
    )
    frame = Frame(as_of=as_of, enrolment_ids=np.zeros(0, dtype=np.int64))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for name, value in AGGREGATION_SETTINGS.items():
                    cursor.execute(f"SET LOCAL {name} = '{value}'")
        for provider in PROVIDERS:
            provider(frame, scope)
    return frame


# --- What each signal means, in French ---------------------------------------------


def _days(value: float) -> str:
    n = round(value)
    return ngettext("%(n)d jour", "%(n)d jours", n) % {"n": n}


def _day(value: float) -> str:
    """A day number as the French read a date."""
    return dt.date.fromordinal(int(value)).strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Signal:
    """A model input: how it is derived from a frame column, and how it reads in French.

    `transform` maps the raw column to the model's input (NaN stays NaN: not
    applicable, weighs nothing); `default_weight` and `reference` define the default
    model: weight per unit of transformed value above the reference (no history).
    """

    key: str
    label: str
    column: str
    transform: Callable[[np.ndarray], np.ndarray]
    explain: Callable[[Mapping[str, float]], str]
    default_weight: float
    reference: float = 0.0
    # Does the signal, as transformed, only ever mean "riskier" when it grows? Then a
    # calibrated weight may be zero but never negative. Context signals (how far along
    # the learner is, how late they joined) may go either way.
    raises_risk: bool = True


def _log1p(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.maximum(x, 0.0))


def _same(x: np.ndarray) -> np.ndarray:
    return x.astype(float)


def _capped(limit: float) -> Callable[[np.ndarray], np.ndarray]:
    def transform(x: np.ndarray) -> np.ndarray:
        return np.minimum(x.astype(float), limit)

    return transform


def _explain_consecutive(r: Mapping[str, float]) -> str:
    n = round(r["consecutive_absences"])
    text = ngettext(
        "%(n)d absence consécutive aux dernières séances",
        "%(n)d absences consécutives aux dernières séances",
        n,
    ) % {"n": n}
    unexcused = round(r["consecutive_unexcused"])
    if 0 < unexcused < n:
        text += " " + _("(dont %(u)d non justifiée(s))") % {"u": unexcused}
    elif unexcused == n:
        text += " " + _("(non justifiées)")
    return text


def _explain_rate(key: str, total: str, recent: bool) -> Callable[[Mapping[str, float]], str]:
    def explain(r: Mapping[str, float]) -> str:
        values = {"rate": round(100 * r[key]), "n": round(r[total])}
        if recent:
            return _("%(rate)d %% d'absence sur les 4 dernières semaines (%(n)d séances)") % values
        return _("%(rate)d %% d'absence depuis le début (%(n)d séances)") % values

    return explain


def _explain_unexcused(r: Mapping[str, float]) -> str:
    n = round(r["unexcused_absences"])
    return ngettext("%(n)d absence non justifiée", "%(n)d absences non justifiées", n) % {"n": n}


def _explain_inactive(r: Mapping[str, float]) -> str:
    since = r["days_since_activity"]
    if math.isnan(r["traces"]) or r["traces"] == 0:
        return _("Aucune activité sur la plateforme depuis le début du parcours (%(d)s)") % {
            "d": _days(since)
        }
    return _("Aucune activité sur la plateforme depuis %(d)s") % {"d": _days(since)}


def _explain_vs_own(r: Mapping[str, float]) -> str:
    return _(
        "Silence inhabituel : %(d)s sans activité, alors qu'il ou elle se connectait "
        "en moyenne tous les %(g)s jours"
    ) % {"d": _days(r["days_since_activity"]), "g": f"{r['usual_gap']:.0f}"}


def _explain_vs_cohort(r: Mapping[str, float]) -> str:
    return _("Inactif depuis %(d)s, contre %(c)s pour la moitié du groupe") % {
        "d": _days(r["days_since_activity"]),
        "c": _days(r["cohort_days_since_activity"]),
    }


def _explain_drop(r: Mapping[str, float]) -> str:
    return _("Activité en baisse de %(p)d %% sur les deux dernières semaines") % {
        "p": round(100 * r["activity_drop"])
    }


def _explain_low_activity(r: Mapping[str, float]) -> str:
    return _("Activité faible : %(n)s actions par semaine en moyenne") % {
        "n": f"{r['actions_per_week']:.1f}".replace(".", ",")
    }


def _explain_missed(r: Mapping[str, float]) -> str:
    n, due = round(r["missed_assessments"]), round(r["assessments_due"])
    return ngettext(
        "%(n)d évaluation non rendue sur %(due)d attendue",
        "%(n)d évaluations non rendues sur %(due)d attendues",
        n,
    ) % {"n": n, "due": due}


def _explain_missed_latest(r: Mapping[str, float]) -> str:
    return _("La dernière évaluation attendue (échéance le %(day)s) n'est pas rendue") % {
        "day": _day(r["latest_due"])
    }


def _explain_late(r: Mapping[str, float]) -> str:
    n = round(r["late_submissions"])
    return ngettext(
        "%(n)d évaluation rendue en retard", "%(n)d évaluations rendues en retard", n
    ) % {"n": n}


def _explain_since_submission(r: Mapping[str, float]) -> str:
    return _("Dernier travail rendu il y a %(d)s") % {"d": _days(r["days_since_submission"])}


def _explain_unanswered(r: Mapping[str, float]) -> str:
    n = round(r["unanswered_contacts"])
    return ngettext(
        "%(n)d relance sans réponse ces 4 dernières semaines (la dernière le %(day)s)",
        "%(n)d relances sans réponse ces 4 dernières semaines (la dernière le %(day)s)",
        n,
    ) % {"n": n, "day": _day(r["last_contact"])}


def _explain_tutor_alerts(r: Mapping[str, float]) -> str:
    n = round(r["tutor_alerts"])
    return ngettext(
        "Alerte du tuteur en entreprise le %(day)s",
        "%(n)d alertes du tuteur en entreprise ces 6 dernières semaines (la dernière le %(day)s)",
        n,
    ) % {"n": n, "day": _day(r["last_tutor_alert"])}


def _explain_score(r: Mapping[str, float]) -> str:
    return _("Résultats faibles : moyenne de %(s)s/100") % {"s": f"{r['mean_score']:.0f}"}


def _explain_trend(r: Mapping[str, float]) -> str:
    return _(
        "Résultats en baisse : %(recent)s/100 ces cinq dernières semaines, contre %(before)s/100 avant"
    ) % {
        "recent": f"{r['recent_score']:.0f}",
        "before": f"{r['earlier_score']:.0f}",
    }


def _explain_missed_vs_cohort(r: Mapping[str, float]) -> str:
    return _("%(n)s évaluation(s) non rendue(s), quand le groupe en a manqué %(c)s en moyenne") % {
        "n": f"{r['missed_assessments']:.0f}",
        "c": f"{r['cohort_missed_assessments']:.1f}".replace(".", ","),
    }


def _explain_score_vs_cohort(r: Mapping[str, float]) -> str:
    return _("Moyenne de %(s)s/100, sous la médiane du groupe (%(c)s/100)") % {
        "s": f"{r['mean_score']:.0f}",
        "c": f"{r['cohort_mean_score']:.0f}",
    }


def _explain_new(r: Mapping[str, float]) -> str:
    return _("Début de parcours : inscrit depuis %(d)s") % {"d": _days(r["days_enrolled"])}


def _explain_progress(r: Mapping[str, float]) -> str:
    return _("Parcours engagé à %(p)d %% de sa durée prévue") % {"p": round(100 * r["progress"])}


def _explain_late_enrolment(r: Mapping[str, float]) -> str:
    return _("Entrée tardive : %(d)s après le début de la session") % {
        "d": _days(r["late_enrolment_days"])
    }


# Default weights (model version 0, before any calibration), in log-odds per unit of the
# transformed signal, for a base risk of 10 % (intercept -2.2). They encode what the
# reference documents say a provider should react to: three absences in a row, or two
# weeks without any sign of activity, on their own give a high risk; a missed assessment
# or a month of frequent absences a medium one.
DEFAULT_INTERCEPT = -2.2
SIGNALS: list[Signal] = [
    Signal(
        "consecutive_absences",
        _("Absences consécutives"),
        "consecutive_absences",
        _capped(6),
        _explain_consecutive,
        1.1,
    ),
    Signal(
        "recent_absence_rate",
        _("Absences récentes"),
        "recent_absence_rate",
        _same,
        _explain_rate("recent_absence_rate", "recent_marks", True),
        1.5,
    ),
    Signal(
        "absence_rate",
        _("Taux d'absence"),
        "absence_rate",
        _same,
        _explain_rate("absence_rate", "marks", False),
        1.0,
    ),
    Signal(
        "unexcused_absences",
        _("Absences non justifiées"),
        "unexcused_absences",
        _log1p,
        _explain_unexcused,
        0.3,
    ),
    Signal(
        "days_since_activity",
        _("Jours sans activité"),
        "days_since_activity",
        _log1p,
        _explain_inactive,
        0.9,
        reference=math.log1p(3),
    ),
    Signal(
        "inactivity_vs_own",
        _("Silence inhabituel"),
        "inactivity_vs_own",
        _log1p,
        _explain_vs_own,
        0.5,
        reference=math.log1p(1),
    ),
    Signal(
        "inactivity_vs_cohort",
        _("Inactivité par rapport au groupe"),
        "inactivity_vs_cohort",
        lambda x: np.clip(x, -28, 56) / 7.0,
        _explain_vs_cohort,
        0.15,
    ),
    Signal("activity_drop", _("Baisse d'activité"), "activity_drop", _same, _explain_drop, 1.0),
    Signal(
        "low_activity",
        _("Activité faible"),
        "actions_per_week",
        lambda x: -np.log1p(np.maximum(x, 0.0)),
        _explain_low_activity,
        0.2,
        reference=-math.log1p(20),
    ),
    Signal(
        "missed_assessments",
        _("Évaluations non rendues"),
        "missed_assessments",
        _log1p,
        _explain_missed,
        1.6,
    ),
    Signal(
        "late_submissions",
        _("Évaluations rendues en retard"),
        "late_submissions",
        _log1p,
        _explain_late,
        0.4,
    ),
    Signal(
        "missed_latest",
        _("Dernière évaluation non rendue"),
        "missed_latest",
        _same,
        _explain_missed_latest,
        0.8,
    ),
    Signal(
        "days_since_submission",
        _("Pas de travail rendu récemment"),
        "days_since_submission",
        _log1p,
        _explain_since_submission,
        0.3,
        reference=math.log1p(28),
    ),
    Signal(
        "missed_vs_cohort",
        _("Évaluations manquées par rapport au groupe"),
        "missed_vs_cohort",
        lambda x: np.clip(x, -3, 3),
        _explain_missed_vs_cohort,
        0.0,
    ),
    Signal(
        "score_vs_cohort",
        _("Résultats par rapport au groupe"),
        "score_vs_cohort",
        lambda x: -np.clip(x, -50, 50) / 10.0,
        _explain_score_vs_cohort,
        0.0,
    ),
    Signal(
        "low_scores",
        _("Résultats faibles"),
        "mean_score",
        lambda x: (100.0 - x) / 25.0,
        _explain_score,
        0.5,
        reference=1.0,
    ),
    Signal(
        "falling_scores",
        _("Résultats en baisse"),
        "score_trend",
        lambda x: -np.clip(x, -60, 60) / 10.0,
        _explain_trend,
        0.15,
    ),
    Signal(
        "early_days",
        _("Début de parcours"),
        "days_enrolled",
        lambda x: -np.log1p(x),
        _explain_new,
        0.0,
        reference=-math.log1p(30),
    ),
    Signal(
        "unanswered_contacts",
        _("Relances sans réponse"),
        "unanswered_contacts",
        _log1p,
        _explain_unanswered,
        1.0,
    ),
    Signal(
        "tutor_alerts",
        _("Alerte du tuteur"),
        "tutor_alerts",
        _capped(2),
        _explain_tutor_alerts,
        1.5,
    ),
    Signal(
        "progress", _("Avancement"), "progress", _same, _explain_progress, 0.0, raises_risk=False
    ),
    Signal(
        "late_enrolment",
        _("Entrée tardive"),
        "late_enrolment_days",
        _log1p,
        _explain_late_enrolment,
        0.0,
        raises_risk=False,
    ),
]
SIGNAL_BY_KEY = {s.key: s for s in SIGNALS}
# The frame columns each explanation reads (beyond its own column): two rows with the
# same values there read the same, so a sentence is written once per distinct case.
EXPLANATION_INPUTS: dict[str, tuple[str, ...]] = {
    "consecutive_absences": ("consecutive_absences", "consecutive_unexcused"),
    "recent_absence_rate": ("recent_absence_rate", "recent_marks"),
    "absence_rate": ("absence_rate", "marks"),
    "days_since_activity": ("days_since_activity", "traces"),
    "inactivity_vs_own": ("days_since_activity", "usual_gap"),
    "inactivity_vs_cohort": ("days_since_activity", "cohort_days_since_activity"),
    "missed_assessments": ("missed_assessments", "assessments_due"),
    "missed_vs_cohort": ("missed_assessments", "cohort_missed_assessments"),
    "score_vs_cohort": ("mean_score", "cohort_mean_score"),
    "falling_scores": ("recent_score", "earlier_score"),
    "missed_latest": ("missed_latest", "latest_due"),
    "unanswered_contacts": ("unanswered_contacts", "last_contact"),
    "tutor_alerts": ("tutor_alerts", "last_tutor_alert"),
}


def explanation_inputs(signal: Signal) -> tuple[str, ...]:
    """The frame columns a signal's sentence reads."""
    return EXPLANATION_INPUTS.get(signal.key, (signal.column,))


def feature_matrix(frame: Frame, keys: list[str] | None = None) -> np.ndarray:
    """The transformed signals, one column per key (NaN where not applicable)."""
    keys = keys or [s.key for s in SIGNALS]
    cols = []
    for key in keys:
        signal = SIGNAL_BY_KEY.get(key)
        if signal is None or signal.column not in frame.columns:
            cols.append(np.full(len(frame), NAN))
            continue
        with np.errstate(invalid="ignore"):
            cols.append(signal.transform(frame.columns[signal.column]).astype(float))
    if not cols:
        return np.zeros((len(frame), 0))
    return np.column_stack(cols)
