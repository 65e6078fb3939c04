"""Reads of the safeguarding app: the handlers' queue, the anonymised register, the
procedure's text as blocks."""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from parcours.core.models import Membership, Organisation
from parcours.lib.text_blocks import Block, text_blocks
from parcours.safeguarding.access import DESIGNABLE_ROLES
from parcours.safeguarding.models import (
    ACKNOWLEDGEMENT_HOURS,
    PreventionProcedure,
    Report,
    SafeguardingHandler,
    Status,
)


def handlers(organisation: Organisation) -> QuerySet[SafeguardingHandler]:
    return SafeguardingHandler.objects.filter(organisation=organisation).select_related(
        "user", "designated_by"
    )


def active_handlers(organisation: Organisation) -> QuerySet[SafeguardingHandler]:
    return handlers(organisation).filter(active=True)


def designable_members(organisation: Organisation) -> QuerySet[Membership]:
    """Staff who are not active handlers yet."""
    current = SafeguardingHandler.objects.filter(organisation=organisation, active=True)
    return (
        Membership.objects.filter(organisation=organisation, role__in=DESIGNABLE_ROLES)
        .exclude(user__in=current.values("user"))
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def queue(reports: QuerySet[Report]) -> QuerySet[Report]:
    """A handler's list: open reports first, the oldest first."""
    return reports.annotate(n_messages=Count("messages")).order_by(
        F("closed_at").asc(nulls_first=True), "received_at"
    )


def procedure_history(organisation: Organisation) -> QuerySet[PreventionProcedure]:
    return PreventionProcedure.objects.filter(organisation=organisation).select_related("edited_by")


def procedure_blocks(text: str) -> list[Block]:
    """The procedure's text as headings, paragraphs and lists (escaped by the template)."""
    return text_blocks(text)


# The anonymised register: evidence that the procedure runs, without any content.


@dataclass
class MonthRow:
    month: dt.date
    received: int = 0
    acknowledged_in_time: int = 0
    closed: int = 0


@dataclass
class Register:
    total: int
    by_status: list[tuple[str, int]]
    months: list[MonthRow]
    acknowledged: int
    acknowledged_in_time: int
    overdue_acknowledgements: int
    median_ack_hours: float | None
    max_ack_hours: float | None
    median_close_days: float | None
    max_close_days: float | None
    ack_hours: int = ACKNOWLEDGEMENT_HOURS


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def register(organisation: Organisation, now: dt.datetime, months: int = 12) -> Register:
    """Counts by status and by month, and the processing delays. Only dates are read."""
    rows = list(
        Report.objects.filter(organisation=organisation).values_list(
            "status", "received_at", "acknowledged_at", "closed_at"
        )
    )
    limit = dt.timedelta(hours=ACKNOWLEDGEMENT_HOURS)
    by_status = {s: 0 for s in Status.values}
    ack_hours: list[float] = []
    close_days: list[float] = []
    in_time = overdue = 0
    per_month: dict[dt.date, MonthRow] = {}
    local_now = timezone.localtime(now)
    month = local_now.date().replace(day=1)
    for _i in range(months):
        per_month[month] = MonthRow(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    for status, received_at, acknowledged_at, closed_at in rows:
        by_status[status] += 1
        key = timezone.localtime(received_at).date().replace(day=1)
        row = per_month.get(key)
        if row is not None:
            row.received += 1
        if acknowledged_at is not None:
            ack_hours.append((acknowledged_at - received_at).total_seconds() / 3600)
            if acknowledged_at - received_at <= limit:
                in_time += 1
                if row is not None:
                    row.acknowledged_in_time += 1
        elif now - received_at > limit:
            overdue += 1
        if closed_at is not None:
            close_days.append((closed_at - received_at).total_seconds() / 86400)
            if row is not None:
                row.closed += 1
    return Register(
        total=len(rows),
        by_status=[(str(Status(s).label), n) for s, n in by_status.items()],
        months=sorted(per_month.values(), key=lambda r: r.month, reverse=True),
        acknowledged=len(ack_hours),
        acknowledged_in_time=in_time,
        overdue_acknowledgements=overdue,
        median_ack_hours=_median(ack_hours),
        max_ack_hours=round(max(ack_hours), 1) if ack_hours else None,
        median_close_days=_median(close_days),
        max_close_days=round(max(close_days), 1) if close_days else None,
    )
