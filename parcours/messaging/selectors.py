"""Reads of the outbox: messages of a related object, delivery labels, the timeline."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.access import can
from parcours.learners.models import Learner
from parcours.learners.selectors import TimelineItem
from parcours.messaging.models import Message, MessageStatus


def messages_for(related_key: str, *, organisation_id: int | None = None) -> QuerySet[Message]:
    """The messages queued for an object of another app (e.g. "case-step:12"), oldest first."""
    queryset = Message.objects.filter(related_key=related_key)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset.order_by("created_at", "pk")


def sent_with_prefix(
    organisation_id: int, related_prefix: str, *, since: Any, until: Any
) -> QuerySet[Message, Any]:
    """The messages another app queued for its objects (related keys starting with
    `related_prefix`, e.g. "case-step:") and sent in [since, until): their enrolment and
    sending time, for that app's aggregations."""
    return Message.objects.filter(
        organisation_id=organisation_id,
        related_key__startswith=related_prefix,
        sent_at__gte=since,
        sent_at__lt=until,
    ).values("enrolment_id", "sent_at")


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y à %H:%M")


def status_label(message: Message) -> str:
    """Where the message stands, in French: "Envoyé le 24/11/2026 à 10:32"..."""
    if message.status == MessageStatus.ENVOYE and message.sent_at:
        return _("Envoyé le %(when)s") % {"when": _local(message.sent_at)}
    if message.status == MessageStatus.EN_ATTENTE and message.attempts:
        return _("En attente : nouvel essai le %(when)s (%(n)d tentative(s) échouée(s))") % {
            "when": _local(message.next_attempt_at),
            "n": message.attempts,
        }
    if message.status == MessageStatus.EN_ATTENTE:
        return _("En attente d'envoi")
    if message.status == MessageStatus.ECHEC:
        return _("Échec après %(n)d tentative(s)") % {"n": message.attempts}
    if message.status == MessageStatus.A_VERIFIER:
        return _("À vérifier : remise incertaine")
    return str(message.get_status_display())


def outbox(queryset: QuerySet[Message], *, status: str = "", q: str = "") -> QuerySet[Message]:
    if status:
        queryset = queryset.filter(status=status)
    for word in q.split():
        queryset = queryset.filter(Q(to__icontains=word) | Q(subject__icontains=word))
    return queryset.select_related("enrolment__learner")


def message_events(learner: Learner, user: Any) -> Iterable[TimelineItem]:
    """The emails sent (or queued) to the learner about their enrolments, with their status."""
    link = can(user, "records.view")
    rows = Message.objects.filter(
        enrolment__learner=learner, organisation_id=learner.organisation_id
    ).only(
        "subject",
        "to",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "created_at",
        "organisation_id",
    )
    for message in rows:
        yield TimelineItem(
            message.sent_at or message.created_at,
            "message",
            _("E-mail « %(subject)s »") % {"subject": message.subject},
            detail=_("À %(to)s · %(status)s") % {"to": message.to, "status": status_label(message)},
            url=message.get_absolute_url() if link else "",
        )
