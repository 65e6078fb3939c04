"""The direction's dashboard: what a director needs, not the journal. Late steps, the cases
opened this week, the messages « à vérifier » after a killed worker (each with a one-click
« renvoyer », journaled), and « aucun référent désigné » until a safeguarding handler
exists. Its queries do not grow with the data."""

import datetime as dt
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.core import journal
from parcours.core.models import JournalEntry, User
from parcours.followup.models import TriggerKind
from parcours.followup.services import cases as cases_services
from parcours.learners import services as learner_services
from parcours.messaging.models import Message, MessageStatus
from parcours.messaging.sending import STUCK_AFTER, sweep
from parcours.messaging.services import queue_email
from parcours.safeguarding import services as safeguarding_services
from tests.conftest import World, login

NOW = dt.datetime(2026, 3, 19, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))  # a Thursday


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def add_learners(world: World, director: User, n: int, start: int = 0) -> list[Any]:
    enrolments = []
    for i in range(start, start + n):
        learner = learner_services.create_learner(
            world.org, acting_user=director, last_name=f"Élève{i}", first_name="Test"
        )
        enrolments.append(
            learner_services.enrol(
                learner, world.session, acting_user=director, enrolled_on=dt.date(2026, 2, 20)
            )
        )
    return enrolments


def open_case(enrolment: Any, officer: User, days_ago: int, frozen: Any) -> Any:
    """A case opened `days_ago` days before NOW (its steps planned from that day)."""
    frozen.move_to(NOW - dt.timedelta(days=days_ago))
    case = cases_services.open_case(
        enrolment,
        trigger_kind=TriggerKind.MANUAL,
        acting_user=officer,
        assigned_to=officer,
        reason="Absences répétées",
    )
    frozen.move_to(NOW)
    return case


def message_to_check(world: World, to: str, frozen: Any) -> Message:
    """A message whose worker was killed mid-send: the sweep sets it aside."""
    message = queue_email(world.org, to=to, subject=f"Relance {to}", body="Bonjour")
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.ENVOI, claimed_at=NOW - STUCK_AFTER - dt.timedelta(minutes=1)
    )
    sweep(NOW)
    message.refresh_from_db()
    assert message.status == MessageStatus.A_VERIFIER
    return message


def test_the_director_sees_late_steps_cases_of_the_week_and_messages_to_check(
    world_a: World, director: User, officer: User, frozen: Any
) -> None:
    old, new = add_learners(world_a, director, 2)
    open_case(old, officer, days_ago=30, frozen=frozen)  # its steps are late by now
    open_case(new, officer, days_ago=1, frozen=frozen)  # opened this week
    message = message_to_check(world_a, "parent@exemple.fr", frozen)

    page = login(director).get("/").text
    assert "Étapes en retard" in page and "Élève0" in page
    assert "Dossiers ouverts cette semaine" in page and "Élève1" in page
    assert "Messages à vérifier" in page and "parent@exemple.fr" in page
    assert f"/messages/{message.pk}/renvoyer/" in page
    assert "Dernières modifications" not in page  # the journal is no longer listed there


def test_renvoyer_puts_the_message_back_in_the_outbox_and_is_journaled(
    world_a: World, director: User, frozen: Any
) -> None:
    message = message_to_check(world_a, "tuteur@exemple.fr", frozen)
    client = login(director)
    response = client.post(f"/messages/{message.pk}/renvoyer/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    message.refresh_from_db()
    assert message.status == MessageStatus.EN_ATTENTE
    entry = JournalEntry.objects.get(verb="messaging.resent", object_id=str(message.pk))
    assert entry.actor_id == director.pk
    assert journal.verify(world_a.org.pk).ok
    page = client.get("/").text
    assert "tuteur@exemple.fr" not in page and "Aucun message en attente" in page
    # An address elsewhere is not followed.
    again = message_to_check(world_a, "autre@exemple.fr", frozen)
    response = client.post(f"/messages/{again.pk}/renvoyer/", {"next": "https://evil.test/"})
    assert response["Location"] == again.get_absolute_url()


def test_no_designated_handler_is_shown_until_one_is_designated(
    world_a: World, director: User, quality: User
) -> None:
    client = login(director)
    assert "aucun référent désigné" in client.get("/").text
    safeguarding_services.designate_handler(world_a.org, quality, acting_user=director)
    assert "aucun référent désigné" not in client.get("/").text


def test_the_dashboard_queries_do_not_grow_with_the_data(
    world_a: World, director: User, officer: User, frozen: Any
) -> None:
    client = login(director)
    client.get("/")  # sessions, caches warmed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    def grow(n: int, start: int) -> None:
        for i, enrolment in enumerate(add_learners(world_a, director, n, start)):
            open_case(enrolment, officer, days_ago=30 if i % 2 else 1, frozen=frozen)
            message_to_check(world_a, f"l{start + i}@exemple.fr", frozen)

    grow(2, 0)
    small = queries()
    grow(12, 2)
    large = queries()
    assert small == large, (small, large)
    assert large <= 25
