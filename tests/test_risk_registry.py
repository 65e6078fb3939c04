"""The signal registry: each app that owns a fact registers its provider; engagement scores
what is registered, in the order the providers declare; the nightly snapshot keeps what
the follow-up's daily scan reads, and the scan reads it rather than computing again."""

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.activity.models import Assessment
from parcours.attendance import services as attendance
from parcours.attendance.models import AttendanceMark, Method
from parcours.core import signals as registry
from parcours.core.signals import NAN, Frame, Provider, Scope, Signal, fetch, same, scatter
from parcours.engagement.models import RiskScore
from parcours.engagement.signals import compute_signals
from parcours.followup.models import FollowupCase, TriggerKind
from parcours.followup.services import cases as cases_services
from parcours.programmes import services as programme_services
from tests.conftest import World
from tests.test_risk_engine import risk_json

PARIS = ZoneInfo("Europe/Paris")
D = dt.date
ROOT = Path(__file__).resolve().parents[1]


def at(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


@pytest.fixture
def registered() -> Iterator[list[str]]:
    """Providers a test registers are gone after it."""
    names: list[str] = []
    yield names
    for name in names:
        registry.unregister(name)


def nothing(frame: Frame, scope: Scope) -> None:
    pass


def test_providers_run_after_those_they_require_whatever_the_registration_order(
    registered,
) -> None:
    registered += ["t_second", "t_first", "t_third"]
    registry.register(Provider("t_second", nothing, requires=("t_first",)))
    registry.register(Provider("t_third", nothing, requires=("t_second", "attendance")))
    registry.register(Provider("t_first", nothing, requires=("activity",)))
    order = [p.name for p in registry.providers()]
    assert order.index("activity") < order.index("t_first") < order.index("t_second")
    assert order.index("attendance") < order.index("t_third")
    assert order.index("t_second") < order.index("t_third")
    # The fact apps' own: followup's responses read attendance, activity and results.
    assert order.index("responses") > max(
        order.index(name) for name in ("attendance", "activity", "assessments")
    )


def test_a_missing_or_circular_requirement_is_refused(registered) -> None:
    registered += ["t_loop_a", "t_loop_b", "t_orphan"]
    registry.register(Provider("t_orphan", nothing, requires=("t_nowhere",)))
    with pytest.raises(registry.RegistryError, match="t_nowhere"):
        registry.providers()
    registry.unregister("t_orphan")
    registry.register(Provider("t_loop_a", nothing, requires=("t_loop_b",)))
    registry.register(Provider("t_loop_b", nothing, requires=("t_loop_a",)))
    with pytest.raises(registry.RegistryError, match="t_loop_a, t_loop_b"):
        registry.providers()


def late_arrivals(frame: Frame, scope: Scope) -> None:
    """A provider as another app would write one: one aggregation over its table."""
    where, params = scope.where()
    rows = fetch(
        f"""SELECT m.enrolment_id, COUNT(*)
            FROM attendance_attendancemark m JOIN {scope.enrolment_table} e ON e.id = m.enrolment_id
            JOIN programmes_slot sl ON sl.id = m.slot_id
            WHERE m.status = 'retard' AND sl.starts_at < %s AND {where}
            GROUP BY m.enrolment_id""",  # noqa: S608
        [at(scope.as_of + dt.timedelta(days=1), 0), *params],
    )
    scatter(frame, rows, ["late_arrivals"], NAN)


def test_a_signal_registered_by_an_app_is_scored_and_explained_in_french(
    registered, world_a: World, director
) -> None:
    registered.append("t_late")
    registry.register(
        Provider(
            "t_late",
            late_arrivals,
            signals=(
                Signal(
                    "late_arrivals",
                    "Retards",
                    "late_arrivals",
                    same,
                    lambda r: f"{round(r['late_arrivals'])} retards aux séances",
                    3.0,
                ),
            ),
        )
    )
    with time_machine.travel(at(D(2026, 3, 20)), tick=False):
        for day in (2, 9, 16):
            slot = programme_services.create_slot(
                world_a.session,
                acting_user=director,
                starts_at=at(D(2026, 3, day), 9),
                ends_at=at(D(2026, 3, day), 12),
            )
            attendance.record_mark(
                slot, world_a.enrolment, "retard", acting_user=director, method=Method.TRAINER
            )
    frame = compute_signals(world_a.org, D(2026, 3, 20))
    assert frame.value(world_a.enrolment.pk, "late_arrivals") == 3
    # Only what happened by the date scored counts.
    assert (
        compute_signals(world_a.org, D(2026, 3, 10)).value(world_a.enrolment.pk, "late_arrivals")
        == 2
    )
    (row,) = risk_json("--as-of", "2026-03-20")
    assert row["reasons"][0] == "3 retards aux séances"
    assert row["level"] == "eleve"


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_engagement_and_the_registry_import_no_app_above_them() -> None:
    """Engagement reads the facts of the apps below it only (inside functions too); the
    registry, in the platform, knows no domain app."""
    for path in (ROOT / "parcours" / "engagement").rglob("*.py"):
        for module in imported_modules(path):
            assert not module.startswith(("parcours.followup", "parcours.messaging")), (
                path,
                module,
            )
    for module in imported_modules(ROOT / "parcours" / "core" / "signals.py"):
        assert not module.startswith("parcours.") or module.startswith("parcours.core"), module


@pytest.fixture
def absent_three_times(world_a: World, director, officer) -> World:
    """Present on 2 March, then absent on 4, 9 and 11 March 2026."""
    with time_machine.travel(at(D(2026, 3, 11)), tick=False):
        for day, status in ((2, "present"), (4, "absent"), (9, "absent"), (11, "absent")):
            slot = programme_services.create_slot(
                world_a.session,
                acting_user=director,
                starts_at=at(D(2026, 3, day), 9),
                ends_at=at(D(2026, 3, day), 12),
            )
            attendance.record_mark(
                slot, world_a.enrolment, status, acting_user=director, method=Method.TRAINER
            )
    return world_a


def marks_read(queries: CaptureQueriesContext) -> int:
    """How many times the marks of the whole organisation were aggregated (opening a case
    reads its one learner's signals for the reminder: that is not counted)."""
    return sum(
        "FROM attendance_attendancemark" in q["sql"] and "m.enrolment_id IN" not in q["sql"]
        for q in queries.captured_queries
    )


def test_the_scan_reads_the_night_s_snapshot_and_computes_nothing_again(
    absent_three_times: World,
) -> None:
    world = absent_three_times
    with time_machine.travel(at(D(2026, 3, 11), 1), tick=False):
        risk_json("--as-of", "2026-03-11", "--store")
    score = RiskScore.objects.get(enrolment=world.enrolment, as_of=D(2026, 3, 11))
    assert (score.consecutive_unexcused, score.unexcused_run_start) == (3, D(2026, 3, 4))
    # The scan trusts the night's snapshot: a mark corrected since is for tomorrow's night.
    AttendanceMark.objects.filter(enrolment=world.enrolment).update(status="excuse")
    with (
        time_machine.travel(at(D(2026, 3, 11), 2), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        cases_services.scan(world.org, as_of=D(2026, 3, 11))
    assert marks_read(queries) == 0
    case = FollowupCase.objects.get(enrolment=world.enrolment, trigger_kind=TriggerKind.ABSENCES)
    assert case.episode_key == "2026-03-04"
    assert case.reason == "3 absences consécutives non justifiées depuis le 04/03/2026"


def test_without_the_day_s_snapshot_the_scan_computes_the_signals_once_and_stores_nothing(
    absent_three_times: World,
) -> None:
    world = absent_three_times
    with (
        time_machine.travel(at(D(2026, 3, 11), 2), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        (case,) = cases_services.scan(world.org, as_of=D(2026, 3, 11))
    assert marks_read(queries) == 1  # one aggregation of the marks, once
    assert case.reason == "3 absences consécutives non justifiées depuis le 04/03/2026"
    assert not RiskScore.objects.exists()


def test_the_snapshot_names_the_latest_assessment_missed_for_the_scan(world_a: World) -> None:
    for n, due in enumerate((D(2026, 3, 16), D(2026, 3, 30), D(2026, 4, 13)), start=1):
        Assessment.objects.create(
            organisation=world_a.org,
            session=world_a.session,
            external_id=f"DEV{n}",
            title=f"Devoir {n}",
            kind="TMA",
            due_date=due,
        )
    with time_machine.travel(at(D(2026, 4, 1), 1), tick=False):
        risk_json("--as-of", "2026-04-01", "--store")
    score = RiskScore.objects.get(enrolment=world_a.enrolment, as_of=D(2026, 4, 1))
    assert score.missed_assessments == 2
    assert score.missed_assessment.title == "Devoir 2"
    with time_machine.travel(at(D(2026, 4, 1), 2), tick=False):
        cases_services.scan(world_a.org, as_of=D(2026, 4, 1))
    case = FollowupCase.objects.get(
        enrolment=world_a.enrolment, trigger_kind=TriggerKind.MISSED_ASSESSMENT
    )
    assert case.episode_key == f"evaluation-{score.missed_assessment_id}"
    assert case.reason == "Évaluation « Devoir 2 » non rendue (échéance le 30/03/2026)"
