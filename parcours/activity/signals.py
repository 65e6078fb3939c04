"""Engagement signals from the LMS and the assessments (registered in the signal registry
by `ActivityConfig.ready`): three providers, one aggregation each.

- `activity`: how long since the last trace, against the learner's and cohort's rhythm;
- `assessments`: work owed and handed in, late, marks and their trend;
- `cohort` (after `assessments`): the learner's missed work and marks against the session's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.core.signals import (
    EPOCH_ORDINAL,
    NAN,
    Frame,
    Provider,
    Scope,
    Signal,
    day_number,
    fetch,
    group_mean,
    group_median,
    log1p,
    ordinal,
    same,
    scatter,
)
from parcours.learners.models import Enrolment
from parcours.programmes.models import Session

RECENT_ACTIVITY_DAYS = 14
RECENT_RESULTS_DAYS = 35


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


def latest_missed_assessments(scope: Scope) -> dict[int, int]:
    """Per enrolment in the scope, the latest assessment it owed by D and had not handed in
    by then (due from its own start to the day before D; the latest due date, then the
    highest id), counted as `missed_assessments` counts: what names a missed-assessment
    episode for the follow-up. One query: the owed pairs without a result."""
    where, params = scope.where()
    day = connection.ops.adapt_datefield_value(scope.as_of)
    own_start = "CASE WHEN e.enrolled_on > s.start_date THEN e.enrolled_on ELSE s.start_date END"
    rows = fetch(
        f"""SELECT e.id, a.id, {day_number("a.due_date")}
            FROM {Enrolment._meta.db_table} e
            JOIN {Session._meta.db_table} s ON s.id = e.session_id
            JOIN {Assessment._meta.db_table} a ON a.session_id = e.session_id
            WHERE {where} AND a.due_date >= {own_start} AND a.due_date < %s
              AND NOT EXISTS (
                  SELECT 1 FROM {Result._meta.db_table} r
                  WHERE r.assessment_id = a.id AND r.enrolment_id = e.id AND r.submitted_on <= %s
              )""",  # noqa: S608 (see fetch)
        [*params, day, day],
    )
    latest: dict[int, tuple[int, int]] = {}
    for enrolment_id, assessment_id, due in rows:
        if (due, assessment_id) > latest.get(enrolment_id, (-1, -1)):
            latest[enrolment_id] = (due, assessment_id)
    return {e: a for e, (_due, a) in latest.items()}


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


def _days(value: float) -> str:
    n = round(value)
    return ngettext("%(n)d jour", "%(n)d jours", n) % {"n": n}


def _day(value: float) -> str:
    """A day number as the French read a date."""
    return dt.date.fromordinal(int(value)).strftime("%d/%m/%Y")


def _explain_inactive(r: Mapping[str, float]) -> str:
    since = r["days_since_activity"]
    if math.isnan(r["traces"]) or r["traces"] == 0:
        return _("Aucune activité sur la plateforme depuis le début du parcours (%(d)s)") % {
            "d": _days(since)
        }
    return _("Aucune activité sur la plateforme depuis %(d)s") % {"d": _days(since)}


def _explain_vs_own(r: Mapping[str, float]) -> str:
    gap = round(r["usual_gap"])
    if gap <= 1:
        return _(
            "Silence inhabituel : %(d)s sans activité, alors qu'il ou elle se connectait "
            "en moyenne chaque jour"
        ) % {"d": _days(r["days_since_activity"])}
    return _(
        "Silence inhabituel : %(d)s sans activité, alors qu'il ou elle se connectait "
        "en moyenne tous les %(g)d jours"
    ) % {"d": _days(r["days_since_activity"]), "g": gap}


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
    n = round(r["missed_assessments"])
    return ngettext(
        "%(n)d évaluation non rendue, quand le groupe en a manqué %(c)s en moyenne",
        "%(n)d évaluations non rendues, quand le groupe en a manqué %(c)s en moyenne",
        n,
    ) % {"n": n, "c": f"{r['cohort_missed_assessments']:.1f}".replace(".", ",")}


def _explain_score_vs_cohort(r: Mapping[str, float]) -> str:
    return _("Moyenne de %(s)s/100, sous la médiane du groupe (%(c)s/100)") % {
        "s": f"{r['mean_score']:.0f}",
        "c": f"{r['cohort_mean_score']:.0f}",
    }


ACTIVITY = Provider(
    "activity",
    activity,
    signals=(
        Signal(
            "days_since_activity",
            _("Jours sans activité"),
            "days_since_activity",
            log1p,
            _explain_inactive,
            0.9,
            reference=math.log1p(3),
            reads=("days_since_activity", "traces"),
        ),
        Signal(
            "inactivity_vs_own",
            _("Silence inhabituel"),
            "inactivity_vs_own",
            log1p,
            _explain_vs_own,
            0.5,
            reference=math.log1p(1),
            reads=("days_since_activity", "usual_gap"),
        ),
        Signal(
            "inactivity_vs_cohort",
            _("Inactivité par rapport au groupe"),
            "inactivity_vs_cohort",
            lambda x: np.clip(x, -28, 56) / 7.0,
            _explain_vs_cohort,
            0.15,
            reads=("days_since_activity", "cohort_days_since_activity"),
        ),
        Signal("activity_drop", _("Baisse d'activité"), "activity_drop", same, _explain_drop, 1.0),
        Signal(
            "low_activity",
            _("Activité faible"),
            "actions_per_week",
            lambda x: -np.log1p(np.maximum(x, 0.0)),
            _explain_low_activity,
            0.2,
            reference=-math.log1p(20),
        ),
    ),
)
ASSESSMENTS = Provider(
    "assessments",
    assessments,
    signals=(
        Signal(
            "missed_assessments",
            _("Évaluations non rendues"),
            "missed_assessments",
            log1p,
            _explain_missed,
            1.6,
            reads=("missed_assessments", "assessments_due"),
        ),
        Signal(
            "late_submissions",
            _("Évaluations rendues en retard"),
            "late_submissions",
            log1p,
            _explain_late,
            0.4,
        ),
        Signal(
            "missed_latest",
            _("Dernière évaluation non rendue"),
            "missed_latest",
            same,
            _explain_missed_latest,
            0.8,
            reads=("missed_latest", "latest_due"),
        ),
        Signal(
            "days_since_submission",
            _("Pas de travail rendu récemment"),
            "days_since_submission",
            log1p,
            _explain_since_submission,
            0.3,
            reference=math.log1p(28),
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
            reads=("recent_score", "earlier_score"),
        ),
    ),
)
COHORT = Provider(
    "cohort",
    cohort,
    requires=("assessments",),
    signals=(
        Signal(
            "missed_vs_cohort",
            _("Évaluations manquées par rapport au groupe"),
            "missed_vs_cohort",
            lambda x: np.clip(x, -3, 3),
            _explain_missed_vs_cohort,
            0.0,
            reads=("missed_assessments", "cohort_missed_assessments"),
        ),
        Signal(
            "score_vs_cohort",
            _("Résultats par rapport au groupe"),
            "score_vs_cohort",
            lambda x: -np.clip(x, -50, 50) / 10.0,
            _explain_score_vs_cohort,
            0.0,
            reads=("mean_score", "cohort_mean_score"),
        ),
    ),
)
PROVIDERS = (ACTIVITY, ASSESSMENTS, COHORT)
