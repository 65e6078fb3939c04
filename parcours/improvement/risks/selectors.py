"""Reads of the risk register: the risks with their flags and figures, the 4×4 matrix,
the yearly review's state, and the register's table for XLSX and PDF."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from parcours.improvement.risks.indicators import Figure, figures_for
from parcours.improvement.risks.models import (
    YEARLY_REVIEW_DAYS,
    Risk,
    RiskLevel,
    RiskReview,
    level_of,
)


@dataclass
class Line:
    risk: Risk
    figure: Figure | None
    review_late: bool


# The heat grid's colours, by level (pale enough for dark text).
LEVEL_COLOURS = {
    RiskLevel.LOW: "#dcf0e3",
    RiskLevel.MEDIUM: "#fff1c7",
    RiskLevel.HIGH: "#fdd9b5",
    RiskLevel.CRITICAL: "#f6b8b0",
}


@dataclass
class Cell:
    likelihood: int
    impact: int
    score: int
    level: str
    risks: list[Risk] = field(default_factory=list)

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS[RiskLevel(self.level)]

    @property
    def level_label(self) -> str:
        return str(RiskLevel(self.level).label)


@dataclass
class YearlyReview:
    last: RiskReview | None
    late: bool
    due_on: dt.date | None


@dataclass
class Register:
    as_of: dt.date
    lines: list[Line]
    matrix: list[list[Cell]]  # rows from likelihood 4 down to 1, columns impact 1 to 4
    yearly: YearlyReview

    @property
    def untreated(self) -> list[Risk]:
        return [line.risk for line in self.lines if line.risk.untreated]

    def count(self, level: str) -> int:
        return sum(1 for line in self.lines if line.risk.level == level)

    @property
    def by_level(self) -> list[tuple[str, int]]:
        return [(str(level.label), self.count(level)) for level in RiskLevel]


def active_risks(risks: QuerySet[Risk]) -> list[Risk]:
    """The register's live risks, most critical first, their treatments prefetched."""
    found = list(risks.filter(archived=False).prefetch_related("treatments"))
    found.sort(key=lambda r: (-r.criticality, r.title))
    return found


def matrix(risks: list[Risk]) -> list[list[Cell]]:
    rows = []
    for likelihood in (4, 3, 2, 1):
        row = []
        for impact in (1, 2, 3, 4):
            score = likelihood * impact
            cell = Cell(likelihood, impact, score, level_of(score) or RiskLevel.LOW)
            cell.risks = [r for r in risks if r.likelihood == likelihood and r.impact == impact]
            row.append(cell)
        rows.append(row)
    return rows


def yearly_review(organisation: Any, as_of: dt.date) -> YearlyReview:
    """The last review of the register on or before as_of; late past 12 months (or if none)."""
    last = (
        RiskReview.objects.filter(organisation=organisation, held_on__lte=as_of)
        .select_related("reviewer")
        .first()
    )
    if last is None:
        return YearlyReview(None, True, None)
    due_on = last.held_on + dt.timedelta(days=YEARLY_REVIEW_DAYS)
    return YearlyReview(last, as_of > due_on, due_on)


def register(organisation: Any, risks: QuerySet[Risk], as_of: dt.date) -> Register:
    found = active_risks(risks)
    figures = figures_for(found, as_of)
    lines = [Line(r, figures.get(r.pk), r.review_late(as_of)) for r in found]
    return Register(as_of, lines, matrix(found), yearly_review(organisation, as_of))


def table_header() -> list[str]:
    return [
        _("Risque"),
        _("Catégorie"),
        _("Formation"),
        _("Probabilité"),
        _("Impact"),
        _("Criticité"),
        _("Niveau"),
        _("Donnée Parcours"),
        _("Moyens de maîtrise existants"),
        _("Responsable"),
        _("Prochaine revue"),
        _("Actions de traitement"),
        _("Probabilité résiduelle"),
        _("Impact résiduel"),
        _("Score résiduel"),
        _("Élevé ou critique sans traitement"),
    ]


def table_rows(register: Register) -> list[list[Any]]:
    rows = []
    for line in register.lines:
        r = line.risk
        rows.append(
            [
                r.title,
                r.get_category_display(),
                str(r.programme) if r.programme else "",
                r.likelihood,
                r.impact,
                r.criticality,
                r.get_level_display(),
                f"{line.figure.label} : {line.figure.value}" if line.figure else "",
                r.controls,
                r.owner.get_full_name() if r.owner else "",
                r.review_on,
                ", ".join(f"{a} ({a.get_state_display()})" for a in r.treatments.all()),
                r.residual_likelihood,
                r.residual_impact,
                r.residual_score,
                _("oui") if r.untreated else _("non"),
            ]
        )
    return rows
