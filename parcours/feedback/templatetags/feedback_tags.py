from typing import Any

from django import template

from parcours.feedback.models import Invitation
from parcours.feedback.selectors import pending_invitations_for_learner

register = template.Library()


@register.filter
def values_of(data: dict[str, list[str]], name: str) -> list[str]:
    return list(data.get(name, [])) if data else []


@register.filter
def error_of(errors: dict[str, str], name: str) -> str:
    return errors.get(name, "") if errors else ""


@register.simple_tag
def pending_questionnaires(learner: Any) -> list[Invitation]:
    """For the learner's space: their questionnaires still to answer."""
    return pending_invitations_for_learner(learner) if learner is not None else []
