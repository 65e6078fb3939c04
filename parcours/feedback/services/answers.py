"""Answering: the personal link, the questions as asked, storing the answers.

Anonymous answers are journaled on the campaign ("one more answer"), never on the
invitation or the answer.
"""

import datetime as dt
import random
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction
from parcours.feedback.models import (
    AnonymousAnswer,
    AnonymousResponse,
    AttributedAnswer,
    AttributedResponse,
    Campaign,
    EventKind,
    Invitation,
    InvitationEvent,
    InvitationState,
    Item,
    ItemKind,
)
from parcours.feedback.services.errors import InvalidAnswers, Refused
from parcours.programmes.models import Trainer

# Anonymous answers are kept in shuffled batches of this size (the last one of a day may
# be smaller): the rows of an open batch are rewritten in a new random order at each answer.
BATCH = 20
_shuffle = random.SystemRandom().shuffle


# -- Answering -------------------------------------------------------------------------


def invitation_for_token(token: str, *, now: dt.datetime) -> Invitation:
    invitation = (
        Invitation.objects.select_related(
            "campaign__questionnaire", "campaign__version", "campaign__session", "organisation"
        )
        .filter(token=token)
        .first()
    )
    if invitation is None or invitation.state == InvitationState.UNREACHABLE:
        raise Refused(_("Ce lien n'est pas valide."))
    if invitation.state == InvitationState.ANSWERED:
        raise Refused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    if invitation.expires_at <= now:
        raise Refused(_("Ce lien a expiré. Demandez-en un nouveau à l'organisme."))
    return invitation


@transaction.atomic
def record_open(invitation: Invitation, *, now: dt.datetime) -> None:
    """The first opening of the link (for an anonymous questionnaire, its day only)."""
    if not Invitation.objects.filter(pk=invitation.pk, opened=False).update(opened=True):
        return
    anonymous = invitation.campaign.questionnaire.anonymous
    InvitationEvent.objects.create(
        invitation=invitation,
        kind=EventKind.OPENED,
        day=timezone.localdate(now),
        at=None if anonymous else now,
    )


def questions(invitation: Invitation) -> list[tuple[Item, Trainer | None, str]]:
    """The questions as asked: (item, trainer for per-teacher items, form field name)."""
    campaign = invitation.campaign
    items = list(campaign.version.items.all())
    trainers: list[Trainer] = []
    if campaign.session_id and any(i.per_trainer for i in items):
        trainers = list(campaign.session.trainers.order_by("last_name", "first_name"))  # type: ignore[union-attr]
    asked: list[tuple[Item, Trainer | None, str]] = []
    for item in items:
        if item.per_trainer and trainers:
            asked.extend((item, t, f"q{item.pk}_t{t.pk}") for t in trainers)
        else:
            asked.append((item, None, f"q{item.pk}"))
    return asked


Parsed = list[tuple[int, int | None, int | None, str]]  # item, trainer, number, text


def parse_answers(invitation: Invitation, data: Mapping[str, Sequence[str]]) -> Parsed:
    """The answers read from the form, or InvalidAnswers with a French message per field."""
    parsed: Parsed = []
    errors: dict[str, str] = {}
    for item, trainer, name in questions(invitation):
        values = [v.strip() for v in data.get(name, []) if v and v.strip()]
        trainer_id = trainer.pk if trainer else None
        if not values:
            if item.required:
                errors[name] = _("Merci de répondre à cette question.")
            continue
        if item.kind == ItemKind.TEXT:
            text = values[0][:4000]
            parsed.append((item.pk, trainer_id, None, text))
            continue
        allowed = {str(n) for n, _label in item.choices()}
        if any(v not in allowed for v in values) or (
            item.kind != ItemKind.MULTIPLE and len(values) > 1
        ):
            errors[name] = _("Réponse non valable.")
            continue
        for v in dict.fromkeys(values):
            parsed.append((item.pk, trainer_id, int(v), ""))
    if errors:
        raise InvalidAnswers(errors)
    return parsed


def _store_anonymous(campaign: Campaign, day: dt.date, parsed: Parsed) -> None:
    """Add one anonymous response to the day's open batch, rewriting the batch's rows in
    a new random order with new random keys: the order of the rows says nothing of the
    order of the answers. A full batch is sealed and never rewritten again."""
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one writer per campaign
    open_batch = list(
        AnonymousResponse.objects.filter(campaign=campaign, day=day, sealed=False).prefetch_related(
            "answers"
        )
    )
    batch = [
        [(a.item_id, a.trainer_id, a.number, a.text) for a in r.answers.all()] for r in open_batch
    ]
    batch.append(parsed)
    AnonymousResponse.objects.filter(pk__in=[r.pk for r in open_batch]).delete()
    _shuffle(batch)
    sealed = len(batch) >= BATCH
    responses = [
        AnonymousResponse(
            organisation_id=campaign.organisation_id, campaign=campaign, day=day, sealed=sealed
        )
        for _answers in batch
    ]
    AnonymousResponse.objects.bulk_create(responses)
    answers = [
        AnonymousAnswer(
            response=r,
            campaign=campaign,
            item_id=item,
            trainer_id=trainer,
            number=number,
            text=text,
        )
        for r, rows in zip(responses, batch, strict=True)
        for item, trainer, number, text in rows
    ]
    _shuffle(answers)
    AnonymousAnswer.objects.bulk_create(answers)


@transaction.atomic
def submit(invitation: Invitation, data: Mapping[str, Sequence[str]], *, now: dt.datetime) -> None:
    """Record the answers. For an anonymous questionnaire the invitation only learns that
    it was answered, and on which day; the journal entry names the campaign only."""
    parsed = parse_answers(invitation, data)
    if not parsed:
        raise InvalidAnswers({"": _("Répondez à au moins une question.")})
    day = timezone.localdate(now)
    claimed = Invitation.objects.filter(
        pk=invitation.pk, state=InvitationState.SENT, expires_at__gt=now
    ).update(state=InvitationState.ANSWERED, answered_on=day)
    if not claimed:
        raise Refused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    campaign = invitation.campaign
    organisation = campaign.organisation
    if campaign.questionnaire.anonymous:
        InvitationEvent.objects.create(
            invitation=invitation, kind=EventKind.ANSWERED, day=day, at=None
        )
        _store_anonymous(campaign, day, parsed)
        journal.record_event(
            "feedback.anonymous_answer",
            organisation=organisation,
            acting_user=None,
            obj=campaign,
            data={"day": day},
            label=_("répondant anonyme"),
        )
        return
    InvitationEvent.objects.create(invitation=invitation, kind=EventKind.ANSWERED, day=day, at=now)
    response = AttributedResponse.objects.create(
        organisation=organisation,
        campaign=campaign,
        invitation=invitation,
        enrolment=invitation.enrolment,
        day=day,
        submitted_at=now,
    )
    AttributedAnswer.objects.bulk_create(
        AttributedAnswer(
            response=response,
            campaign=campaign,
            item_id=item,
            trainer_id=trainer,
            number=number,
            text=text,
        )
        for item, trainer, number, text in parsed
    )
    journal.record(
        JournalAction.UPDATE,
        invitation,
        organisation=organisation,
        acting_user=None,
        changes={
            "state": [InvitationState.SENT, InvitationState.ANSWERED],
            "answers": [None, len(parsed)],
        },
        verb="feedback.answered",
        label=invitation.name,
    )
