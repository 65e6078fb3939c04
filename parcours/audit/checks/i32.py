"""Indicator 32: continuous improvement, carried out and checked.

- I32-EFFICACITE: an improvement action closed without an effectiveness check measured;
- I32-RETARD: an improvement action still open past its deadline;
- I32-RISQUE: a risk of the quality risk register scored élevé or critique with no
  treatment action (V10 makes the risk analysis part of I32; a provider that keeps the
  register under V9 is held to it too).
Any gap is a major non-conformity.
"""

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from parcours.audit.checks import Gap, Scope
from parcours.improvement.models import Action, ActionState, EffectivenessCheck, Verdict
from parcours.improvement.risks.models import FLAGGED_LEVELS, Risk

NUMBER = 32


def _url(action: Action) -> str:
    try:
        return reverse("improvement:detail", args=[action.pk])
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
    yield from _actions(scope)
    yield from _risks(scope)


def _actions(scope: Scope) -> Iterable[Gap]:
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


def _risks(scope: Scope) -> Iterable[Gap]:
    """Risks recorded by `as_of`, élevé or critique, with no treatment action recorded by
    then (an abandoned one does not treat)."""
    cutoff = scope.cutoff
    risks = (
        Risk.objects.filter(organisation=scope.organisation, created_at__lt=cutoff, archived=False)
        .prefetch_related("treatments")
        .order_by("pk")
    )
    text = _("Risque élevé ou critique sans action de traitement")
    for risk in risks:
        if risk.level not in FLAGGED_LEVELS:
            continue
        treated = [
            a
            for a in risk.treatments.all()
            if a.created_at < cutoff and a.state != ActionState.ABANDONED
        ]
        if treated:
            continue
        yield Gap(
            indicator=NUMBER,
            rule="I32-RISQUE",
            text=text,
            record_type="improvement.risk",
            record_id=risk.pk,
            external_id=risk.key,
            url=reverse("improvement:risks:detail", args=[risk.pk]),
            for_whom=risk.title,
            detail=_("criticité %(score)s (%(level)s)")
            % {"score": risk.criticality, "level": risk.get_level_display()},
        )
