"""Once a week, the direction of each organisation receives its journal's head by e-mail.

The head (last entry's number and hash) is an anchor kept outside the database: later,
`parcours journal verify --anchor` proves that the journal still extends it, so a
truncated chain whose head was rewritten cannot go unnoticed. Core exposes the head;
messaging, above it, owns the periodic job and the outbox.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import jobs, journal_chain
from parcours.core.models import Organisation, Role, User
from parcours.messaging.services import queue_email

EVERY = dt.timedelta(days=7)
SEND_AT = dt.time(7, 0)  # Monday morning, local time


def next_monday_morning(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    days = (7 - local.weekday()) % 7 or 7
    day = local.date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, SEND_AT, tzinfo=local.tzinfo)


def head_message(organisation: Organisation, *, as_of: dt.datetime) -> tuple[str, str]:
    head = journal_chain.head_of(organisation.pk)
    text = journal_chain.anchor_text([head], as_of=as_of, names={head.chain: organisation.name})
    subject = _("Journal Parcours : tête de chaîne au %(day)s") % {
        "day": timezone.localtime(as_of).strftime("%d/%m/%Y")
    }
    body = _(
        "Bonjour,\n\nVoici la tête du journal de %(organisation)s : l'entrée n°%(seq)s, "
        "d'empreinte %(hash)s.\n\nConservez ce message (ou les lignes ci-dessous dans un "
        "fichier) hors de Parcours. Si le journal était un jour tronqué ou réécrit, "
        "« parcours journal verify --anchor FICHIER » le montrerait.\n\n%(anchor)s"
    ) % {"organisation": organisation.name, "seq": head.seq, "hash": head.hash, "anchor": text}
    return subject, body


def send_heads(as_of: dt.datetime) -> int:
    """Queue this week's message to every member of the direction; returns how many."""
    week = timezone.localtime(as_of).strftime("%G-W%V")
    queued = 0
    for organisation in Organisation.objects.order_by("pk"):
        directors = User.objects.filter(
            membership__organisation=organisation,
            membership__role=Role.DIRECTION,
            is_active=True,
        ).order_by("pk")
        if not directors:
            continue
        subject, body = head_message(organisation, as_of=as_of)
        for user in directors:
            with transaction.atomic():
                queue_email(
                    organisation,
                    to=user.email,
                    subject=subject,
                    body=body,
                    related_key="journal.head",
                    dedupe_key=f"journal-head:{week}:{user.pk}",
                )
            queued += 1
    return queued


@jobs.periodic("journal.weekly_head", every=EVERY, first_run=next_monday_morning)
def weekly_heads(now: dt.datetime) -> None:
    send_heads(now)
