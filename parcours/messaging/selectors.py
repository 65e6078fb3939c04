"""Reads of the outbox: messages of a related object, delivery labels, the timeline."""

from collections.abc import Iterable
from email.header import decode_header, make_header
from email.utils import parseaddr
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

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


def header_text(value: str) -> str:
    """A mail header as a person reads it: `=?utf-8?q?Atelier_Formation?= <a@b.fr>` →
    `Atelier Formation <a@b.fr>` (RFC 2047 encoded words decoded; bad ones left as is)."""
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


def sender_display(value: str) -> str:
    """The sender's name and address, decoded."""
    name, address = parseaddr(header_text(value))
    if name and address:
        return f"{name} <{address}>"
    return address or header_text(value)


# What a message was queued for, by the prefix of its `related_key` (set by other apps).
RELATED_LABELS = {
    "meeting": _lazy("Invitation au rendez-vous n° %(n)s"),
    "case-step": _lazy("Étape n° %(n)s d'un dossier de suivi"),
    "tutor-link": _lazy("Lien de la fiche de liaison envoyé au tuteur (inscription n° %(n)s)"),
}


def related_label(key: str) -> str:
    """The French words for a message's `related_key` ("meeting:1" → "Invitation au
    rendez-vous n° 1"); an unknown kind reads "Autre (…)"."""
    if not key:
        return "—"
    prefix, _sep, number = key.partition(":")
    label = RELATED_LABELS.get(prefix)
    if label is None:
        return _("Autre (%(key)s)") % {"key": key}
    return str(label) % {"n": number}


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
        return ngettext(
            "En attente : nouvel essai le %(when)s (%(n)d tentative échouée)",
            "En attente : nouvel essai le %(when)s (%(n)d tentatives échouées)",
            message.attempts,
        ) % {"when": _local(message.next_attempt_at), "n": message.attempts}
    if message.status == MessageStatus.EN_ATTENTE:
        return _("En attente d'envoi")
    if message.status == MessageStatus.ECHEC:
        return ngettext(
            "Échec après %(n)d tentative", "Échec après %(n)d tentatives", message.attempts
        ) % {"n": message.attempts}
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
