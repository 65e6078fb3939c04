"""Writes of the messaging app: templates, and queueing emails in the outbox.

Other apps send mail only through `queue_email` or `queue_from_template`: the message is
stored with its journal entry and its sending job in one transaction, so it is either
queued for good (and visible in the outbox) or not at all. Sending is done later by
`parcours worker` (see `sending.py`).
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from email.utils import formataddr, parseaddr
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.core import jobs, journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.core.services import check_same_organisation, create_record, update_record
from parcours.learners.models import Enrolment
from parcours.messaging import merge
from parcours.messaging.defaults import defaults
from parcours.messaging.models import (
    RESENDABLE,
    Attachment,
    Message,
    MessageStatus,
    MessageTemplate,
)

SEND = "messaging.send"


class AttachmentFile(NamedTuple):
    """A file to attach: its name, MIME type and bytes."""

    filename: str
    mimetype: str
    content: bytes


def retry_base_seconds() -> int:
    return int(settings.MESSAGING_RETRY_BASE_SECONDS)


def max_attempts() -> int:
    return int(settings.MESSAGING_MAX_ATTEMPTS)


def send_job_key(message: Message, attempt: int) -> str:
    """The first try has the key `message:<pk>`; each retry its own, by attempt number."""
    return f"message:{message.pk}" if attempt <= 1 else f"message:{message.pk}:{attempt}"


def schedule_send(message: Message, attempt: int, at: dt.datetime) -> None:
    """Queue the job that sends the message (in the caller's transaction: visible on commit)."""
    jobs.enqueue(
        SEND,
        {"message_id": message.pk},
        organisation=message.organisation,
        run_after=at,
        dedupe_key=send_job_key(message, attempt),
    )


# Templates


@transaction.atomic
def ensure_default_templates(organisation: Organisation) -> list[MessageTemplate]:
    """The templates shipped with Parcours that the organisation does not have yet, created."""
    existing = set(
        MessageTemplate.objects.filter(organisation=organisation).values_list("key", flat=True)
    )
    created = []
    for default in defaults():
        if default.key in existing:
            continue
        try:
            with transaction.atomic():
                created.append(
                    create_record(
                        MessageTemplate,
                        acting_user=None,
                        journal_label=_("modèles fournis par Parcours"),
                        organisation=organisation,
                        key=default.key,
                        name=default.name,
                        subject=default.subject,
                        body=default.body,
                    )
                )
        except (IntegrityError, ValidationError):
            # Fine if another request created it meanwhile; anything else is a real error.
            mine = MessageTemplate.objects.filter(organisation=organisation, key=default.key)
            if not mine.exists():
                raise
    return created


def create_template(
    organisation: Organisation, *, acting_user: User | None, **values: Any
) -> MessageTemplate:
    return create_record(
        MessageTemplate, acting_user=acting_user, organisation=organisation, **values
    )


def update_template(
    template: MessageTemplate, *, acting_user: User | None, **values: Any
) -> MessageTemplate:
    return update_record(template, acting_user=acting_user, **values)


def get_template(organisation: Organisation, key: str) -> MessageTemplate:
    """The organisation's template with this key (the defaults are created on first use)."""
    found = MessageTemplate.objects.filter(organisation=organisation, key=key).first()
    if found is None:
        ensure_default_templates(organisation)
        found = MessageTemplate.objects.filter(organisation=organisation, key=key).first()
    if found is None:
        raise ValidationError(
            _("Aucun modèle de message « %(key)s » dans cette organisation."),
            params={"key": key},
        )
    return found


# Merge context


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def merge_context(enrolment: Enrolment | None, **extra: Any) -> dict[str, dict[str, str]]:
    """The merge fields of an enrolment (learner, session, organisation, tutor, employer).

    `extra` adds or completes groups, e.g. `responsable={"nom": ..., "email": ...}` or
    `rendez_vous=appointment(starts_at, "Salle 2")`; dates and datetimes are formatted.
    """
    context: dict[str, dict[str, str]] = {}
    if enrolment is not None:
        learner, session = enrolment.learner, enrolment.session
        employer = enrolment.employer or learner.employer
        context = {
            "apprenant": {
                "prenom": learner.first_name,
                "nom": learner.last_name,
                "nom_complet": learner.full_name,
                "email": learner.email,
            },
            "session": {
                "intitule": session.title,
                "debut": _date(session.start_date),
                "fin": _date(session.end_date),
            },
            "organisme": {"nom": enrolment.organisation.name},
            "tuteur": {
                "nom": f"{enrolment.tutor.first_name} {enrolment.tutor.last_name}".strip()
                if enrolment.tutor
                else ""
            },
            "entreprise": {"nom": employer.name if employer else ""},
        }
    for group, values in extra.items():
        if not isinstance(values, Mapping):
            raise TypeError(f"merge group {group!r}: expected a mapping of field to value")
        context.setdefault(group, {}).update({name: _text(v) for name, v in values.items()})
    absences = context.setdefault("absences", {})
    count = absences.get("nombre", "")
    # The number with its noun agreed ("1 absence récente", "3 absences récentes").
    absences.setdefault(
        "texte",
        ngettext("%(n)d absence récente", "%(n)d absences récentes", int(count)) % {"n": int(count)}
        if count.isdigit()
        else _("des absences récentes"),
    )
    return context


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return _date(value)
    return "" if value is None else str(value)


def appointment(starts_at: dt.datetime, place: str = "") -> dict[str, str]:
    """The `rendez_vous` group for an appointment, in local (Paris) time."""
    local = timezone.localtime(starts_at)
    return {"date": _date(local.date()), "heure": local.strftime("%Hh%M"), "lieu": place}


def person(user: User | None) -> dict[str, str]:
    """The `responsable` group for a member of staff."""
    if user is None:
        return {}
    return {"nom": user.get_full_name() or user.email, "email": user.email}


# Queueing


def _message_id(organisation: Organisation) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "parcours.invalid"
    return f"<{uuid.uuid4().hex}.{organisation.pk}@{domain}>"


def _from_email(organisation: Organisation) -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((organisation.name or name, address))


@transaction.atomic
def queue_email(
    organisation: Organisation,
    *,
    to: str,
    subject: str,
    body: str,
    enrolment: Enrolment | None = None,
    related_key: str = "",
    dedupe_key: str = "",
    attachments: Iterable[AttachmentFile | tuple[str, str, bytes]] = (),
    acting_user: User | None = None,
    template_key: str = "",
) -> Message:
    """Store an email in the outbox and queue its sending, with its journal entry.

    Queueing the same `dedupe_key` twice (per organisation) returns the first message.
    """
    if dedupe_key:
        existing = Message.objects.filter(organisation=organisation, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    message = Message(
        organisation=organisation,
        enrolment=enrolment,
        template_key=template_key,
        from_email=_from_email(organisation),
        to=to.strip(),
        subject=" ".join(subject.split()),
        body=body,
        related_key=related_key,
        dedupe_key=dedupe_key,
        message_id=_message_id(organisation),
        max_attempts=max_attempts(),
        next_attempt_at=now,
        created_by=acting_user,
        created_at=now,
    )
    check_same_organisation(message)
    message.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if dedupe_key:  # queued meanwhile by another transaction
            return Message.objects.get(organisation=organisation, dedupe_key=dedupe_key)
        raise
    files = [AttachmentFile(*item) for item in attachments]
    Attachment.objects.bulk_create(
        Attachment(message=message, filename=f.filename, mimetype=f.mimetype, content=f.content)
        for f in files
    )
    changes = journal.diff({}, journal.snapshot(message))
    if files:
        changes["attachments"] = [None, [f"{f.filename} ({f.mimetype})" for f in files]]
    journal.record(
        JournalAction.CREATE,
        message,
        organisation=organisation,
        acting_user=acting_user,
        changes=changes,
        verb="messaging.queued",
    )
    schedule_send(message, 1, now)
    return message


class Outgoing(NamedTuple):
    """One e-mail of a batch (see queue_emails)."""

    to: str
    subject: str
    body: str
    dedupe_key: str
    enrolment_id: int | None = None


@transaction.atomic
def queue_emails(
    organisation: Organisation,
    emails: list[Outgoing],
    *,
    related_key: str,
    template_key: str = "",
    acting_user: User | None = None,
    label: str = "",
) -> int:
    """Queue a batch of e-mails at once (a campaign's invitations): the messages and their
    sending jobs written in bulk, one journal entry for the batch. Keys already queued are
    skipped. Returns how many were queued."""
    keys = [e.dedupe_key for e in emails]
    taken: set[str] = set()
    for start in range(0, len(keys), 1000):
        taken.update(
            Message.objects.filter(
                organisation=organisation, dedupe_key__in=keys[start : start + 1000]
            ).values_list("dedupe_key", flat=True)
        )
    now = timezone.now()
    sender = _from_email(organisation)
    attempts = max_attempts()
    messages = Message.objects.bulk_create(
        (
            Message(
                organisation=organisation,
                enrolment_id=e.enrolment_id,
                template_key=template_key,
                from_email=sender,
                to=e.to.strip(),
                subject=" ".join(e.subject.split()),
                body=e.body,
                related_key=related_key,
                dedupe_key=e.dedupe_key,
                message_id=_message_id(organisation),
                max_attempts=attempts,
                next_attempt_at=now,
                created_by=acting_user,
                created_at=now,
            )
            for e in emails
            if e.dedupe_key not in taken
        ),
        batch_size=1000,
    )
    if not messages:
        return 0
    jobs.enqueue_many(
        SEND,
        [({"message_id": m.pk}, send_job_key(m, 1)) for m in messages],
        organisation=organisation,
        run_after=now,
    )
    journal.record_event(
        "messaging.queued_batch",
        organisation=organisation,
        acting_user=acting_user,
        data={
            "count": len(messages),
            "about": label or related_key,
            "related_key": related_key,
            "template": template_key,
            "first": messages[0].pk,
            "last": messages[-1].pk,
        },
    )
    return len(messages)


@transaction.atomic
def queue_from_template(
    organisation: Organisation,
    key: str,
    *,
    to: str,
    context: dict[str, Any],
    enrolment: Enrolment | None = None,
    related_key: str = "",
    dedupe_key: str = "",
    attachments: Iterable[AttachmentFile | tuple[str, str, bytes]] = (),
    acting_user: User | None = None,
) -> Message:
    """Queue the organisation's template `key`, merged with `context` (see merge_context)."""
    template = get_template(organisation, key)
    return queue_email(
        organisation,
        to=to,
        subject=merge.render_subject(template.subject, context),
        body=merge.render(template.body, context),
        enrolment=enrolment,
        related_key=related_key,
        dedupe_key=dedupe_key,
        attachments=attachments,
        acting_user=acting_user,
        template_key=key,
    )


@transaction.atomic
def resend(message: Message, *, acting_user: User | None) -> Message:
    """Send a failed (or unconfirmed) message again, on a member of staff's decision."""
    if message.status not in RESENDABLE:
        raise ValidationError(_("Seul un message en échec ou à vérifier peut être renvoyé."))
    now = timezone.now()
    taken = Message.objects.filter(pk=message.pk, status=message.status).update(
        status=MessageStatus.EN_ATTENTE,
        next_attempt_at=now,
        max_attempts=message.attempts + max_attempts(),
    )
    if not taken:
        raise ValidationError(_("Ce message a changé entre-temps : rechargez la page."))
    journal.record_event(
        "messaging.resent",
        organisation=message.organisation_id,
        acting_user=acting_user,
        obj=message,
        data={"status": [message.status, MessageStatus.EN_ATTENTE], "attempts": message.attempts},
    )
    message.refresh_from_db()
    schedule_send(message, message.attempts + 1, now)
    return message


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation starts with the message templates shipped with Parcours."""
    ensure_default_templates(organisation)
