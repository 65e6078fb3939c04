"""Uploading an exchange file: the import runs in the background and its page shows the outcome."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from parcours.core.models import Job, JobState, JournalEntry
from parcours.programmes.models import Session
from tests.conftest import login

HEADER = "external_id,title,category,modality,start_date,end_date,duration_hours\n"
GOOD = HEADER + (
    "S1,Comptabilité,AF,presentiel,2026-03-02,2026-06-26,70\n"
    "S2,Bilan,BC,distanciel,2026-04-01,2026-05-15,24\n"
)
BAD = HEADER + (
    "S1,Comptabilité,AF,presentiel,2026-03-02,2026-06-26,70\n"
    "S2,Bilan,XX,distanciel,2026-04-01,2013-13-01,24\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, content: str, *, name: str = "sessions.csv", dry_run: bool = False):
    data = {"kind": "sessions", "file": SimpleUploadedFile(name, content.encode("utf-8"))}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("import_upload"), data)


def test_an_upload_is_imported_by_the_worker_and_its_page_shows_the_summary(
    as_director, org_a, media
) -> None:
    page = as_director.get(reverse("import_upload"))
    assert page.status_code == 200
    help = page.content.decode()
    assert reverse("import_template", args=["enrolments"]) in help
    assert "<code>category</code></td><td>catégorie : AF, BC, VAE ou APP</td>" in help

    response = upload(as_director, GOOD)

    job = Job.objects.get(kind="imports.run")
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.organisation == org_a and job.payload["filename"] == "sessions.csv"
    assert (media / job.payload["path"]).read_text(encoding="utf-8") == GOOD
    waiting = as_director.get(response["Location"]).content.decode()
    assert "data-job-status" in waiting and "En attente" in waiting

    call_command("worker", "--once")

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["ok"] is True
    assert (job.progress_done, job.progress_total) == (2, 2)
    page = as_director.get(response["Location"]).content.decode()
    assert "Import terminé" in page
    assert Session.objects.filter(organisation=org_a).count() == 2
    event = JournalEntry.objects.get(verb="import.completed")
    assert event.actor.email == "direction@forma.test" and event.changes["created"] == 2
    assert not (media / job.payload["path"]).exists()  # the upload is not kept
    listing = as_director.get(reverse("import_upload")).content.decode()
    assert "2 créés, 0 mis à jour, 0 inchangé" in listing


def test_a_bad_file_shows_every_error_and_imports_nothing(quality, org_a) -> None:
    client = login(quality)
    response = upload(client, BAD)
    call_command("worker", "--once")

    job = Job.objects.get(kind="imports.run")
    assert job.state == JobState.DONE  # the user's data, not a crash
    assert job.result["ok"] is False and job.result["error_count"] == 2
    page = client.get(response["Location"]).content.decode()
    assert "Le fichier contient 2 erreurs : rien n'a été importé." in page
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert "<td>3</td><td><code>category</code></td>" in page
    assert "date invalide « 2013-13-01 » (format attendu AAAA-MM-JJ)" in page
    assert not Session.objects.exists()


def test_a_dry_run_upload_writes_nothing(as_director, org_a) -> None:
    response = upload(as_director, GOOD, dry_run=True)
    call_command("worker", "--once")

    page = as_director.get(response["Location"]).content.decode()
    assert "Fichier valide : voici ce que l'import ferait" in page
    assert '<span class="n">2</span><span>créés</span>' in page
    assert not Session.objects.exists()
    assert not JournalEntry.objects.filter(verb="import.completed").exists()


def test_wrong_files_are_refused_by_the_form(as_director, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100

    too_big = upload(as_director, GOOD)
    wrong_type = upload(as_director, "x", name="sessions.pdf")

    assert "Fichier trop volumineux" in too_big.content.decode()
    assert "Format de fichier non pris en charge" in wrong_type.content.decode()
    assert not Job.objects.exists()


def test_the_csv_template_has_the_kind_columns(as_director) -> None:
    response = as_director.get(reverse("import_template", args=["learners"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header = response.content.decode().splitlines()[0]
    assert header == "external_id,last_name,first_name,email,phone,disability"


def test_an_officer_and_an_outsider_cannot_import_or_see_the_job(
    as_director, as_officer, as_outsider
) -> None:
    upload(as_director, GOOD)
    job = Job.objects.get(kind="imports.run")
    detail = reverse("import_detail", args=[job.pk])

    assert as_officer.get(reverse("import_upload")).status_code == 403
    assert upload(as_officer, GOOD).status_code == 403
    assert as_officer.get(detail).status_code == 403
    assert as_officer.get(reverse("import_template", args=["sessions"])).status_code == 403
    # The outsider may import into their own organisation, never see organisation A's.
    assert as_outsider.get(reverse("import_upload")).status_code == 200
    assert as_outsider.get(detail).status_code == 404
    assert as_outsider.get(reverse("import_errors", args=[job.pk])).status_code == 404
    assert as_outsider.get(reverse("import_errors_xlsx", args=[job.pk])).status_code == 404
    assert as_officer.get(reverse("import_errors", args=[job.pk])).status_code == 403
    assert Job.objects.count() == 1
