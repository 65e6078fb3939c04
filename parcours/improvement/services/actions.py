"""Writes to the improvement plan: an action is proposed, validated by the direction,
carried out, and closed only once its effect is proven by an effectiveness check. Each
transition is one service, with its journal entry in the same transaction."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.improvement.models import Action, ActionKind, Origin, Priority
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
) -> Action:
    """A new action in the "proposée" state, numbered next in the organisation, linked to
    its source record (any model instance) when there is one."""
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
    from parcours.core.models import Membership, Role

    if not Membership.objects.filter(
        user=owner,
        organisation=organisation,
        role__in=(Role.DIRECTION, Role.QUALITE, Role.SUIVI),
    ).exists():
        raise ValidationError(_("Le responsable doit être un membre de l'équipe."))
