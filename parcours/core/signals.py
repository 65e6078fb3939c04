"""The signal registry: the protocol an engagement signal provider follows, and the list.

Engagement (`parcours.engagement.signals`) builds, for a date D, the frame of every
enrolment active on D, then runs the registered providers over it; each provider adds
columns (one numpy array per name, row i is `frame.enrolment_ids[i]`) and describes the
signals the risk model reads from them. The app that owns a fact owns its provider, in
its own `signals.py`: the SQL aggregation, the signals and their French explanations
together, registered from its `AppConfig.ready`:

    # parcours/feedback/signals.py
    def checkins(frame: Frame, scope: Scope) -> None:
        rows = fetch("SELECT a.enrolment_id, ... FROM feedback_answer a JOIN "
                     f"{scope.enrolment_table} e ON e.id = a.enrolment_id WHERE ...", [...])
        scatter(frame, rows, ["checkin_score", "thinking_of_stopping"], NAN)

    PROVIDER = Provider(
        "checkins", checkins,
        signals=(Signal("thinking_of_stopping", _("Envisage d'arrêter"), ...),),
        requires=("attendance",),  # only if it reads another provider's columns
    )

    # parcours/feedback/apps.py, in ready():
    from parcours.core.signals import register
    from parcours.feedback.signals import PROVIDER
    register(PROVIDER)

Rules a provider keeps (the leakage test checks them for every signal):
- nothing dated after D is read (`scope.as_of`), and an enrolment's later end or
  status is never looked at;
- one aggregation per enrolment over its table (a few passes over the facts, whatever
  the number of enrolments), restricted with `scope.facts_of(...)` and joined to the
  frame's enrolments with `scope.where()` (SQL over the enrolment table aliased `e`);
- NaN means "does not apply" (weighs nothing), not zero;
- a provider that reads another's columns names it in `requires`: providers run in a
  topological order of those declarations (registration order among equals).

A calibrated model that does not know a new signal gives it no weight until the
organisation recalibrates; the default model (version 0) uses `default_weight`.

This module knows no domain app: the frame's helpers (SQL for dates, scattering
aggregated rows into columns, group medians) are plain SQL and numpy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

NAN = math.nan
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


# --- The frame a provider fills ----------------------------------------------------


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
    """Which enrolments a computation covers, as SQL over the enrolment table `e`
    (`enrolment_table`, named by engagement, which builds the scope)."""

    organisation_id: int
    as_of: dt.date
    session_id: int | None = None
    enrolment_ids: list[int] | None = None
    enrolment_table: str = "learners_enrolment"

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
        return f" AND {column} IN (SELECT e.id FROM {self.enrolment_table} e WHERE {where})", params  # noqa: S608


# --- SQL and numpy helpers for providers --------------------------------------------


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


def group_mean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=values)
    return (sums / counts)[inverse]


# --- Signals: model inputs and how they read ----------------------------------------


@dataclass(frozen=True)
class Signal:
    """A model input: how it is derived from a frame column, and how it reads in French.

    `transform` maps the raw column to the model's input (NaN stays NaN: not
    applicable, weighs nothing); `default_weight` and `reference` define the default
    model: weight per unit of transformed value above the reference (no history).
    `reads` names the frame columns the explanation reads (its own column when empty):
    two rows with the same values there read the same, so a sentence is written once
    per distinct case.
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
    reads: tuple[str, ...] = ()

    @property
    def explanation_inputs(self) -> tuple[str, ...]:
        return self.reads or (self.column,)


def log1p(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.maximum(x, 0.0))


def same(x: np.ndarray) -> np.ndarray:
    return x.astype(float)


def capped(limit: float) -> Callable[[np.ndarray], np.ndarray]:
    def transform(x: np.ndarray) -> np.ndarray:
        return np.minimum(x.astype(float), limit)

    return transform


# --- Providers and the registry ------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """One aggregation over one fact table: `compute(frame, scope)` adds its columns.

    `requires` names the providers whose columns it reads; `signals` are the model
    inputs it offers (a provider may offer none: context columns for others).
    """

    name: str
    compute: Callable[[Frame, Scope], None]
    signals: tuple[Signal, ...] = ()
    requires: tuple[str, ...] = ()


_PROVIDERS: dict[str, Provider] = {}


class RegistryError(Exception):
    """A provider requires one that is not registered, or the requirements loop."""


def register(provider: Provider) -> Provider:
    """Register (or re-register, by name: `ready` may run twice) a provider."""
    _PROVIDERS[provider.name] = provider
    return provider


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)


def providers() -> list[Provider]:
    """The registered providers, each after those it requires (registration order among
    those that are ready at the same time)."""
    registered = list(_PROVIDERS.values())
    done: set[str] = set()
    ordered: list[Provider] = []
    for provider in registered:
        for name in provider.requires:
            if name not in _PROVIDERS:
                raise RegistryError(f"{provider.name} requires {name}, which is not registered")
    while len(ordered) < len(registered):
        ready = [p for p in registered if p.name not in done and all(r in done for r in p.requires)]
        if not ready:
            loop = sorted(p.name for p in registered if p.name not in done)
            raise RegistryError(f"providers requiring each other: {', '.join(loop)}")
        ordered.append(ready[0])
        done.add(ready[0].name)
    return ordered


def signals() -> list[Signal]:
    """Every registered signal, in the providers' order."""
    return [signal for provider in providers() for signal in provider.signals]
