"""Calendar invitations: valid iCalendar, attendees, Paris time on both sides of a DST change."""

import datetime as dt
import zoneinfo

import pytest
from icalendar import Calendar

from parcours.messaging import ics

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _event(data: bytes) -> tuple[Calendar, dict]:
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_an_invitation_parses_with_its_attendees_and_paris_times() -> None:
    start = dt.datetime(2026, 12, 1, 13, 30, tzinfo=dt.UTC)  # 14:30 in Paris (winter)
    data = ics.invitation(
        uid="entretien-42@parcours.test",
        start=start,
        end=start + dt.timedelta(hours=1),
        summary="Entretien de suivi",
        description="Point d'étape, avec votre tuteur.",
        location="Salle 2, 12 rue des Lilas, Lyon",
        organizer_email="suivi@forma.test",
        organizer_name="Claire Suivi",
        attendees=[("camille@exemple.fr", "Camille Martin"), ("tuteur@entreprise.fr", "")],
    )
    calendar, event = _event(data)
    assert str(calendar["method"]) == "REQUEST"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 1, 14, 30, tzinfo=PARIS)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert event.decoded("dtend") == dt.datetime(2026, 12, 1, 15, 30, tzinfo=PARIS)
    assert str(event["uid"]) == "entretien-42@parcours.test"
    assert str(event["summary"]) == "Entretien de suivi"
    assert str(event["location"]) == "Salle 2, 12 rue des Lilas, Lyon"
    assert str(event["organizer"]) == "mailto:suivi@forma.test"
    assert event["organizer"].params["CN"] == "Claire Suivi"
    attendees = event["attendee"]
    assert [str(a) for a in attendees] == [
        "mailto:camille@exemple.fr",
        "mailto:tuteur@entreprise.fr",
    ]
    assert attendees[0].params["CN"] == "Camille Martin"
    assert attendees[0].params["RSVP"] == "TRUE"
    assert int(event["sequence"]) == 0


def test_a_summer_appointment_keeps_its_local_time() -> None:
    start = dt.datetime(2027, 6, 15, 9, 0, tzinfo=PARIS)
    data = ics.invitation(
        uid="u1",
        start=start,
        end=start + dt.timedelta(minutes=45),
        summary="Visite en entreprise",
        organizer_email="suivi@forma.test",
        attendees=[("tuteur@entreprise.fr", "Dominique Bernard")],
    )
    _calendar, event = _event(data)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=2)
    assert event.decoded("dtstart").astimezone(dt.UTC).hour == 7


def test_moving_and_cancelling_reuse_the_uid() -> None:
    start = dt.datetime(2026, 12, 1, 14, 0, tzinfo=PARIS)
    common = {
        "uid": "u2",
        "start": start,
        "end": start + dt.timedelta(hours=1),
        "summary": "Entretien",
        "organizer_email": "suivi@forma.test",
    }
    calendar, event = _event(ics.invitation(**common, sequence=2, method="cancel"))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2
    filename, mimetype, content = ics.as_attachment(ics.invitation(**common), method="request")
    assert (filename, mimetype) == ("invitation.ics", "text/calendar; method=REQUEST")
    assert content.startswith(b"BEGIN:VCALENDAR")


def test_naive_or_backwards_times_are_refused() -> None:
    start = dt.datetime(2026, 12, 1, 14, 0, tzinfo=PARIS)
    with pytest.raises(ValueError, match="timezone-aware"):
        ics.invitation(
            uid="u",
            start=start.replace(tzinfo=None),
            end=start + dt.timedelta(hours=1),
            summary="x",
            organizer_email="a@b.fr",
        )
    with pytest.raises(ValueError, match="end after"):
        ics.invitation(uid="u", start=start, end=start, summary="x", organizer_email="a@b.fr")
