"""Engagement signals from attendance: absences overall, recent, unexcused, and the
current run (registered in the signal registry by `AttendanceConfig.ready`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.attendance.models import AttendanceMark
from parcours.core.signals import (
    NAN,
    Frame,
    Provider,
    Scope,
    Signal,
    capped,
    end_of_day,
    fetch,
    local_day,
    local_days,
    log1p,
    same,
    scatter,
    start_of_day,
)
from parcours.learners.models import Enrolment
from parcours.programmes.models import Slot

RECENT_ATTENDANCE_DAYS = 28


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


def _explain_consecutive(r: Mapping[str, float]) -> str:
    n = round(r["consecutive_absences"])
    text = ngettext(
        "%(n)d absence consécutive aux dernières séances",
        "%(n)d absences consécutives aux dernières séances",
        n,
    ) % {"n": n}
    unexcused = round(r["consecutive_unexcused"])
    if 0 < unexcused < n:
        text += " " + ngettext(
            "(dont %(u)d non justifiée)", "(dont %(u)d non justifiées)", unexcused
        ) % {"u": unexcused}
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


PROVIDER = Provider(
    "attendance",
    attendance,
    signals=(
        Signal(
            "consecutive_absences",
            _("Absences consécutives"),
            "consecutive_absences",
            capped(6),
            _explain_consecutive,
            1.1,
            reads=("consecutive_absences", "consecutive_unexcused"),
        ),
        Signal(
            "recent_absence_rate",
            _("Absences récentes"),
            "recent_absence_rate",
            same,
            _explain_rate("recent_absence_rate", "recent_marks", True),
            1.5,
            reads=("recent_absence_rate", "recent_marks"),
        ),
        Signal(
            "absence_rate",
            _("Taux d'absence"),
            "absence_rate",
            same,
            _explain_rate("absence_rate", "marks", False),
            1.0,
            reads=("absence_rate", "marks"),
        ),
        Signal(
            "unexcused_absences",
            _("Absences non justifiées"),
            "unexcused_absences",
            log1p,
            _explain_unexcused,
            0.3,
        ),
    ),
)
