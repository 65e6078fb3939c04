"""Writes of feedback, split by concern; every function runs in one transaction with its
journal entry. The names callers use are re-exported here:
`from parcours.feedback import services; services.launch_campaign(...)`.
"""

from parcours.feedback.services.answers import (
    BATCH,
    invitation_for_token,
    questions,
    record_open,
    submit,
)
from parcours.feedback.services.campaigns import (
    launch_campaign,
    schedule_due,
    send_due_reminders,
    send_invitations,
)
from parcours.feedback.services.errors import InvalidAnswers, Refused
from parcours.feedback.services.questionnaires import (
    ensure_defaults,
    organisation_created,
    settings_for,
    update_settings,
)
from parcours.feedback.services.sharing import share_summary

__all__ = [
    "BATCH",
    "InvalidAnswers",
    "Refused",
    "ensure_defaults",
    "invitation_for_token",
    "launch_campaign",
    "organisation_created",
    "questions",
    "record_open",
    "schedule_due",
    "send_due_reminders",
    "send_invitations",
    "settings_for",
    "share_summary",
    "submit",
    "update_settings",
]
