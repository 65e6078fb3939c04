"""Bad input gets a clear French message and stores nothing; the public form is throttled."""

import datetime as dt
import html
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback.complaints.models import Complaint
from tests.conftest import login

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def travel() -> Any:
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def data(**overrides: Any) -> dict[str, Any]:
    values = {
        "kind": "reclamation",
        "subject": "Salle froide",
        "description": "Le chauffage ne marche pas depuis lundi.",
        "category": "logistique",
        "complainant": "apprenant",
    }
    values.update(overrides)
    return values


def post(org: Organisation, client: Client | None = None, **overrides: Any) -> str:
    response = (client or Client()).post(f"/reclamation/{org.slug}/", data(**overrides))
    return html.unescape(response.content.decode())


def nothing_stored() -> None:
    assert not Complaint.objects.exists()
    assert not JournalEntry.objects.filter(verb__startswith="complaints.").exists()


@pytest.mark.django_db
def test_empty_form(org_a: Organisation) -> None:
    page = post(org_a, subject="", description="")
    assert "Ce champ est obligatoire." in page
    nothing_stored()


@pytest.mark.django_db
def test_over_long_form(org_a: Organisation) -> None:
    page = post(org_a, subject="x" * 201, description="y" * 5001)
    assert "au plus 200 caractères" in page
    assert "au plus 5000 caractères" in page
    nothing_stored()


@pytest.mark.django_db
def test_forbidden_attachments(org_a: Organisation) -> None:
    exe = SimpleUploadedFile("facture.exe", b"MZ\x90\x00" + b"0" * 100)
    page = post(org_a, attachment=exe)
    assert "seuls les fichiers PDF, JPEG et PNG sont acceptés" in page
    disguised = SimpleUploadedFile("facture.pdf", b"MZ\x90\x00not a pdf at all")
    page = post(org_a, attachment=disguised)
    assert "ne correspond pas à son extension" in page
    nothing_stored()


@pytest.mark.django_db
def test_a_genuine_pdf_is_kept(org_a: Organisation) -> None:
    pdf = SimpleUploadedFile("facture.pdf", b"%PDF-1.4\n%fake but well-headed\n")
    post(org_a, attachment=pdf)
    complaint = Complaint.objects.get()
    assert complaint.attachment.name.endswith(".pdf")
    assert complaint.attachment.read().startswith(b"%PDF")


@pytest.mark.django_db
def test_staff_bad_input(org_a: Organisation, officer: User) -> None:
    client = login(officer)
    response = client.post(
        reverse("feedback:complaints:new"),
        data(channel="telephone", received_on="pas une date", severity="moyenne"),
    )
    assert response.status_code == 400
    assert "Saisissez une date valide." in html.unescape(response.content.decode())
    nothing_stored()


@pytest.mark.django_db
def test_the_public_form_is_throttled(org_a: Organisation) -> None:
    client = Client()
    for n in range(5):
        post(org_a, client, subject=f"Demande {n}")
    page = post(org_a, client, subject="Demande de trop")
    assert "trop d'envois depuis cette connexion" in page
    assert Complaint.objects.count() == 5
    assert not Complaint.objects.filter(subject="Demande de trop").exists()


@pytest.mark.django_db
def test_a_bad_transition_changes_nothing(org_a: Organisation, quality: User) -> None:
    post(org_a)
    complaint = Complaint.objects.get()
    client = login(quality)
    url = reverse("feedback:complaints:transition", args=[complaint.pk, "repondre"])
    response = client.post(url, {"text": "Réponse trop tôt"})
    assert response.status_code == 400
    assert "Impossible depuis l'état « Reçue »" in html.unescape(response.content.decode())
    dismiss = reverse("feedback:complaints:transition", args=[complaint.pk, "classer"])
    assert client.post(dismiss, {"reason": "  "}).status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == "recue" and complaint.answer == ""
