"""Messaging's panel on the direction's dashboard: the messages that wait for a person.

A worker killed in the middle of a send leaves its message « à vérifier »: nobody knows
whether it left. A person checks, and sends it again in one click (journaled, through
`services.resend`).
"""

import datetime as dt
from typing import Any

from parcours.core.dashboard import Panel, register_panel
from parcours.core.models import Membership, Role
from parcours.messaging.models import Message, MessageStatus

SHOWN = 10
# Those who may resend a message (capability "cases.work").
SENDERS = frozenset({Role.DIRECTION, Role.QUALITE, Role.SUIVI})


def to_check(membership: Membership, now: dt.datetime) -> dict[str, Any]:
    waiting = Message.objects.filter(
        organisation=membership.organisation, status=MessageStatus.A_VERIFIER
    ).order_by("created_at", "pk")
    return {
        "count": waiting.count(),
        "messages": list(waiting.only("pk", "to", "subject", "created_at", "last_error")[:SHOWN]),
    }


def register() -> None:
    register_panel(
        Panel("messaging.to_check", "dashboard/messages_to_check.html", to_check, SENDERS, 40)
    )
