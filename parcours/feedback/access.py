"""Who sees what in feedback. The direction, the référent qualité and the auditor see the
organisation's campaigns; a trainer (chargé de suivi linked to a trainer record) sees the
campaigns of the sessions they teach. Everyone sees results under the same k rule."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from parcours.core.access import membership_of, require
from parcours.core.models import Membership, Role
from parcours.feedback.models import Campaign, Item, Questionnaire
from parcours.programmes.models import Session

MANAGERS = {Role.DIRECTION, Role.QUALITE}
READERS = {Role.DIRECTION, Role.QUALITE, Role.AUDITEUR}


def can_manage(user: Any) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in MANAGERS


def require_manager(user: Any) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role not in MANAGERS:
        raise PermissionDenied
    return membership


def reader(user: Any) -> Membership:
    """Staff who may read results: readers, and trainers (for their own sessions)."""
    membership = membership_of(user)
    if membership is None:
        raise PermissionDenied
    if membership.role in READERS:
        return membership
    if membership.role == Role.SUIVI and hasattr(user, "trainer"):
        return membership
    raise PermissionDenied


def campaigns_for_user(user: Any) -> QuerySet[Campaign]:
    membership = reader(user)
    campaigns = Campaign.objects.filter(organisation=membership.organisation)
    if membership.role not in READERS:
        campaigns = campaigns.filter(Q(session__trainers=user.trainer))
    return campaigns


def sessions_for_user(user: Any) -> QuerySet[Session]:
    membership = reader(user)
    sessions = Session.objects.filter(organisation=membership.organisation)
    if membership.role not in READERS:
        sessions = sessions.filter(trainers=user.trainer)
    return sessions


def get_campaign_for_user(user: Any, pk: int) -> Campaign:
    found = (
        campaigns_for_user(user)
        .select_related("questionnaire", "session", "version")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_session_for_user(user: Any, pk: int) -> Session:
    found = sessions_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_questionnaire_for_editor(user: Any, pk: int) -> Questionnaire:
    """A questionnaire of the user's organisation, for those who write questionnaires."""
    membership = require(user, "surveys.edit")
    found = Questionnaire.objects.filter(organisation=membership.organisation, pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_item_for_editor(user: Any, questionnaire_pk: int, pk: int) -> Item:
    questionnaire = get_questionnaire_for_editor(user, questionnaire_pk)
    found = (
        Item.objects.select_related("version__questionnaire__organisation")
        .filter(version__questionnaire=questionnaire, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found
