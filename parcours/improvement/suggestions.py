"""Suggestions from the data: where the figures call for an improvement action, the
system proposes one. Never created silently: a person accepts each (it becomes an action,
with its origin and source) or dismisses it with a reason.

The rules (computed as of a date, by the nightly worker or on demand):
- a dropout cause recurring in a programme: at least 3 dropouts for the cause and at
  least 20 % of the programme's dropouts over the last 12 months;
- a survey item below target (satisfaction under 70 %) over the last 6 months, or
  falling by 10 points or more from the 6 months before;
- a complaint category recurring: at least 3 entries in the last 6 months;
- a pattern of overdue follow-up steps: at least 5 steps, and 30 % of those due in the
  last 3 months, done late or still waiting.

Apps above this one (the mock audit) add their own proposals with `register_source`.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.feedback import selectors as feedback_selectors
from parcours.feedback.complaints.models import Category, Complaint
from parcours.feedback.models import Campaign
from parcours.followup.models import CaseStep, Dropout, DropoutReason
from parcours.followup.models.cases import StepStatus
from parcours.improvement.models import (
    Action,
    ActionKind,
    Origin,
    Suggestion,
    SuggestionKind,
    SuggestionState,
)
from parcours.improvement.services.actions import propose_action
from parcours.programmes.models import Programme

DROPOUT_MIN_COUNT = 3
DROPOUT_MIN_SHARE = 20  # % of the programme's dropouts
SATISFACTION_TARGET = 70  # %
SATISFACTION_FALL = 10  # points
COMPLAINTS_MIN = 3
STEPS_MIN_LATE = 5
STEPS_MIN_SHARE = 30  # %


@dataclass
class Proposal:
    kind: str
    key: str
    text: str
    figures: dict[str, Any] = field(default_factory=dict)
    programme: Programme | None = None
    measure: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


Source = Callable[[Organisation, dt.date], list[Proposal]]
SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add a source of proposals (e.g. the mock audit's findings)."""
    SOURCES[name] = source


def _half(day: dt.date) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def dropout_causes(organisation: Organisation, as_of: dt.date) -> list[Proposal]:
    start = as_of - dt.timedelta(days=365)
    rows = (
        Dropout.objects.filter(organisation=organisation, on__gt=start, on__lte=as_of)
        .values_list("enrolment__session__programme_id", "reason")
        .order_by()
    )
    by_programme: dict[int, Counter[str]] = defaultdict(Counter)
    for programme_id, reason in rows:
        by_programme[programme_id][reason] += 1
    programmes = Programme.objects.in_bulk(list(by_programme))
    out = []
    for programme_id, causes in sorted(by_programme.items()):
        total = sum(causes.values())
        for reason, count in sorted(causes.items()):
            share = round(100 * count / total)
            if reason == DropoutReason.UNKNOWN or count < DROPOUT_MIN_COUNT:
                continue
            if share < DROPOUT_MIN_SHARE:
                continue
            programme = programmes[programme_id]
            label = DropoutReason(reason).label
            out.append(
                Proposal(
                    SuggestionKind.DROPOUT_CAUSE,
                    f"abandon:{programme_id}:{reason}:{as_of.year}",
                    _(
                        "%(programme)s : %(count)d abandons pour « %(cause)s » sur 12 mois "
                        "(%(share)d %% des abandons de la formation)."
                    )
                    % {
                        "programme": programme.title,
                        "count": count,
                        "cause": label,
                        "share": share,
                    },
                    {"abandons": count, "total": total, "part": share},
                    programme,
                    "taux_abandon",
                    {"programme": programme_id, "cause": reason},
                )
            )
    return out


def _satisfaction_by_item(
    organisation: Organisation, programme_id: int, start: dt.date, end: dt.date
) -> dict[str, tuple[str, int]]:
    filters = feedback_selectors.Filters(programme_id=programme_id, date_from=start, date_to=end)
    results = feedback_selectors.results(
        organisation, filters.apply(Campaign.objects.filter(organisation=organisation))
    )
    return {
        i.key: (i.text, i.satisfaction)
        for i in results.items
        if i.shown and not i.trainer and i.satisfaction is not None
    }


def survey_items(organisation: Organisation, as_of: dt.date) -> list[Proposal]:
    start = as_of - dt.timedelta(days=182)
    previous = start - dt.timedelta(days=182)
    programme_ids = sorted(
        set(
            Campaign.objects.filter(
                organisation=organisation, launched_on__gt=start, launched_on__lte=as_of
            ).values_list("session__programme_id", flat=True)
        )
        - {None}
    )
    programmes = Programme.objects.in_bulk(programme_ids)
    out = []
    for programme_id in programme_ids:
        now = _satisfaction_by_item(organisation, programme_id, start + dt.timedelta(days=1), as_of)
        before = _satisfaction_by_item(
            organisation, programme_id, previous + dt.timedelta(days=1), start
        )
        title = programmes[programme_id].title
        for key, (text, value) in sorted(now.items()):
            params = {"programme": programme_id, "item": key}
            if value < SATISFACTION_TARGET:
                out.append(
                    Proposal(
                        SuggestionKind.SURVEY_LOW,
                        f"questionnaire_bas:{programme_id}:{key}:{_half(as_of)}",
                        _(
                            "%(programme)s : « %(item)s » à %(value)d %% de satisfaits sur "
                            "6 mois (cible %(target)d %%)."
                        )
                        % {
                            "programme": title,
                            "item": text,
                            "value": value,
                            "target": SATISFACTION_TARGET,
                        },
                        {"satisfaction": value, "cible": SATISFACTION_TARGET},
                        programmes[programme_id],
                        "satisfaction",
                        params,
                    )
                )
            elif key in before and before[key][1] - value >= SATISFACTION_FALL:
                out.append(
                    Proposal(
                        SuggestionKind.SURVEY_FALLING,
                        f"questionnaire_baisse:{programme_id}:{key}:{_half(as_of)}",
                        _(
                            "%(programme)s : « %(item)s » passe de %(before)d %% à %(value)d %% "
                            "de satisfaits d'un semestre à l'autre."
                        )
                        % {
                            "programme": title,
                            "item": text,
                            "before": before[key][1],
                            "value": value,
                        },
                        {"avant": before[key][1], "satisfaction": value},
                        programmes[programme_id],
                        "satisfaction",
                        params,
                    )
                )
    return out


def complaint_categories(organisation: Organisation, as_of: dt.date) -> list[Proposal]:
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))
    start = end - dt.timedelta(days=182)
    counts = Counter(
        Complaint.objects.filter(
            organisation=organisation, received_at__gte=start, received_at__lt=end
        ).values_list("category", flat=True)
    )
    return [
        Proposal(
            SuggestionKind.COMPLAINTS,
            f"reclamations:{category}:{_half(as_of)}",
            _("%(count)d réclamations de la catégorie « %(category)s » sur 6 mois.")
            % {"count": count, "category": Category(category).label},
            {"reclamations": count},
            None,
            "reclamations",
            {"category": category},
        )
        for category, count in sorted(counts.items())
        if count >= COMPLAINTS_MIN and category in Category.values
    ]


def overdue_steps(organisation: Organisation, as_of: dt.date) -> list[Proposal]:
    start = as_of - dt.timedelta(days=91)
    steps = (
        CaseStep.objects.filter(organisation=organisation, due_on__gt=start, due_on__lt=as_of)
        .exclude(status=StepStatus.CANCELLED)
        .values_list("status", "done_at", "due_on")
    )
    total = late = 0
    for status, done_at, due_on in steps:
        total += 1
        if status == StepStatus.TODO or (
            done_at is not None and timezone.localtime(done_at).date() > due_on
        ):
            late += 1
    if late < STEPS_MIN_LATE or 100 * late < STEPS_MIN_SHARE * total:
        return []
    quarter = f"{as_of.year}-T{(as_of.month - 1) // 3 + 1}"
    return [
        Proposal(
            SuggestionKind.OVERDUE_STEPS,
            f"etapes:{quarter}",
            _(
                "%(late)d étapes de suivi sur %(total)d, dues ces 3 derniers mois, ont été "
                "faites en retard ou attendent encore."
            )
            % {"late": late, "total": total},
            {"en_retard": late, "total": total},
            None,
            "etapes_a_temps",
            {},
        )
    ]


BUILT_IN: tuple[Source, ...] = (dropout_causes, survey_items, complaint_categories, overdue_steps)


def proposals(organisation: Organisation, as_of: dt.date) -> list[Proposal]:
    found: list[Proposal] = []
    for source in (*BUILT_IN, *SOURCES.values()):
        found.extend(source(organisation, as_of))
    return found


@transaction.atomic
def compute(
    organisation: Organisation, *, as_of: dt.date, acting_user: User | None = None
) -> list[Suggestion]:
    """Record the proposals not made before (by key); returns the new ones."""
    known = set(Suggestion.objects.filter(organisation=organisation).values_list("key", flat=True))
    made = []
    for proposal in proposals(organisation, as_of):
        if proposal.key in known:
            continue
        known.add(proposal.key)
        suggestion = Suggestion(
            organisation=organisation,
            created_by=acting_user,
            kind=proposal.kind,
            key=proposal.key[:120],
            text=proposal.text,
            figures=proposal.figures,
            programme=proposal.programme,
            measure=proposal.measure,
            parameters=proposal.parameters,
            as_of=as_of,
        )
        try:
            with transaction.atomic():
                suggestion.save()
        except IntegrityError:
            continue  # another worker made it first
        journal.record(
            JournalAction.CREATE,
            suggestion,
            organisation=organisation,
            acting_user=acting_user,
            changes=journal.diff({}, journal.snapshot(suggestion, ["kind", "text", "as_of"])),
            verb="improvement.suggestion_made",
        )
        made.append(suggestion)
    return made


ORIGIN_OF = {
    SuggestionKind.DROPOUT_CAUSE: Origin.DROPOUT,
    SuggestionKind.SURVEY_LOW: Origin.SURVEY,
    SuggestionKind.SURVEY_FALLING: Origin.SURVEY,
    SuggestionKind.COMPLAINTS: Origin.COMPLAINT,
    SuggestionKind.OVERDUE_STEPS: Origin.SUGGESTION,
    SuggestionKind.AUDIT: Origin.AUDIT,
}


def _locked(suggestion: Suggestion) -> Suggestion:
    found = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if found.state != SuggestionState.PROPOSED:
        raise ValidationError(_("Cette suggestion a déjà été traitée."))
    return found


@transaction.atomic
def accept(
    suggestion: Suggestion,
    *,
    acting_user: User,
    title: str,
    owner: User | None = None,
    deadline: dt.date | None = None,
) -> Action:
    """The suggestion becomes a proposed action, with its origin and its source."""
    suggestion = _locked(suggestion)
    source: models.Model = suggestion.programme if suggestion.programme is not None else suggestion
    action = propose_action(
        suggestion.organisation,
        acting_user=acting_user,
        origin=ORIGIN_OF.get(SuggestionKind(suggestion.kind), Origin.SUGGESTION),
        title=title,
        finding=suggestion.text,
        source=source,
        source_label=f"{suggestion.get_kind_display()} — {suggestion.text}"[:250],
        programme=suggestion.programme,
        kind=ActionKind.CORRECTIVE,
        owner=owner,
        deadline=deadline,
    )
    suggestion.state = SuggestionState.ACCEPTED
    suggestion.action = action
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = acting_user
    suggestion.save(update_fields=["state", "action", "decided_at", "decided_by"])
    journal.record_event(
        "improvement.suggestion_accepted",
        organisation=suggestion.organisation_id,
        acting_user=acting_user,
        obj=suggestion,
        data={"action": action.reference},
    )
    return action


@transaction.atomic
def dismiss(suggestion: Suggestion, *, reason: str, acting_user: User) -> Suggestion:
    suggestion = _locked(suggestion)
    if not reason.strip():
        raise ValidationError(_("Indiquez pourquoi la suggestion est écartée."))
    suggestion.state = SuggestionState.DISMISSED
    suggestion.dismiss_reason = reason.strip()
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = acting_user
    suggestion.save(update_fields=["state", "dismiss_reason", "decided_at", "decided_by"])
    journal.record_event(
        "improvement.suggestion_dismissed",
        organisation=suggestion.organisation_id,
        acting_user=acting_user,
        obj=suggestion,
        data={"motif": suggestion.dismiss_reason},
    )
    return suggestion
