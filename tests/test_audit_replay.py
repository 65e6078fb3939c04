"""Replay: readiness and the mock audit as of a past date ignore everything recorded after
it (the same truncation test as the risk engine's: results as of D, then records added
after D, then results as of D again, unchanged). And a session that ran under V9 is judged
by V9's texts, one that started under V10 by V10's."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from parcours.audit import framework, mock, readiness
from parcours.core.models import Organisation, User
from parcours.feedback.complaints import services as complaints
from parcours.feedback.complaints.models import Complaint
from parcours.followup.services import dropouts as dropout_services
from parcours.improvement.services.actions import propose_action
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, EnrolmentStatus
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme, Session
from tests.conftest import World

PARIS = ZoneInfo("Europe/Paris")
D = dt.date(2026, 4, 20)
LATER = dt.date(2026, 5, 20)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def complaint(org: Organisation, user: User, received: dt.date) -> Complaint:
    entry, _code = complaints.receive(
        org,
        complaints.ComplaintFacts(
            kind="reclamation",
            subject="Attestation non reçue",
            description="Attestation de fin de formation non reçue.",
            category="administratif",
            severity="moyenne",
            complainant="apprenant",
        ),
        channel="courriel",
        received_at=at(received),
        acting_user=user,
    )
    return entry


def dropped(
    org: Organisation, session: Session, user: User, ext: str, start: dt.date, end: dt.date
) -> Enrolment:
    learner = learner_services.create_learner(
        org, acting_user=user, external_id=ext, last_name=f"Nom{ext}", first_name="Alex"
    )
    enrolment = learner_services.enrol(
        learner, session, acting_user=user, enrolled_on=start - dt.timedelta(days=7)
    )
    learner_services.change_status(enrolment, EnrolmentStatus.EN_COURS, acting_user=user, on=start)
    learner_services.change_status(
        enrolment, EnrolmentStatus.ABANDON, acting_user=user, on=end, reason="Ne vient plus"
    )
    return enrolment


@pytest.fixture
def early() -> Iterator[None]:
    """The world is built before the days the tests look at (created_at is truncated too)."""
    with time_machine.travel(at(dt.date(2026, 2, 16)), tick=False):
        yield


def results(org: Organisation, day: dt.date) -> tuple[Any, ...]:
    ready = readiness.readiness(org, day).as_dict()
    run = mock.mock_audit(org, day, seed=5, size=20)
    findings = sorted(
        (j.gap.indicator, j.grade, j.gap.rule, j.gap.external_id, j.version.code)
        for j in run.findings
    )
    return ready, run.sample, run.grades, findings


def test_results_as_of_a_past_day_ignore_what_was_recorded_after_it(
    early: None, world_a: World, director: User, officer: User
) -> None:
    org = world_a.org
    with time_machine.travel(at(D), tick=False):
        open_entry = complaint(org, director, dt.date(2026, 3, 20))
        first = dropped(org, world_a.session, director, "A-L2", dt.date(2026, 3, 2), D)
        before = results(org, D)
    rules = {f[2] for f in before[3]}
    assert {"I31-RETARD", "I12-ABANDON-FICHE"} <= rules

    with time_machine.travel(at(LATER), tick=False):
        # What happened after D: the entry answered, the dropout recorded, another
        # learner who left, a session recorded late (it started before D), a new entry, an
        # action already overdue.
        complaints.acknowledge(open_entry, acting_user=director, as_of=at(LATER))
        open_entry.refresh_from_db()
        complaints.start_analysis(open_entry, owner=director, cause="Oubli.", acting_user=director)
        open_entry.refresh_from_db()
        complaints.answer(open_entry, text="Envoyée.", acting_user=director, as_of=at(LATER))
        dropout_services.record_dropout(
            first, acting_user=officer, on=D, reason="sante", actions_before="Appels."
        )
        dropped(org, world_a.session, director, "A-L3", dt.date(2026, 5, 4), dt.date(2026, 5, 15))
        late_session = programme_services.create_session(
            org,
            acting_user=director,
            programme=world_a.programme,
            external_id="A-S2",
            title="Comptabilité avril",
            category="AF",
            modality="presentiel",
            start_date=dt.date(2026, 4, 6),
            end_date=dt.date(2026, 4, 17),
            duration_hours=Decimal("70"),
        )
        dropped(org, late_session, director, "A-L4", dt.date(2026, 4, 6), dt.date(2026, 4, 10))
        complaint(org, director, dt.date(2026, 5, 10))
        propose_action(
            org,
            acting_user=director,
            origin="manuelle",
            title="Revoir l'envoi des attestations",
            finding="Attestations envoyées en retard.",
            deadline=dt.date(2026, 4, 1),
        )
        assert results(org, D) == before
        # ...while the later day sees all of it.
        _r, _s, _g, now = results(org, LATER)
    later = {(f[2], f[3]) for f in now}
    assert ("I12-ABANDON-FICHE", "A-L2") not in later
    assert ("I12-ABANDON-FICHE", "A-L4") in later and ("I32-RETARD", "A0001") in later
    assert "I31-REPONSE" in {f[2] for f in now}


def test_a_session_is_judged_by_the_text_in_force_when_it_ran(
    early: None, org_a: Organisation, director: User
) -> None:
    programme = Programme.objects.create(
        organisation=org_a,
        title="Paie",
        category="AF",
        modality="presentiel",
        duration_hours=Decimal("35"),
        duration_days=Decimal("5"),
    )
    sessions = {}
    for ext, start, end in (
        ("S-V9", dt.date(2026, 10, 5), dt.date(2026, 11, 13)),  # started under V9
        ("S-V10", dt.date(2026, 11, 2), dt.date(2026, 11, 27)),
    ):
        sessions[ext] = programme_services.create_session(
            org_a,
            acting_user=director,
            programme=programme,
            external_id=ext,
            title=f"Paie {ext}",
            category="AF",
            modality="presentiel",
            start_date=start,
            end_date=end,
            duration_hours=Decimal("35"),
        )
    as_of = dt.date(2026, 12, 7)
    with time_machine.travel(at(as_of), tick=False):
        for n, session in enumerate(sessions.values()):
            dropped(
                org_a,
                session,
                director,
                f"L-{n}",
                session.start_date,
                session.start_date + dt.timedelta(days=3),
            )
        run = mock.mock_audit(org_a, as_of, seed=1, size=5)
    by_session = {
        j.gap.for_whom.rsplit(" ", 1)[-1]: j
        for j in run.findings
        if j.gap.rule == "I12-ABANDON-FICHE"
    }
    v9, v10 = framework.indicator("V9", 12), framework.indicator("V10", 12)
    assert v9.text != v10.text
    assert by_session["S-V9"].version.code == "V9"
    assert by_session["S-V9"].indicator.text == v9.text
    assert by_session["S-V10"].version.code == "V10"
    assert by_session["S-V10"].indicator.text == v10.text
    assert run.grades["12"]["versions"] == ["V10", "V9"]
