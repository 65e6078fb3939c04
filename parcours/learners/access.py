"""Who a logged-in account is, as a learner (the learner's own pages start here)."""

from typing import Any

from parcours.core.access import membership_of
from parcours.learners.models import Learner


def learner_of_user(user: Any) -> Learner | None:
    """The learner record of a logged-in learner account (with a valid membership)."""
    membership = membership_of(user)
    if membership is None:
        return None
    return Learner.objects.filter(user=user, organisation=membership.organisation).first()
