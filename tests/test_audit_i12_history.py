"""Indicator 12 over the whole session: a trigger that fired weeks before the audit's day
(read from that night's stored risk snapshot) with no case opened within the procedure's
delay is a finding, though it no longer fires on the day; a snapshot recorded after the
day looked at is not read; the case opened that night clears it."""

import datetime as dt
import io
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from parcours.attendance import services as attendance
from parcours.attendance.models import Method
from parcours.audit import mock
from parcours.core.models import User
from parcours.followup.services import cases as case_services
from parcours.followup.services import procedure as procedure_services
from parcours.programmes import services as programme_services
from tests.conftest import World

PARIS = ZoneInfo("Europe/Paris")
AUDIT_DAY = dt.date(2026, 4, 20)
FIRED = dt.date(2026, 3, 11)  # the third absence in a row


def at(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def snapshot(slug: str, day: dt.date, *, recorded: dt.date) -> None:
    """The nightly risk scoring of `day`, stored (as `parcours risk --store`) on `recorded`."""
    with time_machine.travel(at(recorded, 23), tick=False):
        call_command(
            "risk", "--as-of", day.isoformat(), "--store", "--organisation", slug,
            stdout=io.StringIO(),
        )  # fmt: skip


def triggers_found(org_id: int) -> list[str]:
    from parcours.core.models import Organisation

    org = Organisation.objects.get(pk=org_id)
    with time_machine.travel(at(AUDIT_DAY, 18), tick=False):
        result = mock.mock_audit(org, AUDIT_DAY, seed=1, size=20)
    return [j.gap.detail for j in result.findings if j.gap.rule == "I12-DECLENCHEUR"]


@pytest.fixture
def early() -> Iterator[None]:
    """The world is recorded before the days the tests look at."""
    with time_machine.travel(at(dt.date(2026, 2, 16)), tick=False):
        yield


@pytest.fixture
def past_absences(early: None, world_a: World, director: User) -> World:
    """The procedure in force since February; present on 2 March, absent on 4, 9 and 11
    March (the absences trigger fires on the 11th), then present again from the 16th:
    on the audit's day nothing fires any more."""
    procedure_services.ensure_default_procedure(world_a.org)
    days = [(2, "present"), (4, "absent"), (9, "absent"), (11, "absent")]
    days += [(16, "present"), (18, "present"), (23, "present"), (25, "present")]
    for day, status in days:  # each sheet taken on its day
        with time_machine.travel(at(dt.date(2026, 3, day)), tick=False):
            slot = programme_services.create_slot(
                world_a.session,
                acting_user=director,
                starts_at=at(dt.date(2026, 3, day), 9),
                ends_at=at(dt.date(2026, 3, day), 12),
            )
            attendance.record_mark(
                slot, world_a.enrolment, status, acting_user=director, method=Method.TRAINER
            )
    return world_a


def test_a_trigger_that_fired_weeks_ago_with_no_case_is_a_finding(past_absences: World) -> None:
    org = past_absences.org
    # On the audit's day, the run of absences is broken: the day alone shows nothing.
    assert triggers_found(org.pk) == []
    # That night's snapshot, recorded only after the audit's day: not read (replay).
    snapshot(org.slug, FIRED, recorded=AUDIT_DAY + dt.timedelta(days=1))
    assert triggers_found(org.pk) == []
    # Recorded that night, as the nightly run does: the trigger fired, no case was opened.
    snapshot(org.slug, FIRED, recorded=FIRED)
    (detail,) = triggers_found(org.pk)
    assert "absences consécutives" in detail and "04/03/2026" in detail


def test_the_case_opened_that_night_clears_it(past_absences: World) -> None:
    org = past_absences.org
    snapshot(org.slug, FIRED, recorded=FIRED)
    with time_machine.travel(at(FIRED, 23), tick=False):
        (case,) = case_services.scan(org, as_of=FIRED)
    assert case.episode_key == "2026-03-04"
    assert triggers_found(org.pk) == []


def test_a_case_opened_past_the_procedures_delay_is_still_a_finding(
    past_absences: World, officer: User
) -> None:
    org = past_absences.org
    snapshot(org.slug, FIRED, recorded=FIRED)
    late = dt.date(2026, 4, 1)
    with time_machine.travel(at(late, 10), tick=False):
        case_services.open_case(
            past_absences.enrolment,
            trigger_kind="absences",
            acting_user=officer,
            as_of=late,
            episode_key="2026-03-04",
        )
    (detail,) = triggers_found(org.pk)
    assert "dossier ouvert le 01/04/2026 seulement" in detail
