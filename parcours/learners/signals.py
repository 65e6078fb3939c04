"""Engagement signals from the enrolment itself: where the learner stands in their own
period (registered in the signal registry by `LearnersConfig.ready`).

The frame engagement builds already holds, per active enrolment, its day numbers
`enrolled_day`, `session_start_day`, `session_end_day` and `own_start` (the later of the
enrolment and the session's start): this provider reads no table, it derives from them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.core.signals import Frame, Provider, Scope, Signal, log1p, same


def period(frame: Frame, scope: Scope) -> None:
    """How long since the learner's own start, how far through the period, how late they joined."""
    c = frame.columns
    d = float(scope.as_of.toordinal())
    own_start = c["own_start"]
    c["days_enrolled"] = np.maximum(0.0, d - own_start)
    c["progress"] = np.clip(
        (d - own_start) / np.maximum(1.0, c["session_end_day"] - own_start), 0.0, 1.5
    )
    c["late_enrolment_days"] = np.maximum(0.0, c["enrolled_day"] - c["session_start_day"])


def _days(value: float) -> str:
    n = round(value)
    return ngettext("%(n)d jour", "%(n)d jours", n) % {"n": n}


def _explain_new(r: Mapping[str, float]) -> str:
    return _("Début de parcours : inscrit depuis %(d)s") % {"d": _days(r["days_enrolled"])}


def _explain_progress(r: Mapping[str, float]) -> str:
    return _("Parcours engagé à %(p)d %% de sa durée prévue") % {"p": round(100 * r["progress"])}


def _explain_late_enrolment(r: Mapping[str, float]) -> str:
    return _("Entrée tardive : %(d)s après le début de la session") % {
        "d": _days(r["late_enrolment_days"])
    }


PROVIDER = Provider(
    "period",
    period,
    signals=(
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
            "progress",
            _("Avancement"),
            "progress",
            same,
            _explain_progress,
            0.0,
            raises_risk=False,
        ),
        Signal(
            "late_enrolment",
            _("Entrée tardive"),
            "late_enrolment_days",
            log1p,
            _explain_late_enrolment,
            0.0,
            raises_risk=False,
        ),
    ),
)
