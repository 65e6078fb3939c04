"""Gaps that arrive through the exchange formats are found too: a series of three
unexcused absences imported two weeks ago with no case opened (I12), and an enrolment
imported as `abandon` with no dropout record (I12). Opening the case (the nightly scan)
and recording the dropout clear them."""

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from parcours.audit import readiness
from parcours.followup.services import dropouts as dropout_services
from parcours.followup.services.cases import run_daily
from parcours.learners.models import Enrolment
from tests.conftest import World

PARIS = ZoneInfo("Europe/Paris")
TODAY = dt.date(2026, 4, 20)


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def import_file(kind: str, path: Path, slug: str) -> None:
    call_command("import", kind, str(path), "--organisation", slug, stdout=io.StringIO())


def mock(slug: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "audit",
        "mock",
        "--as-of",
        TODAY.isoformat(),
        "--seed",
        "11",
        "--sample",
        "50",
        "--format",
        "json",
        "--organisation",
        slug,
        stdout=out,
    )
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=PARIS), tick=False):
        yield


def test_imported_absences_and_dropout_are_found_then_cleared(
    frozen: None, world_a: World, officer: Any, tmp_path: Path
) -> None:
    slug = world_a.org.slug
    # A second learner, imported with an enrolment that ended in a dropout.
    write(
        tmp_path / "learners.csv",
        ["external_id", "last_name", "first_name", "email", "phone", "disability"],
        [["A-L9", "Roche", "Inès", "ines.roche@exemple.fr", "", "0"]],
    )
    import_file("learners", tmp_path / "learners.csv", slug)
    write(
        tmp_path / "enrolments.csv",
        [
            "learner_external_id",
            "session_external_id",
            "enrolled_on",
            "status",
            "ended_on",
            "end_reason",
        ],
        [["A-L9", "A-S1", "2026-02-25", "abandon", "2026-04-02", "Ne vient plus"]],
    )
    import_file("enrolments", tmp_path / "enrolments.csv", slug)

    # Three unexcused absences in a row two weeks ago, after a séance attended.
    write(
        tmp_path / "attendance.csv",
        ["learner_external_id", "session_external_id", "starts_at", "ends_at", "status"],
        [
            ["A-L1", "A-S1", "2026-03-30T09:00", "2026-03-30T12:00", "present"],
            ["A-L1", "A-S1", "2026-04-01T09:00", "2026-04-01T12:00", "absent"],
            ["A-L1", "A-S1", "2026-04-03T09:00", "2026-04-03T12:00", "absent"],
            ["A-L1", "A-S1", "2026-04-06T09:00", "2026-04-06T12:00", "absent"],
            ["A-L9", "A-S1", "2026-03-30T09:00", "2026-03-30T12:00", "present"],
            ["A-L9", "A-S1", "2026-04-01T09:00", "2026-04-01T12:00", "present"],
        ],
    )
    import_file("attendance", tmp_path / "attendance.csv", slug)
    found = {(f["rule"], f["external_id"], f["grade"]) for f in mock(slug)["findings"]}
    assert ("I12-DECLENCHEUR", "A-L1", "nc_mineure") in found
    assert ("I12-ABANDON-FICHE", "A-L9", "nc_mineure") in found
    assert {rule for rule, _e, _g in found if rule.startswith("I12")} == {
        "I12-DECLENCHEUR",
        "I12-ABANDON-FICHE",
    }
    row = next(r for r in readiness.readiness(world_a.org, TODAY).rows if r.indicator.number == 12)
    assert row.status == readiness.Status.AT_RISK
    assert {g.external_id for g in row.gaps} == {"A-L1", "A-L9"}

    # The nightly scan opens the case; the chargé de suivi records the dropout's cause.
    run_daily(world_a.org, as_of=TODAY)
    dropped = Enrolment.objects.get(learner__external_id="A-L9")
    dropout_services.record_dropout(
        dropped,
        acting_user=officer,
        on=dt.date(2026, 4, 2),
        reason="personnelle",
        actions_before="Deux appels sans réponse, courriel de relance.",
    )
    after = {f["rule"] for f in mock(slug)["findings"]}
    assert not {"I12-DECLENCHEUR", "I12-ABANDON-FICHE"} & after
