"""The mid-session check-in as engagement signals, as a follow-up trigger, and triage.

A learner who answers "oui" to "pensez-vous arrêter ?" gets that reason in `parcours
risk` and a case opens with the procedure's trigger; only attributable answers dated on
or before the day scored are read. A person turns an answer into a case (attributable
answers only), a complaint or an improvement suggestion; every decision is journaled.
"""

import datetime as dt
import math

import pytest
import time_machine
from django.urls import reverse

from parcours.core.models import JournalEntry, Organisation, User
from parcours.engagement.signals import compute_signals
from parcours.feedback import triage
from parcours.feedback.models import (
    AnonymousAnswer,
    AttributedAnswer,
    AttributedResponse,
    Audience,
    Campaign,
    TriageDecision,
    TriageOutcome,
)
from parcours.followup.models import CaseSignal, CaseStatus, FollowupCase, TriggerKind
from parcours.followup.services import cases as case_services
from tests.conftest import login
from tests.feedback_support import Cohort, at, build_cohort, launch, post_answers
from tests.test_risk_engine import risk_json, truncate_at

END = dt.date(2026, 5, 29)  # the session runs 60 days, from 30 March
CHECKIN = dt.date(2026, 4, 14)
D = dt.date(2026, 4, 16)
STOPPING = "A répondu envisager d'arrêter le 16/04/2026"
LOW = "Satisfaction basse au point d'étape du 16/04/2026"


def answer(client, campaign: Campaign, learner: str, day: dt.date, score: int, stop: int) -> None:
    invitation = campaign.invitations.get(learner__external_id=learner)
    with time_machine.travel(at(day, 18), tick=False):
        response = post_answers(
            client,
            invitation,
            {"ca-se-passe": score, "arreter": stop, "besoin": "Un peu d'aide pour le rythme"},
        )
    assert response.status_code == 200, response.content[:300]


@pytest.fixture
def checkin(org_a: Organisation, client) -> tuple[Cohort, Campaign]:
    """Three learners: F-L0 says on D they think of stopping (2/5), F-L1 is fine (4/5,
    "non"), F-L2 says the same as F-L0 but on D+1. An anonymous à chaud comment of a
    learner also says "j'arrête": it reaches no signal."""
    cohort = build_cohort(org_a, end=END, learners=3)
    campaign = launch(org_a, "point-mi-parcours", cohort.session, CHECKIN)
    answer(client, campaign, "F-L0", D, 2, 1)
    answer(client, campaign, "F-L1", D, 4, 0)
    answer(client, campaign, "F-L2", D + dt.timedelta(days=1), 1, 1)
    return cohort, campaign


def reasons(as_of: dt.date) -> dict[str, list[str]]:
    return {r["learner_external_id"]: r["reasons"] for r in risk_json("--as-of", as_of.isoformat())}


def test_thinking_of_stopping_is_a_reason_in_parcours_risk_and_read_only_from_its_day(checkin):
    cohort, _campaign = checkin
    on_d = reasons(D)
    assert STOPPING in on_d["F-L0"] and LOW in on_d["F-L0"]
    assert not any("arrêter" in r or "point d'étape" in r for r in on_d["F-L1"])
    # F-L2's answer is dated D+1: on D it is never read.
    assert not any("arrêter" in r or "point d'étape" in r for r in on_d["F-L2"])
    frame = compute_signals(cohort.session.organisation, D)
    late = cohort.enrolments[2].pk
    assert math.isnan(frame.value(late, "thinking_of_stopping"))
    assert frame.value(cohort.enrolments[0].pk, "thinking_of_stopping") == 1
    assert frame.value(cohort.enrolments[1].pk, "thinking_of_stopping") == 0
    assert frame.value(cohort.enrolments[0].pk, "checkin_low") == 1  # 2/5: one point below 3
    # The day after, it is.
    after = reasons(D + dt.timedelta(days=1))
    assert "A répondu envisager d'arrêter le 17/04/2026" in after["F-L2"]
    assert STOPPING in after["F-L0"]
    # What the database held on D gives the same risk: nothing later was read.
    full = risk_json("--as-of", D.isoformat())
    truncate_at(D)
    assert AttributedResponse.objects.count() == 2
    assert risk_json("--as-of", D.isoformat()) == full
    # Before the check-in, nobody has a check-in signal.
    before = compute_signals(cohort.session.organisation, D - dt.timedelta(days=1))
    assert all(math.isnan(v) for v in before.columns["thinking_of_stopping"])


def test_anonymous_answers_never_reach_a_signal(org_a, client):
    cohort = build_cohort(org_a, end=END, learners=3)
    anonymous = launch(org_a, "apprenant-a-chaud", cohort.session, CHECKIN)
    assert anonymous.questionnaire.anonymous
    for invitation in anonymous.invitations.filter(audience=Audience.APPRENANT):
        items = {i.key: i for i in anonymous.version.items.all()}
        data = {k: 1 for k, i in items.items() if i.required and i.kind != "texte"}
        with time_machine.travel(at(D, 18), tick=False):
            post_answers(client, invitation, data)
    assert AnonymousAnswer.objects.filter(campaign=anonymous).exists()
    frame = compute_signals(org_a, D)
    assert all(math.isnan(v) for v in frame.columns["thinking_of_stopping"])
    assert all(math.isnan(v) for v in frame.columns["checkin_low"])


def test_the_daily_scan_opens_a_case_for_a_learner_thinking_of_stopping(checkin, officer):
    cohort, _campaign = checkin
    with time_machine.travel(at(D, 23), tick=False):
        opened = case_services.scan(cohort.session.organisation, as_of=D)
    stopping = [c for c in opened if c.trigger_kind == TriggerKind.THINKING_OF_STOPPING]
    assert [c.enrolment_id for c in stopping] == [cohort.enrolments[0].pk]
    case = stopping[0]
    assert case.reason == STOPPING and case.trigger is not None
    assert [s.label for s in case.steps.order_by("order")][0].startswith(
        "Appel de l'apprenant qui envisage"
    )
    # The next night: the same check-in opens nothing again; F-L2's (of D+1) opens its case.
    with time_machine.travel(at(D + dt.timedelta(days=1), 23), tick=False):
        again = case_services.scan(cohort.session.organisation, as_of=D + dt.timedelta(days=1))
    assert [
        c.enrolment_id for c in again if c.trigger_kind == TriggerKind.THINKING_OF_STOPPING
    ] == [cohort.enrolments[2].pk]
    assert FollowupCase.objects.filter(enrolment=cohort.enrolments[0]).count() == 1


def test_a_learner_with_an_open_case_joins_it(checkin, officer):
    cohort, _campaign = checkin
    with time_machine.travel(at(D, 9), tick=False):
        manual = case_services.open_case(
            cohort.enrolments[0], trigger_kind=TriggerKind.MANUAL, acting_user=officer, as_of=D
        )
    with time_machine.travel(at(D, 23), tick=False):
        case_services.scan(cohort.session.organisation, as_of=D)
    assert FollowupCase.objects.filter(enrolment=cohort.enrolments[0]).count() == 1
    signal = CaseSignal.objects.get(case=manual, trigger_kind=TriggerKind.THINKING_OF_STOPPING)
    assert signal.reason == STOPPING


def _post_triage(client, campaign: Campaign, **data: object):
    with time_machine.travel(at(D + dt.timedelta(days=2), 11), tick=False):
        return client.post(reverse("feedback:triage", args=[campaign.pk]), data, follow=True)


def test_triage_turns_an_attributable_answer_into_a_case_and_journals_it(checkin, quality: User):
    cohort, campaign = checkin
    client = login(quality)
    with time_machine.travel(at(D + dt.timedelta(days=2), 11), tick=False):
        page = client.get(reverse("feedback:campaign_detail", args=[campaign.pk]))
    body = page.content.decode()
    assert "Tri des réponses" in body and "Un peu d&#x27;aide pour le rythme" in body
    comment = AttributedAnswer.objects.get(
        response__enrolment=cohort.enrolments[1], item__key="besoin"
    )
    response = _post_triage(
        client, campaign, answer=comment.pk, outcome="dossier", note="À rappeler"
    )
    assert "Décision enregistrée : Dossier de suivi." in response.content.decode()
    decision = TriageDecision.objects.get(answer=comment)
    case = FollowupCase.objects.get(enrolment=cohort.enrolments[1])
    assert case.trigger_kind == TriggerKind.FEEDBACK and case.status == CaseStatus.OPEN
    assert decision.url == case.get_absolute_url() and decision.decided_by == quality
    assert decision.decided_on == D + dt.timedelta(days=2)
    assert "Un peu d'aide pour le rythme" in case.reason
    entry = JournalEntry.objects.get(verb="feedback.triaged")
    assert entry.object_id == str(decision.pk) and entry.actor_id == quality.pk
    # The same answer twice: refused, nothing changes.
    again = _post_triage(client, campaign, answer=comment.pk, outcome="dossier")
    assert "Cette réponse a déjà été triée." in again.content.decode()
    assert TriageDecision.objects.count() == 1 and FollowupCase.objects.count() == 1


def test_an_anonymous_comment_cannot_become_a_case_but_a_complaint_is_recorded(
    org_a, client, quality
):
    cohort = build_cohort(org_a, end=END, learners=3)
    campaign = launch(org_a, "apprenant-a-chaud", cohort.session, CHECKIN)
    items = {i.key: i for i in campaign.version.items.all()}
    text_item = next(k for k, i in items.items() if i.kind == "texte")
    invitation = campaign.invitations.filter(audience=Audience.APPRENANT).first()
    data = {k: 1 for k, i in items.items() if i.required and i.kind != "texte"}
    with time_machine.travel(at(D, 18), tick=False):
        post_answers(client, invitation, {**data, text_item: "On ne m'a jamais remboursé"})
    staff = login(quality)
    refused = _post_triage(staff, campaign, comment="On ne m'a jamais remboursé", outcome="dossier")
    assert "Une réponse anonyme ne peut pas ouvrir un dossier de suivi" in refused.content.decode()
    assert not TriageDecision.objects.exists() and not FollowupCase.objects.exists()
    unknown = _post_triage(staff, campaign, comment="Inventé", outcome="reclamation")
    assert "ne figure pas" in unknown.content.decode() and not TriageDecision.objects.exists()
    # The complaints register takes it (its side: tests/test_complaints_triage.py).
    _post_triage(staff, campaign, comment="On ne m'a jamais remboursé", outcome="reclamation")
    decision = TriageDecision.objects.get()
    assert decision.outcome == TriageOutcome.COMPLAINT and decision.anonymous
    assert decision.answer is None and decision.reference == "R0001"
    assert decision.excerpt == "On ne m'a jamais remboursé"
    assert JournalEntry.objects.filter(verb="feedback.triaged").count() == 1
    assert triage.handled(TriageOutcome.COMPLAINT)


def test_a_registered_hook_acts_on_its_outcome(checkin, quality):
    cohort, campaign = checkin
    seen = []

    def improvement(request: triage.TriageRequest) -> triage.Opened:
        seen.append((request.excerpt, request.enrolment))
        return triage.Opened("Suggestion n° 7", "/amelioration/7/")

    triage.register_handler(TriageOutcome.IMPROVEMENT, improvement)
    try:
        low = AttributedAnswer.objects.get(
            response__enrolment=cohort.enrolments[0], item__key="ca-se-passe"
        )
        _post_triage(login(quality), campaign, answer=low.pk, outcome="amelioration")
    finally:
        triage.unregister_handler(TriageOutcome.IMPROVEMENT)
    decision = TriageDecision.objects.get()
    assert decision.reference == "Suggestion n° 7" and len(seen) == 1
    assert seen[0][1] == cohort.enrolments[0] and seen[0][0].startswith("Comment ça se passe ?")


def test_triage_is_for_managers_of_the_organisation(checkin, officer, outsider):
    _cohort, campaign = checkin
    answer_ = AttributedAnswer.objects.filter(campaign=campaign).first()
    assert (
        login(officer)
        .post(
            reverse("feedback:triage", args=[campaign.pk]),
            {"answer": answer_.pk, "outcome": "dossier"},
        )
        .status_code
        == 403
    )
    assert login(outsider).post(
        reverse("feedback:triage", args=[campaign.pk]), {"answer": answer_.pk, "outcome": "dossier"}
    ).status_code in (403, 404)
    assert not TriageDecision.objects.exists()
