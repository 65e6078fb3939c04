"""Follow-up cases: opened by the daily scan from real attendance marks (once per
episode), opened by hand, run (steps done, overdue, escalated), closed with an outcome."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from parcours.attendance import services as attendance
from parcours.attendance.models import Method
from parcours.core import jobs
from parcours.core.models import Job, JournalEntry
from parcours.followup.models import (
    Action,
    CaseStatus,
    CaseStep,
    FollowupCase,
    StepStatus,
    TriggerKind,
)
from parcours.followup.services import cases as case_services
from parcours.followup.services import interactions as interaction_services
from parcours.followup.services import procedure as procedure_services
from parcours.programmes import services as programme_services
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")


def at(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def mark(world: World, day: dt.date, status: str, director) -> None:
    """A séance that day, 9:00-12:00, and the learner's mark at it."""
    slot = programme_services.create_slot(
        world.session, acting_user=director, starts_at=at(day, 9), ends_at=at(day, 12)
    )
    attendance.record_mark(
        slot, world.enrolment, status, acting_user=director, method=Method.TRAINER
    )


def run_scan(world: World, day: dt.date) -> list[FollowupCase]:
    with time_machine.travel(at(day), tick=False):
        return case_services.scan(world.org, as_of=day)


D = dt.date  # brevity


@pytest.fixture
def absent_three_times(world_a: World, director, officer) -> World:
    """Present on 2 March, then absent on 4, 9 and 11 March 2026."""
    with time_machine.travel(at(D(2026, 3, 11)), tick=False):
        mark(world_a, D(2026, 3, 2), "present", director)
        for day in (4, 9, 11):
            mark(world_a, D(2026, 3, day), "absent", director)
    return world_a


def test_three_consecutive_absences_open_one_case_with_the_default_steps(
    absent_three_times: World, officer
) -> None:
    world = absent_three_times

    opened = run_scan(world, D(2026, 3, 11))

    assert len(opened) == 1
    case = FollowupCase.objects.get()
    assert case.enrolment == world.enrolment and case.trigger_kind == TriggerKind.ABSENCES
    assert case.episode_key == "2026-03-04"
    assert case.opened_by is None and case.assigned_to == officer
    assert case.opened_on == D(2026, 3, 11)
    assert "3 absences consécutives non justifiées depuis le 04/03/2026" in case.reason
    steps = list(case.steps.order_by("order"))
    # The tutor contact is for apprentices only: this is not an apprenticeship.
    assert [(s.action, s.due_on) for s in steps] == [
        (Action.EMAIL, D(2026, 3, 11)),
        (Action.CALL, D(2026, 3, 13)),
        (Action.INTERVIEW, D(2026, 3, 18)),
    ]
    assert all(s.assigned_to == officer for s in steps)
    assert steps[1].escalate_on == D(2026, 3, 15) and steps[1].escalate_to_role == "qualite"
    assert JournalEntry.objects.filter(
        verb="followup.case_opened", object_id=str(case.pk), actor__isnull=True
    ).exists()


def test_the_same_episode_never_opens_a_second_case(absent_three_times: World, director) -> None:
    world = absent_three_times
    assert len(run_scan(world, D(2026, 3, 11))) == 1

    assert run_scan(world, D(2026, 3, 11)) == []
    assert run_scan(world, D(2026, 3, 12)) == []
    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        mark(world, D(2026, 3, 16), "absent", director)  # the same run goes on
    assert run_scan(world, D(2026, 3, 16)) == []
    assert FollowupCase.objects.count() == 1


def test_a_new_run_of_absences_opens_a_new_case_once_the_first_is_closed(
    absent_three_times: World, director, officer
) -> None:
    world = absent_three_times
    (first,) = run_scan(world, D(2026, 3, 11))

    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        case_services.close_case(
            first,
            acting_user=officer,
            outcome="reengage",
            note="Difficultés de garde d'enfant ; solution trouvée.",
            forced_reason="Apprenant revenu en formation avant l'entretien.",
        )
    assert run_scan(world, D(2026, 3, 16)) == []  # same run, already handled

    with time_machine.travel(at(D(2026, 3, 30)), tick=False):
        mark(world, D(2026, 3, 18), "present", director)
        for day in (23, 25, 30):
            mark(world, D(2026, 3, day), "absent", director)
    (second,) = run_scan(world, D(2026, 3, 30))

    assert second.episode_key == "2026-03-23" and second.pk != first.pk
    assert run_scan(world, D(2026, 3, 31)) == []
    assert FollowupCase.objects.count() == 2


def test_no_second_open_case_of_the_same_kind(absent_three_times: World, director) -> None:
    world = absent_three_times
    run_scan(world, D(2026, 3, 11))
    with time_machine.travel(at(D(2026, 3, 30)), tick=False):
        mark(world, D(2026, 3, 18), "present", director)
        for day in (23, 25, 30):
            mark(world, D(2026, 3, day), "absent", director)

    assert run_scan(world, D(2026, 3, 30)) == []  # the first case is still open
    assert FollowupCase.objects.count() == 1


def test_the_daily_job_is_queued_once_per_organisation_and_day(
    absent_three_times: World, org_b
) -> None:
    with time_machine.travel(at(D(2026, 3, 11), 2), tick=False):
        jobs.PERIODIC["followup.scan"].func(at(D(2026, 3, 11), 2))
        jobs.PERIODIC["followup.scan"].func(at(D(2026, 3, 11), 3))
        queued = Job.objects.filter(kind="followup.daily")
        assert queued.count() == 2  # one per organisation
        job = queued.get(organisation=absent_three_times.org)
        jobs.run(job)
    job.refresh_from_db()
    assert job.state == "done" and job.result["opened"] == 1
    assert FollowupCase.objects.filter(organisation=absent_three_times.org).count() == 1


def test_staff_open_a_case_by_hand_from_an_enrolment(world_a: World, officer) -> None:
    with time_machine.travel(at(D(2026, 4, 7), 10), tick=False):
        as_officer = login(officer)
        url = reverse("followup:case_open", args=[world_a.enrolment.pk])
        assert as_officer.get(url).status_code == 200
        response = as_officer.post(
            url,
            {"trigger_kind": TriggerKind.LEARNER_REQUEST, "reason": "Demande un rendez-vous."},
        )
        case = FollowupCase.objects.get()
        assert response.status_code == 302 and response.url == case.get_absolute_url()
        assert case.opened_by == officer and case.assigned_to == officer
        assert case.trigger_kind == TriggerKind.LEARNER_REQUEST
        assert [(s.action, s.due_on) for s in case.steps.all()] == [
            (Action.INTERVIEW, D(2026, 4, 12))
        ]

        # A second one while the first is open: the page suggests the open case, and
        # the new reason joins it (its interview is still to do: not planned twice).
        page = as_officer.get(url).content.decode()
        assert "déjà ouvert" in page and case.get_absolute_url() in page
        response = as_officer.post(
            url, {"trigger_kind": TriggerKind.LEARNER_REQUEST, "reason": "Encore."}
        )
        assert response.status_code == 302 and response.url == case.get_absolute_url()
        assert FollowupCase.objects.count() == 1
        assert [s.reason for s in case.signals.all()] == ["Encore."]
        assert case.steps.count() == 1


@pytest.fixture
def manual_case(world_a: World, officer) -> FollowupCase:
    with time_machine.travel(at(D(2026, 4, 1), 10), tick=False):
        return case_services.open_case(
            world_a.enrolment,
            trigger_kind=TriggerKind.MANUAL,
            acting_user=officer,
            reason="Signalé par le formateur : démotivation.",
        )


def test_overdue_steps_are_flagged_then_escalated(
    manual_case: FollowupCase, officer, quality
) -> None:
    call, interview = manual_case.steps.order_by("order")
    assert (call.due_on, interview.due_on) == (D(2026, 4, 3), D(2026, 4, 8))
    assert interview.escalate_on == D(2026, 4, 11) and interview.escalate_to_role == "qualite"

    with time_machine.travel(at(D(2026, 4, 9), 9), tick=False):
        as_officer = login(officer)
        page = as_officer.get(manual_case.get_absolute_url()).content.decode()
        assert page.count("en retard") == 2
        board = as_officer.get(reverse("followup:dashboard")).content.decode()
        assert "Signalé par le formateur" in board
        assert board.count(manual_case.get_absolute_url()) >= 3  # 2 overdue steps + the case
        assert case_services.escalate_overdue(manual_case.organisation, as_of=D(2026, 4, 9)) == []

    with time_machine.travel(at(D(2026, 4, 11), 2), tick=False):
        escalated = case_services.escalate_overdue(manual_case.organisation, as_of=D(2026, 4, 11))
        assert [s.pk for s in escalated] == [interview.pk]
        assert case_services.escalate_overdue(manual_case.organisation, as_of=D(2026, 4, 12)) == []
        board = login(quality).get(reverse("followup:dashboard")).content.decode()
    interview.refresh_from_db()
    assert interview.escalated_at == at(D(2026, 4, 11), 2)
    assert interview.escalated_to_role == "qualite"
    assert "Étapes escaladées vers mon rôle" in board and interview.label in board
    assert JournalEntry.objects.filter(
        verb="followup.step_escalated", object_id=str(interview.pk)
    ).exists()


def test_steps_are_done_with_a_report_and_today_s_calls_are_on_the_dashboard(
    manual_case: FollowupCase, officer, world_a: World
) -> None:
    call = manual_case.steps.get(action=Action.CALL)
    with time_machine.travel(at(D(2026, 4, 3), 9), tick=False):
        as_officer = login(officer)
        board = as_officer.get(reverse("followup:dashboard")).content.decode()
        today_section = board.split('id="aujourdhui"')[1].split('id="en-retard"')[0]
        assert escape(call.label) in today_section
        url = reverse("followup:step_done", args=[call.pk])
        as_officer.post(url, {"note": ""})
        call.refresh_from_db()
        assert call.status == StepStatus.TODO
        as_officer.post(url, {"note": "Joint par téléphone : reprise lundi."})
    call.refresh_from_db()
    assert call.status == StepStatus.DONE and call.done_by == officer
    assert call.done_at == at(D(2026, 4, 3), 9)
    timeline = login(officer).get(world_a.learner.get_absolute_url()).content.decode()
    assert "Dossier de suivi ouvert" in timeline
    assert "Joint par téléphone : reprise lundi." in timeline


def test_closing_needs_an_outcome_a_note_and_the_mandatory_steps_done(
    manual_case: FollowupCase, officer, world_a: World
) -> None:
    as_officer = login(officer)
    url = reverse("followup:case_close", args=[manual_case.pk])

    response = as_officer.post(url, {"outcome": "reengage", "note": ""})
    assert response.status_code == 200
    response = as_officer.post(url, {"outcome": "", "note": "Revenu."})
    assert response.status_code == 200
    response = as_officer.post(url, {"outcome": "reengage", "note": "Revenu."})
    assert "Des étapes obligatoires restent à faire" in response.content.decode()
    manual_case.refresh_from_db()
    assert manual_case.status == CaseStatus.OPEN

    # The interview counts as done once the meeting's report is written.
    with time_machine.travel(at(D(2026, 4, 1), 10), tick=False):
        meeting = interaction_services.schedule_meeting(
            manual_case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 2), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
    interaction_services.write_report(
        meeting, acting_user=officer, report="Point fait ; reprise lundi."
    )
    for step in manual_case.steps.all():
        as_officer.post(reverse("followup:step_done", args=[step.pk]), {"note": "Fait."})
    response = as_officer.post(url, {"outcome": "reengage", "note": "Revenu en formation."})
    assert response.status_code == 302
    manual_case.refresh_from_db()
    assert manual_case.status == CaseStatus.CLOSED and manual_case.outcome == "reengage"
    assert manual_case.closed_by == officer and manual_case.closing_note == "Revenu en formation."
    timeline = as_officer.get(world_a.learner.get_absolute_url()).content.decode()
    assert "Dossier de suivi clos : Réengagé dans son parcours" in timeline


def test_closing_anyway_cancels_the_steps_left_with_the_reason(
    manual_case: FollowupCase, officer
) -> None:
    response = login(officer).post(
        reverse("followup:case_close", args=[manual_case.pk]),
        {
            "outcome": "abandon",
            "note": "A trouvé un emploi.",
            "forced_reason": "Injoignable après son départ.",
        },
    )
    assert response.status_code == 302
    manual_case.refresh_from_db()
    assert manual_case.status == CaseStatus.CLOSED
    assert manual_case.forced_reason == "Injoignable après son départ."
    assert all(
        s.status == StepStatus.CANCELLED and "Injoignable" in s.note
        for s in manual_case.steps.all()
    )


def test_reassigning_moves_the_case_and_its_steps(
    manual_case: FollowupCase, officer, quality
) -> None:
    response = login(officer).post(
        reverse("followup:case_reassign", args=[manual_case.pk]), {"assigned_to": quality.pk}
    )
    assert response.status_code == 302
    manual_case.refresh_from_db()
    assert manual_case.assigned_to == quality
    assert {s.assigned_to for s in manual_case.steps.all()} == {quality}


def test_case_list_filters_by_status_and_assignee(
    manual_case: FollowupCase, officer, quality
) -> None:
    as_officer = login(officer)
    url = reverse("followup:case_list")
    assert world_name(manual_case) in as_officer.get(url).content.decode()
    assert world_name(manual_case) in as_officer.get(url, {"status": "ouvert"}).content.decode()
    assert world_name(manual_case) not in as_officer.get(url, {"status": "clos"}).content.decode()
    page = as_officer.get(url, {"assigned_to": quality.pk}).content.decode()
    assert world_name(manual_case) not in page


def world_name(case: FollowupCase) -> str:
    return case.enrolment.learner.full_name


def test_every_followup_url_is_closed_to_another_organisation(
    manual_case: FollowupCase, outsider, quality, world_b: World
) -> None:
    procedure_services.ensure_default_procedure(manual_case.organisation)
    draft = procedure_services.start_draft(manual_case.organisation, acting_user=quality)
    step = manual_case.steps.first()
    trigger = draft.triggers.first()
    as_outsider = login(outsider)
    gets = [
        reverse("followup:case_detail", args=[manual_case.pk]),
        reverse("followup:case_close", args=[manual_case.pk]),
        reverse("followup:case_open", args=[manual_case.enrolment_id]),
        reverse("followup:version_detail", args=[draft.pk]),
        reverse("followup:version_pdf", args=[draft.pk]),
        reverse("followup:trigger_edit", args=[trigger.pk]),
    ]
    posts = [
        *gets,
        reverse("followup:case_reassign", args=[manual_case.pk]),
        reverse("followup:step_done", args=[step.pk]),
        reverse("followup:version_note", args=[draft.pk]),
        reverse("followup:trigger_add", args=[draft.pk]),
        reverse("followup:trigger_delete", args=[trigger.pk]),
        reverse("followup:version_validate", args=[draft.pk]),
        reverse("followup:version_discard", args=[draft.pk]),
    ]
    for url in gets:
        assert as_outsider.get(url).status_code in (403, 404), url
    for url in posts:
        assert as_outsider.post(url, {"note": "x", "outcome": "abandon"}).status_code in (
            403,
            404,
        ), url
    # Their own lists and dashboard show nothing of organisation A.
    for url in (reverse("followup:case_list"), reverse("followup:dashboard")):
        response = as_outsider.get(url)
        assert response.status_code == 200
        assert world_name(manual_case) not in response.content.decode()
    manual_case.refresh_from_db()
    assert manual_case.status == CaseStatus.OPEN
    assert not CaseStep.objects.filter(status=StepStatus.DONE).exists()


def test_learners_and_tutors_have_no_access(manual_case: FollowupCase, learner_user) -> None:
    client = login(learner_user)
    for url in (
        reverse("followup:dashboard"),
        reverse("followup:case_list"),
        reverse("followup:case_detail", args=[manual_case.pk]),
        reverse("followup:procedure"),
    ):
        assert client.get(url).status_code == 403, url


def test_email_steps_are_queued_at_once_and_their_delivery_shown(
    absent_three_times: World, officer
) -> None:
    from parcours.messaging.selectors import messages_for

    (case,) = run_scan(absent_three_times, D(2026, 3, 11))

    email = case.steps.get(action=Action.EMAIL)
    assert email.status == StepStatus.DONE and email.done_by is None
    (message,) = messages_for(f"case-step:{email.pk}")
    assert message.to == "camille.a@exemple.fr"
    assert "camille.a@exemple.fr" in email.note
    page = login(officer).get(case.get_absolute_url()).content.decode()
    assert f"Courriel : {message.get_status_display()}" in page
    # The other steps are still to do.
    assert case.steps.filter(status=StepStatus.TODO).count() == 2


def test_a_learner_without_email_keeps_the_email_step_to_do(
    absent_three_times: World, director
) -> None:
    from parcours.learners import services as learner_services

    learner_services.update_learner(absent_three_times.learner, acting_user=director, email="")
    (case,) = run_scan(absent_three_times, D(2026, 3, 11))

    assert case.steps.get(action=Action.EMAIL).status == StepStatus.TODO


def test_a_high_risk_opens_a_case_from_the_day_it_was_first_reached(world_a: World) -> None:
    from parcours.engagement.models import RiskScore

    for day, level in ((1, "moyen"), (2, "eleve"), (3, "eleve"), (4, "eleve")):
        RiskScore.objects.create(
            organisation=world_a.org,
            enrolment=world_a.enrolment,
            as_of=D(2026, 3, day),
            score={"moyen": 0.4, "eleve": 0.7}[level],
            level=level,
            model_version=0,
        )

    assert run_scan(world_a, D(2026, 3, 1)) == []
    (case,) = run_scan(world_a, D(2026, 3, 3))
    assert case.trigger_kind == TriggerKind.RISK and case.episode_key == "2026-03-02"
    assert [s.action for s in case.steps.order_by("order")] == [Action.CALL, Action.INTERVIEW]
    assert run_scan(world_a, D(2026, 3, 4)) == []


def test_inactivity_on_the_platform_opens_a_case(world_a: World, director) -> None:
    from parcours.activity.models import ActivityEvent

    ActivityEvent.objects.create(
        organisation=world_a.org,
        enrolment=world_a.enrolment,
        occurred_at=at(D(2026, 3, 2), 0),
        day=D(2026, 3, 2),
        kind="resource",
    )

    assert run_scan(world_a, D(2026, 3, 10)) == []
    (case,) = run_scan(world_a, D(2026, 3, 20))
    assert case.trigger_kind == TriggerKind.INACTIVITY
    assert case.episode_key == "2026-03-02"
    assert run_scan(world_a, D(2026, 3, 25)) == []


def test_lists_and_dashboard_run_a_bounded_number_of_queries(
    world_a: World, director, officer, django_assert_max_num_queries
) -> None:
    from parcours.learners import services as learner_services

    with time_machine.travel(at(D(2026, 4, 1), 10), tick=False):
        for i in range(6):
            learner = learner_services.create_learner(
                world_a.org, acting_user=director, last_name=f"Nom{i}", first_name="Al"
            )
            enrolment = learner_services.enrol(
                learner, world_a.session, acting_user=director, enrolled_on=D(2026, 3, 1)
            )
            case_services.open_case(
                enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="x"
            )
    with time_machine.travel(at(D(2026, 4, 3), 10), tick=False):
        as_officer = login(officer)
        for url in (reverse("followup:case_list"), reverse("followup:dashboard")):
            as_officer.get(url)  # warm the session
            with django_assert_max_num_queries(12):
                response = as_officer.get(url)
            assert response.content.decode().count("Nom5") >= 1


def test_excused_absences_do_not_count_in_the_run(world_a: World, director) -> None:
    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        mark(world_a, D(2026, 3, 2), "present", director)
        mark(world_a, D(2026, 3, 4), "absent", director)
        slot = programme_services.create_slot(
            world_a.session,
            acting_user=director,
            starts_at=at(D(2026, 3, 9), 9),
            ends_at=at(D(2026, 3, 9), 12),
        )
        attendance.record_mark(
            slot,
            world_a.enrolment,
            "excuse",
            acting_user=director,
            method=Method.TRAINER,
            note="Arrêt maladie",
        )
        mark(world_a, D(2026, 3, 11), "absent", director)

    assert run_scan(world_a, D(2026, 3, 11)) == []  # two unexcused absences only

    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        mark(world_a, D(2026, 3, 16), "absent", director)
    (case,) = run_scan(world_a, D(2026, 3, 16))
    assert case.episode_key == "2026-03-04"
    assert "3 absences consécutives non justifiées depuis le 04/03/2026" in case.reason
