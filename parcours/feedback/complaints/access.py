"""Who sees the complaints register. Staff (direction, référent qualité, chargé de suivi)
see and work it; the auditor reads it with the complainant's identity masked; a tutor
or a learner sees only the entries they sent, in their own space. Reports of violence
live in safeguarding and never here."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from parcours.core.access import membership_of
from parcours.core.models import Membership, Role
from parcours.feedback.complaints.models import Complaint

WORKERS = {Role.DIRECTION, Role.QUALITE, Role.SUIVI}
READERS = {*WORKERS, Role.AUDITEUR}
SENDERS = {Role.APPRENANT, Role.TUTEUR}


def reader(user: Any) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role not in READERS:
        raise PermissionDenied
    return membership


def worker(user: Any) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role not in WORKERS:
        raise PermissionDenied
    return membership


def manager(user: Any) -> Membership:
    """The direction and the référent qualité set the deadlines."""
    membership = membership_of(user)
    if membership is None or membership.role not in {Role.DIRECTION, Role.QUALITE}:
        raise PermissionDenied
    return membership


def masks_identity(user: Any) -> bool:
    membership = membership_of(user)
    return membership is None or membership.role not in WORKERS


def register_for_user(user: Any) -> QuerySet[Complaint]:
    membership = reader(user)
    return Complaint.objects.filter(organisation=membership.organisation).select_related(
        "session", "owner"
    )


def get_complaint_for_user(user: Any, pk: int) -> Complaint:
    found = register_for_user(user).select_related("learner", "enrolment").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_complaint_to_work(user: Any, pk: int) -> Complaint:
    worker(user)
    return get_complaint_for_user(user, pk)


def sender(user: Any) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role not in SENDERS:
        raise PermissionDenied
    return membership


def own_complaints(user: Any) -> QuerySet[Complaint]:
    """The entries a learner or a tutor sent themselves."""
    membership = sender(user)
    return Complaint.objects.filter(
        Q(learner__user=user) | Q(tutor__user=user), organisation=membership.organisation
    )
