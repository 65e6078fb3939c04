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

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.learners.models import Enrolment, EnrolmentStatus, Learner
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
