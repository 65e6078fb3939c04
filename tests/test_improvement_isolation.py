"""Isolation and roles on every improvement-action URL: another organisation gets 404 on
A's records (and never sees them in its lists), a trainer (chargé de suivi) reads but
writes nothing, a tutor and a learner get nothing, the auditor reads everything with the
source records' personal details masked. Reads and writes alike; refused writes change
nothing. The tracking table is read back (openpyxl, pypdf) and written by the CLI."""

import datetime as dt
import html
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from parcours.core.models import JournalEntry
from parcours.feedback import triage
from parcours.feedback.complaints import services as complaint_services
from parcours.feedback.complaints.models import Complaint
from parcours.feedback.models import AttributedAnswer, TriageDecision, TriageOutcome
from parcours.improvement import handoffs
from parcours.improvement.models import Action, Origin, Suggestion, SuggestionKind
from parcours.improvement.services import actions as action_services
from parcours.improvement.services import effectiveness
from tests.conftest import login
from tests.feedback_support import at, build_cohort, launch, post_answers

TODAY = dt.date(2026, 4, 15)
TITLE = "Revoir l'accueil des nouveaux arrivants"


@pytest.fixture
def records(world_a, director, quality):
    with time_machine.travel(at(TODAY), tick=False):
        facts = complaint_services.ComplaintFacts(
            kind="reclamation",
            subject="Accueil",
            description="Personne à l'accueil",
            category="organisation",
            severity="moyenne",
            complainant="apprenant",
            contact_name="Dominique Secret",
            contact_email="dominique.secret@exemple.fr",
        )
        complaint, _code = complaint_services.receive(
            world_a.org, facts, channel="courriel", received_at=at(TODAY - dt.timedelta(days=1))
        )
        action = action_services.propose_action(
            world_a.org,
            acting_user=quality,
            origin=Origin.COMPLAINT,
            title=TITLE,
            finding="Deux réclamations sur l'accueil.",
            source=complaint,
            source_label="Réclamation de Dominique Secret",
            owner=quality,
            deadline=TODAY + dt.timedelta(days=30),
        )
        effectiveness.add_check(
            action,
            acting_user=quality,
            measure="reclamations",
            parameters={"category": "organisation"},
            target=0,
            action_date=TODAY,
            measure_on=TODAY + dt.timedelta(days=60),
        )
        suggestion = Suggestion.objects.create(
            organisation=world_a.org,
            kind=SuggestionKind.COMPLAINTS,
            key="k",
            text="3 réclamations",
            as_of=TODAY,
        )
    return action, suggestion


def _reads(action):
    return [
        reverse("improvement:overview"),
        reverse("improvement:list"),
        reverse("improvement:suggestions"),
        reverse("improvement:table_xlsx"),
        reverse("improvement:table_pdf"),
        reverse("improvement:report_pdf") + "?start=2026-01-01&end=2026-12-31",
        reverse("improvement:detail", args=[action.pk]),
    ]


def _writes(action, suggestion):
    step = lambda name: reverse("improvement:step", args=[action.pk, name])  # noqa: E731
    return [
        (
            reverse("improvement:new"),
            {
                "title": "x",
                "origin": "manuelle",
                "finding": "y",
                "kind": "corrective",
                "priority": "normale",
            },
        ),
        (
            reverse("improvement:edit", args=[action.pk]),
            {"title": "x", "finding": "y", "kind": "corrective", "priority": "normale"},
        ),
        (step("valider"), {}),
        (step("demarrer"), {}),
        (step("realiser"), {"done_note": "fait"}),
        (step("cloturer"), {}),
        (step("abandonner"), {"reason": "r"}),
        (step("suivre"), {"title": "t", "finding": "f"}),
        (
            step("verification"),
            {
                "measure": "taux_abandon",
                "target": "1",
                "action_date": "2026-04-15",
                "measure_on": "2026-06-15",
            },
        ),
        (step("resultat"), {"value_after": "1", "evidence_note": "n"}),
        (reverse("improvement:suggestions_compute"), {"as_of": "2026-04-15"}),
        (
            reverse("improvement:suggestion_decide", args=[suggestion.pk, "accepter"]),
            {f"s{suggestion.pk}-title": "t"},
        ),
        (
            reverse("improvement:suggestion_decide", args=[suggestion.pk, "ecarter"]),
            {"reason": "r"},
        ),
    ]


def _state():
    return (
        list(Action.objects.order_by("pk").values_list("pk", "state", "title")),
        list(Suggestion.objects.values_list("pk", "state")),
        JournalEntry.objects.filter(verb__startswith="improvement.").count(),
    )


def test_other_roles_and_organisations(
    records, world_b, outsider, officer, tutor_user, learner_user, auditor
):
    action, suggestion = records
    object_urls = {
        reverse("improvement:detail", args=[action.pk]),
    }
    before = _state()
    with time_machine.travel(at(TODAY, 12), tick=False):
        # Another organisation: A's records are 404; its own lists never show them.
        client = login(outsider)
        for url in _reads(action):
            response = client.get(url)
            expected = 404 if url in object_urls else 200
            assert response.status_code == expected, url
            if url.endswith("/") and expected == 200:
                assert TITLE not in html.unescape(response.content.decode()), url
        xlsx = load_workbook(io.BytesIO(client.get(reverse("improvement:table_xlsx")).content))
        assert xlsx.worksheets[0].max_row == 1  # header only
        own = {reverse("improvement:new"), reverse("improvement:suggestions_compute")}
        for url, data in _writes(action, suggestion):
            if url in own:  # (these act on its own organisation)
                continue
            assert client.post(url, data).status_code == 404, url
            assert client.get(url).status_code in (404, 405), url
        # A trainer (chargé de suivi) reads, writes nothing.
        client = login(officer)
        for url in _reads(action):
            assert client.get(url).status_code == 200, url
        for url, data in _writes(action, suggestion):
            assert client.post(url, data).status_code == 403, url
        assert client.get(reverse("improvement:new")).status_code == 403
        assert client.get(reverse("improvement:edit", args=[action.pk])).status_code == 403
        # A tutor and a learner get nothing.
        for user in (tutor_user, learner_user):
            client = login(user)
            for url in _reads(action):
                assert client.get(url).status_code == 403, (user, url)
            for url, data in _writes(action, suggestion):
                assert client.post(url, data).status_code == 403, (user, url)
        # The auditor reads everything, with the complainant's name masked.
        client = login(auditor)
        for url in _reads(action):
            response = client.get(url)
            assert response.status_code == 200, url
            if not url.endswith((".xlsx", ".pdf")) and "pdf" not in url:
                assert "Dominique Secret" not in html.unescape(response.content.decode()), url
        page = html.unescape(
            client.get(reverse("improvement:detail", args=[action.pk])).content.decode()
        )
        assert "(masqué)" in page and TITLE in page
        rows = list(
            load_workbook(io.BytesIO(client.get(reverse("improvement:table_xlsx")).content))
            .worksheets[0]
            .values
        )
        assert rows[1][3] == "(masqué)"
        for url, data in _writes(action, suggestion):
            assert client.post(url, data).status_code == 403, url
    assert _state() == before


def test_tracking_table_xlsx_pdf_and_cli(records, director, quality, tmp_path):
    action, _suggestion = records
    with time_machine.travel(at(TODAY, 12), tick=False):
        second = action_services.propose_action(
            action.organisation,
            acting_user=quality,
            origin=Origin.MANUAL,
            title="Deuxième",
            finding="f",
        )
        action_services.validate(action, acting_user=director)
        client = login(director)
        response = client.get(reverse("improvement:table_xlsx"))
        rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
        header = rows[0]
        assert len(rows) == 3  # one row per action
        by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        first = by_ref[action.reference]
        assert first["Origine"] == "Réclamation, aléa ou difficulté"
        assert first["Source"] == "Réclamation de Dominique Secret"  # unmasked for staff
        assert first["État"] == "Validée"
        assert first["Valeur avant"] == 1.0 and first["Cible"] == 0
        assert first["Verdict"] == "À mesurer"
        assert first["Validée le"].date() == TODAY
        assert by_ref[second.reference]["Mesure d'efficacité"] in ("", None)
        pdf = client.get(reverse("improvement:table_pdf"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert action.reference in text and "Deuxième" in text
        report = client.get(reverse("improvement:report_pdf") + "?start=2026-01-01&end=2026-12-31")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
        assert "Actions ouvertes : 2" in text
        assert (
            client.get(
                reverse("improvement:report_pdf") + "?start=2026-12-31&end=2026-01-01"
            ).status_code
            == 400
        )
    output = tmp_path / "suivi.xlsx"
    call_command("improvement", "table", "--output", str(output))
    rows = list(load_workbook(output).worksheets[0].values)
    assert [row[0] for row in rows[1:]] == [action.reference, second.reference]


def test_the_complaint_button_proposes_an_action(records, quality):
    action, _ = records
    complaint = Complaint.objects.get(organisation=action.organisation)
    with time_machine.travel(at(TODAY, 12), tick=False):
        client = login(quality)
        complaint_services.acknowledge(complaint, acting_user=quality)
        response = client.post(
            reverse("feedback:complaints:transition", args=[complaint.pk, "ameliorer"]),
            {"text": "Un agent d'accueil le matin"},
        )
    assert response.status_code == 302
    created = Action.objects.get(
        source_type="feedback.complaint", title="Un agent d'accueil le matin"
    )
    assert created.origin == Origin.COMPLAINT and created.source_id == str(complaint.pk)
    complaint.refresh_from_db()
    assert complaint.improvement_suggestion == "Un agent d'accueil le matin"


def test_bad_input_changes_nothing(records, director, quality):
    action, suggestion = records
    before = _state()
    step = lambda name: reverse("improvement:step", args=[action.pk, name])  # noqa: E731
    with time_machine.travel(at(TODAY, 12), tick=False):
        client = login(quality)
        assert client.post(step("realiser"), {"done_note": "x"}).status_code == 400  # not validated
        assert client.post(step("abandonner"), {"reason": "  "}).status_code == 400
        assert client.post(step("cloturer")).status_code == 400
        response = client.post(
            step("verification"),
            {
                "measure": "manuelle",
                "target": "1",
                "action_date": "2026-04-15",
                "measure_on": "2026-04-01",
            },
        )
        assert response.status_code == 400
        assert "La date de mesure doit suivre" in html.unescape(response.content.decode())
        assert (
            client.post(
                reverse("improvement:suggestion_decide", args=[suggestion.pk, "ecarter"]),
                {"reason": ""},
            ).status_code
            == 400
        )
        assert client.post(step("inconnu")).status_code == 404
    assert _state() == before
    # A manual measure needs its evidence (a note or a file).
    other = action_services.propose_action(
        action.organisation, acting_user=quality, origin=Origin.MANUAL, title="M", finding="f"
    )
    with pytest.raises(ValidationError, match="preuve"):
        effectiveness.add_check(
            other,
            acting_user=quality,
            measure="manuelle",
            target=1,
            value_before=2,
            action_date=TODAY,
            measure_on=TODAY + dt.timedelta(days=10),
        )
    assert not other.checks.exists()


def test_triage_of_a_survey_answer_proposes_an_action_without_naming_anyone(org_a, quality):
    # (another module's test unregisters the hook when it is done: register it again)
    triage.register_handler(TriageOutcome.IMPROVEMENT, handoffs.from_triage)
    end, day = dt.date(2026, 5, 29), dt.date(2026, 4, 16)
    cohort = build_cohort(org_a, end=end, learners=1, prefix="T")
    campaign = launch(org_a, "point-mi-parcours", cohort.session, dt.date(2026, 4, 14))
    invitation = campaign.invitations.get(learner__external_id="T-L0")
    with time_machine.travel(at(day, 18), tick=False):
        answers = {"ca-se-passe": 2, "arreter": 0, "besoin": "Plus de pratique"}
        assert post_answers(Client(), invitation, answers).status_code == 200
    low = AttributedAnswer.objects.get(item__key="ca-se-passe")
    with time_machine.travel(at(day + dt.timedelta(days=1), 11), tick=False):
        login(quality).post(
            reverse("feedback:triage", args=[campaign.pk]),
            {"answer": low.pk, "outcome": "amelioration"},
        )
    action = Action.objects.get(organisation=org_a)
    decision = TriageDecision.objects.get()
    assert decision.reference == action.reference
    assert decision.url == reverse("improvement:detail", args=[action.pk])
    assert (action.origin, action.source_type) == (Origin.SURVEY, "feedback.campaign")
    learner = cohort.enrolments[0].learner
    assert learner.last_name not in action.source_label + action.finding + action.title
