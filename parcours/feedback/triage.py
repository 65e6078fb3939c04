"""Triage: a person turns a low score or a comment into a follow-up case, a complaint or
an improvement suggestion (or decides it calls for nothing). Every decision is recorded
(`TriageDecision`) and journaled, in the same transaction as what it opens.

Feedback sits below the apps that act on a decision (followup, the complaints register,
improvement), so it does not import them: each registers a handler for its outcome from
its `AppConfig.ready` (`register_handler`). A handler receives the request and returns
what it opened (a reference and a URL). While no app handles an outcome (the complaints
register and improvement are being built), the decision is recorded all the same, with
an empty reference: the hook is there, and the record shows who decided what, when.

Anonymous answers can never become a follow-up case (a case is a person's), and a
decision on one keeps no link to it: a copy of the comment or score, the day, no more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core import journal_text
from parcours.core.models import User
from parcours.core.services import create_record
from parcours.feedback.models import (
    AnonymousAnswer,
    AttributedAnswer,
    Campaign,
    Item,
    ItemKind,
    TriageDecision,
    TriageOutcome,
)
from parcours.learners.models import Enrolment

LOW_SCALE5 = 2  # 1 or 2 out of 5
LOW_NPS = 6  # a detractor
STOPPING_ITEM = "arreter"


class TriageRefused(Exception):
    """A French message saying why this answer cannot go that way."""


@dataclass(frozen=True)
class TriageRequest:
    """What a handler receives: the answer (None when anonymous), and the decision's words."""

    campaign: Campaign
    item: Item
    answer: AttributedAnswer | None
    enrolment: Enrolment | None
    excerpt: str
    note: str
    acting_user: User
    as_of: dt.date


@dataclass(frozen=True)
class Opened:
    reference: str
    url: str = ""


Handler = Callable[[TriageRequest], Opened]
_HANDLERS: dict[str, Handler] = {}


def register_handler(outcome: str, handler: Handler) -> None:
    """Register (or re-register: `ready` may run twice) the app acting on an outcome."""
    if outcome not in TriageOutcome.values or outcome == TriageOutcome.DISMISSED:
        raise ValueError(f"no handler for the outcome {outcome!r}")
    _HANDLERS[outcome] = handler


def unregister_handler(outcome: str) -> None:
    _HANDLERS.pop(outcome, None)


def handled(outcome: str) -> bool:
    return outcome in _HANDLERS


def register_journal_text() -> None:
    journal_text.register({"feedback.triaged": gettext_lazy("Réponse triée : %(object)s")})


def is_low(item: Item, number: int | None) -> bool:
    """A score worth a look: 1–2 out of 5, a detractor's 0–6, "oui" to "arrêter"."""
    if number is None:
        return False
    if item.kind == ItemKind.SCALE5:
        return number <= LOW_SCALE5
    if item.kind == ItemKind.NPS:
        return number <= LOW_NPS
    if item.kind == ItemKind.YESNO:
        return item.key == STOPPING_ITEM and number == 1
    return False


def _excerpt(item: Item, number: int | None, text: str) -> str:
    if item.kind == ItemKind.TEXT:
        return text.strip()[:2000]
    labels = dict(item.choices())
    return f"{item.text} : {labels.get(number, number) if number is not None else ''}"[:2000]


def candidates(campaign: Campaign) -> list[AttributedAnswer]:
    """The attributable answers of a campaign worth a triage: low scores and comments, with
    no decision yet."""
    answers = (
        AttributedAnswer.objects.filter(campaign=campaign, triage__isnull=True)
        .select_related("item", "response__enrolment__learner")
        .order_by("response__enrolment__learner__last_name", "response_id", "item__position")
    )
    return [
        a
        for a in answers
        if (a.item.kind == ItemKind.TEXT and a.text.strip()) or is_low(a.item, a.number)
    ]


@transaction.atomic
def triage_answer(
    answer: AttributedAnswer,
    *,
    outcome: str,
    acting_user: User,
    as_of: dt.date,
    note: str = "",
) -> TriageDecision:
    """Decide what an attributable answer leads to; the registered handler acts on it."""
    item = answer.item
    return _decide(
        campaign=answer.campaign,
        item=item,
        answer=answer,
        enrolment=answer.response.enrolment,
        excerpt=_excerpt(item, answer.number, answer.text),
        outcome=outcome,
        acting_user=acting_user,
        as_of=as_of,
        note=note,
    )


@transaction.atomic
def triage_comment(
    campaign: Campaign,
    text: str,
    *,
    outcome: str,
    acting_user: User,
    as_of: dt.date,
    note: str = "",
) -> TriageDecision:
    """Decide what an anonymous comment (a verbatim of the campaign) leads to. It never
    becomes a follow-up case; the decision keeps a copy of the comment, no link."""
    found = (
        AnonymousAnswer.objects.filter(campaign=campaign, text=text.strip())
        .select_related("item")
        .first()
        if text.strip()
        else None
    )
    if found is None:
        raise TriageRefused(_("Ce commentaire ne figure pas dans les réponses de la campagne."))
    return _decide(
        campaign=campaign,
        item=found.item,
        answer=None,
        enrolment=None,
        excerpt=_excerpt(found.item, None, found.text),
        outcome=outcome,
        acting_user=acting_user,
        as_of=as_of,
        note=note,
    )


def _decide(
    *,
    campaign: Campaign,
    item: Item,
    answer: AttributedAnswer | None,
    enrolment: Enrolment | None,
    excerpt: str,
    outcome: str,
    acting_user: User,
    as_of: dt.date,
    note: str,
) -> TriageDecision:
    if outcome not in TriageOutcome.values:
        raise TriageRefused(_("Choisissez la suite à donner."))
    if outcome == TriageOutcome.CASE:
        if answer is None or enrolment is None:
            raise TriageRefused(
                _(
                    "Une réponse anonyme ne peut pas ouvrir un dossier de suivi : "
                    "personne ne doit pouvoir la relier à un apprenant."
                )
            )
        if outcome not in _HANDLERS:
            raise TriageRefused(_("Le suivi des apprenants n'est pas disponible."))
    if answer is not None and TriageDecision.objects.filter(answer=answer).exists():
        raise TriageRefused(_("Cette réponse a déjà été triée."))
    opened = Opened("")
    handler = _HANDLERS.get(outcome)
    if handler is not None:
        opened = handler(
            TriageRequest(
                campaign=campaign,
                item=item,
                answer=answer,
                enrolment=enrolment,
                excerpt=excerpt,
                note=note.strip(),
                acting_user=acting_user,
                as_of=as_of,
            )
        )
    return create_record(
        TriageDecision,
        acting_user=acting_user,
        verb="feedback.triaged",
        organisation_id=campaign.organisation_id,
        campaign=campaign,
        item=item,
        answer=answer,
        anonymous=answer is None,
        excerpt=excerpt,
        outcome=outcome,
        note=note.strip()[:4000],
        reference=opened.reference[:200],
        url=opened.url[:300],
        decided_by=acting_user,
        decided_on=as_of,
    )
