"""Bad input to the imports always gets a French answer and changes nothing.

A NUL character, an over-long value and a quote never closed, through the command line
and through the upload page and its worker; two imports of the same file at once; an
upload over the size limit, refused before its body is read. Run on SQLite and, with
DATABASE_URL, on PostgreSQL (where a NUL used to crash the import with a DataError).
"""

import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.client import BOUNDARY, FakePayload, encode_multipart
from django.urls import reverse

from parcours.activity.models import ActivityEvent
from parcours.core.imports import run_import
from parcours.core.models import Job, JobState, JournalEntry
from parcours.learners.models import Learner
from parcours.programmes.models import Session
from tests.conftest import World

SESSIONS = "external_id,title,category,modality,start_date,end_date,duration_hours\n"
GOOD = SESSIONS + (
    "S1,Comptabilité,AF,presentiel,2026-03-02,2026-06-26,70\n"
    "S2,Bilan,BC,distanciel,2026-04-01,2026-05-15,24\n"
)
LEARNERS = "external_id,last_name,first_name,email,phone,disability\n"
NUL_IN_NAME = LEARNERS + "L1,Martin,Camille,,,0\nL2,Du\x00rand,Alex,,,0\nL3,Petit,Inès,,,0\n"
NUL_MESSAGE = "caractère nul (octet 0) dans la valeur"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def cli(kind: str, path: Path) -> str:
    """The command's error, as the user reads it."""
    with pytest.raises(CommandError) as raised:
        call_command("import", kind, str(path))
    return str(raised.value)


def upload(client, kind: str, name: str, content: bytes):
    return client.post(
        reverse("import_upload"), {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


# A NUL character


def test_a_nul_character_is_refused_with_its_line_and_column_from_the_command_line(
    org_a, tmp_path
) -> None:
    path = tmp_path / "apprenants.csv"
    path.write_text(NUL_IN_NAME, encoding="utf-8")

    message = cli("learners", path)

    assert "ligne 3, colonne last_name : " + NUL_MESSAGE in message
    assert "rien n'a été importé" in message
    assert not Learner.objects.exists()


def test_a_nul_character_in_an_upload_is_reported_by_the_worker_not_retried(
    as_director, org_a
) -> None:
    response = upload(as_director, "learners", "apprenants.csv", NUL_IN_NAME.encode())
    call_command("worker", "--once")

    job = Job.objects.get(kind="imports.run")
    assert job.state == JobState.DONE and job.attempts == 1  # the user's data, not a crash
    assert job.result["ok"] is False
    assert job.result["errors"] == [
        {"line": 3, "column": "last_name", "message": job.result["errors"][0]["message"]}
    ]
    page = as_director.get(response["Location"]).content.decode()
    assert "<td>3</td><td><code>last_name</code></td>" in page and NUL_MESSAGE in page
    assert not Learner.objects.exists()


def test_a_nul_character_in_a_streamed_activity_file_is_refused(world_a: World, tmp_path) -> None:
    path = tmp_path / "activite.csv"
    path.write_text(
        "learner_external_id,session_external_id,occurred_at,kind,count\n"
        "A-L1,A-S1,2026-03-10,resource,2\n"
        "A-L1,A-S1,2026-03-11,quiz\x00,1\n",
        encoding="utf-8",
    )

    message = cli("activity", path)

    assert "ligne 3, colonne kind : " + NUL_MESSAGE in message
    assert not ActivityEvent.objects.exists()


# An over-long value, a quote never closed


def test_an_over_long_value_is_refused_in_french(org_a, tmp_path) -> None:
    path = tmp_path / "sessions.csv"
    long_title = "x" * 200_000
    path.write_text(
        GOOD + f"S3,{long_title},AF,presentiel,2026-03-02,2026-06-26,70\n", encoding="utf-8"
    )

    message = cli("sessions", path)

    assert "ligne 4 : valeur de plus de 131\u202f072 caractères" in message
    assert "field" not in message and "limit" not in message
    assert not Session.objects.exists()


def test_a_quote_never_closed_is_reported_where_it_opened(org_a, tmp_path) -> None:
    path = tmp_path / "sessions.csv"
    path.write_text(
        SESSIONS
        + "S1,Comptabilité,AF,presentiel,2026-03-02,2026-06-26,70\n"
        + 'S2,"Bilan,BC,distanciel,2026-04-01,2026-05-15,24\n'
        + "S3,Paie,AF,presentiel,2026-03-02,2026-06-26,35\n"
        + "S4,Droit,AF,presentiel,2026-03-02,2026-06-26,35\n",
        encoding="utf-8",
    )

    message = cli("sessions", path)

    assert 'ligne 3 : guillemet (") ouvert sur cette ligne et jamais refermé' in message
    assert "obligatoire" not in message  # not a missing value in another column
    assert "colonne" not in message
    assert not Session.objects.exists()


def test_a_quote_never_closed_in_an_upload_is_shown_on_the_job_page(as_director, org_a) -> None:
    content = SESSIONS + 'S1,"Comptabilité,AF,presentiel,2026-03-02,2026-06-26,70\n'
    response = upload(as_director, "sessions", "sessions.csv", content.encode())
    call_command("worker", "--once")

    page = as_director.get(response["Location"]).content.decode()
    assert "Le fichier contient 1 erreur : rien n&#x27;a été importé." in page or (
        "Le fichier contient 1 erreur : rien n'a été importé." in page
    )
    assert "<td>2</td><td>—</td><td>guillemet (&quot;) ouvert sur cette ligne" in page
    assert not Session.objects.exists()


# Two imports of the same file at once


def test_the_loser_of_two_imports_at_once_is_told_in_french_and_nothing_is_doubled(
    org_a, tmp_path
) -> None:
    path = tmp_path / "sessions.csv"
    path.write_text(GOOD, encoding="utf-8")
    winner = []

    def meanwhile(done: int, total: int, label: str) -> None:
        # The loser has read and checked the file; before it writes, the same file is
        # imported by someone else.
        if label == "Vérification terminée" and not winner:
            winner.append(run_import("sessions", path, organisation=org_a))

    loser = run_import("sessions", path, organisation=org_a, progress=meanwhile)

    assert winner[0].ok and winner[0].created == 2
    assert not loser.ok and loser.conflict
    assert (loser.created, loser.updated, loser.unchanged) == (0, 0, 0)
    assert loser.error_summary() == (
        "Import de « sessions.csv » interrompu : un autre import a modifié les mêmes lignes "
        "en même temps ; rien n'a été importé, relancez-le."
    )
    assert Session.objects.filter(organisation=org_a).count() == 2
    assert JournalEntry.objects.filter(verb="import.completed").count() == 1
    # Run again, as the message says: the rows are recognised, nothing is doubled.
    again = run_import("sessions", path, organisation=org_a)
    assert again.ok and (again.created, again.unchanged) == (0, 2)


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_on_postgresql_the_losing_job_fails_in_french_once(
    as_director, org_a, tmp_path
) -> None:
    """A real race between two connections: the other import holds the same new rows,
    not yet committed, while the upload's job writes; it commits once the job waits."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL")
    response = upload(as_director, "sessions", "sessions.csv", GOOD.encode())
    job = Job.objects.get(kind="imports.run")
    path = tmp_path / "sessions.csv"
    path.write_text(GOOD, encoding="utf-8")
    holding = threading.Event()
    outcome = []

    def other_import() -> None:
        try:
            with transaction.atomic():
                outcome.append(run_import("sessions", path, organisation=org_a))
                holding.set()
                with connection.cursor() as cursor:
                    for _ in range(300):  # until the job's insert waits for these rows
                        cursor.execute("SELECT pg_stat_clear_snapshot()")
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            "'Lock' AND datname = current_database()"
                        )
                        if cursor.fetchone()[0]:
                            break
                        time.sleep(0.05)
        finally:
            holding.set()
            connection.close()

    thread = threading.Thread(target=other_import)
    thread.start()
    assert holding.wait(30)
    call_command("worker", "--once")
    thread.join(30)

    job.refresh_from_db()
    assert outcome[0].created == 2
    assert job.state == JobState.FAILED and job.attempts == 1  # failed, not queued again
    assert "un autre import a modifié les mêmes lignes en même temps" in job.error
    assert "UniqueViolation" not in job.error and "Traceback" not in job.error
    page = as_director.get(response["Location"]).content.decode()
    assert "un autre import a modifié les mêmes lignes en même temps" in page
    assert Session.objects.filter(organisation=org_a).count() == 2
    listing = as_director.get(reverse("import_upload")).content.decode()
    assert "interrompu par un autre import, à relancer" in listing


# An upload over the limit


class CountedPayload(FakePayload):
    """The request body as a server hands it over, counting what the view reads."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.size = len(body)
        self.consumed = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size: int = -1, /) -> bytes:
        chunk = super().readline(size)
        self.consumed += len(chunk)
        return chunk


def post_body(client, file_bytes: bytes) -> tuple[object, CountedPayload]:
    body = encode_multipart(
        BOUNDARY,
        {"kind": "sessions", "file": SimpleUploadedFile("sessions.csv", file_bytes)},
    )
    payload = CountedPayload(body)
    response = client.post(
        reverse("import_upload"),
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **{"wsgi.input": payload},
    )
    return response, payload


def test_an_upload_announced_over_the_limit_is_refused_before_its_body_is_read(
    as_director, settings, media
) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    big = (GOOD * 20_000).encode()  # about 2 MB

    response, payload = post_body(as_director, big)

    assert response.status_code == 413
    assert "Fichier trop volumineux : 97,7\xa0Kio au plus." in response.content.decode()
    assert payload.consumed == 0
    assert not Job.objects.exists()
    assert not (media / "imports").exists()


def test_an_upload_growing_past_the_limit_is_cut_off_while_read(
    as_director, settings, media
) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    # Within the allowance for the form's other fields, so read; over the limit itself.
    file_bytes = (GOOD * 1000).encode()[:150_000]

    response, payload = post_body(as_director, file_bytes)

    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.content.decode()
    assert payload.consumed < 150_000
    assert not Job.objects.exists()


def test_an_upload_within_the_limit_still_goes_through(as_director, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000

    response, payload = post_body(as_director, GOOD.encode())

    assert response.status_code == 302
    assert payload.consumed == payload.size
    assert Job.objects.get(kind="imports.run").payload["filename"] == "sessions.csv"
