"""Indicator 32: continuous improvement, carried out and checked.

- I32-EFFICACITE: an improvement action closed without an effectiveness check measured;
- I32-RETARD: an improvement action still open past its deadline.
(V10 adds the risk analysis: the quality risk register's untreated high risks are checked
once the register exists.) Any gap is a major non-conformity.
"""

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from parcours.audit.checks import Gap, Scope
from parcours.improvement.models import Action, ActionState, EffectivenessCheck, Verdict

NUMBER = 32


def _url(action: Action) -> str:
    try:
        return reverse("improvement:action_detail", args=[action.pk])
    except NoReverseMatch:
        return ""


def _gap(action: Action, rule: str, text: str, detail: str = "") -> Gap:
    return Gap(
        indicator=NUMBER,
        rule=rule,
        text=text,
        record_type="improvement.action",
        record_id=action.pk,
        external_id=action.reference,
        url=_url(action),
        for_whom=f"{action.reference} {action.title}",
        detail=detail,
    )


def check(scope: Scope) -> Iterable[Gap]:
    cutoff = scope.cutoff
    actions = list(
        Action.objects.filter(organisation=scope.organisation, created_at__lt=cutoff).order_by(
            "number"
        )
    )
    if not actions:
        return
    measured = set(
        EffectivenessCheck.objects.filter(action__in=actions, measured_at__lt=cutoff)
        .exclude(verdict=Verdict.PENDING)
        .values_list("action_id", flat=True)
    )
    for action in actions:
        closed = action.closed_at is not None and action.closed_at < cutoff
        done = action.done_at is not None and action.done_at < cutoff
        if closed and action.state != ActionState.ABANDONED and action.pk not in measured:
            yield _gap(action, "I32-EFFICACITE", _("Action close sans vérification d'efficacité"))
        elif (
            not closed
            and not done
            and action.state != ActionState.ABANDONED
            and action.deadline is not None
            and action.deadline < scope.as_of
        ):
            yield _gap(
                action,
                "I32-RETARD",
                _("Action d'amélioration non réalisée à son échéance"),
                _("échéance le %(day)s") % {"day": action.deadline.strftime("%d/%m/%Y")},
            )
