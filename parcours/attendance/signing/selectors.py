"""The learner portal (reads): their schedule, their marks and attendance rates."""

import datetime as dt
from dataclasses import dataclass

from parcours.attendance import services as attendance_services
from parcours.attendance.models import (
    ATTENDED,
    AttendanceMark,
    Signature,
)
from parcours.attendance.signing.services import is_open
from parcours.learners.models import Enrolment, EnrolmentStatus, Learner
from parcours.programmes.models import Slot


@dataclass(frozen=True)
class PortalSlot:
    slot: Slot
    enrolment: Enrolment
    status: str
    status_label: str
    signed: bool
    can_sign: bool


@dataclass(frozen=True)
class PortalRate:
    enrolment: Enrolment
    past: int
    attended: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.past) if self.past else None


@dataclass(frozen=True)
class PortalOverview:
    upcoming: list[PortalSlot]
    past: list[PortalSlot]
    rates: list[PortalRate]


def portal_overview(
    learner: Learner, now: dt.datetime, *, upcoming_limit: int = 30, past_limit: int = 50
) -> PortalOverview:
    """The learner's schedule (current enrolments), their marks and attendance rates."""
    enrolments = list(
        Enrolment.objects.filter(learner=learner, organisation_id=learner.organisation_id)
        .exclude(status__in=[EnrolmentStatus.TERMINE, EnrolmentStatus.ABANDON])
        .select_related("session")
        .order_by("session__start_date", "pk")
    )
    by_session = {e.session_id: e for e in enrolments}
    slots = list(
        Slot.objects.filter(session_id__in=by_session, organisation_id=learner.organisation_id)
        .select_related("session")
        .order_by("starts_at", "pk")
    )
    marks = {
        (m.slot_id, m.enrolment_id): m
        for m in AttendanceMark.objects.filter(enrolment_id__in=[e.pk for e in enrolments])
    }
    signed = set(
        Signature.objects.filter(mark__enrolment_id__in=[e.pk for e in enrolments]).values_list(
            "slot_id", flat=True
        )
    )
    closed = set(
        Signature.objects.filter(slot__in=slots, trainer__isnull=False).values_list(
            "slot_id", flat=True
        )
    )
    upcoming: list[PortalSlot] = []
    past: list[PortalSlot] = []
    counts = {e.pk: [0, 0] for e in enrolments}
    for slot in slots:
        enrolment = by_session[slot.session_id]
        if not enrolment.is_active_on(attendance_services.slot_day(slot)):
            continue
        mark = marks.get((slot.pk, enrolment.pk))
        item = PortalSlot(
            slot=slot,
            enrolment=enrolment,
            status=mark.status if mark else "",
            status_label=mark.get_status_display() if mark else "",
            signed=slot.pk in signed,
            can_sign=is_open(slot, now) and slot.pk not in signed and slot.pk not in closed,
        )
        if slot.ends_at >= now:
            upcoming.append(item)
        else:
            past.append(item)
            counts[enrolment.pk][0] += 1
            if mark is not None and mark.status in ATTENDED:
                counts[enrolment.pk][1] += 1
    rates = [PortalRate(e, *counts[e.pk]) for e in enrolments]
    return PortalOverview(upcoming[:upcoming_limit], past[::-1][:past_limit], rates)
