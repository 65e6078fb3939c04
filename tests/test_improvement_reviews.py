"""Quality reviews (revue qualité, COPIL): the agenda filled with the figures since the
last review, frozen when the review is held (later data leave it as it was discussed),
minutes, decisions that become improvement actions, and the PDF read back."""

import datetime as dt
import html
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from parcours.core.models import JournalEntry
from parcours.feedback.complaints import services as complaint_services
from parcours.feedback.complaints.models import Kind
from parcours.improvement.models import Action, ActionState, Origin
from parcours.improvement.reviews import agenda, services
from parcours.improvement.reviews.models import Review, ReviewStatus
from parcours.improvement.risks import services as risk_services
from parcours.improvement.risks.models import Risk
from tests.conftest import login

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 10, 5, 10, 0, tzinfo=PARIS)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def receive(org, category: str = "pedagogie", subject: str = "Cours annulé") -> None:
    facts = complaint_services.ComplaintFacts(
        kind=Kind.RECLAMATION,
        subject=subject,
        description="Sans prévenir.",
        category=category,
        severity="moyenne",
        complainant="apprenant",
        contact_name="Y",
    )
    complaint_services.receive(org, facts, channel="courriel")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_review_held_freezes_its_agenda_and_decisions_become_actions(
    org_a, quality, director
) -> None:
    receive(org_a)
    risk = Risk.objects.get(organisation=org_a, key="rupture-contrat-apprentissage")
    risk_services.update_risk(risk, acting_user=director, likelihood=4, impact=4)
    client = login(quality)
    response = client.post(
        reverse("improvement:reviews:new"),
        {
            "held_on": TODAY.isoformat(),
            "kind": "copil",
            "participants": [director.membership.pk],
            "other_participants": "Mme Lefèvre (financeur)\nM. Roux (entreprise)",
        },
    )
    assert response.status_code == 302
    review = Review.objects.get(organisation=org_a)
    url = reverse("improvement:reviews:detail", args=[review.pk])
    page = text(client.get(url))
    assert "Reçues : 1 ; répondues : 0." in page
    assert (
        "Sans traitement : Rupture du contrat d'apprentissage non anticipée (Critique, 16)" in page
    )
    assert "Mme Lefèvre (financeur)" in page

    # Holding needs the minutes.
    response = client.post(reverse("improvement:reviews:hold", args=[review.pk]))
    assert response.status_code == 400
    assert "Rédigez le compte rendu" in text(response)
    response = client.post(
        reverse("improvement:reviews:edit", args=[review.pk]),
        {
            "held_on": TODAY.isoformat(),
            "kind": "copil",
            "participants": [director.membership.pk],
            "other_participants": "Mme Lefèvre (financeur)",
            "minutes": "La réclamation pédagogique est analysée ; le risque de rupture est critique.",
        },
    )
    assert response.status_code == 302
    assert client.post(reverse("improvement:reviews:hold", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    assert review.agenda["complaints"]["received"] == 1
    assert review.agenda["until"] == TODAY.isoformat()

    # Two decisions, each an improvement action (origin "revue", the review as its source).
    for title in ("Entretien tripartite à 45 jours", "Former les tuteurs"):
        response = client.post(
            reverse("improvement:reviews:decide", args=[review.pk]),
            {"title": title, "finding": "", "deadline": "2026-12-15"},
        )
        assert response.status_code == 302
    decisions = list(services.decisions_of(review))
    assert [a.title for a in decisions] == ["Entretien tripartite à 45 jours", "Former les tuteurs"]
    assert all(
        (a.origin, a.source_type, a.source_id, a.state)
        == (Origin.REVIEW, "improvement.review", str(review.pk), ActionState.PROPOSED)
        for a in decisions
    )

    # Later data leave the held review's agenda as it was discussed.
    receive(org_a, subject="Salle trop petite")
    receive(org_a, subject="Support absent")
    page = text(client.get(url))
    assert "Reçues : 1 ; répondues : 0." in page
    later = Review(organisation=org_a, held_on=TODAY)
    assert agenda.compute(later)["complaints"]["received"] == 3

    # The PDF: the frozen figures, the minutes, the decisions, the charts' data.
    response = login(director).get(reverse("improvement:reviews:pdf", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Reçues : 1 ; répondues : 0." in pdf_text
    assert "le risque de rupture est critique" in pdf_text
    assert "A0001 Entretien tripartite à 45 jours" in pdf_text
    assert "Réclamations par catégorie" in pdf_text
    assert "Journal" in pdf_text  # the journal chain's footer
    verbs = set(JournalEntry.objects.filter(organisation=org_a).values_list("verb", flat=True))
    assert {"reviews.planned", "reviews.updated", "reviews.held"} <= verbs


def test_the_agenda_counts_since_the_last_held_review(org_a, director) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False):
        receive(org_a, subject="Avant la première revue")
        first = services.plan_review(
            org_a, acting_user=director, held_on=dt.date(2026, 3, 10), minutes="Revue de mars."
        )
    held_at = dt.datetime(2026, 3, 10, 18, 0, tzinfo=PARIS)
    services.hold_review(first, acting_user=director, as_of=held_at)
    first.refresh_from_db()
    assert first.held_at == held_at
    receive(org_a, subject="Après la première revue")
    second = services.plan_review(org_a, acting_user=director, held_on=TODAY)
    figures = agenda.compute(second)
    assert (figures["since"], figures["until"]) == ("2026-03-11", TODAY.isoformat())
    assert figures["complaints"]["received"] == 1
    assert agenda.compute(first)["complaints"]["received"] == 1


def test_bad_input_is_refused_and_changes_nothing(org_a, director, outsider) -> None:
    review = services.plan_review(
        org_a, acting_user=director, held_on=TODAY + dt.timedelta(days=7), minutes="Prévu."
    )
    client = login(director)
    response = client.post(reverse("improvement:reviews:hold", args=[review.pk]))
    assert response.status_code == 400
    assert "Une revue ne peut être tenue avant sa date." in text(response)
    response = client.post(
        reverse("improvement:reviews:new"),
        {"held_on": "pas une date", "kind": "copil", "participants": [outsider.membership.pk]},
    )
    assert response.status_code == 400
    response = client.post(reverse("improvement:reviews:decide", args=[review.pk]), {"title": ""})
    assert response.status_code == 400
    assert Review.objects.filter(organisation=org_a).count() == 1
    assert not Action.objects.filter(organisation=org_a).exists()
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT and review.agenda is None
