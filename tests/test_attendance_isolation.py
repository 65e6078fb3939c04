"""Every attendance page of organisation A answers 404 to organisation B's director.

The URLs are read from the attendance app's urlconf: a new page fails this test until
the table below says how to reach it with organisation A's objects.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parcours.attendance import services
from parcours.attendance.models import AttendanceMark, Method
from parcours.core.models import JournalEntry
from parcours.programmes import services as programme_services
from parcours.programmes.models import Slot
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def org_a_objects(world_a: World, director, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    slot = programme_services.create_slot(
        world_a.session,
        acting_user=director,
        starts_at=dt.datetime(2026, 3, 5, 9, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 3, 5, 12, tzinfo=PARIS),
    )
    mark = services.record_mark(
        slot,
        world_a.enrolment,
        "excuse",
        acting_user=director,
        method=Method.TRAINER,
        justification=SimpleUploadedFile("j.pdf", b"%PDF-1.4 secret"),
    )
    return {"slot": slot, "session": world_a.session, "mark": mark}


def attendance_names() -> set[str]:
    names: set[str] = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "attendance":
            names |= {p.name for p in pattern.url_patterns if isinstance(p, URLPattern) and p.name}
    return names


ARGS = {
    "slot_detail": "slot",
    "slot_sheet": "slot",
    "session_sheet": "session",
    "schedule_generate": "session",
    "justification": "mark",
    "settle_conflict": "mark",
}


def test_every_attendance_url_is_covered() -> None:
    assert attendance_names() == set(ARGS)


def test_the_outsider_gets_404_on_every_attendance_url_of_org_a(
    org_a_objects, world_a: World, world_b: World, outsider
) -> None:
    client = login(outsider)
    entries = JournalEntry.objects.filter(organisation=world_a.org).count()
    for name, kind in ARGS.items():
        url = reverse(f"attendance:{name}", args=[org_a_objects[kind].pk])
        assert client.get(url).status_code == 404, url
        posted = client.post(
            url,
            {
                f"status-{world_a.enrolment.pk}": "absent",
                "weekdays": ["0"],
                "start_time": "09:00",
                "end_time": "10:00",
                "first_day": "2026-03-02",
                "last_day": "2026-03-31",
                "confirm": "1",
            },
        )
        assert posted.status_code == 404, url
        assert b"MartinA" not in posted.content
    assert JournalEntry.objects.filter(organisation=world_a.org).count() == entries
    assert AttendanceMark.objects.get().status == "excuse"
    assert Slot.objects.filter(session=world_a.session).count() == 1


def test_the_outsider_cannot_mark_their_own_learner_on_org_a_slot(
    org_a_objects, world_b: World, outsider
) -> None:
    """Forging the URL of an org A slot with an org B enrolment: 404, nothing written."""
    url = reverse("attendance:slot_detail", args=[org_a_objects["slot"].pk])
    response = login(outsider).post(url, {f"status-{world_b.enrolment.pk}": "present"})
    assert response.status_code == 404
    assert AttendanceMark.objects.count() == 1
