"""One demo organisation (`build_demo`, then one `parcours worker --once` that opens the
procedure's cases and sends their first reminders), built once per test module at a fixed
date and rolled back afterwards; and the demo's personas."""

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from parcours.core.models import Organisation, Role, User
from parcours.demo.builder import build_demo

PARIS = ZoneInfo("Europe/Paris")
DEMO_DAY = dt.date(2026, 3, 16)
# Mid-morning on the demo's day: the worker's nightly pass has run.
NOON = dt.datetime(2026, 3, 16, 11, 0, tzinfo=PARIS)
DEMO_EMAILS = {
    Role.DIRECTION: "direction@demo.parcours.fr",
    Role.QUALITE: "qualite@demo.parcours.fr",
    Role.SUIVI: "suivi@demo.parcours.fr",
    Role.TUTEUR: "tuteur@demo.parcours.fr",
    Role.APPRENANT: "apprenant@demo.parcours.fr",
    Role.AUDITEUR: "auditeur@demo.parcours.fr",
}


@pytest.fixture(scope="module")
def built_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Organisation]:
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOON, tick=False):
            organisation = build_demo(learners=40, seed=4, today=DEMO_DAY).organisation
            call_command("worker", "--once", stdout=io.StringIO())
        yield organisation
        transaction.set_rollback(True)


@pytest.fixture
def demo(built_demo: Organisation, db: None) -> Iterator[Organisation]:
    with time_machine.travel(NOON, tick=False):
        yield built_demo


def persona(role: str) -> User:
    return User.objects.get(email=DEMO_EMAILS[role])
