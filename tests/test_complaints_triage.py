"""Triage → complaint: a survey answer a person decides is a complaint becomes an entry of
the register (channel "questionnaire", the answer's excerpt as description), linked to
the enrolment when the answer is attributable, to no one when it is anonymous; the
triage decision carries the entry's reference."""

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback.complaints.models import Complaint, EntryChannel, Kind
from parcours.feedback.models import AttributedAnswer, Audience, TriageDecision, TriageOutcome
from tests.conftest import login
from tests.feedback_support import at, build_cohort, launch, post_answers

END = dt.date(2026, 5, 29)
CHECKIN = dt.date(2026, 4, 14)
D = dt.date(2026, 4, 16)
TRIAGED = D + dt.timedelta(days=2)  # a Saturday
COMMENT = "On ne m'a jamais remboursé le transport"


def triage(client, campaign, **data: object):
    with time_machine.travel(at(TRIAGED, 11), tick=False):
        return client.post(reverse("feedback:triage", args=[campaign.pk]), data, follow=True)


@pytest.mark.django_db
def test_an_attributable_answer_becomes_a_complaint_of_its_enrolment(
    org_a: Organisation, client, quality: User
) -> None:
    cohort = build_cohort(org_a, end=END, learners=2)
    campaign = launch(org_a, "point-mi-parcours", cohort.session, CHECKIN)
    invitation = campaign.invitations.get(learner__external_id="F-L0")
    with time_machine.travel(at(D, 18), tick=False):
        post_answers(client, invitation, {"ca-se-passe": 2, "arreter": 0, "besoin": COMMENT})
    answer = AttributedAnswer.objects.get(item__key="besoin", campaign=campaign)
    response = triage(login(quality), campaign, answer=answer.pk, outcome="reclamation")
    assert "Décision enregistrée : Réclamation." in html.unescape(response.content.decode())
    complaint = Complaint.objects.get()
    assert complaint.channel == EntryChannel.SURVEY and complaint.kind == Kind.RECLAMATION
    assert complaint.description == COMMENT
    assert complaint.enrolment == cohort.enrolments[0]
    assert complaint.learner == cohort.enrolments[0].learner and not complaint.anonymous
    assert complaint.session == cohort.session and complaint.created_by == quality
    # Received the day of the decision: the deadlines run from it.
    assert complaint.received_at.date() == TRIAGED
    decision = TriageDecision.objects.get(answer=answer)
    assert decision.reference == str(complaint) == "R0001"
    assert decision.url == reverse("feedback:complaints:detail", args=[complaint.pk])
    # Both in the journal: the entry received, the decision taken.
    assert JournalEntry.objects.filter(verb="complaints.received", actor=quality).exists()
    assert JournalEntry.objects.filter(verb="feedback.triaged").count() == 1


@pytest.mark.django_db
def test_an_anonymous_comment_becomes_a_complaint_of_no_one(
    org_a: Organisation, client, quality: User
) -> None:
    cohort = build_cohort(org_a, end=END, learners=3)
    campaign = launch(org_a, "apprenant-a-chaud", cohort.session, CHECKIN)
    items = {i.key: i for i in campaign.version.items.all()}
    text_item = next(k for k, i in items.items() if i.kind == "texte")
    data = {k: 1 for k, i in items.items() if i.required and i.kind != "texte"}
    invitation = campaign.invitations.filter(audience=Audience.APPRENANT).first()
    with time_machine.travel(at(D, 18), tick=False):
        post_answers(client, invitation, {**data, text_item: COMMENT})
    triage(login(quality), campaign, comment=COMMENT, outcome="reclamation")
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.channel == EntryChannel.SURVEY
    assert (complaint.learner, complaint.enrolment, complaint.tutor) == (None, None, None)
    assert (complaint.contact_name, complaint.contact_email) == ("", "")
    assert complaint.description == COMMENT
    decision = TriageDecision.objects.get()
    assert decision.outcome == TriageOutcome.COMPLAINT and decision.answer is None
    assert decision.reference == str(complaint)
    # The register shows it without anybody's name.
    page = html.unescape(
        login(quality)
        .get(reverse("feedback:complaints:detail", args=[complaint.pk]))
        .content.decode()
    )
    assert "Anonyme" in page
    assert not any(e.learner.last_name in page for e in cohort.enrolments)
