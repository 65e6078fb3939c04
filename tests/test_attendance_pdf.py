"""Attendance sheets (PDF), read back with a PDF text extractor."""

import base64
import datetime as dt
import hashlib
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from parcours.attendance import services
from parcours.attendance.models import Method, Signature
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
# A 1×1 black PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def sheet(world_a: World, director, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    trainer = programme_services.create_trainer(
        world_a.org, acting_user=director, last_name="Formatrice", first_name="Inès"
    )
    slots = [
        programme_services.create_slot(
            world_a.session,
            acting_user=director,
            starts_at=dt.datetime(2026, 3, day, 9, tzinfo=PARIS),
            ends_at=dt.datetime(2026, 3, day, 12, 30, tzinfo=PARIS),
            trainer=trainer,
        )
        for day in (5, 12)
    ]
    other = learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L2", last_name="Durand", first_name="Léa"
    )
    e2 = learner_services.enrol(
        other, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 2, 25)
    )
    signed = services.record_mark(
        slots[0], world_a.enrolment, "present", acting_user=None, method=Method.QR
    )
    Signature.objects.create(
        organisation=world_a.org,
        slot=slots[0],
        mark=signed,
        method=Method.QR,
        signed_at=dt.datetime(2026, 3, 5, 9, 7, tzinfo=PARIS),
        image=ContentFile(PNG, name="sig.png"),
        digest=hashlib.sha256(PNG).hexdigest(),
    )
    services.record_mark(slots[0], e2, "absent", acting_user=director, method=Method.TRAINER)
    return slots, e2


def test_the_slot_sheet_lists_learners_with_their_signature(sheet, as_director) -> None:
    slots, _e2 = sheet

    response = as_director.get(reverse("attendance:slot_sheet", args=[slots[0].pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Forma Plus" in text and "12345678900011" in text
    assert "MARTINA Camille" in text and "DURAND Léa" in text
    assert "05/03/2026" in text and "09:00" in text and "12:30" in text
    assert "Inès Formatrice" in text
    assert "09:07" in text  # the signing time
    assert "Absent" in text
    assert hashlib.sha256(PNG).hexdigest() in text.replace("\n", "")
    reader = PdfReader(io.BytesIO(response.content))
    assert sum(len(page.images) for page in reader.pages) >= 1  # the signature image


def test_the_session_sheet_has_every_slot_and_the_rates(sheet, as_director) -> None:
    slots, _e2 = sheet
    session = slots[0].session

    response = as_director.get(reverse("attendance:session_sheet", args=[session.pk]))

    assert response.status_code == 200
    text = text_of(response.content)
    assert "05/03/2026" in text and "12/03/2026" in text
    assert "MARTINA Camille" in text and "DURAND Léa" in text
    assert "Taux de présence" in text
    assert "Comptabilité A printemps" in text


def test_sheets_are_not_served_to_other_organisations_or_learners(
    sheet, outsider, learner_user
) -> None:
    slots, _e2 = sheet
    urls = [
        reverse("attendance:slot_sheet", args=[slots[0].pk]),
        reverse("attendance:session_sheet", args=[slots[0].session_id]),
    ]
    for url in urls:
        assert login(outsider).get(url).status_code == 404
        assert login(learner_user).get(url).status_code == 403
