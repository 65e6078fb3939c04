"""Reads of learners and enrolments for the back office, and the learner's timeline.

The timeline is an extension point: each app that knows something about a learner's
path (attendance, follow-up...) appends a provider to `TIMELINE_PROVIDERS`, a callable
(learner, user) -> iterable of `TimelineItem`. The learner page shows them all, in
chronological order.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.access import STAFF, membership_of
from parcours.core.models import Role
from parcours.learners.models import (
    AdaptationMeasure,
    AdaptationSheet,
    Enrolment,
    EnrolmentStatus,
    Learner,
)
from parcours.programmes.models import Programme, Session


def learners(
    queryset: QuerySet[Learner],
    *,
    q: str = "",
    disability: bool | None = None,
    session: Session | None = None,
    status: str = "",
) -> QuerySet[Learner]:
    """Learners matching the filters; session and status apply to the same enrolment."""
    for word in q.split():
        queryset = queryset.filter(
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(email__icontains=word)
            | Q(external_id__icontains=word)
        )
    if disability is not None:
        queryset = queryset.filter(disability=disability)
    enrolment_filter: dict[str, Any] = {}
    if session is not None:
        enrolment_filter["session"] = session
    if status:
        enrolment_filter["status"] = status
    if enrolment_filter:
        matching = Enrolment.objects.filter(learner=OuterRef("pk"), **enrolment_filter)
        queryset = queryset.filter(Exists(matching))
    return queryset.annotate(enrolment_count=Count("enrolments"))


def enrolments(
    queryset: QuerySet[Enrolment],
    *,
    q: str = "",
    status: str = "",
    session: Session | None = None,
    programme: Programme | None = None,
    active_on: dt.date | None = None,
) -> QuerySet[Enrolment]:
    for word in q.split():
        queryset = queryset.filter(
            Q(learner__last_name__icontains=word) | Q(learner__first_name__icontains=word)
        )
    if status:
        queryset = queryset.filter(status=status)
    if session is not None:
        queryset = queryset.filter(session=session)
    if programme is not None:
        queryset = queryset.filter(session__programme=programme)
    if active_on is not None:
        queryset = queryset.active_on(active_on)  # type: ignore[attr-defined]
    return queryset.select_related("learner", "session__programme")


def learner_enrolments(learner: Learner) -> QuerySet[Enrolment]:
    return learner.enrolments.select_related("session__programme").order_by("-enrolled_on")


# The timeline


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime | dt.date
    kind: str
    title: str
    detail: str = ""
    url: str = ""

    @property
    def has_time(self) -> bool:
        return isinstance(self.at, dt.datetime)

    @property
    def moment(self) -> dt.datetime:
        """A datetime to sort by: a bare date counts as the start of that day."""
        if isinstance(self.at, dt.datetime):
            return self.at
        return timezone.make_aware(dt.datetime.combine(self.at, dt.time.min))


TimelineProvider = Callable[[Learner, Any], Iterable[TimelineItem]]


def enrolment_events(learner: Learner, user: Any) -> Iterable[TimelineItem]:
    """Enrolment lifecycle: inscription, entrée en formation, sortie or abandon."""
    for enrolment in learner.enrolments.select_related("session"):
        title, url = enrolment.session.title, enrolment.get_absolute_url()
        yield TimelineItem(
            enrolment.enrolled_on,
            "inscription",
            _("Inscription à « %(session)s »") % {"session": title},
            url=url,
        )
        if enrolment.started_on:
            yield TimelineItem(
                enrolment.started_on,
                "entree",
                _("Entrée en formation « %(session)s »") % {"session": title},
                url=url,
            )
        if enrolment.ended_on and enrolment.status == EnrolmentStatus.ABANDON:
            yield TimelineItem(
                enrolment.ended_on,
                "abandon",
                _("Abandon de « %(session)s »") % {"session": title},
                detail=enrolment.end_reason,
                url=url,
            )
        elif enrolment.ended_on:
            yield TimelineItem(
                enrolment.ended_on,
                "sortie",
                _("Fin de formation « %(session)s »") % {"session": title},
                detail=enrolment.end_reason,
                url=url,
            )


TIMELINE_PROVIDERS: list[TimelineProvider] = [enrolment_events]


def timeline(learner: Learner, user: Any) -> list[TimelineItem]:
    """Every provider's events for the learner, oldest first."""
    items = [item for provider in TIMELINE_PROVIDERS for item in provider(learner, user)]
    return sorted(items, key=lambda item: item.moment)


# Disability (PSH) adaptation sheets: who sees them.
#
# Direction and the référent qualité see every sheet of the organisation; a chargé de
# suivi / formateur sees the sheets of the learners they follow: the sheet's référent
# handicap, the staff responsible for one of its measures, the trainers of its session
# and whoever holds a follow-up case of the enrolment. The auditor sees every sheet,
# its measures and their attestations, but not the needs (health information). Tutors,
# learners (outside their own portal) and other organisations see nothing.

SHEET_READERS_ALL = {Role.DIRECTION, Role.QUALITE, Role.AUDITEUR}
SHEET_EDITORS_ALL = {Role.DIRECTION, Role.QUALITE}


@dataclass(frozen=True)
class SheetAccess:
    """What the user may do with the adaptation sheets they can reach."""

    role: str
    sheets: QuerySet[AdaptationSheet]

    @property
    def sees_needs(self) -> bool:
        return self.role != Role.AUDITEUR

    @property
    def can_edit(self) -> bool:
        return self.role in STAFF


def sheet_access(user: Any) -> SheetAccess:
    """The sheets the user may read (PermissionDenied for tutors, learners, outsiders)."""
    membership = membership_of(user)
    if membership is None or membership.role not in {*STAFF, Role.AUDITEUR}:
        raise PermissionDenied
    sheets = AdaptationSheet.objects.filter(organisation=membership.organisation)
    if membership.role not in SHEET_READERS_ALL:
        followed = AdaptationSheet.objects.filter(
            Q(referent=user)
            | Q(measures__responsible=user)
            | Q(enrolment__session__trainers__user=user)
            | Q(enrolment__followup_cases__assigned_to=user)
        ).values("pk")
        sheets = sheets.filter(pk__in=followed)
    return SheetAccess(membership.role, sheets)


def follows_enrolment(user: Any, enrolment: Enrolment) -> bool:
    """May the user open an adaptation sheet for this enrolment (direction, qualité, or a
    chargé de suivi training or following the learner)?"""
    membership = membership_of(user)
    if membership is None or membership.organisation_id != enrolment.organisation_id:
        return False
    if membership.role in SHEET_EDITORS_ALL:
        return True
    if membership.role != Role.SUIVI:
        return False
    return Enrolment.objects.filter(
        Q(session__trainers__user=user) | Q(followup_cases__assigned_to=user),
        pk=enrolment.pk,
    ).exists()


def get_sheet_for_user(user: Any, pk: int, *, edit: bool = False) -> AdaptationSheet:
    """One sheet the user may read (or edit): 404 if out of their reach, 403 if read-only."""
    access = sheet_access(user)
    sheet = (
        access.sheets.select_related("enrolment__learner", "enrolment__session", "referent")
        .filter(pk=pk)
        .first()
    )
    if sheet is None:
        raise Http404
    if edit and not access.can_edit:
        raise PermissionDenied
    return sheet


def get_measure_for_user(user: Any, pk: int) -> AdaptationMeasure:
    """A measure of a sheet the user may edit."""
    access = sheet_access(user)
    if not access.can_edit:
        raise PermissionDenied
    measure = (
        AdaptationMeasure.objects.filter(pk=pk, sheet__in=access.sheets.values("pk"))
        .select_related("sheet")
        .first()
    )
    if measure is None:
        raise Http404
    return measure


def sheet_rows(sheets: QuerySet[AdaptationSheet]) -> QuerySet[AdaptationSheet]:
    """Sheets with their learner, session, référent and measure counts (one query)."""
    return sheets.select_related("enrolment__learner", "enrolment__session", "referent").annotate(
        measure_count=Count("measures"),
        attested_count=Count("measures", filter=Q(measures__attested_at__isnull=False)),
    )


def reviews_due(sheets: QuerySet[AdaptationSheet], day: dt.date) -> QuerySet[AdaptationSheet]:
    """Sheets whose next review falls on or before `day`, the most overdue first."""
    return sheets.filter(next_review_on__lte=day).order_by("next_review_on", "pk")


def sheet_measures(sheet: AdaptationSheet) -> QuerySet[AdaptationMeasure]:
    return sheet.measures.select_related("responsible", "attested_by").order_by("pk")


# The dropout rate: one definition, for every page that shows it.


@dataclass(frozen=True)
class DropoutRate:
    """Taux d'abandon = abandons / inscriptions, sur la période [start, end].

    The enrolments are those active at some point of the period (enrolled on or before
    its end, not ended before its start); the dropouts, those of them that ended in a
    dropout (status abandon) within the period.
    """

    start: dt.date
    end: dt.date
    enrolments: int
    dropouts: int

    @property
    def rate(self) -> float | None:
        """Dropouts per 100 enrolments, to one decimal; None without enrolments."""
        return round(100 * self.dropouts / self.enrolments, 1) if self.enrolments else None

    @property
    def definition(self) -> str:
        return _(
            "Taux d'abandon = abandons / inscriptions sur la période du %(start)s au %(end)s "
            "(inscriptions en cours à un moment de la période ; abandons survenus dans la "
            "période)."
        ) % {"start": self.start.strftime("%d/%m/%Y"), "end": self.end.strftime("%d/%m/%Y")}


def enrolments_in_period(organisation: Any, start: dt.date, end: dt.date) -> QuerySet[Enrolment]:
    """The enrolments active at some point of [start, end] (the rate's denominator)."""
    return Enrolment.objects.filter(organisation=organisation, enrolled_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )


def dropped_in_period(start: dt.date, end: dt.date) -> Q:
    """Of those, the ones that ended in a dropout within [start, end] (the numerator)."""
    return Q(status=EnrolmentStatus.ABANDON, ended_on__gte=start, ended_on__lte=end)


def dropout_rate(organisation: Any, start: dt.date, end: dt.date) -> DropoutRate:
    counts = enrolments_in_period(organisation, start, end).aggregate(
        n=Count("pk"), d=Count("pk", filter=dropped_in_period(start, end))
    )
    return DropoutRate(start, end, counts["n"], counts["d"])
