"""Exports that cannot be weaponised, and that open in French Excel.

Hostile values (a session titled with a HYPERLINK formula, an external id `=1+2`, names
starting with `@` and `-`, an id starting with `+`, a programme starting with a tab) are
run through every CSV and XLSX the product writes, pages and commands alike, read back
with the csv module and openpyxl, and every cell is checked: no text starts with a
character a spreadsheet would take for a formula, and no XLSX cell is a formula.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from parcours.core.imports import IMPORTERS, run_import
from parcours.core.models import Job
from parcours.engagement import scoring, services
from parcours.followup.services import dropouts as dropouts_services
from parcours.learners import services as learner_services
from parcours.lib import exports
from parcours.programmes import services as programme_services
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 20, 18, 0, tzinfo=PARIS)
TODAY = NOW.date()

SESSION_TITLE = '=HYPERLINK("http://evil.test","x")'
PROGRAMME_TITLE = "\tcmd|' /C calc'!A0"
LEARNER_ID = "=1+2"
SESSION_ID = "+33612345678"
LAST_NAME = "@SUM(A1)"
FIRST_NAME = "-2+3"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

# Every URL that hands a file of rows to a spreadsheet; a new one must be added here.
EXPORT_URLS = {
    "engagement:risk_export",
    "engagement:risk_export_xlsx",
    "followup:dropout_stats",  # ?format=csv or ?format=xlsx
    "import_template",
    "import_template_xlsx",
    "import_errors",
    "import_errors_xlsx",
    "feedback:results_xlsx",
    "feedback:trends_xlsx",
    "feedback:complaints:table_xlsx",
    "improvement:table_xlsx",
    "improvement:risks:register_xlsx",
}


def assert_safe_cells(rows: list[list[object]]) -> None:
    for row in rows:
        for cell in row:
            if isinstance(cell, str):
                assert not cell.startswith(DANGEROUS), f"formula-like cell {cell!r} in {row!r}"


def read_people_csv(response) -> list[list[str]]:
    """A download for people: the BOM, semicolons; every cell checked."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert_safe_cells(rows)
    return rows


def read_xlsx(response) -> list[list[object]]:
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment; filename=")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert_safe_cells(rows)
    return rows


@pytest.fixture
def hostile(world_a: World, director) -> World:
    org = world_a.org
    programme = programme_services.create_programme(
        org,
        acting_user=director,
        code="EVIL",
        title=PROGRAMME_TITLE,
        category="AF",
        modality="presentiel",
        duration_hours=Decimal("35"),
        duration_days=Decimal("5"),
    )
    session = programme_services.create_session(
        org,
        acting_user=director,
        programme=programme,
        external_id=SESSION_ID,
        title=SESSION_TITLE,
        category="AF",
        modality="presentiel",
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 6, 26),
        duration_hours=Decimal("35"),
    )
    for i, (ext, last, first) in enumerate(
        [(LEARNER_ID, LAST_NAME, FIRST_NAME), ("A-2", "Durand", "Alex")]
    ):
        learner = learner_services.create_learner(
            org, acting_user=director, external_id=ext, last_name=last, first_name=first
        )
        enrolment = learner_services.enrol(
            learner, session, acting_user=director, enrolled_on=dt.date(2026, 2, 25)
        )
        if i == 1:
            dropouts_services.record_dropout(
                enrolment, acting_user=director, on=dt.date(2026, 4, 10), reason="sante", detail=""
            )
    services.store_scores(org, scoring.score(org, TODAY), acting_user=None)
    return world_a


@time_machine.travel(NOW, tick=False)
def test_the_risk_page_exports_neutralise_every_hostile_value(hostile: World, as_director):
    url = reverse("engagement:risk_export")
    rows = read_people_csv(as_director.get(url, {"q": "SUM"}))
    assert rows[0] == [
        "apprenant",
        "identifiant apprenant",
        "session",
        "score",
        "niveau",
        "raisons",
    ]
    (row,) = rows[1:]
    assert row[:3] == [f"'{LAST_NAME} {FIRST_NAME}", f"'{LEARNER_ID}", f"'{SESSION_TITLE}"]
    assert "," in row[3] and "." not in row[3]  # a decimal comma: Excel reads a number
    assert 0 <= float(row[3].replace(",", ".")) <= 1

    sheet = read_xlsx(as_director.get(reverse("engagement:risk_export_xlsx"), {"q": "SUM"}))
    assert sheet[0][:3] == ["apprenant", "identifiant apprenant", "session"]
    (cells,) = sheet[1:]
    assert cells[:3] == [f"'{LAST_NAME} {FIRST_NAME}", f"'{LEARNER_ID}", f"'{SESSION_TITLE}"]
    assert isinstance(cells[3], float) and 0 <= cells[3] <= 1  # a number, not a text
    assert cells[3] == pytest.approx(float(row[3].replace(",", ".")), abs=1e-4)


@time_machine.travel(NOW, tick=False)
def test_the_risk_command_writes_the_exchange_format_neutralised(hostile: World, capsys):
    call_command("risk", "--as-of", TODAY.isoformat(), "--format", "csv")
    out = capsys.readouterr().out
    assert not out.startswith("\ufeff")  # the exchange format: no BOM, commas
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["learner_external_id", "session_external_id", "score", "level", "reasons"]
    assert_safe_cells(rows)
    row = next(r for r in rows if r[0] == f"'{LEARNER_ID}")
    assert row[1] == f"'{SESSION_ID}"
    assert len(row[2]) == 6 and row[2].startswith("0.")  # 4 decimals, a decimal point


@time_machine.travel(NOW, tick=False)
def test_the_dropout_statistics_exports_neutralise_every_hostile_value(hostile: World, auditor):
    client = login(auditor)
    url = reverse("followup:dropout_stats")
    query = {"start": "2026-03-01", "end": "2026-06-30", "period": "mois"}
    page = client.get(url, query).content.decode()
    assert "format=xlsx" in page and "format=csv" in page

    rows = read_people_csv(client.get(url, {**query, "format": "csv"}))
    table = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert table[("Par session", f"'{SESSION_TITLE}")] == ["2", "1", "50,0"]
    assert table[("Par formation", f"'{PROGRAMME_TITLE}")] == ["2", "1", "50,0"]

    sheet = read_xlsx(client.get(url, {**query, "format": "xlsx"}))
    assert sheet[0] == ["axe", "valeur", "inscriptions", "abandons", "taux"]
    cells = {(r[0], r[1]): r[2:] for r in sheet[1:]}
    assert cells[("Par session", f"'{SESSION_TITLE}")] == [2, 1, 50.0]
    assert cells[("Par formation", f"'{PROGRAMME_TITLE}")] == [2, 1, 50.0]


def test_the_import_templates_are_the_exchange_format_in_csv_and_xlsx(as_director, org_a, tmp_path):
    for kind, importer in IMPORTERS.items():
        names = [c.name for c in importer.columns]
        response = as_director.get(reverse("import_template", args=[kind]))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        text = response.content.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == names and len(rows) == 2
        assert_safe_cells(rows)

        sheet = read_xlsx(as_director.get(reverse("import_template_xlsx", args=[kind])))
        assert sheet[0] == names
        # The XLSX template is read back by the importer as the same table.
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(as_director.get(reverse("import_template_xlsx", args=[kind])).content)
        report = run_import(kind, path, organisation=org_a, dry_run=True)
        assert not any(e.line == 1 for e in report.errors), report.errors


def test_the_error_list_of_a_refused_import_is_neutralised(
    as_director, org_a, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    header = "external_id,last_name,first_name,email,phone,disability,=cmd|' /C calc'!A0\n"
    content = header + f"{LEARNER_ID},{LAST_NAME},{FIRST_NAME},x,{SESSION_ID},2,\n"
    response = as_director.post(
        reverse("import_upload"),
        {"kind": "learners", "file": SimpleUploadedFile("=evil.csv", content.encode())},
    )
    call_command("worker", "--once")
    job = Job.objects.get(kind="imports.run")
    assert job.result["ok"] is False
    page = as_director.get(response["Location"]).content.decode()
    assert reverse("import_errors", args=[job.pk]) in page

    rows = read_people_csv(as_director.get(reverse("import_errors", args=[job.pk])))
    assert rows[0] == ["ligne", "colonne", "motif"]
    assert ["1", "'=cmd|' /C calc'!A0", "colonne inconnue"] in rows

    sheet = read_xlsx(as_director.get(reverse("import_errors_xlsx", args=[job.pk])))
    assert [1, "'=cmd|' /C calc'!A0", "colonne inconnue"] in sheet
    assert len(sheet) == len(rows)


def test_every_export_url_is_covered_here() -> None:
    """A new download of rows must be added to this file's hostile-value tests."""

    def names(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                yield from names(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                yield f"{prefix}{p.name}", str(p.pattern)

    looking_like_exports = {
        name
        for name, route in names(get_resolver().url_patterns)
        if route.endswith((".csv", ".xlsx")) or "export" in name
    }
    assert looking_like_exports <= EXPORT_URLS, looking_like_exports - EXPORT_URLS


def test_the_writer_neutralises_text_but_not_numbers() -> None:
    values = ["=1+2", "+33", "-x", "@SUM(A1)", "\tTAB", "\rCR", "ok", -2, Decimal("-0.5"), 1.5]
    people = exports.csv_text(["h"] * len(values), [values], dialect=exports.PEOPLE)
    assert people.startswith("\ufeff") and people.endswith("\r\n")
    _header, cells = list(csv.reader(io.StringIO(people.removeprefix("\ufeff")), delimiter=";"))
    assert cells == [
        "'=1+2",
        "'+33",
        "'-x",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
        "ok",
        "-2",
        "-0,5",
        "1,5",
    ]
    exchange = exports.csv_text(["h"], [[Decimal("0.25")], ["=x"]], dialect=exports.EXCHANGE)
    assert exchange == "h\n0.25\n'=x\n"


def test_the_survey_results_workbook_neutralises_every_hostile_value(org_a, director) -> None:
    from django.test import Client

    from parcours.programmes.models import Session
    from tests.feedback_support import at, build_cohort, launch, post_answers

    end = dt.date(2026, 6, 26)
    cohort = build_cohort(org_a, end=end, learners=5, prefix="H")
    Session.objects.filter(pk=cohort.session.pk).update(title=SESSION_TITLE)
    campaign = launch(org_a, "apprenant-a-chaud", cohort.session, end)
    for i, invitation in enumerate(campaign.invitations.order_by("name")):
        with time_machine.travel(at(end + dt.timedelta(days=1), 9, i), tick=False):
            answers = {"global": "4", "recommandation": "8", "commentaire": f"=1+{i}"}
            assert post_answers(Client(), invitation, answers).status_code == 200
    with time_machine.travel(at(end + dt.timedelta(days=2)), tick=False):
        response = login(director).get(
            reverse("feedback:results_xlsx") + f"?session={cohort.session.pk}"
        )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = []
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert_safe_cells(rows)
        cells += [c for row in rows for c in row]
    assert "'=1+0" in cells  # a verbatim (5 respondents: shown), as text
    assert any(isinstance(c, str) and c.startswith("'=HYPERLINK") for c in cells)
    with time_machine.travel(at(end + dt.timedelta(days=2)), tick=False):
        trends = login(director).get(reverse("feedback:trends_xlsx"), {"par": "mois"})
    for sheet in load_workbook(io.BytesIO(trends.content)).worksheets:
        assert_safe_cells([list(r) for r in sheet.iter_rows(values_only=True)])


def test_the_complaints_table_neutralises_every_hostile_value(org_a, director) -> None:
    from parcours.feedback.complaints import services as complaint_services
    from parcours.feedback.complaints.models import Kind

    facts = complaint_services.ComplaintFacts(
        kind=Kind.RECLAMATION,
        subject=SESSION_TITLE,
        description=PROGRAMME_TITLE,
        category="logistique",
        severity="moyenne",
        complainant="apprenant",
        contact_name=LAST_NAME,
        contact_email="plaignant@exemple.fr",
    )
    with time_machine.travel(NOW, tick=False):
        complaint_services.receive(org_a, facts, channel="formulaire")
        response = login(director).get(reverse("feedback:complaints:table_xlsx"))
    assert response.status_code == 200
    rows = read_xlsx(response)
    assert_safe_cells(rows)
    assert any(isinstance(c, str) and c.startswith("'=HYPERLINK") for row in rows for c in row)


def test_the_improvement_tracking_table_neutralises_every_hostile_value(org_a, director) -> None:
    from parcours.improvement.models import Origin
    from parcours.improvement.services.actions import propose_action

    with time_machine.travel(NOW, tick=False):
        propose_action(
            org_a,
            acting_user=director,
            origin=Origin.MANUAL,
            title=SESSION_TITLE,
            finding=PROGRAMME_TITLE,
            source_label=LAST_NAME,
        )
        response = login(director).get(reverse("improvement:table_xlsx"))
    rows = read_xlsx(response)
    assert_safe_cells(rows)
    assert any(isinstance(c, str) and c.startswith("'=HYPERLINK") for row in rows for c in row)
    assert "'@SUM(A1)" in rows[1]


def test_the_risk_register_neutralises_every_hostile_value(org_a, director) -> None:
    from parcours.improvement.risks import services as risk_services

    with time_machine.travel(NOW, tick=False):
        risk_services.create_risk(
            org_a,
            acting_user=director,
            title=SESSION_TITLE,
            category="pedagogie",
            likelihood=3,
            impact=3,
            controls=LAST_NAME,
        )
        response = login(director).get(reverse("improvement:risks:register_xlsx"))
    rows = read_xlsx(response)
    assert_safe_cells(rows)
    cells = [c for row in rows for c in row]
    assert '\'=HYPERLINK("http://evil.test","x")' in cells and "'@SUM(A1)" in cells
