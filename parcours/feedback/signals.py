"""Engagement signals from the mid-session check-in (registered in the signal registry by
`FeedbackConfig.ready`): a low "comment ça se passe ?", and "pensez-vous arrêter ?"
answered "oui".

Only attributable answers are read: they live in `AttributedResponse`/`AttributedAnswer`,
linked to the enrolment. Anonymous answers live in other tables, with no enrolment, and
never reach a signal. An answer is read on D only when its day is D or before; the
learner's latest check-in up to D speaks for them (a later "non" replaces an earlier
"oui").

Default weights (the default model, version 0, and any calibrated model that has not
seen these signals yet, until the organisation recalibrates):
- `checkin_low_satisfaction`: 1.0 per point below 3 on the 1–5 scale (an answer of 1
  weighs 2.0, of 2 weighs 1.0, 3 and above nothing);
- `thinking_of_stopping`: 2.5 when the latest check-in says "oui" (the learner says it
  themselves: the strongest single sign the product has).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _

from parcours.core.signals import NAN, Frame, Provider, Scope, Signal, day_number, fetch, same
from parcours.feedback.models import (
    AttributedAnswer,
    AttributedResponse,
    Campaign,
    Item,
    Moment,
    Questionnaire,
)

SATISFACTION_ITEM = "ca-se-passe"
STOPPING_ITEM = "arreter"
LOW_BELOW = 3.0  # on the 1–5 scale, an answer below 3 is low


Checkin = tuple[int, dt.date, float | None, float | None]  # response, day, score, stopping


def checkin_answers(
    organisation_id: int,
    as_of: dt.date,
    where: str = "",
    params: list[Any] | None = None,
    enrolment_table: str = "learners_enrolment",
) -> list[tuple[Any, ...]]:
    """(enrolment id, response id, day number, satisfaction, stopping) of every attributable
    mid-session answer of the organisation dated on or before `as_of`, oldest first.
    `where` restricts the enrolments (SQL over the enrolment table aliased `e`)."""
    day = connection.ops.adapt_datefield_value(as_of)
    sql = f"""
        SELECT r.enrolment_id, r.id, {day_number("r.day")},
               MAX(CASE WHEN i.key = %s THEN a.number END),
               MAX(CASE WHEN i.key = %s THEN a.number END)
        FROM {AttributedResponse._meta.db_table} r
        JOIN {Campaign._meta.db_table} c ON c.id = r.campaign_id
        JOIN {Questionnaire._meta.db_table} q ON q.id = c.questionnaire_id
        JOIN {AttributedAnswer._meta.db_table} a ON a.response_id = r.id
        JOIN {Item._meta.db_table} i ON i.id = a.item_id
        JOIN {enrolment_table} e ON e.id = r.enrolment_id
        WHERE r.organisation_id = %s AND r.day <= %s AND q.moment = %s AND q.anonymous = %s
          AND i.key IN (%s, %s) {("AND " + where) if where else ""}
        GROUP BY r.enrolment_id, r.id, r.day
        ORDER BY r.day, r.id"""  # noqa: S608 (table names and fixed text; values are parameters)
    return fetch(
        sql,
        [SATISFACTION_ITEM, STOPPING_ITEM, organisation_id, day, Moment.MI_PARCOURS, False]
        + [SATISFACTION_ITEM, STOPPING_ITEM, *(params or [])],
    )


def latest_checkins(
    organisation_id: int,
    as_of: dt.date,
    where: str = "",
    params: list[Any] | None = None,
    enrolment_table: str = "learners_enrolment",
) -> dict[int, Checkin]:
    """Each enrolment's latest check-in on or before `as_of`: (response id, day, score, stopping)."""
    latest: dict[int, Checkin] = {}
    for enrolment_id, response_id, day, score, stopping in checkin_answers(
        organisation_id, as_of, where, params, enrolment_table
    ):
        latest[int(enrolment_id)] = (
            int(response_id),
            dt.date(1970, 1, 1) + dt.timedelta(days=int(day)),
            score,
            stopping,
        )
    return latest


def checkins(frame: Frame, scope: Scope) -> None:
    """The latest check-in's satisfaction and "thinking of stopping" (NaN without one)."""
    where, params = scope.where()
    latest = latest_checkins(
        scope.organisation_id, scope.as_of, where, params, scope.enrolment_table
    )
    n = len(frame)
    score = np.full(n, NAN)
    stopping = np.full(n, NAN)
    day = np.full(n, NAN)
    if latest:
        ids = np.array(sorted(latest), dtype=np.int64)
        idx = np.searchsorted(frame.enrolment_ids, ids)
        for enrolment_id, i in zip(ids, idx, strict=True):
            if i >= n or frame.enrolment_ids[i] != enrolment_id:
                continue  # (not active on the day)
            _response, answered_on, value, stop = latest[int(enrolment_id)]
            score[i] = NAN if value is None else float(value)
            stopping[i] = NAN if stop is None else float(stop)
            day[i] = float(answered_on.toordinal())
    frame.columns["checkin_score"] = score
    frame.columns["checkin_low"] = np.where(
        np.isnan(score), NAN, np.maximum(LOW_BELOW - score, 0.0)
    )
    frame.columns["thinking_of_stopping"] = stopping
    frame.columns["checkin_day"] = day


def _day(value: float) -> str:
    return dt.date.fromordinal(int(value)).strftime("%d/%m/%Y")


def _explain_low(r: Mapping[str, float]) -> str:
    return _("Satisfaction basse au point d'étape du %(day)s") % {"day": _day(r["checkin_day"])}


def _explain_stopping(r: Mapping[str, float]) -> str:
    return _("A répondu envisager d'arrêter le %(day)s") % {"day": _day(r["checkin_day"])}


PROVIDER = Provider(
    "checkins",
    checkins,
    signals=(
        Signal(
            "checkin_low_satisfaction",
            _("Satisfaction basse au point d'étape"),
            "checkin_low",
            same,
            _explain_low,
            1.0,
            reads=("checkin_low", "checkin_day"),
        ),
        Signal(
            "thinking_of_stopping",
            _("Envisage d'arrêter"),
            "thinking_of_stopping",
            same,
            _explain_stopping,
            2.5,
            reads=("thinking_of_stopping", "checkin_day"),
        ),
    ),
)
