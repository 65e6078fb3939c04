"""The evidence pack: unzipped, `sha256sum -c SHA256SUMS` passes; altering any file makes
it fail; the head hash in the pack is the one `parcours journal head` prints; the journal
extract stops at the end of the as_of day; I12 holds the attendance of exactly the sampled
learners (a seeded draw, or the latest mock audit's sample); I31 the complaints procedure
in force with its history."""

import datetime as dt
import io
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
import time_machine
from django.core.management import call_command

from parcours.audit import mock
from parcours.audit.services.mock import run_mock_audit
from parcours.core.models import Organisation, User
from parcours.feedback.complaints import services as complaints
from parcours.feedback.complaints.models import Kind
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment
from parcours.programmes import services as programme_services
from tests.conftest import build_world

PARIS = ZoneInfo("Europe/Paris")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def _pack(tmp_path: Path, as_of: dt.date, name: str = "pack", *options: str) -> Path:
    output = tmp_path / f"{name}.zip"
    printed = io.StringIO()
    call_command(
        "audit",
        "pack",
        "--as-of",
        as_of.isoformat(),
        "--output",
        str(output),
        *options,
        stdout=printed,
    )
    assert f"dans {output}" in printed.getvalue()
    folder = tmp_path / name
    with zipfile.ZipFile(output) as archive:
        archive.extractall(folder)
    return folder


def _sha256sum(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        ["sha256sum", "-c", "SHA256SUMS"],  # noqa: S607
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def world(org_a: Organisation, director: User, quality: User) -> None:
    with time_machine.travel(at(dt.date(2026, 2, 1)), tick=False):
        build_world(org_a, "A", director)
    with time_machine.travel(at(dt.date(2026, 3, 1)), tick=False):
        draft = complaints.save_procedure_draft(
            org_a,
            title="Traitement des réclamations",
            body="## Accusé de réception\nSous {delai_accuse} jours ouvrés.",
            change_note="Délais raccourcis",
            acting_user=quality,
        )
        complaints.publish_procedure(draft, acting_user=director)
    with time_machine.travel(at(dt.date(2026, 3, 10)), tick=False):
        complaints.receive(
            org_a,
            complaints.ComplaintFacts(
                kind=Kind.RECLAMATION,
                subject="Facture erronée",
                description="Montant facturé deux fois.",
                category="financement",
                severity="moyenne",
                complainant="entreprise",
                contact_name="Dominique Publique",
                contact_email="dom@exemple.fr",
            ),
            channel="formulaire",
        )


def test_the_pack_checks_with_sha256sum_and_fails_once_a_file_is_altered(
    world: None, tmp_path: Path
) -> None:
    with time_machine.travel(at(dt.date(2026, 7, 15)), tick=False):
        folder = _pack(tmp_path, dt.date(2026, 7, 15))
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "I12/emargements/A-S1.pdf",
        "I12/statistiques-abandons.xlsx",
        "I12/dossiers-de-suivi.csv",
        "I30/resultats-enquetes.xlsx",
        "I30/couverture-parties-prenantes.csv",
        "I31/tableau-de-suivi-des-reclamations.xlsx",
        "I31/procedure-reclamations-historique.csv",
        "I32/causes-abandon.csv",
        "I32/tableau-de-suivi-des-ameliorations.xlsx",
        "I32/registre-des-risques.xlsx",
        "I32/revues-qualite.csv",
        "journal/extrait.csv",
        "journal/VERIFICATION.txt",
        "journal/TETES.txt",
        "MANIFEST.csv",
        "LISEZMOI.txt",
        "SHA256SUMS",
        "referentiel-V9.csv",
    } <= names
    listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    assert listed == names - {"SHA256SUMS"}
    manifest = (folder / "MANIFEST.csv").read_text(encoding="utf-8-sig")
    assert "I12/emargements/A-S1.pdf" in manifest
    sheet_source = next(x for x in manifest.splitlines() if x.startswith("I12/emargements/A-S1"))
    assert "A-L1" in sheet_source  # the source names the sampled learner
    history = (folder / "I31/procedure-reclamations-historique.csv").read_text(encoding="utf-8-sig")
    line = next(x for x in history.splitlines() if "Délais raccourcis" in x)
    assert "Direction Test" in line and "2026-03-01" in line  # who validated, when
    [procedure] = [n for n in names if n.startswith("I31/procedure-reclamations-v")]
    text = "".join(p.extract_text() for p in pypdf.PdfReader(folder / procedure).pages)
    assert "Accusé de réception" in text and "Délais raccourcis" in text
    assert "journal intègre" in (folder / "journal/VERIFICATION.txt").read_text()
    assert "sha256sum -c SHA256SUMS" in (folder / "LISEZMOI.txt").read_text()
    register = openpyxl.load_workbook(folder / "I31/tableau-de-suivi-des-reclamations.xlsx")
    cells = [str(c) for row in register.active.iter_rows(values_only=True) for c in row]
    assert "Facture erronée" in cells  # the complaint is there, its complainant masked
    assert not any("Dominique" in c or "dom@exemple.fr" in c for c in cells)

    checked = _sha256sum(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(names) - 1

    with (folder / "I31/tableau-de-suivi-des-reclamations.xlsx").open("ab") as handle:
        handle.write(b"\0")
    altered = _sha256sum(folder)
    assert altered.returncode != 0
    assert "I31/tableau-de-suivi-des-reclamations.xlsx: FAILED" in altered.stdout


def test_the_head_in_the_pack_is_the_one_journal_head_prints(
    world: None, org_a: Organisation, tmp_path: Path
) -> None:
    with time_machine.travel(at(dt.date(2026, 7, 15)), tick=False):
        folder = _pack(tmp_path, dt.date(2026, 7, 15))
        printed = io.StringIO()
        call_command("journal", "head", stdout=printed)
    in_pack = [
        line.split("  #")[0]
        for line in (folder / "journal/TETES.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    chain = f"org-{org_a.pk} "
    assert len(in_pack) == 1 and in_pack[0].startswith(chain)
    heads = [line.split("  #")[0] for line in printed.getvalue().splitlines()]
    assert in_pack[0] in heads


def test_the_journal_extract_stops_at_the_end_of_the_as_of_day(
    world: None, org_a: Organisation, director: User, tmp_path: Path
) -> None:
    with time_machine.travel(at(dt.date(2026, 7, 15), hour=23), tick=False):
        learner_services.create_learner(
            org_a,
            acting_user=director,
            external_id="ON-THE-DAY",
            last_name="Veille",
            first_name="Jeanne",
        )
    with time_machine.travel(at(dt.date(2026, 7, 16), hour=0), tick=False):
        learner_services.create_learner(
            org_a,
            acting_user=director,
            external_id="AFTER",
            last_name="Lendemain",
            first_name="Paul",
        )
    with time_machine.travel(at(dt.date(2026, 7, 20)), tick=False):
        before = _pack(tmp_path, dt.date(2026, 7, 15), "before")
        after = _pack(tmp_path, dt.date(2026, 7, 16), "after")
    extract = (before / "journal/extrait.csv").read_text(encoding="utf-8-sig")
    assert "Veille" in extract and "Lendemain" not in extract
    assert "Comptabilité A" in extract  # the world built in February is in the period
    assert "Lendemain" in (after / "journal/extrait.csv").read_text(encoding="utf-8-sig")


@pytest.fixture
def sessions(org_a: Organisation, director: User) -> None:
    """Three AF and two BC sessions of four learners each, with distinct surnames."""
    with time_machine.travel(at(dt.date(2026, 2, 1)), tick=False):
        programme = programme_services.create_programme(
            org_a,
            acting_user=director,
            code="PRG",
            title="Gestion",
            category="AF",
            modality="presentiel",
            duration_hours=Decimal("35"),
            duration_days=Decimal("5"),
        )
        for s, category in enumerate(["AF", "AF", "AF", "BC", "BC"]):
            session = programme_services.create_session(
                org_a,
                acting_user=director,
                programme=programme,
                external_id=f"S{s}",
                title=f"Gestion {s}",
                category=category,
                modality="presentiel",
                start_date=dt.date(2026, 3, 2),
                end_date=dt.date(2026, 6, 26),
                duration_hours=Decimal("35"),
            )
            for n in range(4):
                learner = learner_services.create_learner(
                    org_a,
                    acting_user=director,
                    external_id=f"L{s}{n}",
                    last_name=f"Nomzq{s}x{n}",
                    first_name="Alex",
                )
                learner_services.enrol(
                    learner, session, acting_user=director, enrolled_on=dt.date(2026, 2, 1)
                )


def _sheets(folder: Path) -> dict[str, str]:
    """Session external id -> the text of its attendance sheet in I12."""
    return {
        path.stem: "".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
        for path in sorted((folder / "I12/emargements").glob("*.pdf"))
    }


def _expected(org: Organisation, as_of: dt.date, seed: int, size: int) -> dict[str, set[str]]:
    drawn = mock.draw_sample(org, as_of, seed=seed, size=size)
    enrolments = Enrolment.objects.filter(
        pk__in=[pk for part in drawn.values() for pk in part["enrolments"]]
    ).select_related("learner", "session")
    expected: dict[str, set[str]] = {}
    for enrolment in enrolments:
        expected.setdefault(enrolment.session.external_id, set()).add(enrolment.learner.external_id)
    return expected


def test_i12_holds_the_attendance_of_exactly_the_sampled_learners(
    sessions: None, org_a: Organisation, director: User, tmp_path: Path
) -> None:
    as_of = dt.date(2026, 7, 15)
    with time_machine.travel(at(as_of), tick=False):
        expected = _expected(org_a, as_of, seed=7, size=2)
        folder = _pack(tmp_path, as_of, "seeded", "--seed", "7", "--sample", "2")
    # Two sessions drawn per category, two learners within each: a true sample.
    assert len(expected) == 4 and all(len(ids) == 2 for ids in expected.values())
    sheets = _sheets(folder)
    assert set(sheets) == set(expected)
    manifest = (folder / "MANIFEST.csv").read_text(encoding="utf-8-sig").splitlines()
    for session_id, learners in expected.items():
        for s in range(5):
            for n in range(4):
                shown = f"NOMZQ{s}X{n}" in sheets[session_id]
                assert shown == (f"L{s}{n}" in learners), (session_id, s, n)
        [source] = [x for x in manifest if x.startswith(f"I12/emargements/{session_id}.pdf")]
        assert all(learner in source for learner in learners)
    listed = (folder / "echantillon.csv").read_text(encoding="utf-8-sig")
    assert sum(learner in listed for ids in expected.values() for learner in ids) == 8
    assert "graine 7" in (folder / "LISEZMOI.txt").read_text()
    assert _sha256sum(folder).returncode == 0

    # Without a seed, the pack takes the latest mock audit's sample as of the date.
    with time_machine.travel(at(as_of), tick=False):
        run = run_mock_audit(org_a, acting_user=director, as_of=as_of, seed=3, sample_size=1)
        again = _pack(tmp_path, as_of, "from-mock")
    assert set(_sheets(again)) == set(_expected(org_a, as_of, seed=3, size=1))
    assert f"audit blanc n° {run.pk}" in (again / "LISEZMOI.txt").read_text()
