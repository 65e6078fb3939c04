"""Reads of programmes and sessions for the back office (already scoped querysets in)."""

import datetime as dt
from typing import cast

from django.db.models import Count, Model, Prefetch, Q, QuerySet

from parcours.programmes.models import Programme, Session, Slot


def programmes(
    queryset: QuerySet[Programme],
    *,
    q: str = "",
    category: str = "",
    modality: str = "",
    certifying: bool | None = None,
    active: bool | None = None,
) -> QuerySet[Programme]:
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(code__icontains=q))
    if category:
        queryset = queryset.filter(category=category)
    if modality:
        queryset = queryset.filter(modality=modality)
    if certifying is not None:
        queryset = queryset.filter(is_certifying=certifying)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.annotate(session_count=Count("sessions"))


def sessions(
    queryset: QuerySet[Session],
    *,
    today: dt.date,
    q: str = "",
    category: str = "",
    modality: str = "",
    programme: Programme | None = None,
    period: str = "",
) -> QuerySet[Session]:
    """Sessions matching the filters; `period` is en_cours, a_venir or passees on `today`."""
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(external_id__icontains=q))
    if category:
        queryset = queryset.filter(category=category)
    if modality:
        queryset = queryset.filter(modality=modality)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if period == "en_cours":
        queryset = queryset.filter(start_date__lte=today, end_date__gte=today)
    elif period == "a_venir":
        queryset = queryset.filter(start_date__gt=today)
    elif period == "passees":
        queryset = queryset.filter(end_date__lt=today)
    return queryset.select_related("programme").annotate(enrolment_count=Count("enrolments"))


def programme_sessions(programme: Programme) -> QuerySet[Session]:
    return programme.sessions.annotate(enrolment_count=Count("enrolments")).order_by("-start_date")


def session_for_page(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """What the session page shows: its programme, site, trainers, séances and learners."""
    # Enrolments belong to learners, a layer above: reached through the reverse relation.
    enrolment = cast(type[Model], Session._meta.get_field("enrolments").related_model)
    return queryset.select_related("programme", "site").prefetch_related(
        "trainers",
        Prefetch("slots", queryset=Slot.objects.select_related("trainer")),
        Prefetch(
            "enrolments",
            queryset=enrolment._default_manager.select_related("learner").order_by(
                "learner__last_name", "learner__first_name"
            ),
        ),
    )
