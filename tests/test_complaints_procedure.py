"""The published complaints procedure (indicator 31): the evidence that the channel exists
even when nobody complained. A default ships with every new organisation; the référent
qualité drafts the next version, the direction validates it (nobody else); the public
form and the learner's space link to the version in force, whose PDF says the deadlines
the organisation has set."""

import datetime as dt
import html
import importlib
import io
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback.complaints import services
from parcours.feedback.complaints.models import ComplaintProcedure, ProcedureStatus
from parcours.learners.models import Learner
from tests.conftest import World, login

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=PARIS)
ADDED = "Chaque réclamation est relue par la direction."


@pytest.fixture(autouse=True)
def travel() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


@pytest.mark.django_db
def test_a_new_organisation_publishes_the_default_procedure(org_a: Organisation) -> None:
    version = ComplaintProcedure.objects.get(organisation=org_a)
    assert (version.number, version.status) == (1, ProcedureStatus.PUBLISHED)
    assert version.validated_at is not None and version.validated_by is None
    assert JournalEntry.objects.filter(
        verb="complaint_procedure.published", object_id=str(version.pk)
    ).exists()
    text = page(Client(), reverse("feedback:complaints:public_procedure", args=["forma-plus"]))
    assert "Procédure de traitement des réclamations" in text
    # The deadlines read from the organisation's settings (defaults 2 and 15), the public
    # channels, and the separate safeguarding channel.
    assert "dans un délai de 2 jours ouvrés" in text and "15 jours ouvrés" in text
    assert "/reclamation/forma-plus/" in text and "/reclamation/suivi/" in text
    assert reverse("safeguarding:public_report", args=["forma-plus"]) in text
    assert "{delai_accuse}" not in text


@pytest.mark.django_db
def test_the_data_migration_gives_existing_organisations_the_default(org_a: Organisation) -> None:
    ComplaintProcedure.objects.all().delete()
    migration = importlib.import_module(
        "parcours.feedback.migrations.0006_default_complaint_procedure"
    )
    migration.create_defaults(None, None)
    migration.create_defaults(None, None)  # run twice: still one version
    assert (
        ComplaintProcedure.objects.filter(
            organisation=org_a, status=ProcedureStatus.PUBLISHED
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_quality_drafts_the_direction_publishes_and_nobody_else(
    org_a: Organisation,
    director: User,
    quality: User,
    officer: User,
    auditor: User,
    outsider: User,
) -> None:
    edit = reverse("feedback:complaints:procedure_edit")
    publish = reverse("feedback:complaints:procedure_publish")
    current = ComplaintProcedure.objects.get(organisation=org_a)
    data = {"title": current.title, "body": current.body + "\n\n" + ADDED, "change_note": ""}
    for user in (director, officer, auditor, outsider):
        assert login(user).post(edit, data).status_code == 403
        assert login(user).get(edit).status_code == 403
    assert ComplaintProcedure.objects.count() == 2  # org_a's and org_b's v1, nothing else

    quality_client = login(quality)
    assert "Enregistrer le brouillon" in page(quality_client, edit)
    assert quality_client.post(edit, data).status_code == 302
    draft = ComplaintProcedure.objects.get(organisation=org_a, status=ProcedureStatus.DRAFT)
    assert draft.number == 2 and draft.edited_by == quality
    # A draft is not in force: the public page still reads version 1.
    public = reverse("feedback:complaints:public_procedure", args=["forma-plus"])
    assert ADDED not in page(Client(), public)

    for user in (quality, officer, auditor):
        assert login(user).post(publish).status_code == 403
    assert login(outsider).post(publish).status_code == 404  # org_b has no draft
    # No change note: the direction is told why, nothing is published.
    director_client = login(director)
    refused = director_client.post(publish, follow=True)
    assert "décrire la nature des modifications" in html.unescape(refused.content.decode())
    draft.refresh_from_db()
    assert draft.status == ProcedureStatus.DRAFT

    quality_client.post(edit, {**data, "change_note": "Relecture par la direction."})
    done = director_client.post(publish, follow=True)
    assert "Version 2 validée" in html.unescape(done.content.decode())
    draft.refresh_from_db()
    current.refresh_from_db()
    assert draft.status == ProcedureStatus.PUBLISHED and draft.validated_by == director
    assert current.status == ProcedureStatus.ARCHIVED and current.archived_at is not None
    assert ADDED in page(Client(), public)
    # The history: versions, who wrote and validated them, when.
    history = page(login(auditor), reverse("feedback:complaints:procedure"))
    assert "v2" in history and "v1" in history and "Relecture par la direction." in history
    assert "Direction Test (Direction)" in history and "08/04/2026" in history
    assert "Qualite Test" in history
    verbs = JournalEntry.objects.filter(organisation=org_a, verb__startswith="complaint_procedure.")
    assert sorted(verbs.values_list("verb", flat=True)) == [
        "complaint_procedure.archived",
        "complaint_procedure.drafted",
        "complaint_procedure.published",
        "complaint_procedure.published",
    ]


@pytest.mark.django_db
def test_the_public_form_and_the_learner_space_link_to_the_procedure(
    world_a: World, learner_user: User
) -> None:
    public = reverse("feedback:complaints:public_procedure", args=["forma-plus"])
    public_pdf = reverse("feedback:complaints:public_procedure_pdf", args=["forma-plus"])
    form = page(Client(), reverse("feedback:complaints:public_form", args=["forma-plus"]))
    assert public in form and public_pdf in form
    Learner.objects.filter(pk=world_a.learner.pk).update(user=learner_user)
    home = page(login(learner_user), "/mon-espace/")
    assert public in home and public_pdf in home


@pytest.mark.django_db
def test_the_pdf_says_the_organisation_deadlines(org_a: Organisation, director: User) -> None:
    services.update_settings(org_a, acknowledge_days=3, answer_days=10, acting_user=director)
    response = Client().get(
        reverse("feedback:complaints:public_procedure_pdf", args=["forma-plus"])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "dans un délai de 3 jours ouvrés" in text
    assert "dans un délai de 10 jours ouvrés" in text
    assert "Forma Plus" in text and "Version 1" in text
    # (The staff's copy of a version is the same document, drawn by the same view code.)
    assert (
        login(director)
        .get(reverse("feedback:complaints:procedure_version_pdf", args=[9]))
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_the_procedure_pages_refuse_tutors_learners_and_other_organisations(
    org_a: Organisation, quality: User, tutor_user: User, learner_user: User, outsider: User
) -> None:
    current = ComplaintProcedure.objects.get(organisation=org_a)
    login(quality).post(
        reverse("feedback:complaints:procedure_edit"),
        {"title": "Brouillon secret", "body": current.body, "change_note": "Essai."},
    )
    reads = [
        reverse("feedback:complaints:procedure"),
        reverse("feedback:complaints:procedure_edit"),
        reverse("feedback:complaints:procedure_pdf"),
        reverse("feedback:complaints:procedure_version_pdf", args=[1]),
        reverse("feedback:complaints:statistics"),
    ]
    writes = [
        reverse("feedback:complaints:procedure_publish"),
        reverse("feedback:complaints:procedure_discard"),
    ]
    for user in (tutor_user, learner_user):
        client = login(user)
        for url in reads:
            assert client.get(url).status_code == 403, (user, url)
        for url in writes:
            assert client.post(url).status_code == 403, (user, url)
    # Another organisation's direction reads its own procedure, never this draft.
    foreign = login(outsider)
    assert "Brouillon secret" not in page(foreign, reverse("feedback:complaints:procedure"))
    assert foreign.post(writes[0]).status_code == 404
    assert ComplaintProcedure.objects.get(organisation=org_a, number=2).is_draft
    # The référent qualité may drop the draft; the version in force stays.
    login(quality).post(writes[1])
    assert not ComplaintProcedure.objects.filter(organisation=org_a, number=2).exists()
    assert JournalEntry.objects.filter(
        organisation=org_a, action="delete", object_type__endswith="complaintprocedure"
    ).exists()
