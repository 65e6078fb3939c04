"""Shared setup of the safeguarding tests: a reporter (a learner with an account), a
designated handler (the référent qualité) and a report sent through the portal."""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from parcours.core.models import Role, User
from parcours.core.services import create_member
from parcours.learners.models import Learner
from parcours.safeguarding import services
from parcours.safeguarding.models import Report
from tests.conftest import PASSWORD, World

DESCRIPTION = "Pendant la pause, Gaspard Vautrin m'a plaquée contre le mur du couloir B."
PEOPLE = "Gaspard Vautrin, formateur vacataire ; témoin : Ysoline Perrichon"
CONTACT = "zoe.signalante@exemple.fr"

# What no one but a handler may ever read: the facts and the people involved...
CONTENT = ("plaquée contre le mur", "couloir B", "Vautrin", "Perrichon", CONTACT)
# ...and who reported (a learner whose name is otherwise known to staff and journal).
IDENTITY = ("Signalante", "MartinA", "camille.a@", "reporter@forma.test")
SECRETS = CONTENT + IDENTITY


@pytest.fixture(autouse=True)
def fresh_rate_limits(db: None, settings: Any) -> None:
    """The spam brake counts in the (database) cache: each test starts with none."""
    cache.clear()


@dataclass
class Setting:
    world: World
    reporter: User
    handler: User


def make_reporter(world: World) -> User:
    """The learner of world A (Camille MartinA) with a portal account."""
    user = create_member(
        world.org,
        acting_user=None,
        email="reporter@forma.test",
        role=Role.APPRENANT,
        password=PASSWORD,
        first_name="Zoé",
        last_name="Signalante",
    ).user
    Learner.objects.filter(pk=world.learner.pk).update(user=user)
    return user


def report_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "harcelement_sexuel",
        "description": DESCRIPTION,
        "occurred_on": "2026-10-12",
        "occurred_when": "pendant la pause de 10 h",
        "place": "formation",
        "people_involved": PEOPLE,
        "reporter_role": "victime",
        "contact_name": "",
        "contact_email": CONTACT,
        "contact_phone": "",
        "website": "",
    }
    data.update(overrides)
    return data


CODE = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>")


def code_of(response: Any) -> str:
    found = CODE.search(response.content.decode())
    assert found, "no follow-up code on the receipt"
    return found.group(1)


def submit_from_portal(client: Client, **overrides: Any) -> tuple[Report, str]:
    before = set(Report.objects.values_list("pk", flat=True))
    response = client.post("/mon-espace/signalement/", report_data(**overrides))
    assert response.status_code == 200, response.content.decode()[:2000]
    (pk,) = set(Report.objects.values_list("pk", flat=True)) - before
    return Report.objects.get(pk=pk), code_of(response)


def designate(world: World, director: User, user: User) -> None:
    services.designate_handler(world.org, user, acting_user=director)
