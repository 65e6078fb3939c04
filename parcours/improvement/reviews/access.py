"""Who reaches the quality reviews: staff and the auditor read them (`improvement.view`);
the direction and the référent qualité write them (`improvement.edit`); tutors and
learners never. Every lookup goes through the user's organisation (404 otherwise)."""

from typing import Any

from django.db.models import QuerySet

from parcours.core.access import can, get_scoped, require, scoped
from parcours.core.models import Membership
from parcours.improvement.reviews.models import Review

VIEW, EDIT = "improvement.view", "improvement.edit"


def reader(user: Any) -> Membership:
    return require(user, VIEW)


def editor(user: Any) -> Membership:
    return require(user, EDIT)


def can_edit(user: Any) -> bool:
    return can(user, EDIT)


def reviews_for_user(user: Any) -> QuerySet[Review]:
    return scoped(user, Review.objects.all(), VIEW)


def get_review_for_user(user: Any, pk: int) -> Review:
    return get_scoped(user, Review.objects.select_related("organisation"), VIEW, pk=pk)


def get_review_to_edit(user: Any, pk: int) -> Review:
    editor(user)
    return get_review_for_user(user, pk)
