"""Engagement signals from the follow-up (registered in the signal registry by
`FollowupConfig.ready`): reminders and calls left unanswered, the company tutor's alerts.

The reminders are the e-mails the follow-up's case steps queued (their related key
starts with "case-step:", see `CaseStep.related_key`), read through messaging's
selectors; the calls and the tutor's liaison sheets are the follow-up's own tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    scatter,
    start_of_day,
)
from parcours.followup.models import Call, CallOutcome, FollowupCase, LiaisonSheet
from parcours.learners.models import Enrolment
from parcours.messaging.selectors import sent_with_prefix

CONTACT_DAYS = 28  # reminders and calls of the last four weeks
TUTOR_ALERT_DAYS = 42  # the company tutor's alerts of the last six weeks
STEP_PREFIX = "case-step:"


def _moment(day: dt.date) -> dt.datetime:
    """The first instant of a day, Paris time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


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
    where, params = scope.where()
    cut = end_of_day(scope.as_of)
    contacts_from = start_of_day(scope.as_of - dt.timedelta(days=CONTACT_DAYS - 1))
    alerts_from = start_of_day(scope.as_of - dt.timedelta(days=TUTOR_ALERT_DAYS - 1))
    enrolments = Enrolment._meta.db_table
    sent, sent_params = sent_with_prefix(
        scope.organisation_id,
        STEP_PREFIX,
        since=_moment(scope.as_of - dt.timedelta(days=CONTACT_DAYS - 1)),
        until=_moment(scope.as_of + dt.timedelta(days=1)),
    ).query.sql_with_params()
    attempts = fetch(
        f"""SELECT m.enrolment_id, {local_day("m.sent_at")}, 0
            FROM ({sent}) m JOIN {enrolments} e ON e.id = m.enrolment_id
            WHERE {where}
            UNION ALL
            SELECT k.enrolment_id, {local_day("c.called_at")},
                   CASE WHEN c.outcome = %s THEN 1 ELSE 0 END
            FROM {Call._meta.db_table} c
            JOIN {FollowupCase._meta.db_table} k ON k.id = c.case_id
            JOIN {enrolments} e ON e.id = k.enrolment_id
            WHERE c.organisation_id = %s AND c.called_at >= %s AND c.called_at < %s
              AND {where}""",  # noqa: S608 (see fetch)
        [*sent_params, *params]
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


def _day(value: float) -> str:
    """A day number as the French read a date."""
    return dt.date.fromordinal(int(value)).strftime("%d/%m/%Y")


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


PROVIDER = Provider(
    "responses",
    responses,
    # A sign of life answers a contact: the last trace, work handed in, séance attended.
    requires=("activity", "assessments", "attendance"),
    signals=(
        Signal(
            "unanswered_contacts",
            _("Relances sans réponse"),
            "unanswered_contacts",
            log1p,
            _explain_unanswered,
            1.0,
            reads=("unanswered_contacts", "last_contact"),
        ),
        Signal(
            "tutor_alerts",
            _("Alerte du tuteur"),
            "tutor_alerts",
            capped(2),
            _explain_tutor_alerts,
            1.5,
            reads=("tutor_alerts", "last_tutor_alert"),
        ),
    ),
)
