"""Calendar invitations (.ics, iCalendar RFC 5545 / iTIP RFC 5546) to attach to a message.

Times are written in Europe/Paris with its VTIMEZONE, so that every calendar shows the
appointment at the right local time, on both sides of a daylight-saving change. To move
an appointment, send the same `uid` with a higher `sequence`; to cancel it, the same
`uid` with method="CANCEL".
"""

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PRODID = "-//Parcours//Parcours messaging//FR"
MIMETYPE = "text/calendar"


def invitation(
    *,
    uid: str,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    description: str = "",
    location: str = "",
    organizer_email: str,
    organizer_name: str = "",
    attendees: Sequence[tuple[str, str]] = (),
    sequence: int = 0,
    method: str = "REQUEST",
) -> bytes:
    """An invitation to an event, as the bytes of an .ics file."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("invitation times must be timezone-aware")
    if end <= start:
        raise ValueError("an invitation must end after it starts")
    method = method.upper()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    # The rules of the year around the event: enough for any client, and short.
    calendar.add_component(
        Timezone.from_tzid(
            "Europe/Paris",
            first_date=start.astimezone(PARIS).date() - dt.timedelta(days=366),
            last_date=end.astimezone(PARIS).date() + dt.timedelta(days=366),
        )
    )

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", start.astimezone(PARIS))
    event.add("dtend", end.astimezone(PARIS))
    event.add("sequence", sequence)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    if organizer_name:
        organizer.params["cn"] = vText(organizer_name)
    event.add("organizer", organizer)
    for email, name in attendees:
        attendee = vCalAddress(f"mailto:{email}")
        if name:
            attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return calendar.to_ical()


def as_attachment(
    content: bytes, *, method: str = "REQUEST", filename: str = "invitation.ics"
) -> tuple[str, str, bytes]:
    """(filename, mimetype, content) for `queue_email(attachments=...)`."""
    return filename, f"{MIMETYPE}; method={method.upper()}", content
