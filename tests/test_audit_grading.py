"""The framework's general grading rules, applied by the mock audit and said on each
finding: a minor not lifted within 6 months becomes major; the fifth minor of a run (and
the next ones) is treated as a major."""

import datetime as dt
import io
import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from parcours.audit import mock
from parcours.audit.models import Finding, Grade
from parcours.audit.services.mock import run_mock_audit
from parcours.core.models import Organisation, User
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, EnrolmentStatus
from parcours.programmes.models import Session
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
FIRST = dt.date(2026, 4, 20)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def dropped(org: Organisation, session: Session, user: User, ext: str, end: dt.date) -> Enrolment:
    """A learner who left with no dropout record: an I12-ABANDON-FICHE gap (minor)."""
    learner = learner_services.create_learner(
        org, acting_user=user, external_id=ext, last_name=f"Nom{ext}", first_name="Alex"
    )
    enrolment = learner_services.enrol(
        learner, session, acting_user=user, enrolled_on=dt.date(2026, 2, 23)
    )
    learner_services.change_status(
        enrolment, EnrolmentStatus.EN_COURS, acting_user=user, on=dt.date(2026, 3, 2)
    )
    learner_services.change_status(
        enrolment, EnrolmentStatus.ABANDON, acting_user=user, on=end, reason="Ne vient plus"
    )
    return enrolment


@pytest.fixture
def early() -> Iterator[None]:
    with time_machine.travel(at(dt.date(2026, 2, 16)), tick=False):
        yield


def store(org: Organisation, user: User, as_of: dt.date) -> dict[str, Finding]:
    with time_machine.travel(at(as_of, 18), tick=False):
        run = run_mock_audit(org, acting_user=user, as_of=as_of, seed=1, sample_size=20)
    return {f.external_id: f for f in run.findings.filter(rule="I12-ABANDON-FICHE").order_by("pk")}


def test_a_minor_not_lifted_within_six_months_becomes_major(
    early: None, world_a: World, director: User
) -> None:
    org = world_a.org
    dropped(org, world_a.session, director, "OLD", dt.date(2026, 4, 10))
    first = store(org, director, FIRST)
    assert first["OLD"].grade == Grade.MINOR and first["OLD"].grade_reason == ""

    # Five months on: still minor.
    assert store(org, director, dt.date(2026, 9, 20))["OLD"].grade == Grade.MINOR
    # Six months on, not lifted: major, saying since when; a newer gap stays minor.
    dropped(org, world_a.session, director, "NEW", dt.date(2026, 10, 1))
    later = store(org, director, dt.date(2026, 10, 20))
    assert later["OLD"].grade == Grade.MAJOR
    assert "20/04/2026" in later["OLD"].grade_reason
    assert "6 mois" in later["OLD"].grade_reason
    assert later["NEW"].grade == Grade.MINOR and later["NEW"].grade_reason == ""
    assert later["OLD"].audit.grades["12"]["grade"] == Grade.MAJOR
    page = login(director).get(later["OLD"].audit.get_absolute_url()).content.decode()
    assert "devient majeure" in page

    # Replay: a run recorded after the day looked at is not read (the first run, stored
    # now as of 20/04, does not make the 20/10 finding of a replay major by itself).
    with time_machine.travel(at(dt.date(2026, 10, 21)), tick=False):
        Finding.objects.filter(audit__as_of=FIRST).delete()
        run_mock_audit(org, acting_user=director, as_of=FIRST, seed=1, sample_size=20)
        replay = mock.mock_audit(org, dt.date(2026, 10, 20), seed=1, size=20)
    old = [j for j in replay.findings if j.gap.external_id == "OLD"]
    assert [j.grade for j in old] == [Grade.MINOR]


def test_the_fifth_minor_is_treated_as_a_major(early: None, world_a: World, director: User) -> None:
    org = world_a.org
    for n in range(6):
        dropped(org, world_a.session, director, f"L{n}", dt.date(2026, 4, 6 + n))
    with time_machine.travel(at(FIRST, 18), tick=False):
        result = mock.mock_audit(org, FIRST, seed=1, size=20)
        out = io.StringIO()
        call_command(
            "audit", "mock", "--as-of", FIRST.isoformat(), "--seed", "1", "--sample", "20",
            "--format", "json", stdout=out,
        )  # fmt: skip
    minors = [j for j in result.findings if j.grade == Grade.MINOR]
    assert len(minors) == 4
    fifth = [j for j in result.findings if "traitée comme une non-conformité majeure" in j.reason]
    assert len(fifth) >= 2  # the six dropouts alone make six minors
    assert all(j.grade == Grade.MAJOR for j in fifth)
    assert fifth[0].reason.startswith("5e non-conformité mineure")
    # In the run's order: the four minors come before the first one escalated.
    order = result.findings
    assert max(order.index(j) for j in minors) < order.index(fifth[0])
    assert result.overall == Grade.MAJOR
    data = json.loads(out.getvalue())
    assert sum(1 for f in data["findings"] if f["grade"] == "nc_mineure") == 4
    assert any(f["grade_reason"].startswith("5e") for f in data["findings"])
