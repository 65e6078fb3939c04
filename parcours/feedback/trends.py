"""Reads of feedback over time and across sessions: satisfaction and item means per period
(month, quarter, year), and the sessions of a programme side by side.

Aggregated in SQL (a handful of grouped queries, whatever the number of answers). The k
rule holds in every cell: a period, a session or an item of a period with fewer than k
respondents shows no figure (`Cell.hidden`), in pages, XLSX and PDF alike.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core.models import Organisation
from parcours.feedback.models import (
    AnonymousAnswer,
    AnonymousResponse,
    AttributedAnswer,
    AttributedResponse,
    Campaign,
    Invitation,
    InvitationState,
    Item,
    ItemKind,
)
from parcours.feedback.selectors import Rate, k_for
from parcours.programmes.models import Session

GRANULARITIES = {
    "mois": gettext_lazy("Mois"),
    "trimestre": gettext_lazy("Trimestre"),
    "annee": gettext_lazy("Année"),
}
PAIRS = ((AnonymousResponse, AnonymousAnswer), (AttributedResponse, AttributedAnswer))


@dataclass
class Cell:
    respondents: int
    value: float | None = None
    hidden: bool = True  # fewer than k respondents: no figure


@dataclass
class Series:
    label: str
    unit: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def values(self) -> list[float | None]:
        return [None if c.hidden else c.value for c in self.cells]


@dataclass
class Trends:
    k: int
    granularity: str
    periods: list[dt.date]
    labels: list[str]
    respondents: list[int]
    satisfaction: Series
    items: list[Series]

    @property
    def satisfaction_rows(self) -> list[tuple[str, Cell]]:
        return list(zip(self.labels, self.satisfaction.cells, strict=True))


def period_label(day: dt.date, granularity: str) -> str:
    if granularity == "annee":
        return f"{day:%Y}"
    if granularity == "trimestre":
        return _("T%(q)s %(year)s") % {"q": (day.month - 1) // 3 + 1, "year": day.year}
    return f"{day:%m/%Y}"


def _next(day: dt.date, granularity: str) -> dt.date:
    months = {"mois": 1, "trimestre": 3, "annee": 12}[granularity]
    n = day.year * 12 + day.month - 1 + months
    return dt.date(n // 12, n % 12 + 1, 1)


def period_of(day: dt.date, granularity: str) -> dt.date:
    """The first day of the month, quarter or year holding `day`."""
    if granularity == "annee":
        return dt.date(day.year, 1, 1)
    if granularity == "trimestre":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, day.month, 1)


def _scale_share(values: dict[int, int]) -> tuple[int, float | None, float | None]:
    """(answers, % of 4-5, mean) of a 1-5 distribution."""
    total = sum(values.values())
    if not total:
        return 0, None, None
    good = values.get(4, 0) + values.get(5, 0)
    mean = sum(v * n for v, n in values.items()) / total
    return total, round(100 * good / total), round(mean, 2)


def _scale_rows(ids: list[int], theme: str, group: str) -> dict[tuple[object, int], dict[int, int]]:
    """Counts of 1-5 answers per (group, item): one grouped query per answer table."""
    out: dict[tuple[object, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _response, answer in PAIRS:
        rows = answer.objects.filter(
            campaign_id__in=ids, item__kind=ItemKind.SCALE5, number__isnull=False
        )
        if theme:
            rows = rows.filter(item__theme=theme)
        for g, item_id, number, n in (
            rows.values_list(group, "item_id", "number").annotate(n=Count("*")).order_by()
        ):
            out[(g, item_id)][number] += n
    return out


def _respondents(ids: list[int], group: str) -> dict[object, int]:
    out: dict[object, int] = defaultdict(int)
    for response, _answer in PAIRS:
        rows = response.objects.filter(campaign_id__in=ids)
        for g, n in rows.values_list(group).annotate(n=Count("*")).order_by():
            out[g] += n
    return out


def _merged_items(
    item_ids: set[int],
) -> tuple[dict[int, tuple[int, str]], dict[tuple[int, str], str]]:
    """Items of several versions merge by questionnaire and code (the latest text names
    them): item id -> merge key, and merge key -> label."""
    key_of: dict[int, tuple[int, str]] = {}
    label: dict[tuple[int, str], tuple[int, str]] = {}
    for pk, q_id, key, text, number, title in Item.objects.filter(pk__in=item_ids).values_list(
        "pk",
        "version__questionnaire_id",
        "key",
        "text",
        "version__number",
        "version__questionnaire__title",
    ):
        key_of[pk] = (q_id, key)
        if (q_id, key) not in label or label[(q_id, key)][0] < number:
            label[(q_id, key)] = (number, f"{text} ({title})")
    return key_of, {k: v[1] for k, v in label.items()}


def trends(
    organisation: Organisation,
    campaigns: QuerySet[Campaign],
    *,
    granularity: str = "trimestre",
    theme: str = "",
) -> Trends:
    """Satisfaction (share of 4 and 5 on the 1-5 scales) and the mean of each 1-5 item,
    per period (of the campaigns' launch)."""
    k = k_for(organisation)
    launched = dict(
        campaigns.filter(organisation=organisation).values_list("pk", "launched_on").order_by()
    )
    ids = list(launched)
    # A period gathers the campaigns launched in it: the answers are counted per campaign
    # from the (campaign, item, trainer, number) index alone, then placed by launch date.
    respondents: dict[object, int] = defaultdict(int)
    for campaign_id, n in _respondents(ids, "campaign_id").items():
        respondents[period_of(launched[campaign_id], granularity)] += n  # type: ignore[index]
    scales: dict[tuple[object, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (campaign_id, item_id), values in _scale_rows(ids, theme, "campaign_id").items():
        key = (period_of(launched[campaign_id], granularity), item_id)  # type: ignore[index]
        for number, n in values.items():
            scales[key][number] += n
    periods: list[dt.date] = []
    if respondents:
        day, last = min(respondents), max(respondents)  # type: ignore[type-var]
        while day <= last:  # type: ignore[operator]
            periods.append(day)  # type: ignore[arg-type]
            day = _next(day, granularity)  # type: ignore[arg-type]
    key_of, labels = _merged_items({item for _p, item in scales})
    per_item: dict[tuple[int, str], dict[dt.date, dict[int, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    overall: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (period, item_id), values in scales.items():
        for number, n in values.items():
            per_item[key_of[item_id]][period][number] += n  # type: ignore[index]
            overall[period][number] += n  # type: ignore[index]
    satisfaction = Series(str(_("Satisfaction (notes 4 et 5)")), "%")
    for period in periods:
        n = respondents.get(period, 0)
        _total, share, _mean = _scale_share(overall.get(period, {}))
        satisfaction.cells.append(Cell(n, share, hidden=n < k))
    items = []
    for merge_key in sorted(labels, key=lambda m: labels[m]):
        series = Series(labels[merge_key], "/5")
        for period in periods:
            shown = respondents.get(period, 0) >= k
            total, _share, mean = _scale_share(per_item[merge_key].get(period, {}))
            series.cells.append(Cell(total, mean, hidden=not shown or total < k))
        items.append(series)
    return Trends(
        k=k,
        granularity=granularity,
        periods=periods,
        labels=[period_label(p, granularity) for p in periods],
        respondents=[respondents.get(p, 0) for p in periods],
        satisfaction=satisfaction,
        items=items,
    )


@dataclass
class SessionRow:
    session: Session
    rate: Rate
    respondents: int
    hidden: bool
    satisfaction: float | None = None
    mean: float | None = None


def session_comparison(
    organisation: Organisation, campaigns: QuerySet[Campaign], *, theme: str = ""
) -> list[SessionRow]:
    """The sessions of these campaigns side by side: response rate, satisfaction and the
    mean of the 1-5 scales (no figure for a session under k respondents)."""
    k = k_for(organisation)
    ids = list(
        campaigns.filter(organisation=organisation, session__isnull=False).values_list(
            "pk", flat=True
        )
    )
    respondents = _respondents(ids, "campaign__session_id")
    scales = _scale_rows(ids, theme, "campaign__session_id")
    per_session: dict[object, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (session_id, _item), values in scales.items():
        for number, n in values.items():
            per_session[session_id][number] += n
    rates = {
        session_id: Rate(a, r, n, u)
        for session_id, a, r, n, u in Invitation.objects.filter(campaign_id__in=ids)
        .values_list("campaign__session_id")
        .annotate(
            asked=Count("pk", filter=~Q(state=InvitationState.UNREACHABLE)),
            reminded=Count("pk", filter=Q(reminders__gt=0)),
            answered=Count("pk", filter=Q(state=InvitationState.ANSWERED)),
            unreachable=Count("pk", filter=Q(state=InvitationState.UNREACHABLE)),
        )
        .order_by()
    }
    sessions = (
        Session.objects.filter(organisation=organisation, campaigns__in=ids)
        .distinct()
        .order_by("start_date", "title")
    )
    out = []
    for session in sessions:
        n = respondents.get(session.pk, 0)
        row = SessionRow(session, rates.get(session.pk, Rate()), n, hidden=n < k)
        if not row.hidden:
            _total, row.satisfaction, row.mean = _scale_share(per_session.get(session.pk, {}))
        out.append(row)
    return out
