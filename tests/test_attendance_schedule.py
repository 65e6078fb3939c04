"""Generating a session's séances from a weekly pattern: preview, then create."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from parcours.attendance import schedule
from parcours.core.models import JournalEntry
from parcours.programmes import services as programme_services
from parcours.programmes.models import Slot
from tests.conftest import World

PARIS = ZoneInfo("Europe/Paris")
# Thursdays and Fridays from 27 April to 15 May 2026: 30/04, 01/05 (fête du Travail),
# 07/05, 08/05 (Victoire 1945), 14/05 (Ascension), 15/05.
PATTERN = {
    "weekdays": ["3", "4"],
    "start_time": "09:00",
    "end_time": "12:30",
    "first_day": "2026-04-27",
    "last_day": "2026-05-15",
    "room": "Salle 2",
}


def test_preview_then_create_skips_holidays_and_existing_slots(
    world_a: World, director, as_director
) -> None:
    session = world_a.session
    programme_services.create_slot(
        session,
        acting_user=director,
        starts_at=dt.datetime(2026, 5, 7, 9, 0, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 5, 7, 12, 30, tzinfo=PARIS),
    )
    url = reverse("attendance:schedule_generate", args=[session.pk])
    assert as_director.get(url).status_code == 200
    assert url in as_director.get(session.get_absolute_url()).content.decode()

    preview = as_director.post(url, {**PATTERN, "preview": "1"})

    assert preview.status_code == 200
    assert 'data-preview-count="2"' in preview.content.decode()
    assert "01/05/2026" in preview.content.decode() and "14/05/2026" in preview.content.decode()
    assert Slot.objects.filter(session=session).count() == 1  # a preview writes nothing

    response = as_director.post(url, {**PATTERN, "confirm": "1"})

    assert response.status_code == 302
    starts = [
        timezone.localtime(s.starts_at, PARIS)
        for s in Slot.objects.filter(session=session).order_by("starts_at")
    ]
    assert [s.date() for s in starts] == [
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 7),
        dt.date(2026, 5, 15),
    ]
    assert {(s.hour, s.minute) for s in starts} == {(9, 0)}
    created = Slot.objects.filter(session=session, room="Salle 2")
    assert created.count() == 2
    assert (
        JournalEntry.objects.filter(
            object_type="programmes.slot", action="create", actor=director
        ).count()
        == 3
    )

    again = as_director.post(url, {**PATTERN, "confirm": "1"})
    assert again.status_code == 302
    assert Slot.objects.filter(session=session).count() == 3


def test_local_time_is_kept_across_the_change_to_summer_time(world_a: World) -> None:
    pattern = schedule.Pattern(
        weekdays=frozenset({4, 0}),  # Friday 27 March and Monday 30 March 2026
        start_time=dt.time(9, 0),
        end_time=dt.time(17, 0),
        first_day=dt.date(2026, 3, 27),
        last_day=dt.date(2026, 3, 30),
    )
    planned = schedule.plan(world_a.session, pattern).to_create
    assert [s.astimezone(dt.UTC).hour for s, _e in planned] == [8, 7]
    assert [s.astimezone(PARIS).hour for s, _e in planned] == [9, 9]


def test_a_bad_pattern_is_refused_in_french(world_a: World, as_director) -> None:
    url = reverse("attendance:schedule_generate", args=[world_a.session.pk])
    bad = {**PATTERN, "end_time": "08:00", "confirm": "1"}

    response = as_director.post(url, bad)

    assert response.status_code == 200
    assert "L&#x27;heure de fin doit suivre l&#x27;heure de début." in response.content.decode()
    assert not Slot.objects.filter(session=world_a.session).exists()
