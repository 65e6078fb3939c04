"""The trainer marks the whole group on the séance's page (way c), with justifications."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parcours.attendance import services
from parcours.attendance.models import AttendanceMark, Method
from parcours.core import journal
from parcours.core.models import JournalEntry
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from parcours.programmes.models import Slot
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
PDF_BYTES = b"%PDF-1.4\n% justificatif\n"


def make_slot(world: World, user, day: dt.date) -> Slot:
    return programme_services.create_slot(
        world.session,
        acting_user=user,
        starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS),
        ends_at=dt.datetime.combine(day, dt.time(12, 30), tzinfo=PARIS),
    )


@pytest.fixture
def group(world_a: World, director, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    second = learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L2", last_name="Durand", first_name="Léa"
    )
    e2 = learner_services.enrol(
        second, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 2, 25)
    )
    slot = make_slot(world_a, director, dt.date(2026, 3, 5))
    return slot, world_a.enrolment, e2


def test_the_group_is_marked_through_the_page_and_journaled(group, director, as_director) -> None:
    slot, e1, e2 = group
    url = reverse("attendance:slot_detail", args=[slot.pk])
    page = as_director.get(url)
    assert page.status_code == 200
    assert "MartinA" in page.content.decode() and "Durand" in page.content.decode()
    assert f'name="status-{e2.pk}" value="excuse"' in page.content.decode()
    assert f'name="file-{e2.pk}"' in page.content.decode()

    response = as_director.post(url, {f"status-{e1.pk}": "present", f"status-{e2.pk}": "absent"})

    assert response.status_code == 302
    marks = {m.enrolment_id: m for m in AttendanceMark.objects.filter(slot=slot)}
    assert (marks[e1.pk].status, marks[e2.pk].status) == ("present", "absent")
    assert {m.method for m in marks.values()} == {Method.TRAINER}
    assert {m.recorded_by_id for m in marks.values()} == {director.pk}
    entries = JournalEntry.objects.filter(object_type="attendance.attendancemark", actor=director)
    assert entries.count() == 2
    assert {e.changes["status"][1] for e in entries.all()} == {"present", "absent"}

    # Sending the same statuses again writes nothing more.
    as_director.post(url, {f"status-{e1.pk}": "present", f"status-{e2.pk}": "absent"})
    assert entries.count() == 2

    as_director.post(url, {f"status-{e1.pk}": "retard"})
    assert AttendanceMark.objects.get(slot=slot, enrolment=e1).status == "retard"
    assert entries.count() == 3
    assert journal.verify(slot.organisation_id).ok


def test_an_excused_absence_without_justification_is_refused_in_french(group, as_director) -> None:
    slot, e1, e2 = group
    url = reverse("attendance:slot_detail", args=[slot.pk])

    response = as_director.post(url, {f"status-{e1.pk}": "present", f"status-{e2.pk}": "excuse"})

    assert response.status_code == 200
    assert "Une absence excusée doit être justifiée" in response.content.decode()
    assert "Durand" in response.content.decode()
    assert not AttendanceMark.objects.filter(slot=slot).exists()  # all or nothing

    with_note = {f"status-{e2.pk}": "excuse", f"note-{e2.pk}": "Rendez-vous médical"}
    assert as_director.post(url, with_note).status_code == 302
    mark = AttendanceMark.objects.get(slot=slot, enrolment=e2)
    assert (mark.status, mark.justification_note) == ("excuse", "Rendez-vous médical")


def test_a_justification_file_is_kept_and_served_to_staff_only(
    group, as_director, outsider
) -> None:
    slot, _e1, e2 = group
    url = reverse("attendance:slot_detail", args=[slot.pk])
    upload = SimpleUploadedFile("arret.pdf", PDF_BYTES, content_type="application/pdf")

    response = as_director.post(url, {f"status-{e2.pk}": "excuse", f"file-{e2.pk}": upload})

    assert response.status_code == 302
    mark = AttendanceMark.objects.get(slot=slot, enrolment=e2)
    assert mark.status == "excuse" and mark.justification.name.endswith(".pdf")
    entry = JournalEntry.objects.get(verb="attendance.justification", object_id=str(mark.pk))
    assert entry.changes["justification"] == [None, mark.justification.name]
    file_url = reverse("attendance:justification", args=[mark.pk])
    served = as_director.get(file_url)
    assert served.status_code == 200 and served.content == PDF_BYTES
    assert login(outsider).get(file_url).status_code == 404


def test_a_justification_of_the_wrong_type_is_refused(group, as_director) -> None:
    slot, _e1, e2 = group
    url = reverse("attendance:slot_detail", args=[slot.pk])
    fake = SimpleUploadedFile("arret.pdf", b"MZ not a pdf", content_type="application/pdf")
    exe = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")

    for upload in (fake, exe):
        response = as_director.post(url, {f"status-{e2.pk}": "excuse", f"file-{e2.pk}": upload})
        assert response.status_code == 200
        assert "Justificatif refusé" in response.content.decode()
    assert not AttendanceMark.objects.filter(slot=slot).exists()


def test_an_absence_is_justified_afterwards(group, director) -> None:
    slot, e1, _e2 = group
    mark = services.record_mark(slot, e1, "absent", acting_user=director, method=Method.TRAINER)
    upload = SimpleUploadedFile(
        "certificat.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png"
    )

    services.attach_justification(mark, upload, "Certificat", acting_user=director)

    mark.refresh_from_db()
    assert (mark.status, mark.justification_note) == ("excuse", "Certificat")
    assert mark.justification.name.endswith(".png")
    with pytest.raises(ValidationError, match="Joignez un justificatif"):
        services.attach_justification(mark, None, " ", acting_user=director)


def test_only_enrolments_of_the_slot_session_active_that_day_can_be_marked(
    world_a: World, world_b: World, director
) -> None:
    slot = make_slot(world_a, director, dt.date(2026, 3, 5))
    other_session = programme_services.create_session(
        world_a.org,
        acting_user=director,
        title="Autre session",
        category="AF",
        modality="presentiel",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 4, 1),
        duration_hours=10,
    )
    elsewhere = learner_services.enrol(
        world_a.learner, other_session, acting_user=director, enrolled_on=dt.date(2026, 3, 1)
    )
    late = learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L9", last_name="Tardif"
    )
    late_enrolment = learner_services.enrol(
        late, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 3, 10)
    )

    for enrolment, message in [
        (elsewhere, "n'est pas inscrit à la session de cette séance"),
        (world_b.enrolment, "n'est pas inscrit à la session de cette séance"),
        (late_enrolment, "n'est pas active le 05/03/2026"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.record_mark(
                slot, enrolment, "present", acting_user=director, method=Method.TRAINER
            )
    assert not AttendanceMark.objects.exists()


def test_a_forged_enrolment_in_the_group_form_marks_nothing(
    world_a: World, world_b: World, director, as_director
) -> None:
    slot = make_slot(world_a, director, dt.date(2026, 3, 5))
    url = reverse("attendance:slot_detail", args=[slot.pk])
    as_director.post(
        url,
        {f"status-{world_a.enrolment.pk}": "present", f"status-{world_b.enrolment.pk}": "present"},
    )
    marks = AttendanceMark.objects.all()
    assert [m.enrolment_id for m in marks] == [world_a.enrolment.pk]


def test_read_only_roles_see_the_roll_but_cannot_mark(world_a: World, director, auditor) -> None:
    slot = make_slot(world_a, director, dt.date(2026, 3, 5))
    client = login(auditor)
    url = reverse("attendance:slot_detail", args=[slot.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {f"status-{world_a.enrolment.pk}": "present"}).status_code == 403
    assert not AttendanceMark.objects.exists()


def test_a_signature_never_replaces_the_pointing(group, director) -> None:
    slot, e1, e2 = group
    services.record_mark(slot, e1, "absent", acting_user=director, method=Method.TRAINER)
    services.record_mark(slot, e1, "present", acting_user=None, method=Method.QR)
    kept = services.get_or_none_mark(slot, e1)
    assert kept is not None and (kept.status, kept.method) == ("absent", Method.TRAINER)

    # A learner who signed first: the trainer's pointing sent again does not undo it.
    services.record_mark(slot, e2, "present", acting_user=None, method=Method.QR)
    services.record_mark(slot, e2, "present", acting_user=director, method=Method.TRAINER)
    mark = services.get_or_none_mark(slot, e2)
    assert mark is not None and (mark.status, mark.method) == ("present", Method.QR)
