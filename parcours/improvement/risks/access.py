"""Who reaches the risk register: staff and the auditor read it (`improvement.view`); the
direction and the référent qualité write it (`improvement.edit`); tutors and learners
never see it. Every lookup goes through the user's organisation (404 otherwise)."""

from typing import Any

from django.db.models import QuerySet

from parcours.core.access import can, get_scoped, require, scoped
from parcours.core.models import Membership
from parcours.improvement.models import Action
from parcours.improvement.risks.models import Risk

VIEW, EDIT = "improvement.view", "improvement.edit"


def reader(user: Any) -> Membership:
    return require(user, VIEW)


def editor(user: Any) -> Membership:
    return require(user, EDIT)


def can_edit(user: Any) -> bool:
    return can(user, EDIT)


def risks_for_user(user: Any) -> QuerySet[Risk]:
    return scoped(user, Risk.objects.select_related("programme", "owner"), VIEW)


def get_risk_for_user(user: Any, pk: int) -> Risk:
    return get_scoped(user, Risk.objects.select_related("programme", "owner"), VIEW, pk=pk)


def get_risk_to_edit(user: Any, pk: int) -> Risk:
    editor(user)
    return get_risk_for_user(user, pk)


def get_action_for_editor(user: Any, pk: Any) -> Action:
    return get_scoped(user, Action.objects.all(), EDIT, pk=pk)
