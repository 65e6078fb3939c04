"""On the demo, a mock audit with a sample covering everything finds exactly the gaps the
demo plants, with their indicators and grades, and nothing else; fixing each one through
the pages (holding the interview and writing its report, recording the dropout's cause,
asking the company and the funder) makes its finding disappear at the next run.

The planted gaps (see `parcours/demo/`): a case step never done and a dropout with no
record of its cause (I12, minor), a past session whose companies and funders were never
asked (I30, minor), a complaint answered late (I31, major), a critical risk of the
quality risk register with no treatment (I32, major). Its other register entries are
answered in time or still within their deadlines: nothing else is found.
"""

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from parcours.audit.models import Finding, MockAudit
from parcours.core.models import Organisation, Role
from parcours.demo.quality import UNTREATED_KEY
from parcours.feedback.complaints.models import OPEN_STATUSES, Complaint
from parcours.feedback.models import Questionnaire
from parcours.followup.models import CaseStep, Dropout, StepStatus
from parcours.improvement.models import Action, Origin
from parcours.improvement.risks.models import Risk
from parcours.learners.models import Enrolment, EnrolmentStatus
from parcours.programmes.models import Session
from tests import demo_support
from tests.demo_support import DEMO_DAY, NOON, PARIS, persona

built_demo, demo = demo_support.built_demo, demo_support.demo  # the module's fixtures

EVERYTHING = "10000"


def mock_run(seed: int = 7) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "audit",
        "mock",
        "--as-of",
        DEMO_DAY.isoformat(),
        "--seed",
        str(seed),
        "--sample",
        EVERYTHING,
        "--format",
        "json",
        stdout=out,
    )
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def found(data: dict[str, Any]) -> set[tuple[int, str, str, str]]:
    return {(f["indicator"], f["grade"], f["rule"], f["external_id"]) for f in data["findings"]}


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(persona(role))
    return client


def planted(demo: Organisation) -> dict[str, Any]:
    """The demo's planted records, found from the data (not from the audit)."""
    step = CaseStep.objects.get(
        organisation=demo, status=StepStatus.TODO, due_on__lt=DEMO_DAY, mandatory=True
    )
    no_record = Enrolment.objects.get(
        organisation=demo, status=EnrolmentStatus.ABANDON, dropout__isnull=True
    )
    late = [
        c
        for c in Complaint.objects.filter(organisation=demo, answered_at__isnull=False)
        if c.answered_at.astimezone(PARIS).date() > c.answer_due  # type: ignore[union-attr]
    ]
    assert len(late) == 1
    # Every entry still open is within its deadlines.
    assert Complaint.objects.filter(organisation=demo, status__in=OPEN_STATUSES).exists()
    assert not Complaint.objects.filter(
        organisation=demo, status__in=OPEN_STATUSES, answer_due__lt=DEMO_DAY
    ).exists()
    return {"step": step, "no_record": no_record, "late": late[0]}


def test_the_mock_audit_finds_exactly_the_planted_gaps_then_each_fix_clears_its_own(
    demo: Organisation,
) -> None:
    marks = planted(demo)
    step, no_record = marks["step"], marks["no_record"]
    first = mock_run()
    gap_session = Session.objects.get(
        organisation=demo,
        external_id=next(
            f["external_id"] for f in first["findings"] if f["rule"] == "I30-JAMAIS-ENTREPRISE"
        ),
    )
    complaint_session = marks["late"].session.external_id
    expected = {
        (12, "nc_mineure", "I12-ETAPE", step.case.enrolment.learner.external_id),
        (12, "nc_mineure", "I12-ABANDON-FICHE", no_record.learner.external_id),
        (30, "nc_mineure", "I30-JAMAIS-ENTREPRISE", gap_session.external_id),
        (30, "nc_mineure", "I30-JAMAIS-FINANCEUR", gap_session.external_id),
        (31, "nc_majeure", "I31-REPONSE", complaint_session),
        (32, "nc_majeure", "I32-RISQUE", UNTREATED_KEY),
    }
    assert found(first) == expected
    assert {f["for_whom"] for f in first["findings"] if f["indicator"] == 31} == {
        str(marks["late"])
    }
    # The gap session asked its learners and trainers, and reminded them: only the company
    # and the funder are missing, hence a minor non-conformity.
    assert {k: v["grade"] for k, v in first["grades"].items()} == {
        "12": "nc_mineure",
        "30": "nc_mineure",
        "31": "nc_majeure",
        "32": "nc_majeure",
    }
    assert first["overall"] == "nc_majeure"
    # Replayable: the same seed on the same day, the same sample and the same findings.
    assert mock_run()["sample"] == first["sample"]
    assert found(mock_run()) == expected

    # Fix 1: the interview is held and its report written (the officer, through the pages).
    officer = client_for(Role.SUIVI)
    case = step.case
    response = officer.post(
        f"/suivi/dossiers/{case.pk}/rendez-vous/",
        {
            "kind": "entretien",
            "starts_at": "2026-03-16T14:00",
            "duration_minutes": "45",
            "place": "Bureau du suivi",
            "staff": [str(case.assigned_to_id)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    with time_machine.travel(NOON + dt.timedelta(hours=5), tick=False):
        response = officer.post(
            f"/suivi/rendez-vous/{meeting_id}/compte-rendu/",
            {"report": "Entretien tenu : l'apprenante confirme son départ, sans autre solution."},
        )
        assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    # Fix 2: the dropout's cause and the actions tried are recorded.
    response = officer.post(
        f"/suivi/inscriptions/{no_record.pk}/abandon/",
        {
            "on": no_record.ended_on.isoformat(),  # type: ignore[union-attr]
            "reason": "personnelle",
            "detail": no_record.end_reason,
            "actions_before": "Appel et entretien de suivi avant le départ.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dropout.objects.filter(enrolment=no_record, reason="personnelle").exists()
    # Fix 3: the référent qualité asks the session's companies and funders.
    quality = client_for(Role.QUALITE)
    for key in ("entreprise", "financeur"):
        questionnaire = Questionnaire.objects.get(organisation=demo, key=key)
        response = quality.post(
            "/questionnaires/", {"questionnaire": questionnaire.pk, "session": gap_session.pk}
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    # Fix 4: the critical risk gets its treatment action.
    risk = Risk.objects.get(organisation=demo, key=UNTREATED_KEY)
    response = quality.post(
        f"/amelioration/risques/{risk.pk}/traitements/nouvelle/",
        {"title": "Point mensuel avec chaque maître d'apprentissage", "deadline": "2026-06-30"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # A late answer cannot be undone: it becomes an improvement action, in one click.
    response = quality.post(
        "/audit/audits-blancs/",
        {"as_of": DEMO_DAY.isoformat(), "seed": "7", "sample_size": EVERYTHING},
    )
    assert response.status_code == 302
    stored = MockAudit.objects.get(organisation=demo)
    assert {(f.indicator, f.grade, f.rule, f.external_id) for f in stored.findings.all()} == {
        e for e in expected if e[2].startswith("I31")
    }
    late = stored.findings.get(rule="I31-REPONSE")
    response = quality.post(f"/audit/constats/{late.pk}/action/")
    assert response.status_code == 302
    action = Action.objects.get(organisation=demo, origin=Origin.AUDIT)
    assert (action.source_type, action.source_id) == ("audit.finding", str(late.pk))
    late.refresh_from_db()
    assert late.action == action
    # Only once.
    quality.post(f"/audit/constats/{late.pk}/action/")
    assert Action.objects.filter(organisation=demo, origin=Origin.AUDIT).count() == 1

    after = mock_run()
    assert found(after) == {e for e in expected if e[2].startswith("I31")}
    assert after["grades"]["12"]["grade"] == "conforme"
    assert after["grades"]["30"]["grade"] == "conforme"
    assert after["grades"]["32"]["grade"] == "conforme"


def test_the_report_pages_and_the_pdf(demo: Organisation) -> None:
    quality = client_for(Role.QUALITE)
    response = quality.post(
        "/audit/audits-blancs/", {"as_of": DEMO_DAY.isoformat(), "seed": "3", "sample_size": "50"}
    )
    assert response.status_code == 302
    run = MockAudit.objects.get(organisation=demo)
    page = quality.get(run.get_absolute_url()).content.decode()
    assert "NC majeure" in page and "I31-REPONSE" in page
    # Each finding cites the text of the indicator in force for its session (V9 here).
    finding = run.findings.get(rule="I12-ETAPE")
    assert finding.version == "V9" and finding.indicator_text in page
    response = quality.get(f"/audit/audits-blancs/{run.pk}/rapport.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Rapport d'audit blanc" in text
    assert finding.external_id in text and "NC majeure" in text
    # The readiness page: the direction sees what is missing, and for whom.
    readiness = client_for(Role.DIRECTION).get("/audit/preparation/").content.decode()
    assert "À risque" in readiness and finding.external_id in readiness
    assert "Documents fournis" in readiness


@pytest.mark.parametrize("role", [Role.AUDITEUR, Role.SUIVI])
def test_who_may_run_a_mock_audit(demo: Organisation, role: str) -> None:
    client = client_for(role)
    response = client.post(
        "/audit/audits-blancs/", {"as_of": DEMO_DAY.isoformat(), "seed": "3", "sample_size": "2"}
    )
    assert response.status_code == 403
    assert not MockAudit.objects.filter(organisation=demo).exists()
    assert not Finding.objects.filter(organisation=demo).exists()
