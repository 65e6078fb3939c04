"""Who reaches the quality reviews: staff and the auditor read them (`improvement.view`);
the direction and the référent qualité write them (`improvement.edit`); tutors and
learners never. Every lookup goes through the user's organisation (404 otherwise)."""

from typing import Any

from django.db.models import QuerySet

from parcours.core.access import get_scoped, scoped
from parcours.improvement.reviews.models import Review
from parcours.improvement.risks.access import VIEW, can_edit, editor, reader

__all__ = ["can_edit", "editor", "get_review_for_user", "reader", "reviews_for_user"]


def reviews_for_user(user: Any) -> QuerySet[Review]:
    return scoped(user, Review.objects.all(), VIEW)


def get_review_for_user(user: Any, pk: int) -> Review:
    return get_scoped(user, Review.objects.select_related("organisation"), VIEW, pk=pk)


def get_review_to_edit(user: Any, pk: int) -> Review:
    editor(user)
    return get_review_for_user(user, pk)
