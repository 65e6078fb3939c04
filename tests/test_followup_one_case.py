"""One case per learner's episode: while a case is open for an enrolment, a new trigger
joins it (its signal recorded, its steps added, one officer); the manual opening page
suggests the open case; the migration merges the open duplicates of older data."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from parcours.attendance import services as attendance
from parcours.attendance.models import Method
from parcours.core import journal
from parcours.core.models import JournalEntry, Role
from parcours.engagement.models import RiskScore
from parcours.followup.models import (
    Action,
    CaseStatus,
    FollowupCase,
    StepStatus,
    TriggerKind,
)
from parcours.followup.services import cases as case_services
from parcours.followup.services import liaison as liaison_services
from parcours.followup.services import procedure as procedure_services
from parcours.followup.services import steps as step_services
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from tests.conftest import World, _member, login

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def at(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


@pytest.fixture
def absences_case(world_a: World, director, officer) -> FollowupCase:
    """Present on 2 March, then absent on 4, 9 and 11 March: the nightly scan opens the
    absences case, held by the only chargé de suivi."""
    with time_machine.travel(at(D(2026, 3, 11)), tick=False):
        for day, status in [(2, "present"), (4, "absent"), (9, "absent"), (11, "absent")]:
            slot = programme_services.create_slot(
                world_a.session,
                acting_user=director,
                starts_at=at(D(2026, 3, day), 9),
                ends_at=at(D(2026, 3, day), 12),
            )
            attendance.record_mark(
                slot, world_a.enrolment, status, acting_user=director, method=Method.TRAINER
            )
        (case,) = case_services.scan(world_a.org, as_of=D(2026, 3, 11))
    assert case.trigger_kind == TriggerKind.ABSENCES and case.assigned_to == officer
    return case


def test_a_second_trigger_joins_the_open_case_with_its_steps_and_one_officer(
    absences_case: FollowupCase, world_a: World, officer, org_a
) -> None:
    # A second chargé de suivi, with no case: a new case would go to them.
    other = _member(org_a, Role.SUIVI, "suivi2@forma.test")
    call = absences_case.steps.get(action=Action.CALL)
    with time_machine.travel(at(D(2026, 3, 12), 10), tick=False):
        step_services.complete_step(call, acting_user=officer, note="Joint, revient lundi.")
    RiskScore.objects.create(
        organisation=world_a.org,
        enrolment=world_a.enrolment,
        as_of=D(2026, 3, 12),
        score=0.9,
        level="eleve",
        model_version=0,
    )

    with time_machine.travel(at(D(2026, 3, 12)), tick=False):
        opened = case_services.scan(world_a.org, as_of=D(2026, 3, 12))

    assert opened == []
    case = FollowupCase.objects.get()
    assert case.status == CaseStatus.OPEN and case.assigned_to == officer
    (signal,) = case.signals.all()
    assert signal.trigger_kind == TriggerKind.RISK and signal.detected_on == D(2026, 3, 12)
    assert "Risque de décrochage « Élevé »" in signal.reason
    # The risk trigger's call is added (the first call is done); its interview is not
    # planned twice (the absences' one is still to do); every step stays with the officer.
    todo = case.steps.filter(status=StepStatus.TODO).order_by("order")
    assert [s.action for s in todo] == [Action.INTERVIEW, Action.CALL]
    assert "risque élevé" in todo[1].label and todo[1].due_on == D(2026, 3, 14)
    assert {s.assigned_to for s in case.steps.all()} == {officer}
    assert other not in {s.assigned_to for s in case.steps.all()}
    assert JournalEntry.objects.filter(verb="followup.case_joined").count() == 1
    # The next nights: nothing more (the same episode, the same kind).
    with time_machine.travel(at(D(2026, 3, 13)), tick=False):
        assert case_services.scan(world_a.org, as_of=D(2026, 3, 13)) == []
    assert case.signals.count() == 1 and FollowupCase.objects.count() == 1

    page = login(officer).get(case.get_absolute_url()).content.decode()
    assert "Signaux rattachés" in page and "Risque de décrochage" in page


def test_the_manual_opening_suggests_the_open_case(
    absences_case: FollowupCase, world_a: World, officer
) -> None:
    as_officer = login(officer)
    url = reverse("followup:case_open", args=[world_a.enrolment.pk])
    page = as_officer.get(url).content.decode()
    assert "Un dossier de suivi est déjà ouvert pour cette inscription" in page
    assert absences_case.get_absolute_url() in page and "Rattacher au dossier ouvert" in page

    with time_machine.travel(at(D(2026, 3, 13), 10), tick=False):
        response = as_officer.post(
            url, {"trigger_kind": TriggerKind.LEARNER_REQUEST, "reason": "Demande un rendez-vous."}
        )
    assert response.url == absences_case.get_absolute_url()
    assert FollowupCase.objects.count() == 1
    assert [s.reason for s in absences_case.signals.all()] == ["Demande un rendez-vous."]


def test_a_tutor_alert_joins_the_open_case(
    absences_case: FollowupCase, world_a: World, director
) -> None:
    employer = learner_services.create_employer(
        world_a.org, acting_user=director, name="Boulangerie Léa"
    )
    tutor = learner_services.create_tutor(
        employer,
        acting_user=director,
        last_name="Fournil",
        first_name="Paul",
        email="paul@boulangerie.test",
    )
    learner_services.update_enrolment(world_a.enrolment, acting_user=director, tutor=tutor)
    with time_machine.travel(at(D(2026, 3, 13), 10), tick=False):
        sheet = liaison_services.submit_liaison_sheet(
            world_a.enrolment,
            tutor,
            company_attendance="absences_frequentes",
            attitude="insuffisant",
            skills_progress="En retrait.",
            difficulties="Absent deux jours.",
            alert=True,
        )
    assert sheet.case == absences_case and FollowupCase.objects.count() == 1
    assert absences_case.signals.get().trigger_kind == TriggerKind.TUTOR_ALERT


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_open_duplicates_into_the_earliest_case(
    world_a: World, officer, org_a
) -> None:
    other = _member(org_a, Role.SUIVI, "suivi2@forma.test")
    with time_machine.travel(at(D(2026, 3, 11)), tick=False):
        procedure_services.ensure_default_procedure(world_a.org)
    executor = MigrationExecutor(connection)
    before = [("followup", "0002_interactions_liaison_dropouts")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    case_model = apps.get_model("followup", "FollowupCase")
    step_model = apps.get_model("followup", "CaseStep")
    version = apps.get_model("followup", "ProcedureVersion").objects.get()
    common = {
        "organisation_id": world_a.org.pk,
        "enrolment_id": world_a.enrolment.pk,
        "procedure_version": version,
    }
    first = case_model.objects.create(
        trigger_kind="absences",
        episode_key="2026-03-04",
        reason="3 absences",
        opened_at=at(D(2026, 3, 11)),
        opened_on=D(2026, 3, 11),
        assigned_to_id=officer.pk,
        **common,
    )
    second = case_model.objects.create(
        trigger_kind="risque",
        episode_key="2026-03-12",
        reason="Risque élevé",
        opened_at=at(D(2026, 3, 12)),
        opened_on=D(2026, 3, 12),
        assigned_to_id=other.pk,
        **common,
    )
    for case, action in [(first, "appel"), (second, "entretien")]:
        step_model.objects.create(
            organisation_id=world_a.org.pk,
            case=case,
            order=1,
            action=action,
            label=action,
            due_on=D(2026, 3, 14),
            responsible_role="suivi",
            assigned_to_id=case.assigned_to_id,
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept, merged = FollowupCase.objects.get(pk=first.pk), FollowupCase.objects.get(pk=second.pk)
    assert kept.status == CaseStatus.OPEN and merged.status == CaseStatus.CLOSED
    assert merged.merged_into == kept and "Fusionné dans le dossier" in merged.closing_note
    assert [(s.order, s.action, s.assigned_to) for s in kept.steps.order_by("order")] == [
        (1, "appel", officer),
        (2, "entretien", officer),
    ]
    assert [(s.trigger_kind, s.episode_key) for s in kept.signals.all()] == [
        ("risque", "2026-03-12")
    ]
    entry = JournalEntry.objects.get(verb="followup.cases_merged")
    assert entry.object_id == str(kept.pk) and journal.verify(world_a.org.pk).ok
