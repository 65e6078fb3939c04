"""One-time attendance codes can't be guessed: wrong codes are limited per scan of the QR
code (its grant) and per address, in the shared cache; the right code is then refused
too, with a French message, and nothing is signed."""

import datetime as dt
from typing import Any

from django.test import Client

from parcours.attendance.models import Signature
from parcours.core.throttle import Limit
from tests import test_attendance_signing as signing_tests
from tests.test_attendance_signing import DURING, Room, at, grant_of, qr_path, text

# The signing tests' fixtures: a séance with its trainer and two learners, files in tmp.
room = signing_tests.room
media = signing_tests.media

TOO_MANY = "Trop de codes erronés"


def issue_code(room: Room) -> str:
    from parcours.attendance.signing import services as signing_services

    codes = dict((e.pk, c) for e, c in signing_services.issue_codes(room.slot, acting_user=None))
    return codes[room.world.enrolment.pk]


def scan(client: Client, room: Room, clock: Any) -> str:
    """A new scan of the QR code: a new grant (grants are signed to the second)."""
    clock.shift(dt.timedelta(seconds=1))
    return grant_of(client.get(qr_path(room.slot, DURING)))


def test_five_wrong_codes_on_one_scan_stop_that_scan(room: Room) -> None:
    with at(DURING) as clock:
        code = issue_code(room)
        phone = Client(REMOTE_ADDR="10.1.1.1")
        grant = scan(phone, room, clock)
        for _n in range(5):
            wrong = phone.post("/emargement/code/", {"grant": grant, "code": "AAAAAA"})
            assert wrong.status_code == 400
        refused = phone.post("/emargement/code/", {"grant": grant, "code": code})
        assert refused.status_code == 429 and TOO_MANY in text(refused)
        assert not Signature.objects.exists()
        # A fresh scan (a new grant) from the same phone may still type the right code.
        typed = phone.post("/emargement/code/", {"grant": scan(phone, room, clock), "code": code})
    assert typed.status_code == 200 and "Camille MartinA" in text(typed)


def test_twenty_wrong_codes_from_one_address_stop_that_address(room: Room) -> None:
    with at(DURING) as clock:
        code = issue_code(room)
        for _n in range(20):
            phone = Client(REMOTE_ADDR="10.2.2.2")  # a new scan each time: new grants
            phone.post("/emargement/code/", {"grant": scan(phone, room, clock), "code": "BBBBBB"})
        phone = Client(REMOTE_ADDR="10.2.2.2")
        refused = phone.post("/emargement/code/", {"grant": scan(phone, room, clock), "code": code})
        assert refused.status_code == 429 and TOO_MANY in text(refused)
        other = Client(REMOTE_ADDR="10.3.3.3")
        typed = other.post("/emargement/code/", {"grant": scan(other, room, clock), "code": code})
    assert typed.status_code == 200


def test_the_limiter_counts_each_attempt_once_and_forgets_after_its_time(db: Any) -> None:
    import time_machine

    limit = Limit("test.limit", attempts=3, seconds=60)
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert [limit.hit("x") for _n in range(5)] == [1, 2, 3, 4, 4]
        assert limit.exceeded("x") and not limit.exceeded("y")
        clock.shift(dt.timedelta(seconds=61))
        assert not limit.exceeded("x")
        assert limit.hit("x") == 1
