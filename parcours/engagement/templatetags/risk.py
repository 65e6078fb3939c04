"""Risk display helpers: a score as a percent, a level badge, and the risk history of a
learner's enrolments (drawn on the learner's page, which the learners app renders)."""

from typing import Any

from django import template

from parcours.engagement import selectors
from parcours.engagement.scoring import level_label
from parcours.learners.models import Learner

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.7234 → "72 %"."""
    if value is None:
        return "—"
    return f"{round(100 * float(value))} %"


@register.inclusion_tag("engagement/_level.html")
def risk_level(level: str) -> dict[str, Any]:
    return {"level": level, "label": level_label(level)}


@register.inclusion_tag("engagement/_risk_history.html")
def risk_history(learner: Learner) -> dict[str, Any]:
    return {"histories": selectors.learner_risk_history(learner)}


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """`{{ open_cases|get_item:e.pk }}`: a dict's value in a template (None if absent)."""
    return (mapping or {}).get(key)
