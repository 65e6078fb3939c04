"""Signals from the follow-up: reminders and calls left unanswered, the company tutor's alerts.

They feed the risk like any other signal, with their own French reasons, and read only
what happened on or before the date scored.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from parcours.attendance.models import AttendanceMark
from parcours.core.models import User
from parcours.followup.models import CallOutcome, TriggerKind
from parcours.followup.services import cases as case_services
from parcours.followup.services import interactions as interaction_services
from parcours.followup.services import liaison as liaison_services
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment
from parcours.messaging.models import Message, MessageStatus
from parcours.programmes.models import Slot
from tests.conftest import World
from tests.test_risk_engine import risk_json

PARIS = ZoneInfo("Europe/Paris")
SHEET = {
    "company_attendance": "assidu",
    "attitude": "satisfaisant",
    "skills_progress": "Progresse bien au laboratoire.",
    "difficulties": "",
    "comments": "",
}


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def reasons(as_of: str) -> dict[str, list[str]]:
    return {r["learner_external_id"]: r["reasons"] for r in risk_json("--as-of", as_of)}


def remind(enrolment: Enrolment, officer: User, day: dt.date) -> None:
    """An inactivity case: its reminder e-mail is queued, then (here) delivered at once."""
    with time_machine.travel(at(day, 10), tick=False):
        case_services.open_case(
            enrolment,
            trigger_kind=TriggerKind.INACTIVITY,
            acting_user=officer,
            episode_key=f"inactivite:{day.isoformat()}",
        )
    Message.objects.filter(enrolment=enrolment, related_key__startswith="case-step:").update(
        status=MessageStatus.ENVOYE, sent_at=at(day, 10)
    )


@pytest.fixture
def two_learners(world_a: World, director: User) -> tuple[Enrolment, Enrolment]:
    other = learner_services.create_learner(
        world_a.org,
        acting_user=director,
        external_id="A-L2",
        last_name="Durand",
        first_name="Léo",
        email="leo.durand@exemple.fr",
    )
    second = learner_services.enrol(
        other, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 2, 20)
    )
    return world_a.enrolment, second


def test_reminders_and_calls_nobody_answers_are_a_reason(two_learners, officer) -> None:
    silent, answering = two_learners
    for enrolment in two_learners:
        remind(enrolment, officer, dt.date(2026, 4, 1))
    # The next day, one of them comes to class: the reminder was answered.
    slot = Slot.objects.create(
        organisation=silent.organisation,
        session=silent.session,
        starts_at=at(dt.date(2026, 4, 2), 9),
        ends_at=at(dt.date(2026, 4, 2), 12),
    )
    AttendanceMark.objects.create(
        organisation=answering.organisation,
        slot=slot,
        enrolment=answering,
        status="present",
        method="import",
    )
    case = silent.followup_cases.get()
    interaction_services.log_call(
        case,
        acting_user=officer,
        called_at=at(dt.date(2026, 4, 3), 11),
        duration_minutes=1,
        outcome=CallOutcome.NO_ANSWER,
        summary="",
    )
    interaction_services.log_call(
        answering.followup_cases.get(),
        acting_user=officer,
        called_at=at(dt.date(2026, 4, 3), 11),
        duration_minutes=10,
        outcome=CallOutcome.REACHED,
        summary="Reprend la semaine prochaine.",
    )

    # On the 2nd, only the e-mail had gone out (the call is later: it is not read).
    assert (
        "1 relance sans réponse ces 4 dernières semaines (la dernière le 01/04/2026)"
        in reasons("2026-04-02")["A-L1"]
    )
    later = reasons("2026-04-10")
    assert (
        "2 relances sans réponse ces 4 dernières semaines (la dernière le 03/04/2026)"
        in later["A-L1"]
    )
    assert not any("relance" in reason for reason in later["A-L2"])
    # Four weeks on, they are no longer recent.
    assert not any("relance" in reason for reason in reasons("2026-05-01")["A-L1"])


def test_an_alert_from_the_company_tutor_is_a_reason_for_six_weeks(world_a, director) -> None:
    employer = learner_services.create_employer(
        world_a.org, acting_user=director, name="Boulangerie Léa"
    )
    tutor = learner_services.create_tutor(
        employer, acting_user=director, first_name="Paul", last_name="Fournil"
    )
    learner_services.update_enrolment(
        world_a.enrolment, acting_user=director, tutor=tutor, employer=employer
    )
    with time_machine.travel(at(dt.date(2026, 3, 20), 17), tick=False):
        liaison_services.submit_liaison_sheet(world_a.enrolment, tutor, **SHEET, alert=False)
    with time_machine.travel(at(dt.date(2026, 4, 8), 17), tick=False):
        liaison_services.submit_liaison_sheet(
            world_a.enrolment, tutor, **{**SHEET, "difficulties": "Absent deux jours."}, alert=True
        )

    def tutor_reasons(as_of: str) -> list[str]:
        return [r for r in reasons(as_of)["A-L1"] if "tuteur" in r]

    assert tutor_reasons("2026-04-07") == []  # a sheet, but no alert yet
    assert tutor_reasons("2026-04-08") == ["Alerte du tuteur en entreprise le 08/04/2026"]
    assert tutor_reasons("2026-05-19") == ["Alerte du tuteur en entreprise le 08/04/2026"]
    assert tutor_reasons("2026-05-20") == []
