"""Dropout statistics: the rate of dropouts by programme, session, cause and period, with
their bar charts (the auditor's page `followup:dropout_stats`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from parcours.followup.models import DropoutReason
from parcours.learners import selectors as learner_selectors
from parcours.learners.models import EnrolmentStatus
from parcours.lib.charts import Chart, bar_chart


@dataclass
class RateRow:
    label: str
    enrolments: int
    dropouts: int

    @property
    def rate(self) -> float | None:
        """Dropouts per 100 enrolments (or, by cause, the share of the dropouts)."""
        return round(100 * self.dropouts / self.enrolments, 1) if self.enrolments else None


@dataclass
class DropoutStats:
    rate: learner_selectors.DropoutRate
    start: dt.date
    end: dt.date
    period: str
    total: RateRow
    by_programme: list[RateRow]
    by_session: list[RateRow]
    by_cause: list[RateRow]
    by_period: list[RateRow]

    def charts(self) -> list[tuple[str, list[RateRow], Chart]]:
        """Each section's bar chart (parcours.lib.charts), drawn beside its table."""
        return [
            (title, rows, bar_chart(title, [(r.label, r.rate) for r in rows], unit="%"))
            for title, rows in self.sections()[1:]
        ]

    def sections(self) -> list[tuple[str, list[RateRow]]]:
        return [
            (_("Ensemble"), [self.total]),
            (_("Par formation"), self.by_programme),
            (_("Par session"), self.by_session),
            (_("Par cause"), self.by_cause),
            (_("Par période"), self.by_period),
        ]


MAX_PERIODS = 60


def periods(start: dt.date, end: dt.date, kind: str) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, last day) of each month or quarter from `start` to `end`."""
    months = 3 if kind == "trimestre" else 1
    first = dt.date(start.year, start.month - (start.month - 1) % months, 1)
    found: list[tuple[str, dt.date, dt.date]] = []
    while first <= end and len(found) < MAX_PERIODS:
        month = first.month - 1 + months
        following = dt.date(first.year + month // 12, month % 12 + 1, 1)
        if months == 3:
            label = f"T{(first.month - 1) // 3 + 1} {first.year}"
        else:
            label = first.strftime("%m/%Y")
        found.append((label, first, following - dt.timedelta(days=1)))
        first = following
    return found


def dropout_stats(
    organisation: Any, start: dt.date, end: dt.date, period: str = "mois"
) -> DropoutStats:
    """Dropout rates over [start, end]: the enrolments active at some point in it, and
    those of them that ended in a dropout within it (by programme, session, cause, period);
    the whole is `learners.selectors.dropout_rate`, the figure every page shows.
    """
    considered = learner_selectors.enrolments_in_period(organisation, start, end)
    dropped = learner_selectors.dropped_in_period(start, end)
    rate = learner_selectors.dropout_rate(organisation, start, end)
    total = {"n": rate.enrolments, "d": rate.dropouts}

    def rows(*fields: str, empty: str) -> list[RateRow]:
        found = (
            considered.values(*fields)
            .annotate(n=Count("pk"), d=Count("pk", filter=dropped))
            .order_by(fields[-1], fields[0])
        )
        return [RateRow(r[fields[-1]] or empty, r["n"], r["d"]) for r in found]

    causes = dict(DropoutReason.choices)
    by_cause = [
        RateRow(str(causes.get(r["dropout__reason"], _("Non renseignée"))), total["d"], r["d"])
        for r in considered.filter(dropped)
        .values("dropout__reason")
        .annotate(d=Count("pk"))
        .order_by("-d", "dropout__reason")
    ]
    spans = list(considered.values_list("enrolled_on", "ended_on", "status"))
    by_period = []
    for label, first, last in periods(start, end, period):
        first, last = max(first, start), min(last, end)
        active = [s for s in spans if s[0] <= last and (s[1] is None or s[1] >= first)]
        out = [
            s
            for s in active
            if s[2] == EnrolmentStatus.ABANDON and s[1] is not None and first <= s[1] <= last
        ]
        by_period.append(RateRow(label, len(active), len(out)))
    return DropoutStats(
        rate=rate,
        start=start,
        end=end,
        period=period,
        total=RateRow(str(_("Toutes les inscriptions")), total["n"], total["d"]),
        by_programme=rows(
            "session__programme_id", "session__programme__title", empty=_("Sans formation")
        ),
        by_session=rows("session_id", "session__title", empty="—"),
        by_cause=by_cause,
        by_period=by_period,
    )
