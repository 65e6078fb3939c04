"""Writes of the quality reviews, each in its transaction with its journal entry: a review
planned, its details and minutes, the review held (its agenda frozen as of its date), and
each decision becoming an improvement action through the actions' own service."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, Membership, Organisation, User
from parcours.improvement.models import Action, ActionKind, Origin, Priority
from parcours.improvement.reviews import agenda
from parcours.improvement.reviews.models import Review, ReviewKind, ReviewStatus
from parcours.improvement.services import actions as action_services


def _check(organisation: Organisation, kind: str, participants: list[User]) -> None:
    if kind not in ReviewKind.values:
        raise ValidationError(_("Nature de revue inconnue."))
    ids = {u.pk for u in participants}
    members = set(
        Membership.objects.filter(organisation=organisation, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    if ids - members:
        raise ValidationError(_("Choix inconnu dans cette organisation."))


def _snapshot(review: Review) -> dict[str, Any]:
    data = journal.snapshot(review, ["held_on", "kind", "other_participants", "minutes"])
    data["participants"] = sorted(str(u) for u in review.participants.all())
    return data


@transaction.atomic
def plan_review(
    organisation: Organisation,
    *,
    acting_user: User,
    held_on: dt.date,
    kind: str = ReviewKind.QUALITY,
    participants: list[User] | None = None,
    other_participants: str = "",
    minutes: str = "",
) -> Review:
    participants = list(participants or [])
    _check(organisation, kind, participants)
    review = Review.objects.create(
        organisation=organisation,
        created_by=acting_user,
        held_on=held_on,
        kind=kind,
        other_participants=other_participants.strip(),
        minutes=minutes.strip(),
    )
    review.participants.set(participants)
    journal.record(
        JournalAction.CREATE,
        review,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff({}, _snapshot(review)),
        verb="reviews.planned",
    )
    return review


@transaction.atomic
def update_review(
    review: Review,
    *,
    acting_user: User,
    held_on: dt.date,
    kind: str,
    participants: list[User],
    other_participants: str,
    minutes: str,
) -> Review:
    """The review's details and minutes. Once held, its date and nature no longer change
    (its agenda was frozen as of that date); the minutes and participants may be completed."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _check(review.organisation, kind, participants)
    if review.is_held and (held_on != review.held_on or kind != review.kind):
        raise ValidationError(
            _("Une revue tenue garde sa date et sa nature : son ordre du jour est figé.")
        )
    before = _snapshot(review)
    review.held_on, review.kind = held_on, kind
    review.other_participants = other_participants.strip()
    review.minutes = minutes.strip()
    review.save()
    review.participants.set(participants)
    changes = journal.diff(before, _snapshot(review))
    if changes:
        journal.record(
            JournalAction.UPDATE,
            review,
            organisation=review.organisation_id,
            acting_user=acting_user,
            changes=changes,
            verb="reviews.updated",
        )
    return review


@transaction.atomic
def hold_review(review: Review, *, acting_user: User, as_of: dt.datetime) -> Review:
    """The review held (at `as_of`): its agenda computed as of its date and frozen, with
    its minutes."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_held:
        raise ValidationError(_("Cette revue est déjà tenue."))
    if review.held_on > timezone.localdate(as_of):
        raise ValidationError(_("Une revue ne peut être tenue avant sa date."))
    if not review.minutes.strip():
        raise ValidationError(_("Rédigez le compte rendu avant de déclarer la revue tenue."))
    review.agenda = agenda.compute(review)
    review.status = ReviewStatus.HELD
    review.held_at = as_of
    review.save(update_fields=["agenda", "status", "held_at"])
    journal.record_event(
        "reviews.held",
        organisation=review.organisation_id,
        acting_user=acting_user,
        obj=review,
        data={"periode": f"{review.agenda['since']} / {review.agenda['until']}"},
    )
    return review


def decisions_of(review: Review) -> QuerySet[Action]:
    """The actions decided at this review (origin "revue", the review as their source)."""
    return Action.objects.filter(
        organisation_id=review.organisation_id,
        origin=Origin.REVIEW,
        source_type=review._meta.label_lower,
        source_id=str(review.pk),
    ).order_by("number")


@transaction.atomic
def record_decision(
    review: Review,
    *,
    acting_user: User,
    title: str,
    finding: str = "",
    owner: User | None = None,
    deadline: dt.date | None = None,
    kind: str = ActionKind.IMPROVEMENT,
    priority: str = Priority.NORMAL,
) -> Action:
    """A decision of the review, which becomes an improvement action ("proposée", for the
    direction to validate)."""
    return action_services.propose_action(
        review.organisation,
        acting_user=acting_user,
        origin=Origin.REVIEW,
        title=title,
        finding=finding.strip()
        or _("Décision de la %(review)s.") % {"review": str(review).lower()},
        source=review,
        kind=kind,
        owner=owner,
        deadline=deadline,
        priority=priority,
    )
