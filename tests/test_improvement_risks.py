"""The quality risk register (I32, V10): the starting set, the flag on high and critical
risks without treatment (cleared by a treatment action), the yearly review, the data
beside the likelihood, and the register read back from its XLSX and PDF."""

import datetime as dt
import html
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from parcours.core.models import JournalEntry
from parcours.feedback.complaints import services as complaint_services
from parcours.feedback.complaints.models import Kind
from parcours.followup.services import dropouts
from parcours.improvement.models import Action, Origin
from parcours.improvement.risks import services
from parcours.improvement.risks.models import Risk, RiskCategory, RiskLevel, level_of
from parcours.improvement.services import actions as action_services
from parcours.improvement.services.actions import propose_action
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 9, 15, 10, 0, tzinfo=PARIS)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def untreated_titles(client) -> list[str]:
    page = client.get(reverse("improvement:risks:register")).content.decode()
    rows = [row for row in page.split("<tr") if 'data-flag="sans-traitement"' in row]
    return [
        Risk.objects.get(pk=int(row.split("/amelioration/risques/")[1].split("/")[0])).title
        for row in rows
    ]


def test_the_scale_and_levels() -> None:
    assert [level_of(n) for n in (1, 3, 4, 6, 8, 9, 12, 16)] == [
        RiskLevel.LOW,
        RiskLevel.LOW,
        RiskLevel.MEDIUM,
        RiskLevel.MEDIUM,
        RiskLevel.HIGH,
        RiskLevel.HIGH,
        RiskLevel.CRITICAL,
        RiskLevel.CRITICAL,
    ]


def test_a_new_organisation_starts_with_an_editable_register(org_a, quality) -> None:
    risks = Risk.objects.filter(organisation=org_a)
    assert risks.count() == 10
    assert risks.filter(title="Rupture du contrat d'apprentissage non anticipée").exists()
    assert (
        JournalEntry.objects.filter(organisation=org_a, verb="risks.default_created").count() == 10
    )
    risk = risks.get(key="panne-plateforme")
    response = login(quality).post(
        reverse("improvement:risks:edit", args=[risk.pk]),
        {"title": "Panne du LMS", "category": RiskCategory.DIGITAL, "likelihood": 3, "impact": 3},
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.title, risk.criticality, risk.level) == ("Panne du LMS", 9, RiskLevel.HIGH)
    assert JournalEntry.objects.filter(verb="risks.updated", object_id=str(risk.pk)).exists()


def test_high_risks_without_treatment_are_flagged_and_a_treatment_clears_the_flag(
    org_a, quality, director
) -> None:
    client = login(quality)
    # The starting set has no élevé or critique risk; one is scored so.
    risk = Risk.objects.get(organisation=org_a, key="rupture-contrat-apprentissage")
    services.update_risk(risk, acting_user=quality, likelihood=3, impact=4)
    assert untreated_titles(client) == [risk.title]
    assert (
        "1 risque élevé ou critique sans traitement"
        in client.get(reverse("improvement:risks:register")).content.decode()
    )

    # A treatment action created from the risk (origin "risque", the risk as its source).
    response = client.post(
        reverse("improvement:risks:treat", args=[risk.pk]),
        {"title": "Entretien tripartite à 45 jours", "finding": "", "deadline": "2026-10-30"},
    )
    assert response.status_code == 302
    action = Action.objects.get(organisation=org_a, title="Entretien tripartite à 45 jours")
    assert (action.origin, action.source_type, action.source_id) == (
        Origin.RISK,
        "improvement.risk",
        str(risk.pk),
    )
    assert untreated_titles(client) == []

    # Unlinked, the flag is back; an existing action linked clears it again.
    assert (
        client.post(reverse("improvement:risks:unlink", args=[risk.pk, action.pk])).status_code
        == 302
    )
    assert untreated_titles(client) == [risk.title]
    other = propose_action(
        org_a, acting_user=director, origin=Origin.MANUAL, title="Fiches de liaison", finding="x"
    )
    response = client.post(reverse("improvement:risks:link", args=[risk.pk]), {"action": other.pk})
    assert response.status_code == 302
    assert untreated_titles(client) == []
    verbs = set(
        JournalEntry.objects.filter(object_id=str(risk.pk), verb__startswith="risks.").values_list(
            "verb", flat=True
        )
    )
    assert {"risks.treatment_linked", "risks.treatment_unlinked"} <= verbs


def test_an_abandoned_action_is_no_treatment(org_a, director) -> None:
    risk = Risk.objects.get(organisation=org_a, key="handicap-non-identifie")
    services.update_risk(risk, acting_user=director, likelihood=3, impact=4)  # 12, critique
    action = services.propose_treatment(risk, acting_user=director, title="Questionnaire d'accueil")
    risk = Risk.objects.prefetch_related("treatments").get(pk=risk.pk)
    assert not risk.untreated
    action_services.abandon(action, reason="Remplacée", acting_user=director)
    risk = Risk.objects.prefetch_related("treatments").get(pk=risk.pk)
    assert risk.level == RiskLevel.CRITICAL and risk.untreated


def test_bad_input_is_refused_in_french_and_changes_nothing(org_a, quality) -> None:
    risk = Risk.objects.get(organisation=org_a, key="groupe-heterogene")
    client = login(quality)
    response = client.post(
        reverse("improvement:risks:edit", args=[risk.pk]),
        {"title": "", "category": "inconnue", "likelihood": 5, "impact": 2},
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    response = client.post(
        reverse("improvement:risks:new"),
        {
            "title": "Résiduel à moitié",
            "category": RiskCategory.PEDAGOGY,
            "likelihood": 2,
            "impact": 2,
            "residual_likelihood": 1,
        },
    )
    assert response.status_code == 400
    assert "probabilité et l'impact résiduels" in html.unescape(response.content.decode())
    risk.refresh_from_db()
    assert (risk.title, risk.likelihood) == ("Groupe trop hétérogène (niveaux, attentes)", 3)
    assert Risk.objects.filter(organisation=org_a).count() == 10
    response = client.post(reverse("improvement:risks:link", args=[risk.pk]), {"action": 999999})
    assert response.status_code == 400
    assert not risk.treatments.exists()


def test_the_yearly_review_is_recorded_and_flagged_when_late(org_a, quality) -> None:
    client = login(quality)
    url = reverse("improvement:risks:register")
    assert "aucune revue du registre" in client.get(url).content.decode()
    ids = list(Risk.objects.filter(organisation=org_a).values_list("pk", flat=True))
    response = client.post(
        reverse("improvement:risks:yearly_review"),
        {"held_on": "2026-09-10", "note": "Registre revu en COPIL.", "risks": ids},
    )
    assert response.status_code == 302
    assert 'data-flag="revue-en-retard"' not in client.get(url).content.decode()
    assert set(Risk.objects.filter(organisation=org_a).values_list("review_on", flat=True)) == {
        dt.date(2027, 9, 10)
    }
    with time_machine.travel(dt.datetime(2027, 9, 20, 10, 0, tzinfo=PARIS), tick=False):
        page = login(quality).get(url).content.decode()
    assert 'data-flag="revue-en-retard"' in page
    assert "la dernière revue du registre date du 10/09/2026" in page


def test_the_data_beside_the_likelihood(org_a, world_a: World, quality) -> None:
    facts = complaint_services.ComplaintFacts(
        kind=Kind.RECLAMATION,
        subject="Accès PMR",
        description="Pas de rampe.",
        category="accessibilite",
        severity="moyenne",
        complainant="apprenant",
        contact_name="X",
    )
    complaint_services.receive(org_a, facts, channel="courriel")
    complaint_services.receive(org_a, facts, channel="courriel")
    risk = Risk.objects.get(organisation=org_a, key="handicap-non-identifie")
    page = login(quality).get(reverse("improvement:risks:detail", args=[risk.pk])).content.decode()
    assert "Réclamations « Accessibilité » sur 12 mois : <strong>2</strong>" in page

    # The programme's dropout rate, beside the apprenticeship risk set on that programme.
    risk = Risk.objects.get(organisation=org_a, key="rupture-contrat-apprentissage")
    services.update_risk(risk, acting_user=quality, programme=world_a.programme)
    url = reverse("improvement:risks:detail", args=[risk.pk])
    assert "Taux d'abandon sur 12 mois : <strong>0,0 %</strong>" in html.unescape(
        login(quality).get(url).content.decode()
    )
    dropouts.record_dropout(
        world_a.enrolment,
        acting_user=quality,
        on=TODAY - dt.timedelta(days=10),
        reason="rupture_contrat",
    )
    assert "Taux d'abandon sur 12 mois : <strong>100,0 %</strong>" in html.unescape(
        login(quality).get(url).content.decode()
    )


def test_the_register_read_back_from_its_xlsx_and_pdf(org_a, director, auditor) -> None:
    risk = Risk.objects.get(organisation=org_a, key="rupture-contrat-apprentissage")
    services.update_risk(risk, acting_user=director, likelihood=4, impact=4)
    treated = Risk.objects.get(organisation=org_a, key="decrochage-non-detecte")
    services.update_risk(treated, acting_user=director, likelihood=3)
    services.propose_treatment(treated, acting_user=director, title="Appels à J+7")
    client = login(auditor)
    response = client.get(reverse("improvement:risks:register_xlsx"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, lines = rows[0], rows[1:]
    assert len(lines) == 10
    by_title = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    row = by_title["Rupture du contrat d'apprentissage non anticipée"]
    assert (row["Criticité"], row["Niveau"], row["Élevé ou critique sans traitement"]) == (
        16,
        "Critique",
        "oui",
    )
    row = by_title["Décrochage d'un apprenant détecté trop tard"]
    assert row["Élevé ou critique sans traitement"] == "non"
    assert "A0001 Appels à J+7" in row["Actions de traitement"]

    response = client.get(reverse("improvement:risks:register_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Registre des risques qualité" in text
    flat = " ".join(text.split())
    assert "Sans traitement" in flat, flat
    assert "Faible : 1 à 3" in flat
