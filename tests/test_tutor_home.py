"""The company tutor who logs in lands on their own space: their apprentices with their
attendance, the liaison sheet to fill (the personal link's form), their meetings; and
nothing of anyone else's apprentices."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from parcours.attendance import services as attendance_services
from parcours.followup.models import LiaisonSheet, MeetingKind, TriggerKind
from parcours.followup.services import cases as cases_services
from parcours.followup.services import interactions as interactions_services
from parcours.learners import services as learner_services
from parcours.learners.models import Tutor
from parcours.programmes import services as programme_services
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 15, 10, 0, tzinfo=PARIS)
SHEET = {
    "company_attendance": "assidu",
    "attitude": "satisfaisant",
    "skills_progress": "Prend des initiatives sur le poste de travail.",
    "difficulties": "",
    "comments": "",
}


@pytest.fixture
def tutor(world_a: World, director, tutor_user) -> Tutor:
    """The logged-in tutor tutors world A's learner; another tutor tutors a second one."""
    employer = learner_services.create_employer(world_a.org, acting_user=director, name="Garage")
    mine = learner_services.create_tutor(
        employer, acting_user=director, first_name="Paul", last_name="Piston", user=tutor_user
    )
    other = learner_services.create_tutor(
        employer, acting_user=director, first_name="Rita", last_name="Bielle"
    )
    learner_services.update_enrolment(
        world_a.enrolment, acting_user=director, tutor=mine, employer=employer
    )
    stranger = learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L2", last_name="Nadal", first_name="Zoé"
    )
    learner_services.enrol(
        stranger,
        world_a.session,
        acting_user=director,
        enrolled_on=dt.date(2026, 2, 20),
        tutor=other,
        employer=employer,
    )
    return mine


def _slot(world: World, day: int):
    starts = dt.datetime(2026, 4, day, 9, 0, tzinfo=PARIS)
    return programme_services.create_slot(
        world.session, acting_user=None, starts_at=starts, ends_at=starts + dt.timedelta(hours=3)
    )


def test_the_tutor_home_lists_their_apprentices_attendance_and_meetings_only(
    tutor: Tutor, world_a: World, officer, tutor_user, world_b: World
) -> None:
    with time_machine.travel(NOW, tick=False):
        present, absent = _slot(world_a, 6), _slot(world_a, 7)
        attendance_services.mark_group(
            present, {world_a.enrolment.pk: "present"}, acting_user=officer
        )
        attendance_services.mark_group(
            absent, {world_a.enrolment.pk: "absent"}, acting_user=officer
        )
        case = cases_services.open_case(
            world_a.enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="Suivi"
        )
        interactions_services.schedule_meeting(
            case,
            acting_user=officer,
            kind=MeetingKind.COMPANY_VISIT,
            starts_at=NOW + dt.timedelta(days=6),
            duration_minutes=60,
            place="Garage, atelier 2",
            staff=[officer],
        )
        client = login(tutor_user)
        home = client.get("/")
        assert home.status_code == 302 and home["Location"] == reverse("followup:tutor_home")
        page = client.get(reverse("followup:tutor_home")).content.decode()
    assert "Camille MartinA" in page and "Comptabilité A printemps" in page
    assert "Zoé Nadal" not in page and world_b.learner.last_name not in page
    assert "50 % de présence sur 2 séances passées" in page
    assert "Visite en entreprise" in page and "Garage, atelier 2" in page
    assert "21/04/2026 10:00" in page
    assert reverse("followup:tutor_sheet_form", args=[world_a.enrolment.pk]) in page
    # The menu shows the tutor's space, and nothing of the back office.
    assert "Mes apprentis" in page and reverse("learners:learner_list") not in page


def test_the_tutor_sends_a_liaison_sheet_from_their_space(
    tutor: Tutor, world_a: World, tutor_user
) -> None:
    client = login(tutor_user)
    url = reverse("followup:tutor_sheet_form", args=[world_a.enrolment.pk])
    with time_machine.travel(NOW, tick=False):
        form = client.get(url).content.decode()
        assert "Fiche de liaison entreprise" in form and "Camille MartinA" in form
        response = client.post(url, {**SHEET, "alert": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("followup:tutor_home")
    assert "votre fiche de liaison est enregistrée" in response.content.decode()
    assert "1 fiche envoyée, la dernière le 15/04/2026" in response.content.decode()
    sheet = LiaisonSheet.objects.get()
    assert sheet.enrolment == world_a.enrolment and sheet.tutor == tutor and sheet.alert
    assert sheet.case is not None and sheet.case.trigger_kind == TriggerKind.TUTOR_ALERT


def test_a_tutor_cannot_reach_another_tutors_apprentice_nor_staff_the_tutor_space(
    tutor: Tutor, world_a: World, tutor_user, officer, world_b: World
) -> None:
    other = world_a.session.enrolments.exclude(pk=world_a.enrolment.pk).get()
    client = login(tutor_user)
    with time_machine.travel(NOW, tick=False):
        assert (
            client.post(reverse("followup:tutor_sheet_form", args=[other.pk]), SHEET).status_code
            == 404
        )
        assert (
            client.get(
                reverse("followup:tutor_sheet_form", args=[world_b.enrolment.pk])
            ).status_code
            == 404
        )
        assert login(officer).get(reverse("followup:tutor_home")).status_code == 403
    assert not LiaisonSheet.objects.exists()
