"""The schedule generator: a weekly pattern of séances between two dates.

The pattern's times are local (Europe/Paris, the site's time zone): a 9:00 séance stays
at 9:00 across the change to summer time. French public holidays are skipped, and so is
a séance that already exists at the same start (generating twice creates nothing more).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import holidays
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import User
from parcours.programmes.models import Session, Slot, Trainer
from parcours.programmes.services import create_slot


@dataclass(frozen=True)
class Pattern:
    weekdays: frozenset[int]  # 0 = Monday … 6 = Sunday
    start_time: dt.time
    end_time: dt.time
    first_day: dt.date
    last_day: dt.date


@dataclass
class Plan:
    """What generating would do: the séances to create, and the days left out."""

    to_create: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    holidays: list[tuple[dt.date, str]] = field(default_factory=list)
    existing: list[dt.datetime] = field(default_factory=list)


def check_pattern(pattern: Pattern) -> None:
    errors = {}
    if not pattern.weekdays:
        errors["weekdays"] = _("Choisissez au moins un jour de la semaine.")
    if pattern.end_time <= pattern.start_time:
        errors["end_time"] = _("L'heure de fin doit suivre l'heure de début.")
    if pattern.last_day < pattern.first_day:
        errors["last_day"] = _("La date de fin ne peut pas précéder la date de début.")
    elif (pattern.last_day - pattern.first_day).days > 3 * 366:
        errors["last_day"] = _("La période ne peut pas dépasser trois ans.")
    if errors:
        raise ValidationError(errors)


def days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def plan(session: Session, pattern: Pattern) -> Plan:
    """The séances the pattern gives, without public holidays and existing séances."""
    check_pattern(pattern)
    years = range(pattern.first_day.year, pattern.last_day.year + 1)
    public_holidays = holidays.country_holidays("FR", years=years, language="fr")
    tz = timezone.get_current_timezone()
    existing = set(session.slots.values_list("starts_at", flat=True))
    result = Plan()
    for day in days(pattern.first_day, pattern.last_day):
        if day.weekday() not in pattern.weekdays:
            continue
        if day in public_holidays:
            result.holidays.append((day, str(public_holidays.get(day))))
            continue
        starts_at = dt.datetime.combine(day, pattern.start_time, tzinfo=tz)
        ends_at = dt.datetime.combine(day, pattern.end_time, tzinfo=tz)
        if starts_at in existing:
            result.existing.append(starts_at)
            continue
        result.to_create.append((starts_at, ends_at))
    return result


@transaction.atomic
def generate(
    session: Session,
    pattern: Pattern,
    *,
    acting_user: User | None,
    trainer: Trainer | None = None,
    room: str = "",
) -> list[Slot]:
    """Create the planned séances (each journaled), all in one transaction."""
    # Lock the session so that two generations at once do not both create a séance.
    Session.objects.select_for_update().filter(pk=session.pk).first()
    return [
        create_slot(
            session,
            acting_user=acting_user,
            starts_at=starts_at,
            ends_at=ends_at,
            trainer=trainer,
            room=room,
        )
        for starts_at, ends_at in plan(session, pattern).to_create
    ]
