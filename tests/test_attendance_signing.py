"""Electronic signature (émargement): by QR code, one-time code and personal link, through
the real URLs, with the time fixed; and every refusal with its French message."""

import base64
import datetime as dt
import html
import io
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings
from PIL import Image, ImageDraw

from parcours.attendance.models import AttendanceMark, OneTimeCode, Signature
from parcours.attendance.signing import services as signing_services
from parcours.attendance.signing import tokens as signing_tokens
from parcours.core import journal
from parcours.core.models import Job, JournalEntry, Membership, Role, User
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment
from parcours.programmes import services as programme_services
from parcours.programmes.models import Slot, Trainer
from tests.conftest import PASSWORD, World, login
from tests.smtp import smtp_server

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
START = dt.datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
END = dt.datetime(2026, 3, 10, 12, 30, tzinfo=PARIS)
DURING = START + dt.timedelta(minutes=5)


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def png_data_url(blank: bool = False, size: tuple[int, int] = (300, 100)) -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 80), (120, 20), (290, 70)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def grant_of(response: Any) -> str:
    return str(response.context["grant"])


@dataclass
class Room:
    world: World
    slot: Slot
    trainer: Trainer
    other: Enrolment  # a second learner of the same session, without an account
    camille_user: User  # the learner account of world.learner


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def room(world_a: World, director: User, officer: User, learner_user: User) -> Room:
    trainer = programme_services.create_trainer(
        world_a.org, acting_user=director, last_name="Formateur", first_name="Paul", user=officer
    )
    slot = programme_services.create_slot(
        world_a.session, acting_user=director, starts_at=START, ends_at=END, trainer=trainer
    )
    learner_services.update_learner(world_a.learner, acting_user=director, user=learner_user)
    lea = learner_services.create_learner(
        world_a.org, acting_user=director, last_name="Durand", first_name="Léa", email="lea@ex.fr"
    )
    other = learner_services.enrol(
        lea, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 2, 20)
    )
    return Room(world_a, slot, trainer, other, learner_user)


def sign_with_grant(client: Client, grant: str, image: str | None = None) -> Any:
    return client.post(
        "/emargement/signer/",
        {"grant": grant, "signature": image if image is not None else png_data_url()},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Test",
    )


def qr_path(slot: Slot, moment: dt.datetime) -> str:
    return path_of(signing_tokens.qr_url(slot, moment))


def link_path(slot: Slot, enrolment: Enrolment) -> str:
    return path_of(signing_tokens.link_url(slot, enrolment))


# --- QR code and one-time codes --------------------------------------------------------


def test_a_learner_scans_the_qr_code_types_their_code_and_signs(room: Room) -> None:
    as_trainer = login(User.objects.get(email="suivi@forma.test"))
    with at(DURING):
        page = as_trainer.get(f"/emargement/seance/{room.slot.pk}/")
        assert page.status_code == 200
        assert "<svg" in page.content.decode() and page.context["is_open"]
        codes = as_trainer.post(f"/emargement/seance/{room.slot.pk}/codes/")
        assert codes.status_code == 200
        code = dict((e.pk, c) for e, c in codes.context["codes"])[room.world.enrolment.pk]
        assert code in codes.content.decode()
        assert not OneTimeCode.objects.filter(code_hash__contains=code).exists()

        phone = Client()
        scan = phone.get(path_of(page.context["qr_url"]))
        assert scan.status_code == 200 and "Code personnel" in text(scan)
        wrong = phone.post("/emargement/code/", {"grant": grant_of(scan), "code": "ZZZZZZ"})
        assert wrong.status_code == 400
        assert "Ce code n'est pas valide pour cette séance." in text(wrong)
        typed = phone.post("/emargement/code/", {"grant": grant_of(scan), "code": code.lower()})
        assert typed.status_code == 200 and "Camille MartinA" in text(typed)
        done = sign_with_grant(phone, grant_of(typed))
    assert done.status_code == 200 and "votre présence est enregistrée" in text(done)

    signature = Signature.objects.get(slot=room.slot)
    mark = AttendanceMark.objects.get(slot=room.slot, enrolment=room.world.enrolment)
    assert signature.mark == mark and mark.status == "present" and mark.method == "code"
    assert signature.method == "code" and signature.signed_at == DURING
    assert signature.get_method_display() == "Code personnel"
    assert signature.ip_address == "127.0.0.1" and "iPhone" in signature.user_agent
    assert signature.image.read().startswith(b"\x89PNG") and len(signature.digest) == 64
    assert signing_services.verify_digest(signature)
    assert OneTimeCode.objects.get(enrolment=room.world.enrolment).used_at == DURING
    assert JournalEntry.objects.filter(verb="attendance.sign", object_id=str(signature.pk))
    assert JournalEntry.objects.filter(verb="attendance.codes_issued").count() == 1
    assert journal.verify(room.world.org.pk).ok

    # The code is spent: typing it again is refused.
    with at(DURING + dt.timedelta(minutes=1)):
        scan = Client().get(qr_path(room.slot, DURING + dt.timedelta(minutes=1)))
        again = Client().post("/emargement/code/", {"grant": grant_of(scan), "code": code})
    assert "Ce code a déjà été utilisé." in text(again)


def test_the_qr_code_rotates_and_expires_after_a_minute(room: Room) -> None:
    as_trainer = login(User.objects.get(email="suivi@forma.test"))
    with at(DURING):
        first = as_trainer.get(f"/emargement/seance/{room.slot.pk}/qr.json").json()
    with at(DURING + dt.timedelta(seconds=30)):
        second = as_trainer.get(f"/emargement/seance/{room.slot.pk}/qr.json").json()
    assert first["open"] and "<svg" in first["svg"] and first["url"] != second["url"]

    scanned = path_of(first["url"])
    with at(DURING + dt.timedelta(seconds=59)):
        assert Client().get(scanned).status_code == 200  # the previous window still counts
    with at(DURING + dt.timedelta(seconds=60)):
        late = Client().get(scanned)
    assert late.status_code == 403
    assert "Ce QR code a expiré : scannez celui affiché à l'écran." in text(late)


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, pk: (pk, token[:-1] + ("0" if token[-1] != "0" else "1")),
        lambda token, pk: (pk + 1, token),  # another slot's URL with this slot's token
        lambda token, pk: (pk, "nimportequoi"),
        lambda token, pk: (pk, f"{int(token.split('-')[0], 16) + 1:x}-{token.split('-')[1]}"),
    ],
)
def test_a_forged_qr_token_is_refused(room: Room, forge: Any) -> None:
    with at(DURING):
        pk, token = forge(signing_tokens.qr_token(room.slot, DURING), room.slot.pk)
        response = Client().get(f"/emargement/s/{pk}/{token}/")
    assert response.status_code == 403
    assert "Ce QR code n'est pas valide" in text(response)
    assert not Signature.objects.exists()


def test_a_logged_in_learner_scanning_the_qr_code_signs_directly_and_late(room: Room) -> None:
    moment = START + dt.timedelta(minutes=20)
    client = login(room.camille_user)
    with at(START - dt.timedelta(minutes=5)):  # the trainer shows the QR code from the start
        login(User.objects.get(email="suivi@forma.test")).get(f"/emargement/seance/{room.slot.pk}/")
    with at(moment):
        page = client.get(qr_path(room.slot, moment))
        assert page.status_code == 200 and page.context["learner"] == room.world.learner
        done = sign_with_grant(client, grant_of(page))
    assert done.status_code == 200
    mark = AttendanceMark.objects.get(enrolment=room.world.enrolment)
    assert (mark.status, mark.minutes_late, mark.method) == ("retard", 20, "qr")


# --- Personal links ------------------------------------------------------------------


def test_a_personal_link_signs_once_and_remembers_the_phone(room: Room) -> None:
    phone = Client()
    with at(DURING):
        page = phone.get(link_path(room.slot, room.other))
        assert page.status_code == 200 and "Léa Durand" in text(page)
        assert signing_tokens.LEARNER_COOKIE in page.cookies
        done = sign_with_grant(phone, grant_of(page))
        assert done.status_code == 200
        # Signing twice: the link again, or the same form sent again.
        again = phone.get(link_path(room.slot, room.other))
        resent = sign_with_grant(phone, grant_of(page))
    for response in (again, resent):
        assert response.status_code == 403
        assert "Vous avez déjà signé pour cette séance." in text(response)
    assert Signature.objects.filter(mark__enrolment=room.other).count() == 1
    assert AttendanceMark.objects.get(enrolment=room.other).method == "lien"

    # Next slot: the same phone answers the QR code without a code.
    later = programme_services.create_slot(
        room.world.session,
        acting_user=None,
        starts_at=START + dt.timedelta(days=1),
        ends_at=END + dt.timedelta(days=1),
    )
    moment = DURING + dt.timedelta(days=1)
    with at(moment):
        scan = phone.get(qr_path(later, moment))
        assert scan.status_code == 200 and scan.context["learner"].pk == room.other.learner_id
        # Someone else holding this phone: it forgets Léa, and asks for a code again.
        assert "Vous n'êtes pas Léa Durand ?" in text(scan)
        phone.post("/emargement/oublier/")
        rescan = phone.get(qr_path(later, moment))
    assert rescan.status_code == 200 and "Code personnel" in text(rescan)


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (START - dt.timedelta(minutes=16), 403),
        (START - dt.timedelta(minutes=15), 200),
        (END, 200),
        (END + dt.timedelta(minutes=1), 403),
    ],
)
def test_signing_is_open_from_a_quarter_before_the_start_to_the_end(
    room: Room, moment: dt.datetime, status: int
) -> None:
    with at(moment):
        response = Client().get(link_path(room.slot, room.world.enrolment))
    assert response.status_code == status
    if status == 403:
        assert (
            "La signature n'est possible que pendant la séance "
            "(du 10/03/2026 08:45 au 10/03/2026 12:30)." in text(response)
        )


def test_a_signing_page_left_open_past_the_end_is_refused(room: Room) -> None:
    client = Client()
    with at(END - dt.timedelta(minutes=2)):
        page = client.get(link_path(room.slot, room.world.enrolment))
    with at(END + dt.timedelta(minutes=2)):
        response = sign_with_grant(client, grant_of(page))
    assert response.status_code == 403
    assert "La signature n'est possible que pendant la séance" in text(response)
    assert not AttendanceMark.objects.exists()


def test_a_tampered_link_or_form_is_refused(room: Room) -> None:
    token = signing_tokens.link_token(room.slot, room.world.enrolment)
    other_token = signing_tokens.link_token(room.slot, room.other)
    spliced = token.split(":")[0] + ":" + ":".join(other_token.split(":")[1:])
    with at(DURING):
        for bad in (token[:-2] + "xx", spliced, "abc"):
            response = Client().get(f"/emargement/l/{bad}/")
            assert response.status_code == 403
            assert "Ce lien de signature n'est pas valide." in text(response)
        page = Client().get(link_path(room.slot, room.world.enrolment))
        forged = sign_with_grant(Client(), grant_of(page).replace(":", ":x", 1))
    assert forged.status_code == 403 and "n'est pas valide" in text(forged)
    assert not Signature.objects.exists()


# --- Signing for someone else, and other organisations ----------------------------------


def test_a_learner_cannot_sign_for_someone_else(room: Room, director: User) -> None:
    camille = login(room.camille_user)
    with at(DURING):
        # Léa's personal link, opened in Camille's session.
        response = camille.get(link_path(room.slot, room.other))
        assert response.status_code == 403
        assert "Vous ne pouvez pas signer pour un autre apprenant." in text(response)
        # Léa's one-time code typed on Camille's phone (known by her own link's cookie).
        codes = dict(
            (e.pk, c) for e, c in signing_services.issue_codes(room.slot, acting_user=director)
        )
        phone = Client()
        phone.get(link_path(room.slot, room.world.enrolment))
        scan = Client().get(qr_path(room.slot, DURING))
        response = phone.post(
            "/emargement/code/", {"grant": grant_of(scan), "code": codes[room.other.pk]}
        )
        assert response.status_code == 403
        assert "Ce code est celui d'un autre apprenant." in text(response)
        # A staff member's session cannot sign a learner's link either.
        response = login(director).get(link_path(room.slot, room.other))
        assert "Vous ne pouvez pas signer pour un autre apprenant." in text(response)
    assert not Signature.objects.exists()
    assert OneTimeCode.objects.filter(used_at__isnull=False).count() == 0


def test_a_learner_not_enrolled_in_the_session_is_refused(room: Room, director: User) -> None:
    stranger = learner_services.create_learner(
        room.world.org, acting_user=director, last_name="Ailleurs", first_name="Noé"
    )
    account = User.objects.create_user("noe@ex.fr", PASSWORD)
    Membership.objects.create(user=account, organisation=room.world.org, role=Role.APPRENANT)
    learner_services.update_learner(stranger, acting_user=director, user=account)
    with at(DURING):
        response = login(account).get(qr_path(room.slot, DURING))
    assert response.status_code == 403
    assert "Vous n'êtes pas inscrit(e) à la session de cette séance." in text(response)


def test_organisation_b_cannot_sign_organisation_a_slots(
    room: Room, world_b: World, outsider: User
) -> None:
    slot_b = programme_services.create_slot(
        world_b.session, acting_user=outsider, starts_at=START, ends_at=END
    )
    account_b = User.objects.create_user("learner@b.test", PASSWORD)
    Membership.objects.create(user=account_b, organisation=world_b.org, role=Role.APPRENANT)
    learner_services.update_learner(world_b.learner, acting_user=outsider, user=account_b)
    codes_a = dict((e.pk, c) for e, c in signing_services.issue_codes(room.slot, acting_user=None))
    with at(DURING):
        learner_b = login(account_b)
        # A's QR code scanned by B's learner.
        response = learner_b.get(qr_path(room.slot, DURING))
        assert response.status_code == 403
        assert "Vous n'êtes pas inscrit(e) à la session de cette séance." in text(response)
        # A's personal link opened by B's learner.
        response = learner_b.get(link_path(room.slot, room.world.enrolment))
        assert "Vous ne pouvez pas signer pour un autre apprenant." in text(response)
        # A's one-time code typed after scanning B's QR code.
        scan = Client().get(qr_path(slot_b, DURING))
        response = Client().post(
            "/emargement/code/",
            {"grant": grant_of(scan), "code": codes_a[room.world.enrolment.pk]},
        )
        assert "Ce code n'est pas valide pour cette séance." in text(response)
        # A link pairing B's slot with A's enrolment cannot be made without the key.
        forged = signing_tokens.link_token(slot_b, room.world.enrolment)
        assert "n'est pas valide" in text(Client().get(f"/emargement/l/{forged}/"))
        # B's director reaches nothing of A's trainer pages.
        outsider_client = login(outsider)
        for url in ("", "qr.json"):
            assert (
                outsider_client.get(f"/emargement/seance/{room.slot.pk}/{url}").status_code == 404
            )
        assert outsider_client.post(f"/emargement/seance/{room.slot.pk}/codes/").status_code == 404
        assert (
            Client()
            .get(f"/emargement/s/{room.slot.pk}/{signing_tokens.qr_token(slot_b, DURING)}/")
            .status_code
            == 403
        )
    assert not Signature.objects.exists()


# --- The drawing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("", "Dessinez votre signature dans le cadre avant de valider."),
        (png_data_url(blank=True), "La signature est vide"),
        ("data:image/jpeg;base64,/9j/4AAQ", "La signature doit être une image PNG."),
        ("data:image/png;base64,@@@@", "L'image de la signature est illisible."),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a" * 10).decode(), "illisible"),
        ("data:image/png;base64," + "A" * 300_000, "L'image de la signature dépasse 200 Ko."),
    ],
)
def test_a_bad_drawing_is_refused_and_may_be_drawn_again(
    room: Room, image: str, message: str
) -> None:
    client = Client()
    with at(DURING):
        page = client.get(link_path(room.slot, room.world.enrolment))
        refused = sign_with_grant(client, grant_of(page), image)
        assert refused.status_code == 400 and message in text(refused)
        assert sign_with_grant(client, grant_of(refused)).status_code == 200
    assert Signature.objects.count() == 1


# --- The trainer's side ------------------------------------------------------------------


def test_the_trainer_countersigns_at_the_end_of_the_slot(room: Room) -> None:
    as_trainer = login(User.objects.get(email="suivi@forma.test"))
    url = f"/emargement/seance/{room.slot.pk}/contresigner/"
    with at(DURING):
        page = as_trainer.get(f"/emargement/seance/{room.slot.pk}/")
        early = as_trainer.post(url, {"signature": png_data_url()}, follow=True)
    assert "Vous pourrez contresigner la séance à partir du 10/03/2026 12:15." in text(page)
    assert "La contresignature n'est possible qu'en fin de séance" in text(early)
    with at(END - dt.timedelta(minutes=5)):
        done = as_trainer.post(url, {"signature": png_data_url()}, follow=True)
        assert "Séance contresignée." in text(done)
        twice = as_trainer.post(url, {"signature": png_data_url()}, follow=True)
    assert "Cette séance est déjà contresignée par ce formateur." in text(twice)
    countersignature = Signature.objects.get(slot=room.slot)
    assert countersignature.trainer == room.trainer and countersignature.mark is None
    assert signing_services.verify_digest(countersignature)


def test_only_staff_and_the_slot_trainer_open_the_trainer_page(
    room: Room, director: User, tutor_user: User, auditor: User
) -> None:
    url = f"/emargement/seance/{room.slot.pk}/"
    with at(DURING):
        assert login(director).get(url).status_code == 200
        for user in (room.camille_user, tutor_user, auditor):
            assert login(user).get(url).status_code == 403
        staff_page = login(director).get(url)
        assert not staff_page.context["may_countersign"]  # not a trainer of the slot
        assert Client().get(url).status_code == 302


# --- Personal links by email -------------------------------------------------------------


def test_the_worker_emails_each_learner_their_link_once(room: Room) -> None:
    as_trainer = login(User.objects.get(email="suivi@forma.test"))
    with smtp_server() as (inbox, port), at(START - dt.timedelta(hours=1)):
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
        ):
            response = as_trainer.post(f"/emargement/seance/{room.slot.pk}/liens/")
            assert response.status_code == 302
            as_trainer.post(f"/emargement/seance/{room.slot.pk}/liens/")
            assert Job.objects.filter(kind=signing_services.SEND_LINKS).count() == 1
            call_command("worker", "--once")
            assert len(inbox.messages) == 2
            call_command("worker", "--once")
            as_trainer.post(f"/emargement/seance/{room.slot.pk}/liens/")
            call_command("worker", "--once")
    assert len(inbox.messages) == 2
    recipients = sorted(str(m["To"]) for m in inbox.messages)
    assert recipients == ["camille.a@exemple.fr", "lea@ex.fr"]
    message = next(m for m in inbox.messages if m["To"] == "lea@ex.fr")
    assert "Émargement" in str(message["Subject"])
    body = message.get_content()
    link = re.search(r"https?://\S+/emargement/l/\S+/", body)
    assert link is not None and "Bonjour Léa Durand" in body
    job = Job.objects.get(kind=signing_services.SEND_LINKS)
    assert job.state == "done" and sorted(job.result["sent"]) == sorted(
        [room.world.enrolment.pk, room.other.pk]
    )
    with at(DURING):
        page = Client().get(path_of(link.group(0)))
    assert page.status_code == 200 and page.context["learner"] == room.other.learner


# --- The trainer's word, the closed sheet, the personal codes --------------------------


def trainer_client() -> Client:
    return login(User.objects.get(email="suivi@forma.test"))


def test_signing_keeps_the_trainers_marks_and_flags_the_conflict(room: Room) -> None:
    camille, lea = room.world.enrolment, room.other
    as_trainer = trainer_client()
    roll = f"/seances/{room.slot.pk}/"
    with at(DURING):
        as_trainer.post(roll, {f"status-{camille.pk}": "present", f"status-{lea.pk}": "absent"})
    late = START + dt.timedelta(minutes=80)  # the trainer opens the QR code mid-séance
    with at(late):
        page = as_trainer.get(f"/emargement/seance/{room.slot.pk}/")
        scan = login(room.camille_user).get(path_of(page.context["qr_url"]))
        assert sign_with_grant(login(room.camille_user), grant_of(scan)).status_code == 200
        link = Client().get(link_path(room.slot, lea))
        assert sign_with_grant(Client(), grant_of(link)).status_code == 200

    marks = {m.enrolment_id: m for m in AttendanceMark.objects.filter(slot=room.slot)}
    assert (marks[camille.pk].status, marks[camille.pk].method) == ("present", "formateur")
    assert (marks[lea.pk].status, marks[lea.pk].method) == ("absent", "formateur")
    assert marks[camille.pk].minutes_late is None
    assert Signature.objects.filter(slot=room.slot, mark__isnull=False).count() == 2

    # The séance page flags the one conflict, for the trainer to settle.
    with at(late):
        page = as_trainer.get(roll)
    lines = [line for line in page.context["conflicts"]]
    assert [line.enrolment for line in lines] == [lea]
    assert "Désaccords à trancher" in text(page) and text(page).count("data-conflict-flag") == 1
    with at(late):
        settled = as_trainer.post(
            f"/presences/{marks[lea.pk].pk}/desaccord/", {"decision": "present"}, follow=True
        )
    assert "Désaccord tranché." in text(settled) and not settled.context["conflicts"]
    mark = AttendanceMark.objects.get(pk=marks[lea.pk].pk)
    assert (mark.status, mark.method) == ("present", "formateur")
    assert mark.conflict_settled_at == late
    assert JournalEntry.objects.filter(
        verb="attendance.conflict_settled", object_id=str(mark.pk)
    ).exists()


def test_a_qr_code_opened_mid_seance_does_not_make_the_group_late(room: Room) -> None:
    late = START + dt.timedelta(minutes=80)
    with at(late):
        page = trainer_client().get(f"/emargement/seance/{room.slot.pk}/")
        client = login(room.camille_user)
        scan = client.get(path_of(page.context["qr_url"]))
        sign_with_grant(client, grant_of(scan))
    mark = AttendanceMark.objects.get(enrolment=room.world.enrolment)
    assert (mark.status, mark.minutes_late, mark.method) == ("present", None, "qr")


def test_once_countersigned_the_sheet_refuses_signatures(room: Room) -> None:
    as_trainer = trainer_client()
    before = END - dt.timedelta(minutes=10)
    with at(before):
        page = as_trainer.get(f"/emargement/seance/{room.slot.pk}/")
        qr = page.context["qr_url"]
        scan = login(room.camille_user).get(path_of(qr))
        codes = as_trainer.post(f"/emargement/seance/{room.slot.pk}/codes/")
        code = dict((e.pk, c) for e, c in codes.context["codes"])[room.other.pk]
        as_trainer.post(
            f"/emargement/seance/{room.slot.pk}/contresigner/", {"signature": png_data_url()}
        )
    after = before + dt.timedelta(seconds=20)
    with at(after):
        refused = [
            sign_with_grant(login(room.camille_user), grant_of(scan)),  # a page left open
            login(room.camille_user).get(path_of(qr)),
            Client().get(link_path(room.slot, room.other)),
            Client().post("/emargement/code/", {"code": code}),
        ]
        page = as_trainer.get(f"/emargement/seance/{room.slot.pk}/")
        polled = as_trainer.get(f"/emargement/seance/{room.slot.pk}/qr.json").json()
    for response in refused:
        assert response.status_code == 403
        assert "La feuille d'émargement de cette séance est close" in text(response)
    assert not AttendanceMark.objects.exists()
    assert not page.context["is_open"] and "Feuille close" in text(page)
    assert polled == {"open": False, "svg": "", "url": "", "seconds_left": 0}


def test_personal_codes_say_where_to_type_them(room: Room) -> None:
    with at(DURING):
        codes = trainer_client().post(f"/emargement/seance/{room.slot.pk}/codes/")
        code = dict((e.pk, c) for e, c in codes.context["codes"])[room.other.pk]
        form = Client().get("/emargement/code/")
        phone = Client()
        typed = phone.post("/emargement/code/", {"code": code})
        done = sign_with_grant(phone, grant_of(typed))
    printed = text(codes)
    assert f"{django_settings.SITE_URL}/emargement/code/" in printed
    assert printed.count("<svg") == 1  # the QR code of that address
    assert form.status_code == 200 and 'name="code"' in text(form)
    assert typed.status_code == 200 and "Léa Durand" in text(typed)
    assert done.status_code == 200
    signature = Signature.objects.get(mark__enrolment=room.other)
    assert signature.method == "code" and signature.get_method_display() == "Code personnel"
