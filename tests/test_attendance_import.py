"""`parcours import attendance FILE`: all or nothing, idempotent, slots created as needed."""

import datetime as dt
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from parcours.attendance.models import AttendanceMark, Method
from parcours.core import journal
from parcours.core.imports import run_import
from parcours.core.models import JournalEntry
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from parcours.programmes.models import Slot
from tests.conftest import World

PARIS = ZoneInfo("Europe/Paris")
HEADER = ["learner_external_id", "session_external_id", "starts_at", "ends_at", "status"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(path: Path, org) -> str:
    out = StringIO()
    call_command("import", "attendance", str(path), "--organisation", org.slug, stdout=out)
    return out.getvalue()


@pytest.fixture
def existing_slot(world_a: World, director) -> Slot:
    learner_services.enrol(
        learner_services.create_learner(
            world_a.org, acting_user=director, external_id="A-L2", last_name="Durand"
        ),
        world_a.session,
        acting_user=director,
        enrolled_on=dt.date(2026, 3, 1),
    )
    return programme_services.create_slot(
        world_a.session,
        acting_user=director,
        starts_at=dt.datetime(2026, 3, 5, 9, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 3, 5, 12, 30, tzinfo=PARIS),
    )


VALID = [
    ["A-L1", "A-S1", "2026-03-05T09:00", "2026-03-05T12:30", "present"],
    ["A-L2", "A-S1", "2026-03-05T08:00:00Z", "2026-03-05T11:30:00Z", "retard"],
    ["A-L1", "A-S1", "2026-03-12T14:00", "2026-03-12T17:00", "excuse"],
    ["A-L2", "A-S1", "2026-03-12T14:00", "2026-03-12T17:00", "absent"],
]


def test_a_valid_file_creates_missing_slots_then_marks(existing_slot, world_a, tmp_path) -> None:
    path = write_csv(tmp_path / "attendance.csv", VALID)

    output = run(path, world_a.org)

    assert "4 créée(s)" in output
    assert "pas de séance le 12/03/2026 14:00 dans cette session : elle sera créée" in output
    slots = list(Slot.objects.filter(session=world_a.session).order_by("starts_at"))
    assert len(slots) == 2 and slots[0] == existing_slot
    assert slots[1].starts_at == dt.datetime(2026, 3, 12, 14, tzinfo=PARIS)
    assert slots[1].ends_at == dt.datetime(2026, 3, 12, 17, tzinfo=PARIS)
    marks = {
        (m.slot_id, m.enrolment.learner.external_id): (m.status, m.method)
        for m in AttendanceMark.objects.select_related("enrolment__learner")
    }
    assert marks == {
        (slots[0].pk, "A-L1"): ("present", Method.IMPORT),
        (slots[0].pk, "A-L2"): ("retard", Method.IMPORT),
        (slots[1].pk, "A-L1"): ("excuse", Method.IMPORT),
        (slots[1].pk, "A-L2"): ("absent", Method.IMPORT),
    }
    created_slot = JournalEntry.objects.get(
        object_type="programmes.slot", object_id=str(slots[1].pk)
    )
    assert created_slot.actor_label == "ligne de commande (parcours import)"
    assert (
        JournalEntry.objects.filter(
            object_type="attendance.attendancemark", verb="import.attendance"
        ).count()
        == 4
    )
    assert journal.verify(world_a.org.pk).ok


def test_reimporting_changes_nothing_and_a_changed_status_is_updated(
    existing_slot, world_a, tmp_path
) -> None:
    path = write_csv(tmp_path / "attendance.csv", VALID)
    run(path, world_a.org)
    entries = JournalEntry.objects.count()

    assert "0 créée(s), 0 mise(s) à jour, 4 inchangée(s)" in run(path, world_a.org)
    assert Slot.objects.filter(session=world_a.session).count() == 2
    assert AttendanceMark.objects.count() == 4
    assert JournalEntry.objects.count() == entries + 1  # the import.completed event only

    changed = [*VALID[:3], [*VALID[3][:4], "present"]]
    output = run(write_csv(tmp_path / "changed.csv", changed), world_a.org)
    assert "0 créée(s), 1 mise(s) à jour, 3 inchangée(s)" in output
    update = JournalEntry.objects.get(action="update", object_type="attendance.attendancemark")
    assert update.changes["status"] == ["absent", "present"]


def test_a_file_with_bad_rows_imports_nothing_and_reports_each(
    existing_slot, world_a, world_b, tmp_path
) -> None:
    rows = [
        VALID[0],
        ["A-L9", "A-S1", "2026-03-05T09:00", "2026-03-05T12:30", "present"],  # 3 unknown learner
        ["A-L1", "A-S9", "2026-03-05T09:00", "2026-03-05T12:30", "present"],  # 4 unknown session
        ["A-L1", "A-S1", "05/03/2026 09:00", "2026-03-05T12:30", "present"],  # 5 bad datetime
        ["A-L1", "A-S1", "2026-03-19T09:00", "2026-03-19T09:00", "present"],  # 6 end <= start
        ["A-L1", "A-S1", "2026-03-26T09:00", "2026-03-26T12:00", "malade"],  # 7 bad status
        ["B-L1", "B-S1", "2026-03-05T09:00", "2026-03-05T12:30", "present"],  # 8 other org
        ["A-L2", "A-S1", "2026-02-26T09:00", "2026-02-26T12:00", "present"],  # 9 not yet enrolled
        ["A-L1", "A-S1", "2026-03-05T09:00", "2026-03-05T12:30", "absent"],  # 10 duplicate of 2
    ]
    path = write_csv(tmp_path / "bad.csv", rows)

    report = run_import("attendance", path, organisation=world_a.org)

    where = sorted((e.line, e.column) for e in report.errors)
    assert where == [
        (3, "learner_external_id"),
        (4, "session_external_id"),
        (5, "starts_at"),
        (6, "ends_at"),
        (7, "status"),
        (8, "learner_external_id"),
        (8, "session_external_id"),
        (9, "starts_at"),
        (10, "learner_external_id, session_external_id, starts_at"),
    ]
    messages = " ".join(str(e) for e in report.errors)
    assert "apprenant inconnu « A-L9 »" in messages
    assert "la fin de la séance doit suivre son début" in messages
    assert "n'est pas active le 26/02/2026" in messages
    assert not AttendanceMark.objects.exists()
    assert Slot.objects.count() == 1  # the existing one: nothing created


def test_a_learner_not_enrolled_in_the_session_is_reported(
    existing_slot, world_a, director, tmp_path
) -> None:
    learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L3", last_name="Seul"
    )
    path = write_csv(
        tmp_path / "bad.csv", [["A-L3", "A-S1", "2026-03-05T09:00", "2026-03-05T12:30", "present"]]
    )
    report = run_import("attendance", path, organisation=world_a.org)
    assert [str(e) for e in report.errors] == [
        "ligne 2, colonne learner_external_id : l'apprenant « A-L3 » n'est pas inscrit à la "
        "session « A-S1 »"
    ]
