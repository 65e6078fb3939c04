"""Guessing passwords is throttled (django-axes): after 5 failures on an account, or from
an address, the login is refused even with the right password, in French, for the
cooldown; the lock is journaled. Time is frozen: the cooldown is measured from it."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client

from parcours.core import journal
from parcours.core.models import JournalEntry, User
from tests.conftest import PASSWORD

NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
LOCKED = "Connexion bloquée"


def attempt(client: Client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        "/connexion/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_an_account_is_locked_after_five_failures_even_with_the_right_password(
    director: User, frozen
) -> None:
    for _n in range(5):
        wrong = attempt(Client(), director.email, "pas-le-bon")
        assert wrong.status_code in (200, 429)
    # From another address too: the account itself is locked.
    client = Client()
    right = attempt(client, director.email, PASSWORD, address="198.51.100.9")
    assert right.status_code == 429 and LOCKED in right.text
    assert "Réessayez dans 15 minutes" in right.text
    assert not logged_in(client)

    lock = JournalEntry.objects.get(verb="auth.login_locked")
    assert lock.organisation_id == director.membership.organisation_id
    assert lock.changes["compte"] == director.email
    assert journal.verify(lock.organisation_id).ok

    # Still locked 14 minutes later (and that try starts the cooldown again); the right
    # password works once 15 minutes have passed without a try.
    frozen.shift(dt.timedelta(minutes=14))
    assert attempt(Client(), director.email, PASSWORD).status_code == 429
    assert JournalEntry.objects.filter(verb="auth.login_locked").count() == 1  # once a lock
    frozen.shift(dt.timedelta(minutes=16))
    client = Client()
    assert attempt(client, director.email, PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_address_is_locked_after_five_failures_whatever_the_account(
    director: User, quality: User, officer: User
) -> None:
    address = "192.0.2.44"
    for n in range(5):
        attempt(Client(), f"inconnu{n}@exemple.fr", "devine", address=address)
    client = Client()
    refused = attempt(client, officer.email, PASSWORD, address=address)
    assert refused.status_code == 429 and LOCKED in refused.text
    assert not logged_in(client)
    # Someone else, elsewhere, logs in as usual.
    elsewhere = Client()
    assert attempt(elsewhere, quality.email, PASSWORD, address="192.0.2.45").status_code == 302


def test_a_success_before_the_limit_starts_the_count_afresh(director: User) -> None:
    for _n in range(4):
        attempt(Client(), director.email, "faux")
    assert attempt(Client(), director.email, PASSWORD).status_code == 302
    for _n in range(4):
        attempt(Client(), director.email, "faux")
    client = Client()
    assert attempt(client, director.email, PASSWORD).status_code == 302
    assert not JournalEntry.objects.filter(verb="auth.login_locked").exists()
