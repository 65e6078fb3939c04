"""`parcours import KIND FILE`: all or nothing, idempotent, journaled, scoped to one organisation."""

import datetime as dt
import hashlib
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from parcours.core import journal
from parcours.core.imports import run_import
from parcours.core.models import JournalEntry, Organisation
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Session
from tests.conftest import World

SESSIONS = [
    ["external_id", "title", "category", "modality", "start_date", "end_date", "duration_hours"],
    ["S1", "Comptabilité", "AF", "presentiel", "2026-03-02", "2026-06-26", "70"],
    ["S2", "Bilan", "BC", "distanciel", "2026-04-01", "2026-05-15", "24.5"],
]
LEARNERS = [
    ["external_id", "last_name", "first_name", "email", "phone", "disability"],
    ["L1", "Martin", "Camille", "camille@exemple.fr", "0601020304", "0"],
    ["L2", "Durand", "Léa", "", "", "1"],
    ["L3", "Petit", "", "petit@exemple.fr", "", "0"],
]
ENROLMENTS = [
    [
        "learner_external_id",
        "session_external_id",
        "enrolled_on",
        "status",
        "ended_on",
        "end_reason",
    ],
    ["L1", "S1", "2026-02-20", "inscrit", "", ""],
    ["L2", "S1", "2026-02-21", "abandon", "2026-04-10", "déménagement"],
    ["L2", "S2", "2026-03-15", "en_cours", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], *, bom: bool = False) -> Path:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "sessions": write_csv(tmp_path / "sessions.csv", SESSIONS),
        "learners": write_csv(tmp_path / "learners.csv", LEARNERS),
        "enrolments": write_csv(tmp_path / "enrolments.csv", ENROLMENTS),
    }


def import_all(files: dict[str, Path], org: Organisation) -> list[str]:
    return [run(kind, str(files[kind]), "--organisation", org.slug) for kind in files]


def test_a_valid_import_creates_every_row_and_journals_each(files, org_a) -> None:
    outputs = import_all(files, org_a)

    assert "3 créée(s)" in outputs[1] and "0 mise(s) à jour" in outputs[1]
    assert Session.objects.filter(organisation=org_a).count() == 2
    assert Learner.objects.filter(organisation=org_a).count() == 3
    assert Enrolment.objects.filter(organisation=org_a).count() == 3
    s2 = Session.objects.get(organisation=org_a, external_id="S2")
    assert (s2.category, s2.modality, s2.duration_hours) == ("BC", "distanciel", Decimal("24.5"))
    assert s2.start_date == dt.date(2026, 4, 1)
    left = Enrolment.objects.get(learner__external_id="L2", session__external_id="S1")
    assert (left.status, left.ended_on, left.end_reason) == (
        "abandon",
        dt.date(2026, 4, 10),
        "déménagement",
    )
    assert Learner.objects.get(external_id="L2").disability is True

    learner = Learner.objects.get(organisation=org_a, external_id="L1")
    created = JournalEntry.objects.get(
        object_type="learners.learner", object_id=str(learner.pk), action="create"
    )
    assert created.actor is None
    assert created.actor_label == "ligne de commande (parcours import)"
    assert created.changes["email"] == [None, "camille@exemple.fr"]
    assert created.object_repr == "Camille Martin"
    enrolment_entry = JournalEntry.objects.get(
        object_type="learners.enrolment", object_id=str(left.pk)
    )
    assert enrolment_entry.changes["ended_on"] == [None, "2026-04-10"]
    assert enrolment_entry.object_repr == "Léa Durand · Comptabilité"
    events = JournalEntry.objects.filter(organisation=org_a, verb="import.completed")
    assert [e.changes["kind"] for e in events] == ["sessions", "learners", "enrolments"]
    learners_event = events[1].changes
    assert learners_event["sha256"] == hashlib.sha256(files["learners"].read_bytes()).hexdigest()
    assert learners_event["filename"] == "learners.csv"
    assert (learners_event["created"], learners_event["updated"]) == (3, 0)
    assert journal.verify(org_a.pk).ok


def test_reimporting_the_same_files_changes_nothing(files, org_a) -> None:
    import_all(files, org_a)
    entries = JournalEntry.objects.count()

    outputs = import_all(files, org_a)

    assert "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in outputs[2]
    assert Learner.objects.filter(organisation=org_a).count() == 3
    assert Enrolment.objects.filter(organisation=org_a).count() == 3
    # Only the three import.completed events: no row was written again.
    new = JournalEntry.objects.order_by("pk")[entries:]
    assert [e.verb for e in new] == ["import.completed"] * 3


def test_a_changed_field_is_updated_and_journaled_alone(files, org_a, tmp_path) -> None:
    import_all(files, org_a)
    learner = Learner.objects.get(organisation=org_a, external_id="L3")
    changed = [row[:] for row in LEARNERS]
    changed[3][4] = "0711223344"  # L3's phone

    report = run_import("learners", write_csv(tmp_path / "l2.csv", changed), organisation=org_a)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    learner.refresh_from_db()
    assert learner.phone == "0711223344"
    update = JournalEntry.objects.get(object_id=str(learner.pk), action="update")
    assert update.changes == {"phone": ["", "0711223344"]}
    assert update.verb == "import.learners"
    assert journal.verify(org_a.pk).ok


def test_a_file_with_one_bad_row_imports_nothing_and_names_it(org_a, tmp_path) -> None:
    rows = [*SESSIONS, ["S3", "Paie", "AF", "hybride", "2013-02-01", "2013-13-01", "35"]]
    before = JournalEntry.objects.count()

    with pytest.raises(CommandError) as raised:
        run("sessions", str(write_csv(tmp_path / "s.csv", rows)))

    message = str(raised.value)
    assert (
        "ligne 4, colonne end_date : date invalide « 2013-13-01 » (format attendu AAAA-MM-JJ)"
        in message
    )
    assert "rien n'a été importé" in message
    assert Session.objects.count() == 0
    assert JournalEntry.objects.count() == before


def test_every_bad_row_is_reported_with_its_line_and_column(files, org_a, tmp_path) -> None:
    run("sessions", str(files["sessions"]))
    run("learners", str(files["learners"]))
    rows = [
        ENROLMENTS[0],
        ["L1", "S1", "2026-02-20", "inscrit", "", ""],  # line 2: fine
        ["L9", "S1", "2026-02-20", "inscrit", "", ""],  # 3: unknown learner
        ["L1", "S9", "2026-02-20", "inscrit", "", ""],  # 4: unknown session
        ["L2", "S1", "2026-02-20", "parti", "", ""],  # 5: unknown status
        ["L2", "S2", "2026-02-20", "termine", "", ""],  # 6: ended_on missing
        ["L3", "S1", "2026-02-20", "en_cours", "2026-03-01", ""],  # 7: ended_on must be blank
        ["L3", "S2", "2026-02-20", "termine", "2026-02-01", ""],  # 8: ends before it starts
        ["L1", "S1", "2026-02-22", "inscrit", "", ""],  # 9: duplicate of line 2
        ["", "S2", "20/02/2026", "inscrit", "", ""],  # 10: two problems
    ]

    report = run_import("enrolments", write_csv(tmp_path / "e.csv", rows), organisation=org_a)

    assert not report.ok and report.rows == 9
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "learner_external_id"),
        (4, "session_external_id"),
        (5, "status"),
        (6, "ended_on"),
        (7, "ended_on"),
        (8, "ended_on"),
        (9, "learner_external_id, session_external_id"),
        (10, "learner_external_id"),
        (10, "enrolled_on"),
    ]
    messages = [str(e) for e in report.errors]
    assert "apprenant inconnu « L9 »" in messages[0]
    assert "valeurs possibles : inscrit, en_cours, termine, abandon" in messages[2]
    assert "déjà présent ligne 2" in messages[6]
    assert messages[7] == "ligne 10, colonne learner_external_id : valeur obligatoire"
    assert Enrolment.objects.count() == 0


def test_header_problems_are_reported(org_a, tmp_path) -> None:
    rows = [
        ["external_id", "nom", "first_name", "email", "phone", "disability"],
        ["L1", "X", "", "", "", "0"],
    ]

    report = run_import("learners", write_csv(tmp_path / "l.csv", rows), organisation=org_a)

    assert [str(e) for e in report.errors] == [
        "ligne 1, colonne nom : colonne inconnue",
        "ligne 1, colonne last_name : colonne manquante",
        "ligne 1 : colonnes attendues, dans cet ordre ou un autre : external_id, last_name, "
        "first_name, email, phone, disability",
    ]
    assert not Learner.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Le fichier est vide"),
        (b"\n\n", "Le fichier est vide"),
        (b"external_id,last_name,first_name,email,phone,disability\n", "que l'en-tête"),
        (b"external_id,last_name\nL1,Lef\xe8vre\n", "n'est pas encodé en UTF-8"),
    ],
)
def test_empty_or_unreadable_files_get_a_clear_message(org_a, tmp_path, content, expected) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(content)

    report = run_import("learners", path, organisation=org_a)

    assert not report.ok and expected in report.errors[0].message


def test_a_byte_order_mark_and_cell_variants_are_accepted(org_a, tmp_path) -> None:
    rows = [
        SESSIONS[0],
        ["S1", '"Paie, niveau 1"', "af", "Hybride", "2026-01-05", "2026-01-05", '"10,5"'],
    ]

    report = run_import(
        "sessions", write_csv(tmp_path / "s.csv", rows, bom=True), organisation=org_a
    )

    assert report.ok, report.error_summary()
    session = Session.objects.get(organisation=org_a)
    assert (session.title, session.category, session.modality) == (
        "Paie, niveau 1",
        "AF",
        "hybride",
    )
    assert session.duration_hours == Decimal("10.5")


def test_a_semicolon_file_from_a_french_spreadsheet_is_read(org_a, tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        ";".join(SESSIONS[0]) + "\nS1;Paie;AF;hybride;2026-01-05;2026-02-05;10,5\n",
        encoding="utf-8",
    )

    report = run_import("sessions", path, organisation=org_a)

    assert report.ok and Session.objects.get().duration_hours == Decimal("10.5")


def test_a_broken_xlsx_file_gets_a_clear_message(org_a, tmp_path) -> None:
    path = tmp_path / "learners.xlsx"
    path.write_bytes(b"not a spreadsheet")

    report = run_import("learners", path, organisation=org_a)

    assert [str(e) for e in report.errors] == [
        "Fichier XLSX illisible : enregistrez-le depuis votre tableur au format XLSX."
    ]


def test_an_xlsx_file_imports_the_same_as_its_csv(files, org_a, tmp_path) -> None:
    run("sessions", str(files["sessions"]))
    run("learners", str(files["learners"]))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ENROLMENTS[0])
    for learner, session, enrolled, status, ended, reason in ENROLMENTS[1:]:
        # Dates as the spreadsheet's own date cells, as a user's file would have them.
        sheet.append(
            [
                learner,
                session,
                dt.date.fromisoformat(enrolled),
                status,
                dt.date.fromisoformat(ended) if ended else None,
                reason or None,
            ]
        )
    workbook.save(tmp_path / "enrolments.xlsx")

    output = run("enrolments", str(tmp_path / "enrolments.xlsx"))
    again = run("enrolments", str(files["enrolments"]))

    assert "3 créée(s)" in output
    assert "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in again
    assert Enrolment.objects.get(learner__external_id="L2", session__external_id="S1").ended_on == (
        dt.date(2026, 4, 10)
    )


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(files, org_a) -> None:
    run("sessions", str(files["sessions"]))
    entries = JournalEntry.objects.count()

    output = run("learners", str(files["learners"]), "--dry-run")

    assert "l'import créerait 3" in output and "Rien n'a été écrit" in output
    assert Learner.objects.count() == 0
    assert JournalEntry.objects.count() == entries


def test_an_import_into_b_never_touches_the_same_ids_in_a(world_a: World, org_b, tmp_path) -> None:
    a_entries = JournalEntry.objects.filter(organisation=world_a.org).count()
    rows = [LEARNERS[0], ["A-L1", "Autre", "Personne", "", "", "1"]]

    report = run_import("learners", write_csv(tmp_path / "l.csv", rows), organisation=org_b)
    enrolments = [ENROLMENTS[0], ["A-L1", "A-S1", "2026-02-20", "inscrit", "", ""]]
    refused = run_import(
        "enrolments", write_csv(tmp_path / "e.csv", enrolments), organisation=org_b
    )

    assert report.created == 1
    world_a.learner.refresh_from_db()
    assert world_a.learner.last_name == "MartinA" and world_a.learner.disability is False
    assert Learner.objects.get(organisation=org_b, external_id="A-L1").last_name == "Autre"
    # Org A's session is unknown in org B.
    assert [(e.line, e.column) for e in refused.errors] == [(2, "session_external_id")]
    assert JournalEntry.objects.filter(organisation=world_a.org).count() == a_entries


def test_the_organisation_must_be_named_when_there_are_several(files, org_a, org_b) -> None:
    with pytest.raises(
        CommandError, match="Plusieurs organisations existent : précisez --organisation"
    ):
        run("sessions", str(files["sessions"]))
    with pytest.raises(CommandError, match="Organisation inconnue : nulle-part"):
        run("sessions", str(files["sessions"]), "--organisation", "nulle-part")

    run("sessions", str(files["sessions"]), "--organisation", org_b.slug)

    assert Session.objects.filter(organisation=org_b).count() == 2
    assert not Session.objects.filter(organisation=org_a).exists()


def test_progress_is_reported_up_to_the_last_row(files, org_a) -> None:
    seen: list[tuple[int, int, str]] = []

    run_import(
        "learners", files["learners"], organisation=org_a, progress=lambda *p: seen.append(p)
    )

    assert seen[0] == (0, 3, "Vérification des lignes")
    assert seen[-1] == (3, 3, "Terminé")


def test_a_withdrawal_before_the_start_imports_with_a_remark(files, org_a, tmp_path) -> None:
    run("sessions", str(files["sessions"]))
    run("learners", str(files["learners"]))
    rows = [ENROLMENTS[0], ["L3", "S2", "2026-02-20", "abandon", "2026-02-01", "désistement"]]
    report = run_import("enrolments", write_csv(tmp_path / "e.csv", rows), organisation=org_a)
    assert report.ok and report.created == 1
    assert [(w.line, w.column) for w in report.warnings] == [(2, "ended_on")]
    assert "désistement avant l'entrée en formation" in report.warnings[0].message
    e = Enrolment.objects.get(learner__external_id="L3", session__external_id="S2")
    assert e.enrolled_on == e.ended_on == dt.date(2026, 2, 1) and e.status == "abandon"
    again = run_import("enrolments", write_csv(tmp_path / "e.csv", rows), organisation=org_a)
    assert again.unchanged == 1 and again.updated == 0
