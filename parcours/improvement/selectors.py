"""Reads of the improvement plan: who reaches which action (through the organisation),
the filtered list, the direction's glance, the tracking table's rows, the history.

The référent qualité and the direction write; other staff and the auditor read; tutors
and learners see nothing of it. The auditor reads source records' personal details
masked, as elsewhere.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.access import can, membership_of, require
from parcours.core.models import JournalEntry, Membership, Organisation, Role
from parcours.improvement.models import (
    OPEN_STATES,
    Action,
    ActionState,
    EffectivenessCheck,
    Suggestion,
    SuggestionState,
    Verdict,
)

MASKED = "(masqué)"
# Source records that name a person: their label is masked for the auditor.
PERSONAL_SOURCES = {
    "feedback.complaint",
    "feedback.attributedresponse",
    "feedback.attributedanswer",
    "followup.dropout",
    "learners.enrolment",
    "learners.learner",
}
# Where a source record is shown ("app_label.model" -> URL name taking its pk).
SOURCE_URLS = {
    "feedback.complaint": "feedback:complaints:detail",
    "programmes.programme": "programmes:programme_detail",
    "improvement.suggestion": "improvement:suggestions",
    "improvement.action": "improvement:detail",
    "improvement.risk": "improvement:risks:detail",
    "improvement.review": "improvement:reviews:detail",
}


# Access


def reader(user: Any) -> Membership:
    return require(user, "improvement.view")


def editor(user: Any) -> Membership:
    return require(user, "improvement.edit")


def masks_personal(user: Any) -> bool:
    membership = membership_of(user)
    return membership is None or membership.role == Role.AUDITEUR


def actions_for_user(user: Any) -> QuerySet[Action]:
    membership = reader(user)
    return Action.objects.filter(organisation=membership.organisation).select_related(
        "owner", "programme"
    )


def get_action_for_user(user: Any, pk: int) -> Action:
    found = actions_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_action_to_edit(user: Any, pk: int) -> Action:
    editor(user)
    return get_action_for_user(user, pk)


def suggestions_for_user(user: Any) -> QuerySet[Suggestion]:
    membership = reader(user)
    return Suggestion.objects.filter(organisation=membership.organisation).select_related(
        "programme", "action"
    )


def get_suggestion_to_decide(user: Any, pk: int) -> Suggestion:
    editor(user)
    found = suggestions_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_check_to_edit(user: Any, action: Action, pk: int) -> EffectivenessCheck:
    editor(user)
    found = EffectivenessCheck.objects.filter(action=action, pk=pk).first()
    if found is None:
        raise Http404
    return found


def can_edit(user: Any) -> bool:
    return can(user, "improvement.edit")


def can_validate(user: Any) -> bool:
    return can(user, "improvement.validate")


def require_validator(user: Any) -> None:
    if not can_validate(user):
        raise PermissionDenied


# The list


@dataclass
class Criteria:
    state: str = ""
    origin: str = ""
    programme: Any = None
    owner: Any = None
    late: bool = False


def filtered(actions: QuerySet[Action], criteria: Criteria, today: dt.date) -> QuerySet[Action]:
    if criteria.state:
        actions = actions.filter(state=criteria.state)
    if criteria.origin:
        actions = actions.filter(origin=criteria.origin)
    if criteria.programme is not None:
        actions = actions.filter(programme=criteria.programme)
    if criteria.owner is not None:
        actions = actions.filter(owner=criteria.owner)
    if criteria.late:
        actions = late(actions, today)
    return actions


def late(actions: QuerySet[Action], today: dt.date) -> QuerySet[Action]:
    return actions.filter(
        state__in=(ActionState.PROPOSED, ActionState.VALIDATED, ActionState.IN_PROGRESS),
        deadline__lt=today,
    )


def with_checks(actions: QuerySet[Action]) -> QuerySet[Action]:
    return actions.prefetch_related(
        Prefetch("checks", queryset=EffectivenessCheck.objects.order_by("measure_on", "pk"))
    )


def latest_check(action: Action) -> EffectivenessCheck | None:
    checks = list(action.checks.all())
    return checks[-1] if checks else None


def not_effective(action: Action) -> bool:
    """Reopened after a check found it not effective, and not measured effective since."""
    check = latest_check(action)
    return check is not None and check.verdict == Verdict.NOT_EFFECTIVE


# The direction's glance


@dataclass
class Glance:
    to_validate: list[Action]
    late: list[Action]
    to_check: list[Action]  # done, awaiting (or lacking) their effectiveness check
    to_close: list[Action]  # proven effective, to close
    not_effective: list[Action]
    suggestions: int


def glance(organisation: Organisation, today: dt.date) -> Glance:
    actions = with_checks(
        Action.objects.filter(organisation=organisation).select_related("owner", "programme")
    )
    open_actions = list(actions.filter(state__in=OPEN_STATES).order_by("deadline", "number"))
    reopened = [a for a in open_actions if a.state == ActionState.IN_PROGRESS and not_effective(a)]
    return Glance(
        to_validate=[a for a in open_actions if a.state == ActionState.PROPOSED],
        late=[
            a
            for a in open_actions
            if a.state != ActionState.DONE and a.deadline is not None and a.deadline < today
        ],
        to_check=[a for a in open_actions if a.state == ActionState.DONE],
        to_close=list(actions.filter(state=ActionState.EFFECTIVE).order_by("number")),
        not_effective=reopened,
        suggestions=Suggestion.objects.filter(
            organisation=organisation, state=SuggestionState.PROPOSED
        ).count(),
    )


# The action's page


def source_text(action: Action, *, masked: bool) -> str:
    if masked and action.source_type in PERSONAL_SOURCES:
        return MASKED
    return action.source_label


def source_url(action: Action) -> str:
    name = SOURCE_URLS.get(action.source_type)
    if not name or not action.source_id:
        return ""
    try:
        if name == "improvement:suggestions":
            return reverse(name)
        return reverse(name, args=[int(action.source_id)])
    except (NoReverseMatch, ValueError):
        return ""


def history(action: Action) -> QuerySet[JournalEntry]:
    """The action's journal entries (and its checks'), oldest first."""
    check_ids = [str(pk) for pk in action.checks.values_list("pk", flat=True)]
    return (
        JournalEntry.objects.filter(organisation_id=action.organisation_id)
        .filter(
            Q(object_type="improvement.action", object_id=str(action.pk))
            | Q(object_type="improvement.effectivenesscheck", object_id__in=check_ids)
        )
        .order_by("seq")
    )


# The tracking table (tableau de suivi des améliorations)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def table_header() -> list[str]:
    return [
        _("Référence"),
        _("Intitulé"),
        _("Origine"),
        _("Source"),
        _("Formation"),
        _("Nature"),
        _("Priorité"),
        _("Responsable"),
        _("Créée le"),
        _("Validée le"),
        _("Échéance"),
        _("Réalisée le"),
        _("Close le"),
        _("État"),
        _("Mesure d'efficacité"),
        _("Valeur avant"),
        _("Cible"),
        _("Valeur après"),
        _("Date de mesure"),
        _("Verdict"),
    ]


def table_rows(actions: QuerySet[Action], *, masked: bool) -> list[list[Any]]:
    rows = []
    for action in with_checks(actions.select_related("owner", "programme")).order_by("number"):
        check = latest_check(action)
        rows.append(
            [
                action.reference,
                action.title,
                action.get_origin_display(),
                source_text(action, masked=masked),
                action.programme.title if action.programme else "",
                action.get_kind_display(),
                action.get_priority_display(),
                str(action.owner) if action.owner else "",
                _date(action.created_at),
                _date(action.validated_at),
                action.deadline,
                _date(action.done_at),
                _date(action.closed_at),
                action.get_state_display(),
                check.label if check else "",
                check.value_before if check else None,
                check.target if check else None,
                check.value_after if check else None,
                check.measure_on if check else None,
                check.get_verdict_display() if check else "",
            ]
        )
    return rows


# The periodic report


@dataclass
class Report:
    start: dt.date
    end: dt.date
    opened: list[Action]
    closed: list[Action]
    late: list[Action]
    measured: list[EffectivenessCheck]
    by_origin: list[tuple[str, int]]
    by_state: list[tuple[str, int]]

    @property
    def effective(self) -> int:
        return sum(1 for c in self.measured if c.verdict == Verdict.EFFECTIVE)

    @property
    def not_effective(self) -> int:
        return sum(1 for c in self.measured if c.verdict == Verdict.NOT_EFFECTIVE)


def report(organisation: Organisation, start: dt.date, end: dt.date) -> Report:
    """The improvement report over [start, end] (both days included)."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    actions = Action.objects.filter(organisation=organisation).select_related("owner")
    opened = list(actions.filter(created_at__gte=lo, created_at__lt=hi).order_by("number"))
    closed = list(actions.filter(closed_at__gte=lo, closed_at__lt=hi).order_by("number"))
    late_ = list(late(actions, end + dt.timedelta(days=1)).order_by("deadline", "number"))
    measured = list(
        EffectivenessCheck.objects.filter(
            organisation=organisation, measured_at__gte=lo, measured_at__lt=hi
        )
        .select_related("action")
        .order_by("measure_on", "pk")
    )
    origins: dict[str, int] = {}
    for action in opened:
        label = action.get_origin_display()
        origins[label] = origins.get(label, 0) + 1
    states: dict[str, int] = {}
    for action in actions.order_by("number"):
        label = action.get_state_display()
        states[label] = states.get(label, 0) + 1
    return Report(
        start, end, opened, closed, late_, measured, sorted(origins.items()), list(states.items())
    )
