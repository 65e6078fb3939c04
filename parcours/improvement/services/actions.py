"""Writes to the improvement plan: an action is proposed, validated by the direction,
carried out, and closed only once its effect is proven by an effectiveness check. Each
transition is one service, with its journal entry in the same transaction."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, Membership, Organisation, Role, User
from parcours.improvement.models import (
    OPEN_STATES,
    Action,
    ActionKind,
    ActionState,
    Origin,
    Priority,
    Verdict,
)
from parcours.messaging.services import queue_email
from parcours.programmes.models import Programme


def _check_same_organisation(organisation: Organisation, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "organisation_id", organisation.pk) != organisation.pk:
            raise ValidationError(_("Choix inconnu dans cette organisation."))


def _record(action: Action, verb: str, acting_user: User | None, **data: object) -> None:
    journal.record_event(
        verb,
        organisation=action.organisation_id,
        acting_user=acting_user,
        obj=action,
        data={"etat": action.state, **data},
    )


@transaction.atomic
def propose_action(
    organisation: Organisation,
    *,
    acting_user: User | None,
    origin: str,
    title: str,
    finding: str,
    source: models.Model | None = None,
    source_label: str = "",
    programme: Programme | None = None,
    kind: str = ActionKind.CORRECTIVE,
    owner: User | None = None,
    deadline: dt.date | None = None,
    priority: str = Priority.NORMAL,
    cause_analysis: str = "",
    as_of: dt.datetime | None = None,
) -> Action:
    """A new action in the "proposée" state, numbered next in the organisation, linked to
    its source record (any model instance) when there is one. (`as_of`: when it was
    proposed, for a replayed history such as the demo's; now by default.)"""
    title, finding = title.strip(), finding.strip()
    if not title:
        raise ValidationError(_("Donnez un intitulé à l'action."))
    if not finding:
        raise ValidationError(_("Décrivez le constat à l'origine de l'action."))
    if origin not in Origin.values:
        raise ValidationError(_("Origine inconnue."))
    if kind not in ActionKind.values:
        raise ValidationError(_("Nature inconnue."))
    if priority not in Priority.values:
        raise ValidationError(_("Priorité inconnue."))
    _check_same_organisation(organisation, source, programme)
    if owner is not None:
        _check_owner(organisation, owner)
    # Lock the organisation's row so that two proposals never take the same number.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = Action.objects.filter(organisation=organisation).aggregate(n=Max("number"))["n"]
    action = Action(
        organisation=organisation,
        created_by=acting_user,
        number=(last or 0) + 1,
        origin=origin,
        title=title[:200],
        finding=finding,
        cause_analysis=cause_analysis.strip(),
        programme=programme,
        kind=kind,
        owner=owner,
        deadline=deadline,
        priority=priority,
        created_at=as_of or timezone.now(),
    )
    if source is not None:
        action.source_type = source._meta.label_lower
        action.source_id = str(source.pk)
        action.source_label = (source_label or str(source))[:250]
    else:
        action.source_label = source_label[:250]
    action.save()
    journal.record(
        JournalAction.CREATE,
        action,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff({}, journal.snapshot(action)),
        verb="improvement.action_proposed",
    )
    return action


def _check_owner(organisation: Organisation, owner: User) -> None:
    if not Membership.objects.filter(
        user=owner,
        organisation=organisation,
        role__in=(Role.DIRECTION, Role.QUALITE, Role.SUIVI),
    ).exists():
        raise ValidationError(_("Le responsable doit être un membre de l'équipe."))


# Transitions


def _locked(action: Action) -> Action:
    return (
        Action.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=action.pk)
    )


def _require(action: Action, *states: str) -> None:
    if action.state not in states:
        raise ValidationError(
            _("Impossible depuis l'état « %(state)s ».") % {"state": action.get_state_display()}
        )


def _is_direction(organisation_id: int, user: User | None) -> bool:
    return (
        user is not None
        and Membership.objects.filter(
            user=user, organisation_id=organisation_id, role=Role.DIRECTION
        ).exists()
    )


@transaction.atomic
def update_action(
    action: Action,
    *,
    acting_user: User,
    title: str,
    finding: str,
    cause_analysis: str,
    kind: str,
    owner: User | None,
    deadline: dt.date | None,
    priority: str,
) -> Action:
    """Edit an action's content while it is still open."""
    action = _locked(action)
    _require(action, *OPEN_STATES)
    if not title.strip() or not finding.strip():
        raise ValidationError(_("L'intitulé et le constat sont obligatoires."))
    if kind not in ActionKind.values or priority not in Priority.values:
        raise ValidationError(_("Choix inconnu."))
    if owner is not None:
        _check_owner(action.organisation, owner)
    before = journal.snapshot(action)
    action.title, action.finding = title.strip()[:200], finding.strip()
    action.cause_analysis = cause_analysis.strip()
    action.kind, action.owner, action.deadline, action.priority = kind, owner, deadline, priority
    if deadline != before["deadline"]:
        action.escalated_at = None  # a new deadline may be missed again
    action.save()
    journal.record(
        JournalAction.UPDATE,
        action,
        organisation=action.organisation_id,
        acting_user=acting_user,
        changes=journal.diff(before, journal.snapshot(action)),
        verb="improvement.action_updated",
    )
    return action


@transaction.atomic
def validate(
    action: Action,
    *,
    acting_user: User,
    owner: User | None = None,
    deadline: dt.date | None = None,
    as_of: dt.datetime | None = None,
) -> Action:
    """The direction validates the action; it needs an owner and a deadline by then."""
    action = _locked(action)
    _require(action, ActionState.PROPOSED)
    if not _is_direction(action.organisation_id, acting_user):
        raise ValidationError(_("Seule la direction valide les actions d'amélioration."))
    if owner is not None:
        _check_owner(action.organisation, owner)
        action.owner = owner
    if deadline is not None:
        action.deadline = deadline
    if action.owner_id is None or action.deadline is None:
        raise ValidationError(_("Désignez un responsable et une échéance avant de valider."))
    action.state = ActionState.VALIDATED
    action.validated_at = as_of or timezone.now()
    action.validated_by = acting_user
    action.save(update_fields=["state", "validated_at", "validated_by", "owner", "deadline"])
    _record(
        action,
        "improvement.action_validated",
        acting_user,
        responsable=str(action.owner),
        echeance=action.deadline,
    )
    return action


@transaction.atomic
def start(action: Action, *, acting_user: User) -> Action:
    """The owner starts carrying the action out."""
    action = _locked(action)
    _require(action, ActionState.VALIDATED)
    action.state = ActionState.IN_PROGRESS
    action.save(update_fields=["state"])
    _record(action, "improvement.action_started", acting_user)
    return action


@transaction.atomic
def mark_done(
    action: Action, *, done_note: str, acting_user: User, as_of: dt.datetime | None = None
) -> Action:
    """Record what was done. The action then awaits its effectiveness check."""
    action = _locked(action)
    _require(action, ActionState.VALIDATED, ActionState.IN_PROGRESS)
    if not done_note.strip():
        raise ValidationError(_("Décrivez ce qui a été fait."))
    action.state = ActionState.DONE
    action.done_at = as_of or timezone.now()
    action.done_note = done_note.strip()
    action.save(update_fields=["state", "done_at", "done_note"])
    _record(action, "improvement.action_done", acting_user, realise=action.done_note)
    return action


@transaction.atomic
def close(action: Action, *, acting_user: User, as_of: dt.datetime | None = None) -> Action:
    """Close an action: only once an effectiveness check found it effective."""
    action = _locked(action)
    if not action.checks.filter(verdict=Verdict.EFFECTIVE).exists():
        raise ValidationError(
            _("Pas de clôture sans vérification d'efficacité concluant « efficace ».")
        )
    _require(action, ActionState.EFFECTIVE)
    action.state = ActionState.CLOSED
    action.closed_at = as_of or timezone.now()
    action.save(update_fields=["state", "closed_at"])
    _record(action, "improvement.action_closed", acting_user)
    return action


@transaction.atomic
def abandon(
    action: Action, *, reason: str, acting_user: User, as_of: dt.datetime | None = None
) -> Action:
    action = _locked(action)
    _require(action, *OPEN_STATES)
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif de l'abandon."))
    action.state = ActionState.ABANDONED
    action.abandon_reason = reason.strip()
    action.closed_at = as_of or timezone.now()
    action.save(update_fields=["state", "abandon_reason", "closed_at"])
    _record(action, "improvement.action_abandoned", acting_user, motif=action.abandon_reason)
    return action


@transaction.atomic
def reopen(action: Action, *, acting_user: User | None, reason: str = "") -> Action:
    """Back to "en cours" (after a check found it not effective)."""
    action = _locked(action)
    _require(action, ActionState.DONE, ActionState.EFFECTIVE)
    action.state = ActionState.IN_PROGRESS
    action.done_at = None
    action.save(update_fields=["state", "done_at"])
    _record(action, "improvement.action_reopened", acting_user, motif=reason)
    return action


@transaction.atomic
def follow_with_new(
    action: Action,
    *,
    acting_user: User,
    title: str,
    finding: str,
    owner: User | None = None,
    deadline: dt.date | None = None,
) -> Action:
    """An action found not effective is followed by a new one; the first is abandoned,
    naming the one that follows it."""
    action = _locked(action)
    _require(action, ActionState.DONE, ActionState.IN_PROGRESS)
    if not action.checks.filter(verdict=Verdict.NOT_EFFECTIVE).exists():
        raise ValidationError(_("Seule une action jugée non efficace est suivie d'une nouvelle."))
    new = propose_action(
        action.organisation,
        acting_user=acting_user,
        origin=action.origin,
        title=title,
        finding=finding,
        programme=action.programme,
        kind=action.kind,
        owner=owner or action.owner,
        deadline=deadline,
        priority=action.priority,
        cause_analysis=action.cause_analysis,
        source_label=action.source_label,
    )
    new.source_type, new.source_id, new.follows = action.source_type, action.source_id, action
    new.save(update_fields=["source_type", "source_id", "follows"])
    abandon(
        action,
        reason=_("Non efficace : suivie par l'action %(ref)s.") % {"ref": new.reference},
        acting_user=acting_user,
    )
    return new


# Overdue actions


@transaction.atomic
def escalate_overdue(organisation: Organisation, *, as_of: dt.datetime) -> list[Action]:
    """Each open action past its deadline is escalated, once, to the direction."""
    today = timezone.localtime(as_of).date()
    late = list(
        Action.objects.select_for_update()
        .filter(
            organisation=organisation,
            state__in=(ActionState.PROPOSED, ActionState.VALIDATED, ActionState.IN_PROGRESS),
            deadline__lt=today,
            escalated_at__isnull=True,
        )
        .order_by("number")
    )
    if not late:
        return []
    recipients = direction_addresses(organisation)
    for action in late:
        action.escalated_at = as_of
        action.save(update_fields=["escalated_at"])
        _record(action, "improvement.action_escalated", None, destinataires=len(recipients))
        for address in recipients:
            queue_email(
                organisation,
                to=address,
                subject=_("Action d'amélioration %(ref)s en retard") % {"ref": action.reference},
                body=_(
                    "L'action %(action)s devait être réalisée le %(deadline)s "
                    "(responsable : %(owner)s, état : %(state)s)."
                )
                % {
                    "action": action,
                    "deadline": action.deadline.strftime("%d/%m/%Y") if action.deadline else "",
                    "owner": action.owner or "—",
                    "state": action.get_state_display(),
                },
                related_key=f"improvement-action:{action.pk}",
                dedupe_key=f"improvement-action:{action.pk}:escalation:{address}",
            )
    return late


def direction_addresses(organisation: Organisation | int) -> list[str]:
    return list(
        Membership.objects.filter(
            organisation=organisation, role=Role.DIRECTION, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
