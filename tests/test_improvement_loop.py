"""The loop, in a test (issue 14's must-show): a programme's dropouts for "erreur
d'orientation" exceed the threshold, the suggestion appears; it is accepted, validated
and carried out; at the measuring date the worker computes the same measure over the
period after, of the same length, and finds the action effective, or reopens it. The
same with a survey-based and a complaint-based measure."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from parcours.core.models import Membership, Role
from parcours.feedback import services as feedback_services
from parcours.feedback.complaints import services as complaint_services
from parcours.feedback.models import Invitation
from parcours.followup.models import DropoutReason
from parcours.improvement import measures, suggestions
from parcours.improvement.models import (
    Action,
    ActionState,
    EffectivenessCheck,
    Origin,
    Suggestion,
    SuggestionKind,
    Verdict,
)
from parcours.improvement.services import actions as action_services
from parcours.improvement.services import effectiveness
from parcours.messaging.models import Message
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session
from tests.conftest import login
from tests.feedback_support import at, build_cohort, launch, post_answers
from tests.improvement_support import cohort, drop

TODAY = dt.date(2026, 3, 2)  # the day of the action
MEASURE_ON = TODAY + dt.timedelta(days=90)


def _worker_on(day: dt.date) -> None:
    with time_machine.travel(at(day, 6), tick=False):
        call_command("worker", "--once")


@pytest.mark.parametrize(("later_dropouts", "verdict"), [(0, "efficace"), (4, "non_efficace")])
def test_dropout_cause_loop(world_a, director, quality, later_dropouts, verdict):
    org, programme = world_a.org, world_a.programme
    _session, enrolments = cohort(
        org, programme, size=20, start=dt.date(2025, 9, 1), end=dt.date(2026, 8, 28), prefix="C"
    )
    # Before: 4 dropouts for misdirection and 1 for health, out of 20 enrolments.
    for n, day in enumerate(
        [dt.date(2025, 12, 10), dt.date(2026, 1, 12), dt.date(2026, 1, 30), dt.date(2026, 2, 20)]
    ):
        drop(enrolments[n], day, DropoutReason.MISDIRECTION, director)
    drop(enrolments[4], dt.date(2026, 2, 2), DropoutReason.HEALTH, director)

    as_quality, as_direction = login(quality), login(director)
    with time_machine.travel(at(TODAY), tick=False):
        # The suggestion appears (computed on demand as of today), and nothing else is made.
        response = as_quality.post(
            reverse("improvement:suggestions_compute"), {"as_of": TODAY.isoformat()}
        )
        assert response.status_code == 302
        suggestion = Suggestion.objects.get(organisation=org, kind=SuggestionKind.DROPOUT_CAUSE)
        assert "4 abandons" in suggestion.text and "Erreur d'orientation" in suggestion.text
        assert not Action.objects.exists()
        # Accepted as an action, linked to its source; validated by the direction.
        response = as_quality.post(
            reverse("improvement:suggestion_decide", args=[suggestion.pk, "accepter"]),
            {f"s{suggestion.pk}-title": "Entretien de positionnement renforcé"},
        )
        action = Action.objects.get(organisation=org)
        assert response.url == reverse("improvement:detail", args=[action.pk])
        assert (action.origin, action.programme, action.source_type) == (
            Origin.DROPOUT,
            programme,
            "programmes.programme",
        )
        member = Membership.objects.get(user=quality, organisation=org)
        step = lambda name: reverse("improvement:step", args=[action.pk, name])  # noqa: E731
        # The quality lead may not validate; the direction does.
        assert (
            as_quality.post(
                step("valider"), {"owner": member.pk, "deadline": "2026-04-30"}
            ).status_code
            == 403
        )
        assert (
            as_direction.post(
                step("valider"), {"owner": member.pk, "deadline": "2026-04-30"}
            ).status_code
            == 302
        )
        # The effectiveness check: the dropout rate for this cause in this programme.
        response = as_quality.post(
            step("verification"),
            {
                "measure": "taux_abandon",
                "programme": programme.pk,
                "cause": DropoutReason.MISDIRECTION,
                "target": "10",
                "action_date": TODAY.isoformat(),
                "measure_on": MEASURE_ON.isoformat(),
            },
        )
        assert response.status_code == 302
        check = EffectivenessCheck.objects.get(action=action)
        assert check.value_before == 19.0  # 4 of 21 (world_a's learner too), computed by the system
        assert as_quality.post(step("demarrer")).status_code == 302
        assert (
            as_quality.post(
                step("realiser"), {"done_note": "Grille d'entretien revue."}
            ).status_code
            == 302
        )
        # Refused: no close before the check says "efficace".
        assert as_quality.post(step("cloturer")).status_code == 400

    # Later dropouts, at a lower or a higher rate (16 enrolments still active).
    for n in range(later_dropouts):
        drop(
            enrolments[5 + n],
            TODAY + dt.timedelta(days=10 + 15 * n),
            DropoutReason.MISDIRECTION,
            director,
        )
    _worker_on(MEASURE_ON - dt.timedelta(days=1))
    check.refresh_from_db()
    assert check.verdict == Verdict.PENDING  # not before its date
    _worker_on(MEASURE_ON)
    check.refresh_from_db()
    action.refresh_from_db()
    assert check.verdict == verdict
    assert check.value_after == round(100 * later_dropouts / 16, 1)
    # The direction and the owner are told.
    assert Message.objects.filter(
        related_key=f"improvement-action:{action.pk}", to=director.email
    ).exists()
    with time_machine.travel(at(MEASURE_ON, 9), tick=False):
        page = as_direction.get(reverse("improvement:detail", args=[action.pk])).content.decode()
        assert "19,0" in page and str(check.value_after).replace(".", ",") in page  # both shown
        if verdict == Verdict.EFFECTIVE:
            assert action.state == ActionState.EFFECTIVE
            assert as_quality.post(step("cloturer")).status_code == 302
            action.refresh_from_db()
            assert action.state == ActionState.CLOSED
        else:
            assert action.state == ActionState.IN_PROGRESS  # reopened, marked not effective
            assert "Non efficace" in page
            response = as_quality.post(
                step("suivre"),
                {"title": "Tests de positionnement", "finding": "Toujours trop d'abandons."},
            )
            follower = Action.objects.get(follows=action)
            assert response.url == reverse("improvement:detail", args=[follower.pk])
            action.refresh_from_db()
            assert (
                action.state == ActionState.ABANDONED
                and follower.reference in action.abandon_reason
            )


def test_before_and_after_are_the_same_function_over_equal_periods(world_a, director, monkeypatch):
    calls = []
    original = measures.MEASURES["taux_abandon"]

    def recording(org, params, start, end):
        calls.append((start, end))
        return original.compute(org, params, start, end)

    monkeypatch.setitem(
        measures.MEASURES,
        "taux_abandon",
        measures.Measure("taux_abandon", original.label, False, recording, original.params),
    )
    action = action_services.propose_action(
        world_a.org, acting_user=director, origin=Origin.MANUAL, title="T", finding="F"
    )
    with time_machine.travel(at(TODAY), tick=False):
        check = effectiveness.add_check(
            action,
            acting_user=director,
            measure="taux_abandon",
            parameters={"programme": world_a.programme.pk},
            target=5,
            action_date=TODAY,
            measure_on=TODAY + dt.timedelta(days=61),
        )
    with time_machine.travel(at(TODAY + dt.timedelta(days=61)), tick=False):
        effectiveness.measure_due(world_a.org, as_of=at(TODAY + dt.timedelta(days=61)))
    (b_start, b_end), (a_start, a_end) = calls
    assert b_end == a_start == check.action_date
    assert b_end - b_start == a_end - a_start == dt.timedelta(days=61)
    assert (b_start, b_end) == (check.period_start, check.action_date)


def test_survey_based_measure(org_a, director, quality):
    feedback_services.ensure_defaults(org_a)
    feedback_services.update_settings(
        org_a, acting_user=None, k_threshold=3, reminder_days=[3, 7], link_days=30
    )
    before = build_cohort(org_a, end=TODAY - dt.timedelta(days=30), learners=3, prefix="P")
    after = build_cohort(org_a, end=TODAY + dt.timedelta(days=30), learners=3, prefix="Q")

    def answer(session, day, score):
        campaign = launch(org_a, "apprenant-a-chaud", session, day)
        for n, invitation in enumerate(
            Invitation.objects.filter(campaign=campaign, state="envoyee")
        ):
            with time_machine.travel(at(day, 11, n), tick=False):
                assert post_answers(Client(), invitation, {"global": score}).status_code == 200

    answer(before.session, TODAY - dt.timedelta(days=30), "2")
    action = action_services.propose_action(
        org_a, acting_user=quality, origin=Origin.SURVEY, title="Accueil", finding="Peu satisfaits"
    )
    with time_machine.travel(at(TODAY), tick=False):
        check = effectiveness.add_check(
            action,
            acting_user=quality,
            measure="satisfaction",
            parameters={"item": "global"},
            target=70,
            action_date=TODAY,
            measure_on=TODAY + dt.timedelta(days=60),
        )
    assert check.value_before == 0.0
    answer(after.session, TODAY + dt.timedelta(days=30), "5")
    action_services.validate(action, acting_user=director, owner=quality, deadline=TODAY)
    action_services.start(action, acting_user=quality)
    action_services.mark_done(action, done_note="Accueil revu", acting_user=quality)
    _worker_on(TODAY + dt.timedelta(days=60))
    check.refresh_from_db()
    action.refresh_from_db()
    assert (check.value_after, check.verdict, action.state) == (100.0, "efficace", "efficace")


def test_survey_measure_respects_k(org_a, quality):
    """Under k respondents the measure gives no figure: the check stays pending."""
    feedback_services.ensure_defaults(org_a)
    small = build_cohort(org_a, end=TODAY - dt.timedelta(days=10), learners=2, prefix="K")
    launch(org_a, "apprenant-a-chaud", small.session, TODAY - dt.timedelta(days=10))
    assert (
        measures.compute(
            org_a, "satisfaction", {"item": "global"}, TODAY - dt.timedelta(days=60), TODAY
        )
        is None
    )


def _complaint(org, day, category="logistique"):
    facts = complaint_services.ComplaintFacts(
        kind="reclamation",
        subject="Salle trop froide",
        description="Chauffage en panne",
        category=category,
        severity="moyenne",
        complainant="apprenant",
        contact_name="Sacha",
    )
    complaint_services.receive(org, facts, channel="courriel", received_at=at(day))


@pytest.mark.parametrize(("later", "verdict"), [(0, "efficace"), (2, "non_efficace")])
def test_complaint_based_loop(org_a, director, quality, later, verdict):
    for n in range(3):
        _complaint(org_a, TODAY - dt.timedelta(days=20 + 10 * n))
    _complaint(org_a, TODAY - dt.timedelta(days=5), category="pedagogie")
    with time_machine.travel(at(TODAY), tick=False):
        call_command("worker", "--once")  # the nightly pass proposes it
    suggestion = Suggestion.objects.get(organisation=org_a, kind=SuggestionKind.COMPLAINTS)
    assert "3 réclamations" in suggestion.text and "Logistique" in suggestion.text
    with time_machine.travel(at(TODAY), tick=False):
        action = suggestions.accept(
            suggestion,
            acting_user=quality,
            title="Maintenance",
            owner=quality,
            deadline=TODAY + dt.timedelta(days=30),
        )
        assert action.origin == Origin.COMPLAINT
        check = effectiveness.add_check(
            action,
            acting_user=quality,
            measure=suggestion.measure,
            parameters=suggestion.parameters,
            target=1,
            action_date=TODAY,
            measure_on=TODAY + dt.timedelta(days=45),
        )
        assert check.value_before == 3.0 and not check.higher_is_better
        action_services.validate(action, acting_user=director)
        action_services.mark_done(action, done_note="Contrat de maintenance", acting_user=quality)
    for n in range(later):
        _complaint(org_a, TODAY + dt.timedelta(days=5 + n))
    _worker_on(TODAY + dt.timedelta(days=45))
    check.refresh_from_db()
    action.refresh_from_db()
    assert (check.value_after, check.verdict) == (float(later), verdict)
    assert action.state == ("efficace" if verdict == "efficace" else "en_cours")


def test_overdue_action_escalates_once(world_a, director, quality):
    with time_machine.travel(at(TODAY), tick=False):
        action = action_services.propose_action(
            world_a.org,
            acting_user=quality,
            origin=Origin.MANUAL,
            title="T",
            finding="F",
            owner=quality,
            deadline=TODAY + dt.timedelta(days=5),
        )
    _worker_on(TODAY + dt.timedelta(days=5))
    assert not Message.objects.filter(related_key=f"improvement-action:{action.pk}").exists()
    _worker_on(TODAY + dt.timedelta(days=7))
    _worker_on(TODAY + dt.timedelta(days=8))
    action.refresh_from_db()
    assert action.escalated_at is not None
    sent = Message.objects.filter(related_key=f"improvement-action:{action.pk}")
    assert list(sent.values_list("to", flat=True)) == [director.email]
    assert Role.DIRECTION  # (the direction only)


def test_survey_item_suggestions_below_target_and_falling(org_a, quality):
    """One programme's "global" item: 100 % satisfied a semester ago, 0 % now: below the
    target. Proposed once (computing again adds nothing); dismissed with its reason."""
    feedback_services.ensure_defaults(org_a)
    feedback_services.update_settings(
        org_a, acting_user=None, k_threshold=3, reminder_days=[3, 7], link_days=30
    )
    programme = programme_services.create_programme(
        org_a,
        acting_user=None,
        code="BUR",
        title="Bureautique",
        category="AF",
        modality="presentiel",
        duration_hours=35,
        duration_days=5,
    )
    for prefix, day, score in (
        ("V", TODAY - dt.timedelta(days=250), "5"),
        ("W", TODAY - dt.timedelta(days=40), "1"),
    ):
        cohort_ = build_cohort(org_a, end=day, learners=3, prefix=prefix)
        Session.objects.filter(pk=cohort_.session.pk).update(programme=programme)
        campaign = launch(org_a, "apprenant-a-chaud", cohort_.session, day)
        for n, invitation in enumerate(
            campaign.invitations.filter(audience="apprenant", state="envoyee")
        ):
            with time_machine.travel(at(day, 12, n), tick=False):
                assert post_answers(Client(), invitation, {"global": score}).status_code == 200
    made = suggestions.compute(org_a, as_of=TODAY)
    low = [
        s for s in made if s.kind == SuggestionKind.SURVEY_LOW and s.parameters["item"] == "global"
    ]
    assert len(low) == 1 and "0 % de satisfaits" in low[0].text
    assert (low[0].measure, low[0].parameters["programme"]) == ("satisfaction", programme.pk)
    assert suggestions.compute(org_a, as_of=TODAY) == []  # never twice
    with time_machine.travel(at(TODAY), tick=False):
        client = login(quality)
        url = reverse("improvement:suggestion_decide", args=[low[0].pk, "ecarter"])
        assert client.post(url, {"reason": ""}).status_code == 400
        assert client.post(url, {"reason": "Cohorte atypique"}).status_code == 302
    low[0].refresh_from_db()
    assert (low[0].state, low[0].dismiss_reason) == ("ecartee", "Cohorte atypique")
    assert not Action.objects.exists()


def test_a_pattern_of_overdue_follow_up_steps_is_proposed_and_accepted(
    world_a, director, officer, quality
):
    """Three cases opened by hand, their six steps left to do past their deadlines: the
    suggestion appears once, names the figures, and becomes an action measured by the
    share of steps done on time."""
    from parcours.followup.models import TriggerKind
    from parcours.followup.services import cases as case_services

    opened = TODAY - dt.timedelta(days=40)
    _session, enrolments = cohort(
        org_a := world_a.org,
        world_a.programme,
        size=3,
        start=opened - dt.timedelta(days=30),
        end=TODAY + dt.timedelta(days=60),
        prefix="RET",
    )
    with time_machine.travel(at(opened), tick=False):
        for enrolment in enrolments:
            case_services.open_case(
                enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="Absent."
            )
    assert suggestions.overdue_steps(org_a, opened + dt.timedelta(days=1)) == []  # nothing due yet
    with time_machine.travel(at(TODAY), tick=False):
        call_command("worker", "--once")
        call_command("worker", "--once")  # a second pass proposes nothing twice
    suggestion = Suggestion.objects.get(organisation=org_a, kind=SuggestionKind.OVERDUE_STEPS)
    assert "6 étapes de suivi sur 6" in suggestion.text
    with time_machine.travel(at(TODAY), tick=False):
        action = suggestions.accept(
            suggestion, acting_user=quality, title="Planning des appels", owner=quality
        )
        check = effectiveness.add_check(
            action,
            acting_user=quality,
            measure=suggestion.measure,
            parameters=suggestion.parameters,
            target=80,
            action_date=TODAY,
            measure_on=TODAY + dt.timedelta(days=60),
        )
    assert action.origin == Origin.SUGGESTION and action.state == ActionState.PROPOSED
    assert check.value_before == measures.compute(
        org_a, check.measure, check.parameters, TODAY - dt.timedelta(days=60), TODAY
    )
    assert check.value_before == 0.0 and check.higher_is_better
