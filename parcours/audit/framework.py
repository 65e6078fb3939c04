"""The Référentiel national qualité as data: versions, criteria, indicators.

The texts live in `data/rnq.toml` (read with tomllib, once): a correction is a change of that
file, not of this code. A version in force is chosen by date; a session is judged against the
version in force on the day it started.
"""

import datetime
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Protocol

DATA_FILE = Path(__file__).parent / "data" / "rnq.toml"

CATEGORIES = frozenset({"AF", "BC", "VAE", "CFA"})


class Grading:
    MAJOR = "majeure"
    MINOR_OR_MAJOR = "mineure_ou_majeure"


@dataclass(frozen=True)
class Indicator:
    version: str
    number: int
    criterion: int
    title: str
    text: str
    applies_to: frozenset[str]
    grading: str
    minor: str
    major: str
    evidence: tuple[str, ...]
    source: str
    # Services of at most this many days in these categories are out of scope (I12).
    not_applicable_up_to_days: int | None = None
    short_exempt: frozenset[str] = frozenset()

    @property
    def code(self) -> str:
        return f"I{self.number}"

    @property
    def categories(self) -> str:
        return ", ".join(c for c in ("AF", "BC", "VAE", "CFA") if c in self.applies_to)

    @property
    def any_gap_is_major(self) -> bool:
        return self.grading == Grading.MAJOR

    def applies(self, category: str, duration_days: Decimal | float | None = None) -> bool:
        """Whether the indicator applies to a service of this category and length."""
        if category not in self.applies_to:
            return False
        if (
            self.not_applicable_up_to_days is not None
            and category in self.short_exempt
            and duration_days is not None
            and duration_days <= self.not_applicable_up_to_days
        ):
            return False
        return True


@dataclass(frozen=True)
class Version:
    code: str
    title: str
    effective_from: datetime.date
    effective_until: datetime.date | None
    indicators: tuple[Indicator, ...]
    source: str

    def indicator(self, number: int) -> Indicator:
        for item in self.indicators:
            if item.number == number:
                return item
        raise KeyError(f"{self.code} has no indicator {number}")

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


@dataclass(frozen=True)
class GradingRules:
    minor_becomes_major_after_months: int
    minors_counted_as_major: int
    rules: tuple[str, ...]


class _Dated(Protocol):
    start_date: datetime.date


def _indicator(version: str, raw: dict[str, Any], source: str | None = None) -> Indicator:
    return Indicator(
        version=version,
        number=int(raw["number"]),
        criterion=int(raw["criterion"]),
        title=raw["title"],
        text=raw["text"],
        applies_to=frozenset(raw["applies_to"]),
        grading=raw["grading"],
        minor=raw.get("minor", ""),
        major=raw.get("major", ""),
        evidence=tuple(raw.get("evidence", ())),
        source=source if source is not None else raw["source"],
        not_applicable_up_to_days=raw.get("not_applicable_up_to_days"),
        short_exempt=frozenset(raw.get("short_exempt", ())),
    )


@cache
def _load() -> tuple[dict[str, Any], tuple[Version, ...]]:
    with DATA_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    built: dict[str, Version] = {}
    for raw in data["versions"]:
        code = raw["code"]
        items: dict[int, Indicator] = {}
        base = raw.get("based_on")
        if base:
            inherited = raw.get("inherited_source", "")
            for item in built[base].indicators:
                items[item.number] = _indicator(code, _as_raw(item), source=inherited)
        for item_raw in raw.get("indicators", ()):
            item = _indicator(code, item_raw)
            items[item.number] = item
        built[code] = Version(
            code=code,
            title=raw.get("title", code),
            effective_from=raw["effective_from"],
            effective_until=raw.get("effective_until"),
            indicators=tuple(items[n] for n in sorted(items)),
            source=raw.get("source", ""),
        )
    ordered = tuple(sorted(built.values(), key=lambda v: v.effective_from))
    return data, ordered


def _as_raw(item: Indicator) -> dict[str, Any]:
    return {
        "number": item.number,
        "criterion": item.criterion,
        "title": item.title,
        "text": item.text,
        "applies_to": sorted(item.applies_to),
        "grading": item.grading,
        "minor": item.minor,
        "major": item.major,
        "evidence": list(item.evidence),
        "not_applicable_up_to_days": item.not_applicable_up_to_days,
        "short_exempt": sorted(item.short_exempt),
    }


def versions() -> list[Version]:
    """Every version, oldest first."""
    return list(_load()[1])


def version(code: str) -> Version:
    for item in _load()[1]:
        if item.code == code:
            return item
    raise KeyError(f"unknown RNQ version {code!r}")


def version_on(day: datetime.date) -> Version:
    """The version in force on `day` (the oldest one before the first effective date)."""
    all_versions = _load()[1]
    for item in reversed(all_versions):
        if item.effective_from <= day:
            return item
    return all_versions[0]


def version_for_session(session: _Dated) -> Version:
    """The version in force when the session started: it is judged by that text."""
    return version_on(session.start_date)


def indicator(version_code: str, number: int) -> Indicator:
    return version(version_code).indicator(number)


def criteria() -> dict[int, str]:
    return {int(k): v for k, v in _load()[0]["criteria"].items()}


def grading_rules() -> GradingRules:
    raw = _load()[0]["grading"]
    return GradingRules(
        minor_becomes_major_after_months=int(raw["minor_becomes_major_after_months"]),
        minors_counted_as_major=int(raw["minors_counted_as_major"]),
        rules=tuple(raw["rules"]),
    )
