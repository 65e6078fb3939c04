"""Learning the weights from the organisation's own finished enrolments.

Training examples are "landmarks": each session that ended before the cut-off date is
replayed at 10 %, 20 %, ... 80 % of its length, and every enrolment active at that
moment (and finished before the cut-off) gives one example, its signals as of that day
and, as label, whether it ended in abandon. The same enrolment thus teaches what an
early and a late warning look like, with exactly the facts the engine will see when it
scores a live session.

The model is an L2-regularised logistic regression on standardised signals (missing
signals weigh nothing), so each score keeps its explanation: its terms. Signals that
mean "riskier" when they grow get non-negative weights (see `_fit`). Signals the
history does not show (say, attendance for a provider whose past sessions had no
séances marked) keep their default weights rather than being learnt as irrelevant.
The regularisation strength is chosen by cross-validation (folds grouped by
enrolment, so that one learner's landmarks never sit on both sides), and the
cross-validated AUC of the chosen strength is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parcours.core.models import Organisation
from parcours.engagement.signals import compute_signals, feature_matrix, signal_by_key, signals
from parcours.learners.models import Enrolment, EnrolmentStatus
from parcours.programmes.models import Session

LANDMARKS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
STRENGTHS = (0.01, 0.1, 1.0)
FOLDS = 5
MIN_OBSERVED = 50  # a signal seen in fewer examples keeps its default weight
METHOD = "regression_logistique_l2"


class NotEnoughHistory(Exception):
    """Too few finished enrolments (or no dropout among them) to learn from."""


@dataclass
class TrainingSet:
    keys: list[str]
    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    sessions: int = 0

    @property
    def enrolments(self) -> int:
        return len(np.unique(self.groups))


def training_set(
    organisation: Organisation,
    until: dt.date,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> TrainingSet:
    """Landmark examples from the sessions that ended before `until`."""
    keys = [s.key for s in signals()]
    sessions = list(
        Session.objects.filter(organisation=organisation, end_date__lt=until).order_by(
            "start_date", "pk"
        )
    )
    xs, ys, groups = [], [], []
    for n, session in enumerate(sessions, start=1):
        outcome = {
            pk: status == EnrolmentStatus.ABANDON
            for pk, status in Enrolment.objects.filter(
                session=session, ended_on__lt=until
            ).values_list("pk", "status")
        }
        span = (session.end_date - session.start_date).days
        days = sorted({session.start_date + dt.timedelta(days=round(f * span)) for f in LANDMARKS})
        for day in days:
            frame = compute_signals(organisation, day, session=session)
            keep = np.array([int(e) in outcome for e in frame.enrolment_ids], dtype=bool)
            if not keep.any():
                continue
            frame = frame.take(keep)
            xs.append(feature_matrix(frame, keys))
            ys.append(np.array([outcome[int(e)] for e in frame.enrolment_ids], dtype=int))
            groups.append(frame.enrolment_ids.copy())
        if progress:
            progress(n, len(sessions))
    if not xs:
        return TrainingSet(
            keys, np.zeros((0, len(keys))), np.zeros(0, dtype=int), np.zeros(0), len(sessions)
        )
    return TrainingSet(
        keys,
        np.vstack(xs),
        np.concatenate(ys),
        np.concatenate(groups),
        len(sessions),
    )


@dataclass
class Fitted:
    keys: list[str]
    intercept: float
    coefficients: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    metrics: dict[str, Any] = field(default_factory=dict)


def standardise(x: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means and scales of the observed values; z-scores with NaN (not applicable) at 0."""
    mean, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
    seen = observed & ~np.isnan(x).all(axis=0)  # (a column never seen has no mean)
    mean[seen] = np.nanmean(x[:, seen], axis=0)
    scale[seen] = np.nanstd(x[:, seen], axis=0)
    scale = np.where((scale > 1e-9) & ~np.isnan(scale), scale, 1.0)
    return np.nan_to_num((x - mean) / scale, nan=0.0), mean, scale


@dataclass
class Logistic:
    coef: np.ndarray
    intercept: float

    def predict(self, z: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept)))


def _fit(z: np.ndarray, y: np.ndarray, strength: float, bounds: list[tuple[Any, Any]]) -> Logistic:
    """L2-regularised logistic regression (scikit-learn's objective: C × log-loss + ½‖w‖²),
    with each weight kept within its bounds: a signal that says "riskier" may weigh
    nothing, never count against the risk (correlated signals otherwise trade signs, and
    an explanation would read "more missed assessments, lower risk")."""
    from scipy.optimize import minimize

    k = z.shape[1]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:k], params[k]
        margin = z @ w + b
        p = 1.0 / (1.0 + np.exp(-margin))
        log_loss = np.logaddexp(0.0, margin) - y * margin
        error = p - y
        grad = np.concatenate([strength * (z.T @ error) + w, [strength * error.sum()]])
        return float(strength * log_loss.sum() + 0.5 * w @ w), grad

    prior = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    start = np.concatenate([np.zeros(k), [np.log(prior / (1 - prior))]])
    result = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds, (None, None)],
        options={"maxiter": 2000},
    )
    return Logistic(coef=result.x[:k], intercept=float(result.x[k]))


def weight_bounds(keys: list[str]) -> list[tuple[Any, Any]]:
    known = signal_by_key()
    return [(0.0, None) if known[key].raises_risk else (None, None) for key in keys]


def cross_validated_auc(data: TrainingSet, observed: np.ndarray, strength: float) -> float:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(data.y))
    bounds = weight_bounds([k for k, seen in zip(data.keys, observed, strict=True) if seen])
    for train, test in GroupKFold(n_splits=FOLDS).split(data.x, data.y, data.groups):
        z, mean, scale = standardise(data.x[train], observed)
        model = _fit(z[:, observed], data.y[train], strength, bounds)
        zt = np.nan_to_num((data.x[test] - mean) / scale, nan=0.0)
        oof[test] = model.predict(zt[:, observed])
    return float(roc_auc_score(data.y, oof))


def fit(data: TrainingSet) -> Fitted:
    """The logistic model on the landmarks, its strength chosen by grouped cross-validation."""
    if data.enrolments < 2 * FOLDS or data.y.sum() < FOLDS or (1 - data.y).sum() < FOLDS:
        raise NotEnoughHistory
    observed = (~np.isnan(data.x)).sum(axis=0) >= MIN_OBSERVED
    if not observed.any():
        raise NotEnoughHistory
    aucs = {c: cross_validated_auc(data, observed, c) for c in STRENGTHS}
    strength = max(aucs, key=lambda c: aucs[c])
    z, mean, scale = standardise(data.x, observed)
    model = _fit(
        z[:, observed],
        data.y,
        strength,
        weight_bounds([k for k, seen in zip(data.keys, observed, strict=True) if seen]),
    )
    defaults = signal_by_key()
    coefficients, means, scales = {}, {}, {}
    learnt = iter(model.coef.tolist())
    for j, key in enumerate(data.keys):
        if observed[j]:
            coefficients[key], means[key], scales[key] = (
                next(learnt),
                float(mean[j]),
                float(scale[j]),
            )
        elif defaults[key].default_weight:
            coefficients[key] = defaults[key].default_weight
            means[key], scales[key] = defaults[key].reference, 1.0
    return Fitted(
        keys=data.keys,
        intercept=model.intercept,
        coefficients=coefficients,
        means=means,
        scales=scales,
        metrics={
            "cv_auc": round(aucs[strength], 4),
            "cv_auc_by_strength": {str(c): round(a, 4) for c, a in aucs.items()},
            "strength": strength,
            "folds": FOLDS,
            "examples": int(len(data.y)),
            "enrolments": data.enrolments,
            "dropout_examples": int(data.y.sum()),
            "sessions": data.sessions,
            "landmarks": list(LANDMARKS),
            "default_signals": [k for j, k in enumerate(data.keys) if not observed[j]],
        },
    )
