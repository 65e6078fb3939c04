"""Reads of attendance: the session grid, attendance rates, a slot's roll.

Attendance rate (taux de présence) of an enrolment, as of a moment: the slots it
attended (present or late) divided by the slots held by then (started before that
moment) on a day the enrolment was active. A held slot without a mark counts as not
attended. Excused absences are not attendance: they are counted and shown apart
(absences excusées). A session's rate is the same ratio over all its enrolments.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.attendance.models import ATTENDED, AttendanceMark, AttendanceStatus, Signature
from parcours.learners.models import Enrolment, Learner
from parcours.learners.selectors import TimelineItem
from parcours.programmes.models import Session, Slot


@dataclass
class Rate:
    """Attended, excused and expected (held while active) slots, and the ratio."""

    attended: int = 0
    excused: int = 0
    expected: int = 0

    @property
    def rate(self) -> float | None:
        return self.attended / self.expected if self.expected else None

    @property
    def percent(self) -> int | None:
        """The rate in whole percent (None when nothing was expected yet)."""
        rate = self.rate
        return None if rate is None else round(rate * 100)

    def add(self, other: "Rate") -> None:
        self.attended += other.attended
        self.excused += other.excused
        self.expected += other.expected


@dataclass
class Cell:
    slot: Slot
    mark: AttendanceMark | None
    active: bool  # the enrolment was active on the slot's date
    held: bool  # the slot started before the as-of moment


@dataclass
class GridRow:
    enrolment: Enrolment
    cells: list[Cell]
    rate: Rate


@dataclass
class Grid:
    session: Session
    slots: list[Slot]
    rows: list[GridRow]
    as_of: dt.datetime
    total: Rate = field(default_factory=Rate)


def rate_of(cells: Iterable[Cell]) -> Rate:
    rate = Rate()
    for cell in cells:
        if not (cell.held and cell.active):
            continue
        rate.expected += 1
        status = cell.mark.status if cell.mark else None
        if status in ATTENDED:
            rate.attended += 1
        elif status == AttendanceStatus.EXCUSE:
            rate.excused += 1
    return rate


def session_grid(session: Session, *, as_of: dt.datetime | None = None) -> Grid:
    """Learners × slots of the session, with rates, in three queries whatever its size."""
    as_of = as_of or timezone.now()
    slots = list(session.slots.select_related("trainer").order_by("starts_at"))
    enrolments = list(
        session.enrolments.select_related("learner").order_by(
            "learner__last_name", "learner__first_name", "pk"
        )
    )
    marks = {
        (m.enrolment_id, m.slot_id): m
        for m in AttendanceMark.objects.filter(slot__session=session).only(
            "pk", "slot_id", "enrolment_id", "status", "minutes_late", "justification"
        )
    }
    days = {slot.pk: timezone.localdate(slot.starts_at) for slot in slots}
    grid = Grid(session=session, slots=slots, rows=[], as_of=as_of)
    for enrolment in enrolments:
        cells = [
            Cell(
                slot=slot,
                mark=marks.get((enrolment.pk, slot.pk)),
                active=enrolment.is_active_on(days[slot.pk]),
                held=slot.starts_at < as_of,
            )
            for slot in slots
        ]
        rate = rate_of(cells)
        grid.total.add(rate)
        grid.rows.append(GridRow(enrolment, cells, rate))
    return grid


def enrolment_rate(enrolment: Enrolment, *, as_of: dt.datetime | None = None) -> Rate:
    as_of = as_of or timezone.now()
    slots = Slot.objects.filter(session_id=enrolment.session_id, starts_at__lt=as_of)
    marks = {m.slot_id: m for m in AttendanceMark.objects.filter(enrolment=enrolment)}
    return rate_of(
        Cell(
            slot=slot,
            mark=marks.get(slot.pk),
            active=enrolment.is_active_on(timezone.localdate(slot.starts_at)),
            held=True,
        )
        for slot in slots
    )


@dataclass
class RollLine:
    enrolment: Enrolment
    mark: AttendanceMark | None
    signature: Signature | None

    @property
    def conflict(self) -> bool:
        """Marked absent (or excused), yet signed, and not settled by the trainer yet."""
        return (
            self.signature is not None
            and self.mark is not None
            and self.mark.status not in ATTENDED
            and self.mark.conflict_settled_at is None
        )


def rolls(slots: list[Slot]) -> dict[int, list[RollLine]]:
    """Each slot's learners (enrolments active on its date), with mark and signature.

    Three queries for any number of slots (a session's sheet has one section per slot).
    """
    enrolments = list(
        Enrolment.objects.filter(session_id__in={slot.session_id for slot in slots})
        .select_related("learner")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )
    marks = {
        (m.slot_id, m.enrolment_id): m
        for m in AttendanceMark.objects.filter(slot__in=slots).select_related(
            "signature", "recorded_by"
        )
    }
    result: dict[int, list[RollLine]] = {}
    for slot in slots:
        day = timezone.localdate(slot.starts_at)
        lines = result[slot.pk] = []
        for enrolment in enrolments:
            if enrolment.session_id != slot.session_id or not enrolment.is_active_on(day):
                continue
            mark = marks.get((slot.pk, enrolment.pk))
            signature = getattr(mark, "signature", None) if mark is not None else None
            lines.append(RollLine(enrolment, mark, signature))
    return result


def slot_roll(slot: Slot) -> list[RollLine]:
    return rolls([slot])[slot.pk]


def countersignatures(slots: list[Slot]) -> dict[int, list[Signature]]:
    """The trainers' countersignatures of each slot."""
    result: dict[int, list[Signature]] = {slot.pk: [] for slot in slots}
    for signature in Signature.objects.filter(slot__in=slots, trainer__isnull=False).select_related(
        "trainer"
    ):
        result[signature.slot_id].append(signature)
    return result


def attendance_events(learner: Learner, user: Any) -> Iterable[TimelineItem]:
    """The learner's absences, late arrivals and excused absences, one item each, and
    their presences summed up per week (one item per week and session)."""
    marks = (
        AttendanceMark.objects.filter(enrolment__learner=learner)
        .select_related("slot__session")
        .order_by("slot__starts_at")
    )
    weeks: dict[tuple[dt.date, int], list[AttendanceMark]] = {}
    for mark in marks:
        slot = mark.slot
        title = slot.session.title
        url = reverse("attendance:slot_detail", args=[slot.pk])
        if mark.status == AttendanceStatus.PRESENT:
            day = timezone.localdate(slot.starts_at)
            monday = day - dt.timedelta(days=day.weekday())
            weeks.setdefault((monday, slot.session_id), []).append(mark)
        elif mark.status == AttendanceStatus.RETARD:
            detail = (
                _("%(minutes)d min de retard") % {"minutes": mark.minutes_late}
                if mark.minutes_late
                else ""
            )
            yield TimelineItem(
                slot.starts_at,
                "retard",
                _("Retard à la séance de « %(session)s »") % {"session": title},
                detail=detail,
                url=url,
            )
        elif mark.status == AttendanceStatus.ABSENT:
            yield TimelineItem(
                slot.starts_at,
                "absence",
                _("Absence à la séance de « %(session)s »") % {"session": title},
                url=url,
            )
        else:
            yield TimelineItem(
                slot.starts_at,
                "absence_excusee",
                _("Absence excusée à la séance de « %(session)s »") % {"session": title},
                detail=mark.justification_note,
                url=url,
            )
    for (monday, _session_id), present in weeks.items():
        session = present[0].slot.session
        yield TimelineItem(
            monday,
            "presence",
            ngettext(
                "%(count)d présence la semaine du %(monday)s (« %(session)s »)",
                "%(count)d présences la semaine du %(monday)s (« %(session)s »)",
                len(present),
            )
            % {
                "count": len(present),
                "monday": monday.strftime("%d/%m/%Y"),
                "session": session.title,
            },
            url=session.get_absolute_url(),
        )
