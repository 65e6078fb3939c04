"""Reads of the complaints register: filtering, the tableau de suivi, the figures."""

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.feedback.complaints.models import OPEN_STATUSES, Complaint, Status

MASKED = "—"


def filtered(
    complaints: QuerySet[Complaint], criteria: dict[str, Any], *, today: dt.date
) -> QuerySet[Complaint]:
    for name in ("status", "kind", "category"):
        if criteria.get(name):
            complaints = complaints.filter(**{name: criteria[name]})
    if criteria.get("late"):
        complaints = complaints.filter(status__in=OPEN_STATUSES).filter(
            Q(answer_due__lt=today) | Q(status=Status.RECEIVED, acknowledge_due__lt=today)
        )
    return complaints


def identity(complaint: Complaint, *, masked: bool) -> str:
    if masked:
        return MASKED
    if complaint.anonymous:
        return _("Anonyme")
    if complaint.learner is not None:
        return str(complaint.learner.full_name)
    return complaint.contact_name or complaint.contact_email or _("Non renseigné")


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("oui") if value else _("non")


def table_header() -> list[str]:
    return [
        _("N°"),
        _("Reçue le"),
        _("Nature"),
        _("Canal"),
        _("Émetteur"),
        _("Identité"),
        _("Objet"),
        _("Catégorie"),
        _("Gravité"),
        _("État"),
        _("Accusé attendu le"),
        _("Accusée le"),
        _("Accusé dans les délais"),
        _("Réponse attendue le"),
        _("Répondue le"),
        _("Réponse dans les délais"),
        _("Close le"),
    ]


def table_rows(complaints: QuerySet[Complaint], *, masked: bool) -> list[list[Any]]:
    rows = []
    for c in complaints.select_related("learner").order_by("number"):
        rows.append(
            [
                str(c),
                c.received_at,
                c.get_kind_display(),
                c.get_channel_display(),
                c.get_complainant_display(),
                identity(c, masked=masked),
                c.subject,
                c.get_category_display(),
                c.get_severity_display(),
                c.get_status_display(),
                c.acknowledge_due,
                c.acknowledged_at,
                _yes_no(c.acknowledged_on_time),
                c.answer_due,
                c.answered_at,
                _yes_no(c.answered_on_time),
                c.closed_at,
            ]
        )
    return rows


@dataclass
class Figures:
    total: int
    by_kind: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    median_days_to_acknowledge: float | None
    median_days_to_answer: float | None
    share_on_time: float | None  # answered entries answered by their deadline


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def figures(complaints: QuerySet[Complaint]) -> Figures:
    rows = list(
        complaints.select_related(None).only(
            "kind", "category", "received_at", "acknowledged_at", "answered_at", "answer_due"
        )
    )
    kinds = Counter(c.get_kind_display() for c in rows)
    categories = Counter(c.get_category_display() for c in rows)
    months = Counter(timezone.localtime(c.received_at).strftime("%Y-%m") for c in rows)
    acks = [_days(c.received_at, c.acknowledged_at) for c in rows if c.acknowledged_at]
    answers = [_days(c.received_at, c.answered_at) for c in rows if c.answered_at]
    answered = [c for c in rows if c.answered_at]
    on_time = sum(1 for c in answered if c.answered_on_time)
    return Figures(
        total=len(rows),
        by_kind=sorted(kinds.items()),
        by_category=sorted(categories.items()),
        by_month=sorted(months.items()),
        median_days_to_acknowledge=statistics.median(acks) if acks else None,
        median_days_to_answer=statistics.median(answers) if answers else None,
        share_on_time=round(100 * on_time / len(answered)) if answered else None,
    )


def own_complaints_of_learner(learner: Any) -> list[Complaint]:
    return list(
        Complaint.objects.filter(organisation_id=learner.organisation_id, learner=learner).order_by(
            "-received_at"
        )[:5]
    )
