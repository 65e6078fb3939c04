"""A campaign's invitations are queued in bulk: every e-mail in the outbox with its sending
job, one journal entry for the batch, nothing queued twice if the job runs again; the
worker then delivers them like any other message."""

import datetime as dt

import time_machine

from parcours.core.journal_text import describe
from parcours.core.models import Job, JournalEntry, Organisation
from parcours.feedback import services
from parcours.feedback.models import EventKind, InvitationEvent, Questionnaire
from parcours.messaging.models import Message
from tests.feedback_support import at, build_cohort

TODAY = dt.date(2026, 6, 26)


def test_invitations_are_queued_in_bulk_with_one_journal_entry(org_a: Organisation) -> None:
    cohort = build_cohort(org_a, end=TODAY, learners=12, without_email=1)
    with time_machine.travel(at(TODAY), tick=False):
        services.ensure_defaults(org_a)
        campaign = services.launch_campaign(
            Questionnaire.objects.get(organisation=org_a, key="apprenant-a-chaud"),
            acting_user=None,
            now=at(TODAY),
            session=cohort.session,
        )
        assert services.send_invitations(campaign, now=at(TODAY), chunk=5) == 12
        assert services.send_invitations(campaign, now=at(TODAY)) == 0  # a rerun: nothing

    messages = Message.objects.filter(related_key=f"feedback.campaign:{campaign.pk}")
    assert messages.count() == 12
    assert sorted(messages.values_list("to", flat=True))[:2] == [
        "a0.f@exemple.fr",
        "a1.f@exemple.fr",
    ]
    first = messages.get(to="a0.f@exemple.fr")
    assert first.template_key == "feedback.invitation" and "/q/" in first.body
    assert first.enrolment == cohort.enrolments[0]
    # Each message has its sending job, as one queued alone would.
    jobs = Job.objects.filter(kind="messaging.send")
    assert sorted(j.payload["message_id"] for j in jobs) == sorted(
        messages.values_list("pk", flat=True)
    )
    # One journal entry per chunk (5 + 5 + 2), none per message.
    batches = JournalEntry.objects.filter(verb="messaging.queued_batch")
    assert sorted(e.changes["count"] for e in batches) == [2, 5, 5]
    assert not JournalEntry.objects.filter(verb="messaging.queued").exists()
    sentence = describe(batches.order_by("seq").first()).sentence  # type: ignore[arg-type]
    assert sentence == f"5 courriels préparés : {campaign}"
    events = InvitationEvent.objects.filter(invitation__campaign=campaign, kind=EventKind.SENT)
    assert events.count() == 12
    assert campaign.invitations.filter(sent_at=at(TODAY)).count() == 12
