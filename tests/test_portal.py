"""The learner portal (« Mon espace »): own schedule, signing, own attendance."""

import datetime as dt
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.test import Client

from parcours.attendance import services as attendance_services
from parcours.attendance.models import AttendanceMark, Signature
from parcours.core.models import User
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from parcours.programmes.models import Slot
from tests.conftest import World, login
from tests.test_attendance_signing import grant_of, media, png_data_url, text  # noqa: F401

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)


def slot_on(world: World, day: int, hour: int = 9) -> Slot:
    start = dt.datetime(2026, 3, day, hour, 0, tzinfo=PARIS)
    return programme_services.create_slot(
        world.session, acting_user=None, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )


@pytest.fixture
def camille(world_a: World, director: User, learner_user: User) -> Client:
    learner_services.update_learner(world_a.learner, acting_user=director, user=learner_user)
    return login(learner_user)


def test_a_learner_lands_on_their_schedule_and_attendance(
    world_a: World, camille: Client, director: User
) -> None:
    past_present, past_absent = slot_on(world_a, 9), slot_on(world_a, 10)
    current, upcoming = slot_on(world_a, 12), slot_on(world_a, 16)
    for slot, status in ((past_present, "present"), (past_absent, "absent")):
        attendance_services.record_mark(
            slot, world_a.enrolment, status, acting_user=director, method="formateur"
        )
    with time_machine.travel(NOW, tick=False):
        home = camille.get("/")
        page = camille.get("/mon-espace/")
    assert home.status_code == 200 and home.context["overview"] == page.context["overview"]
    assert page.status_code == 200
    overview = page.context["overview"]
    assert [item.slot for item in overview.upcoming] == [current, upcoming]
    assert [item.slot for item in overview.past] == [past_absent, past_present]
    assert [item.can_sign for item in overview.upcoming] == [True, False]
    body = text(page)
    assert f"/mon-espace/seances/{current.pk}/signer/" in body
    assert f"/mon-espace/seances/{upcoming.pk}/signer/" not in body
    assert "50 %" in body and "(1 séance suivie sur 2)" in body
    assert "Présent" in body and "Absent" in body


def test_a_learner_signs_a_slot_in_progress_from_the_portal(
    world_a: World, camille: Client
) -> None:
    current = slot_on(world_a, 12)
    with time_machine.travel(NOW, tick=False):
        page = camille.get(f"/mon-espace/seances/{current.pk}/signer/")
        assert page.status_code == 200
        done = camille.post(
            "/emargement/signer/", {"grant": grant_of(page), "signature": png_data_url()}
        )
        assert done.status_code == 200
        portal = camille.get("/mon-espace/")
        again = camille.get(f"/mon-espace/seances/{current.pk}/signer/")
    mark = AttendanceMark.objects.get(slot=current, enrolment=world_a.enrolment)
    # 60 minutes after the start: the time of signing is not the time of arrival (only
    # the trainer, or a QR code shown from the start, says who came late).
    assert mark.status == "present" and mark.method == "lien"
    assert Signature.objects.filter(mark=mark).exists()
    assert portal.context["overview"].upcoming[0].signed and "Signé" in text(portal)
    assert again.status_code == 403
    assert "Vous avez déjà signé pour cette séance." in text(again)


def test_the_portal_refuses_other_slots(
    world_a: World, world_b: World, camille: Client, director: User
) -> None:
    slot_b = slot_on(world_b, 12)
    other_session = programme_services.create_session(
        world_a.org,
        acting_user=director,
        title="Autre session",
        category="AF",
        modality="presentiel",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 3, 31),
        duration_hours=10,
    )
    start = dt.datetime(2026, 3, 12, 9, 0, tzinfo=PARIS)
    not_mine = programme_services.create_slot(
        other_session, acting_user=None, starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    future = slot_on(world_a, 20)
    with time_machine.travel(NOW, tick=False):
        assert camille.get(f"/mon-espace/seances/{slot_b.pk}/signer/").status_code == 404
        refused = camille.get(f"/mon-espace/seances/{not_mine.pk}/signer/")
        assert "Vous n'êtes pas inscrit(e) à la session de cette séance." in text(refused)
        early = camille.get(f"/mon-espace/seances/{future.pk}/signer/")
        assert early.status_code == 403
        assert "La signature n'est possible que pendant la séance" in text(early)
        page = camille.get("/mon-espace/")
    assert "Autre session" not in text(page) and world_b.session.title not in text(page)


def test_the_portal_is_for_learners_and_the_tutor_space_is_unchanged(
    world_a: World, as_officer: Client, tutor_user: User
) -> None:
    assert as_officer.get("/mon-espace/").status_code == 403
    assert Client().get("/mon-espace/").status_code == 302
    tutor = login(tutor_user)
    home = tutor.get("/")
    assert home.status_code == 200 and "Mon espace" in text(home)
    assert tutor.get("/mon-espace/").status_code == 403


def test_the_portal_reads_in_a_fixed_number_of_queries(
    world_a: World, camille: Client, django_assert_max_num_queries: Any
) -> None:
    for day in range(2, 28):
        slot_on(world_a, day)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(12):
        assert camille.get("/mon-espace/").status_code == 200
