"""Sending the outbox: `parcours worker` runs one `messaging.send` job per try.

Never twice rather than at least once. A learner who receives the same reminder twice
loses trust in it; a message whose fate is unknown is shown to a person, who decides.

1. A message is claimed by a conditional UPDATE (`en_attente` → `envoi`, only if due):
   whatever the number of workers and of jobs for the same message, one worker gets it.
2. The connection to the SMTP server is opened before anything is handed over. If that
   fails (server down, connection refused, greeting or login refused), nothing was sent:
   the message goes back to `en_attente`, its error recorded, and a new try is queued
   after an exponential backoff (MESSAGING_RETRY_BASE_SECONDS × 2^(n-1), at most an hour).
   An explicit refusal by the server (an SMTP reply to the sender, the recipients or the
   data) also means nothing was delivered: same treatment, except that a permanent one
   (5xx) fails at once. After MESSAGING_MAX_ATTEMPTS tries the message is `echec`,
   visible in the outbox, where staff may send it again.
3. Any other failure while the message is being handed over (connection lost, no reply
   in time) leaves it unknown whether the server took the message: it is marked
   `a_verifier`, never re-sent automatically.
4. A worker that dies between the claim and the end of the exchange leaves the message
   in `envoi`; the periodic sweep turns messages stuck there for more than STUCK_AFTER
   into `a_verifier`. Someone checks (the recipient, or the SMTP server's log by the
   message's Message-ID, fixed when it was queued) and sends it again if needed.

Nothing is lost while SMTP is down: messages wait in `en_attente` and go out when the
server is back.
"""

import datetime as dt
import smtplib
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import jobs, journal
from parcours.core.models import Job
from parcours.messaging import services
from parcours.messaging.models import (
    Attachment,
    AttemptOutcome,
    DeliveryAttempt,
    Message,
    MessageStatus,
)

STUCK_AFTER = dt.timedelta(minutes=15)


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try, after `attempts` tries."""
    return jobs.backoff(attempts, services.retry_base_seconds())


@jobs.handler(services.SEND)
def send_job(job: Job) -> dict[str, Any]:
    return deliver(int(job.payload["message_id"]), worker=job.locked_by)


def deliver(message_id: int, *, worker: str = "") -> dict[str, Any]:
    """One try at sending the message, if it is waiting and due; its outcome recorded."""
    now = timezone.now()
    with transaction.atomic():
        taken = Message.objects.filter(
            pk=message_id, status=MessageStatus.EN_ATTENTE, next_attempt_at__lte=now
        ).update(status=MessageStatus.ENVOI, claimed_at=now, attempts=F("attempts") + 1)
        if not taken:
            status = Message.objects.filter(pk=message_id).values_list("status", flat=True).first()
            return {"message": message_id, "skipped": status or "absent"}
        message = Message.objects.select_related("organisation").get(pk=message_id)
        attempt = DeliveryAttempt.objects.create(
            message=message, number=message.attempts, worker=worker[:120], started_at=now
        )

    try:
        email = build_email(message)
        email.message()  # a message that cannot be built is our fault: no use retrying
    except Exception as exc:
        return _failed(message, attempt, _("Message impossible à construire"), exc, final=True)

    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        return _failed(message, attempt, _("Connexion au serveur d'envoi impossible"), exc)
    try:
        sent = connection.send_messages([email])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        refused = _("Refusé par le serveur d'envoi")
        return _failed(message, attempt, refused, exc, final=_permanent(exc))
    except Exception as exc:
        return _unknown(message, attempt, exc)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: S110 (the exchange is over; closing it is a courtesy)
            pass
    if not sent:
        return _failed(message, attempt, _("Aucun destinataire accepté"), None, final=True)
    return _sent(message, attempt)


def build_email(message: Message) -> EmailMessage:
    email = EmailMessage(
        message.subject,
        message.body,
        message.from_email,
        [message.to],
        headers={"Message-ID": message.message_id},
    )
    for attachment in message.attachments.all():
        email.attach(_mime_part(attachment))
    return email


def _mime_part(attachment: Attachment) -> MIMEBase:
    """The attachment as a MIME part; its type may carry parameters (`; method=REQUEST`)."""
    maintype, _slash, rest = attachment.mimetype.partition("/")
    subtype, *params = [p.strip() for p in rest.split(";")]
    content = bytes(attachment.content)
    part: MIMEBase
    if maintype == "text":
        part = MIMEText(content.decode("utf-8"), subtype, "utf-8")
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(content)
        encoders.encode_base64(part)
    for param in params:
        name, _eq, value = param.partition("=")
        if name:
            part.set_param(name.strip(), value.strip().strip('"'))
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def _permanent(exc: Exception) -> bool:
    """A 5xx reply: the server will not take this message, whatever the number of tries."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _describe(reason: str, exc: Exception | None) -> str:
    return (f"{reason} : {type(exc).__name__}: {exc}" if exc else reason)[:2000]


def _sent(message: Message, attempt: DeliveryAttempt) -> dict[str, Any]:
    now = timezone.now()
    with transaction.atomic():
        # From a_verifier too: the sweep may have given up on a very slow exchange.
        Message.objects.filter(
            pk=message.pk,
            attempts=attempt.number,
            status__in=[MessageStatus.ENVOI, MessageStatus.A_VERIFIER],
        ).update(status=MessageStatus.ENVOYE, sent_at=now, last_error="", claimed_at=None)
        _close(attempt, AttemptOutcome.ENVOYE, "", now)
        journal.record_event(
            "messaging.sent",
            organisation=message.organisation_id,
            acting_user=None,
            obj=message,
            data={"to": message.to, "message_id": message.message_id, "attempt": attempt.number},
        )
    return {"message": message.pk, "status": MessageStatus.ENVOYE}


def _failed(
    message: Message,
    attempt: DeliveryAttempt,
    reason: str,
    exc: Exception | None,
    *,
    final: bool = False,
) -> dict[str, Any]:
    """Nothing was handed over: try again later, or give up after the last attempt."""
    now = timezone.now()
    error = _describe(reason, exc)
    final = final or attempt.number >= message.max_attempts
    retry_at = None if final else now + backoff(attempt.number)
    with transaction.atomic():
        taken = Message.objects.filter(
            pk=message.pk, status=MessageStatus.ENVOI, attempts=attempt.number
        ).update(
            status=MessageStatus.ECHEC if final else MessageStatus.EN_ATTENTE,
            next_attempt_at=retry_at or F("next_attempt_at"),
            last_error=error,
            claimed_at=None,
        )
        _close(attempt, AttemptOutcome.ERREUR, error, now)
        if not taken:
            return {"message": message.pk, "error": error}
        journal.record_event(
            "messaging.failed" if final else "messaging.retry_scheduled",
            organisation=message.organisation_id,
            acting_user=None,
            obj=message,
            data={"attempt": attempt.number, "error": error, "next_attempt_at": retry_at},
        )
        if retry_at is not None:
            services.schedule_send(message, attempt.number + 1, retry_at)
    status = MessageStatus.ECHEC if final else MessageStatus.EN_ATTENTE
    return {"message": message.pk, "status": status, "error": error}


def _unknown(message: Message, attempt: DeliveryAttempt, exc: Exception) -> dict[str, Any]:
    """The exchange broke while the message was handed over: it may have been delivered."""
    now = timezone.now()
    error = _describe(_("Envoi interrompu, remise incertaine"), exc)
    with transaction.atomic():
        taken = Message.objects.filter(
            pk=message.pk, status=MessageStatus.ENVOI, attempts=attempt.number
        ).update(status=MessageStatus.A_VERIFIER, last_error=error)
        _close(attempt, AttemptOutcome.A_VERIFIER, error, now)
        if taken:
            journal.record_event(
                "messaging.to_check",
                organisation=message.organisation_id,
                acting_user=None,
                obj=message,
                data={"attempt": attempt.number, "error": error},
            )
    return {"message": message.pk, "status": MessageStatus.A_VERIFIER, "error": error}


def _close(attempt: DeliveryAttempt, outcome: str, error: str, now: dt.datetime) -> None:
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        outcome=outcome, error=error, finished_at=now
    )


@jobs.periodic("messaging.sweep", every=dt.timedelta(minutes=5))
def sweep(now: dt.datetime) -> None:
    """Messages stuck in `envoi` (their worker died mid-send) become `a_verifier`."""
    error = _(
        "Le processus d'envoi s'est interrompu pendant l'envoi : vérifiez auprès du "
        "destinataire avant de renvoyer."
    )
    stuck = Message.objects.filter(status=MessageStatus.ENVOI, claimed_at__lt=now - STUCK_AFTER)
    for pk, organisation_id, attempts in stuck.values_list("pk", "organisation_id", "attempts"):
        with transaction.atomic():
            taken = Message.objects.filter(
                pk=pk, status=MessageStatus.ENVOI, attempts=attempts
            ).update(status=MessageStatus.A_VERIFIER, last_error=error)
            if not taken:
                continue
            DeliveryAttempt.objects.filter(
                message_id=pk, number=attempts, outcome=AttemptOutcome.EN_COURS
            ).update(outcome=AttemptOutcome.A_VERIFIER, error=error, finished_at=now)
            journal.record_event(
                "messaging.to_check",
                organisation=organisation_id,
                acting_user=None,
                obj=Message.objects.get(pk=pk),
                data={"attempt": attempts, "error": error},
            )
