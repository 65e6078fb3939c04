"""From signals to a score from 0 to 1, a level and its reasons.

The score is a logistic model over the transformed signals:
    score = 1 / (1 + exp(-(intercept + sum_i weight_i * (x_i - mean_i) / scale_i)))
and each term weight_i * (x_i - mean_i) / scale_i is signal i's contribution, in
log-odds: the reasons of a score are its largest positive contributions, so that every
score explains itself with the same arithmetic that produced it. A signal that does not
apply (NaN: no séance marked, no LMS, no assessment yet) contributes nothing.

Model version 0 is the default (the registered signals' default weights, no history needed); each
`parcours risk calibrate` stores a new version learnt from the organisation's finished
enrolments, which then scores everything until the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from parcours.core.models import Organisation
from parcours.engagement.models import (
    DEFAULT_HIGH,
    DEFAULT_MEDIUM,
    DEFAULT_MODEL_VERSION,
    Level,
    RiskModel,
    RiskThreshold,
)
from parcours.engagement.signals import (
    DEFAULT_INTERCEPT,
    Frame,
    compute_signals,
    feature_matrix,
    signal_by_key,
    signals,
)
from parcours.programmes.models import Session

MAX_REASONS = 3
# A signal is a reason when it adds at least this much to the log-odds (about +3 points
# of risk around 10 %, +5 around 50 %).
MIN_CONTRIBUTION = 0.2


@dataclass(frozen=True)
class Weights:
    """What a model needs to score: a version, and its weights on standardised signals."""

    version: int
    intercept: float
    coefficients: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]

    @classmethod
    def default(cls) -> Weights:
        registered = signals()
        return cls(
            version=DEFAULT_MODEL_VERSION,
            intercept=DEFAULT_INTERCEPT,
            coefficients={s.key: s.default_weight for s in registered if s.default_weight},
            means={s.key: s.reference for s in registered},
            scales={s.key: 1.0 for s in registered},
        )

    @classmethod
    def of(cls, model: RiskModel) -> Weights:
        return cls(
            version=model.version,
            intercept=model.intercept,
            coefficients=dict(model.coefficients),
            means=dict(model.means),
            scales=dict(model.scales),
        )

    @property
    def keys(self) -> list[str]:
        known = signal_by_key()
        return [k for k in self.coefficients if k in known]


def weights_in_force(organisation: Organisation | int, version: int | None = None) -> Weights:
    """The organisation's active calibrated model (or the given version), else the default."""
    if version == DEFAULT_MODEL_VERSION:
        return Weights.default()
    models = RiskModel.objects.filter(
        organisation_id=organisation if isinstance(organisation, int) else organisation.pk
    )
    model = (
        models.filter(version=version).first()
        if version is not None
        else models.filter(is_active=True).order_by("-version").first()
    )
    if version is not None and model is None:
        raise LookupError(version)
    return Weights.of(model) if model else Weights.default()


@dataclass
class Scored:
    """Scores of a frame's rows, with the contributions that make them."""

    frame: Frame
    weights: Weights
    scores: np.ndarray
    contributions: np.ndarray  # rows × weights.keys
    levels: list[str]
    _rows: list[dict[str, Any]] | None = field(default=None, repr=False)

    def reasons(self, i: int) -> list[dict[str, Any]]:
        """Row i's top contributing signals, largest first, each with its French sentence."""
        return self.all_reasons(rows=[i])[0]

    def all_reasons(self, rows: list[int] | None = None) -> list[list[dict[str, Any]]]:
        contrib = self.contributions if rows is None else self.contributions[rows]
        indices = range(len(self.frame)) if rows is None else rows
        keys = self.weights.keys
        k = min(MAX_REASONS, contrib.shape[1])
        top = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
        top_values = np.take_along_axis(contrib, top, axis=1)
        shown = (top_values >= MIN_CONTRIBUTION).sum(axis=1).tolist()
        top_list, weight_list = top.tolist(), np.round(top_values, 3).tolist()
        known = signal_by_key()
        read = [known[key] for key in keys]
        # A sentence is written once per distinct case: its signal and the (rounded) frame
        # columns it reads, taken as lists once rather than row by row.
        inputs = [signal.explanation_inputs for signal in read]
        rounded: dict[str, list[float]] = {}
        out: list[list[dict[str, Any]]] = []
        texts: dict[tuple[Any, ...], str] = {}
        for r, i in enumerate(indices):
            reasons = []
            for j in range(shown[r]):
                s = top_list[r][j]
                signal = read[s]
                for name in inputs[s]:
                    if name not in rounded:
                        rounded[name] = np.round(self.frame.columns[name], 4).tolist()
                case = (signal.key, *(rounded[name][i] for name in inputs[s]))
                text = texts.get(case)
                if text is None:
                    text = texts[case] = signal.explain(self.frame.row(i))
                reasons.append({"signal": signal.key, "text": text, "weight": weight_list[r][j]})
            out.append(reasons)
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One record per enrolment, as `parcours risk` prints them (made once: printing
        and storing the night's scores share them)."""
        if self._rows is None:
            self._rows = self._make_rows()
        return self._rows

    def _make_rows(self) -> list[dict[str, Any]]:
        info = self.frame.info
        ids = self.frame.enrolment_ids.tolist()
        scores = np.round(self.scores, 4).tolist()
        reasons = self.all_reasons()
        return [
            {
                "enrolment_id": ids[i],
                "learner_external_id": info["learner_external_id"][i],
                "session_external_id": info["session_external_id"][i],
                "score": scores[i],
                "level": self.levels[i],
                "reasons": reasons[i],
            }
            for i in range(len(ids))
        ]


def contributions(frame: Frame, weights: Weights) -> np.ndarray:
    keys = weights.keys
    x = feature_matrix(frame, keys)
    if not keys:
        return np.zeros((len(frame), 0))
    mean = np.array([weights.means.get(k, 0.0) for k in keys])
    scale = np.array([weights.scales.get(k, 1.0) or 1.0 for k in keys])
    coef = np.array([weights.coefficients[k] for k in keys])
    z = (x - mean) / scale
    return np.nan_to_num(z * coef, nan=0.0)


def probabilities(frame: Frame, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    contrib = contributions(frame, weights)
    logit = weights.intercept + contrib.sum(axis=1)
    return 1.0 / (1.0 + np.exp(-logit)), contrib


def thresholds_for(
    organisation: Organisation | int,
) -> tuple[tuple[float, float], dict[int, tuple[float, float]]]:
    """The organisation's default (medium, high) thresholds, and those set per programme."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    default = (DEFAULT_MEDIUM, DEFAULT_HIGH)
    per_programme: dict[int, tuple[float, float]] = {}
    for programme_id, medium, high in RiskThreshold.objects.filter(
        organisation_id=org_id
    ).values_list("programme_id", "medium", "high"):
        if programme_id is None:
            default = (medium, high)
        else:
            per_programme[programme_id] = (medium, high)
    return default, per_programme


def level_of(score: float, medium: float, high: float) -> str:
    if score >= high:
        return Level.ELEVE
    if score >= medium:
        return Level.MOYEN
    return Level.FAIBLE


def levels(frame: Frame, scores: np.ndarray, organisation: Organisation | int) -> list[str]:
    default, per_programme = thresholds_for(organisation)
    programmes = frame.info.get("programme_id", [None] * len(frame))
    out = []
    for score, programme_id in zip(scores.tolist(), programmes, strict=True):
        medium, high = per_programme.get(programme_id, default) if programme_id else default
        out.append(level_of(score, medium, high))
    return out


def score_frame(frame: Frame, organisation: Organisation | int, weights: Weights) -> Scored:
    scores, contrib = probabilities(frame, weights)
    return Scored(frame, weights, scores, contrib, levels(frame, scores, organisation))


def score(
    organisation: Organisation,
    as_of: dt.date,
    *,
    session: Session | None = None,
    model_version: int | None = None,
) -> Scored:
    """Score every enrolment of the organisation active on `as_of`, from facts up to then."""
    weights = weights_in_force(organisation, model_version)
    frame = compute_signals(organisation, as_of, session=session)
    return score_frame(frame, organisation, weights)


def level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else _("Inconnu")
