"""The session page's attendance grid and rates, and attendance on the learner timeline."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.attendance import selectors, services
from parcours.attendance.models import Method
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from tests.conftest import World

PARIS = ZoneInfo("Europe/Paris")
DAYS = [dt.date(2026, 3, 5), dt.date(2026, 3, 12), dt.date(2026, 3, 19), dt.date(2026, 4, 2)]
NOW = dt.datetime(2026, 3, 25, 10, 0, tzinfo=PARIS)  # three slots held, one to come


@pytest.fixture
def attendance(world_a: World, director):
    slots = [
        programme_services.create_slot(
            world_a.session,
            acting_user=director,
            starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS),
            ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=PARIS),
        )
        for day in DAYS
    ]
    late = learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L2", last_name="Durand", first_name="Léa"
    )
    # Enrolled after the first slot: expected at the second and third only.
    e2 = learner_services.enrol(
        late, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 3, 10)
    )
    e1 = world_a.enrolment
    marks = {
        (e1, 0): "present",
        (e1, 1): "retard",
        (e1, 2): "absent",
        (e2, 1): "present",
        (e2, 2): "excuse",
    }
    for (enrolment, i), status in marks.items():
        services.record_mark(
            slots[i],
            enrolment,
            status,
            acting_user=director,
            method=Method.TRAINER,
            note="Malade" if status == "excuse" else "",
        )
    return slots, e1, e2, marks


def expected_rate(marks, enrolment, held: set[int], active: set[int]) -> tuple[int, int]:
    expected = held & active
    attended = sum(
        1
        for (e, i), s in marks.items()
        if e == enrolment and i in expected and s != "absent" and s != "excuse"
    )
    return round(100 * attended / len(expected)), len(expected)


@time_machine.travel(NOW, tick=False)
def test_the_grid_shows_each_rate_and_excused_absences(attendance, as_director) -> None:
    slots, e1, e2, marks = attendance
    held = {0, 1, 2}
    rate1, expected1 = expected_rate(marks, e1, held, {0, 1, 2, 3})
    rate2, expected2 = expected_rate(marks, e2, held, {1, 2, 3})
    assert (rate1, rate2) == (67, 50)

    page = as_director.get(reverse("programmes:session_detail", args=[e1.session_id]))

    html = page.content.decode()
    assert page.status_code == 200
    row1 = html[html.index(f'data-enrolment="{e1.pk}"') :]
    assert f"<td data-rate>{rate1} %</td>" in row1[: row1.index("</tr>")]
    row2 = html[html.index(f'data-enrolment="{e2.pk}"') :]
    assert f"<td data-rate>{rate2} %</td>" in row2[: row2.index("</tr>")]
    assert "<td data-excused>1</td>" in row2[: row2.index("</tr>")]
    session_rate = round(100 * 3 / (expected1 + expected2))  # 3 attended of 5 expected
    assert f"<strong data-session-rate>{session_rate} %</strong>" in html
    assert "<strong data-session-excused>1</strong>" in html


def test_rates_are_computed_as_of_any_moment(attendance) -> None:
    slots, e1, e2, _marks = attendance
    session = e1.session
    early = selectors.session_grid(session, as_of=dt.datetime(2026, 3, 13, tzinfo=PARIS))
    by_pk = {row.enrolment.pk: row.rate for row in early.rows}
    assert (by_pk[e1.pk].attended, by_pk[e1.pk].expected) == (2, 2)
    assert (by_pk[e2.pk].attended, by_pk[e2.pk].expected) == (1, 1)
    assert early.total.percent == 100
    assert selectors.enrolment_rate(e2, as_of=NOW).excused == 1


def test_the_session_page_makes_as_many_queries_whatever_the_group_size(
    attendance, world_a: World, director, as_director
) -> None:
    url = reverse("programmes:session_detail", args=[world_a.session.pk])
    as_director.get(url)
    with CaptureQueriesContext(connection) as before:
        as_director.get(url)
    slots = attendance[0]
    for n in range(3):
        learner = learner_services.create_learner(
            world_a.org, acting_user=director, external_id=f"A-X{n}", last_name=f"Nouveau{n}"
        )
        enrolment = learner_services.enrol(
            learner, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 3, 1)
        )
        services.record_mark(
            slots[0], enrolment, "present", acting_user=director, method=Method.TRAINER
        )
    programme_services.create_slot(
        world_a.session,
        acting_user=director,
        starts_at=dt.datetime(2026, 4, 9, 9, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 4, 9, 12, tzinfo=PARIS),
    )
    with CaptureQueriesContext(connection) as after:
        response = as_director.get(url)
    assert "Nouveau2" in response.content.decode()
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_learner_timeline_shows_absences_lateness_and_weekly_presences(
    attendance, world_a: World, as_director
) -> None:
    page = as_director.get(world_a.learner.get_absolute_url())
    html = page.content.decode()
    assert "Absence à la séance de « Comptabilité A printemps »" in html
    assert "Retard à la séance de « Comptabilité A printemps »" in html
    assert "1 présence la semaine du 02/03/2026" in html
