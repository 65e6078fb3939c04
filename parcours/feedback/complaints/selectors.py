"""Reads of the complaints register: filtering, the tableau de suivi, the figures."""

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import Organisation
from parcours.feedback.complaints.models import (
    OPEN_STATUSES,
    Category,
    Complaint,
    ComplaintProcedure,
    ComplaintSettings,
    Kind,
    ProcedureStatus,
    Status,
)
from parcours.lib.charts import Chart, bar_chart
from parcours.lib.text_blocks import Block, text_blocks

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
    by_programme: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    median_days_to_acknowledge: float | None
    median_days_to_answer: float | None
    share_on_time: float | None  # answered entries answered by their deadline
    acknowledged_share_on_time: float | None  # acknowledged entries acknowledged in time


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def _share(flags: list[bool]) -> float | None:
    return round(100 * sum(flags) / len(flags)) if flags else None


def _months(keys: set[str]) -> list[str]:
    """Every month from the first to the last one seen (months without entries count 0)."""
    if not keys:
        return []
    first, last = min(keys), max(keys)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def figures(complaints: QuerySet[Complaint]) -> Figures:
    """The register's figures, in one query: counts by kind, category, programme (of the
    related session, or of the enrolment's session) and month of reception; the median
    times to acknowledge and to answer; the shares on time."""
    kind_labels = dict(Kind.choices)
    category_labels = dict(Category.choices)
    rows = list(
        complaints.order_by().values_list(
            "kind",
            "category",
            "received_at",
            "acknowledged_at",
            "acknowledge_due",
            "answered_at",
            "answer_due",
            "session__programme__title",
            "enrolment__session__programme__title",
        )
    )
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    programmes: Counter[str] = Counter()
    months: Counter[str] = Counter()
    acks: list[float] = []
    answers: list[float] = []
    acks_on_time: list[bool] = []
    answers_on_time: list[bool] = []
    for kind, category, received, acked, ack_due, answered, answer_due, prog, prog2 in rows:
        kinds[str(kind_labels.get(kind, kind))] += 1
        categories[str(category_labels.get(category, category))] += 1
        programmes[prog or prog2 or _("Sans formation liée")] += 1
        months[timezone.localtime(received).strftime("%Y-%m")] += 1
        if acked is not None:
            acks.append(_days(received, acked))
            acks_on_time.append(timezone.localtime(acked).date() <= ack_due)
        if answered is not None:
            answers.append(_days(received, answered))
            answers_on_time.append(timezone.localtime(answered).date() <= answer_due)
    return Figures(
        total=len(rows),
        by_kind=sorted(kinds.items()),
        by_category=sorted(categories.items()),
        by_programme=sorted(programmes.items(), key=lambda item: (-item[1], item[0])),
        by_month=[(month, months[month]) for month in _months(set(months))],
        median_days_to_acknowledge=statistics.median(acks) if acks else None,
        median_days_to_answer=statistics.median(answers) if answers else None,
        share_on_time=_share(answers_on_time),
        acknowledged_share_on_time=_share(acks_on_time),
    )


def in_period(
    complaints: QuerySet[Complaint], start: dt.date | None, end: dt.date | None
) -> QuerySet[Complaint]:
    """The entries received from `start` to `end` included (local days)."""
    if start is not None:
        complaints = complaints.filter(
            received_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        )
    if end is not None:
        complaints = complaints.filter(
            received_at__lt=timezone.make_aware(
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
            )
        )
    return complaints


def charts(result: Figures) -> list[Chart]:
    """The figures as charts (each with its data table), for the statistics page."""
    unit = _("entrée(s)")
    return [
        bar_chart(_("Par nature"), list(result.by_kind), unit=unit),
        bar_chart(_("Par catégorie"), list(result.by_category), unit=unit),
        bar_chart(_("Par formation"), list(result.by_programme), unit=unit),
        bar_chart(_("Par mois de réception"), list(result.by_month), unit=unit, horizontal=False),
    ]


# The published procedure


def procedure_history(organisation: Organisation) -> QuerySet[ComplaintProcedure]:
    return ComplaintProcedure.objects.filter(organisation=organisation).order_by("-number")


def published_versions(organisation: Organisation) -> QuerySet[ComplaintProcedure]:
    """The versions that were in force (the draft being written is not)."""
    return procedure_history(organisation).exclude(status=ProcedureStatus.DRAFT)


def procedure_text(version: ComplaintProcedure) -> str:
    """The text with its placeholders filled: the organisation's deadlines (as they are
    set now, those the register applies to the entries received from now on) and the
    addresses of the public forms."""
    organisation = version.organisation
    rules = ComplaintSettings.objects.filter(organisation=organisation).first()
    rules = rules or ComplaintSettings(organisation=organisation)
    values = {
        "{delai_accuse}": str(rules.acknowledge_days),
        "{delai_reponse}": str(rules.answer_days),
        "{organisme}": organisation.name,
        "{formulaire}": settings.SITE_URL
        + reverse("feedback:complaints:public_form", args=[organisation.slug]),
        "{suivi}": settings.SITE_URL + reverse("feedback:complaints:follow_up"),
        "{signalement}": settings.SITE_URL
        + reverse("safeguarding:public_report", args=[organisation.slug]),
    }
    text = version.body
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def procedure_blocks(version: ComplaintProcedure) -> list[Block]:
    return text_blocks(procedure_text(version))


def own_complaints_of_learner(learner: Any) -> list[Complaint]:
    return list(
        Complaint.objects.filter(organisation_id=learner.organisation_id, learner=learner).order_by(
            "-received_at"
        )[:5]
    )
