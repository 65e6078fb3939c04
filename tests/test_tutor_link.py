"""The tutor's liaison sheet through a personal link: no account, only that apprentice,
refused (with nothing saved) when expired, forged or tampered with; re-usable until it
expires; an alert opens a tutor-alert case, once per sheet."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from parcours.core.models import JournalEntry
from parcours.followup import liaison
from parcours.followup.models import FollowupCase, LiaisonSheet, TriggerKind
from parcours.learners import services as learner_services
from parcours.messaging.models import Message
from tests.conftest import World, build_world, login

PARIS = ZoneInfo("Europe/Paris")
SENT_AT = dt.datetime(2026, 4, 1, 10, 0, tzinfo=PARIS)
SHEET = {
    "company_attendance": "assidu",
    "attitude": "satisfaisant",
    "skills_progress": "Maîtrise le façonnage des baguettes.",
    "difficulties": "",
    "comments": "",
}


@pytest.fixture
def apprentice(world_a: World, director) -> World:
    employer = learner_services.create_employer(
        world_a.org, acting_user=director, name="Boulangerie Léa"
    )
    tutor = learner_services.create_tutor(
        employer,
        acting_user=director,
        first_name="Paul",
        last_name="Fournil",
        email="paul.fournil@boulangerie.test",
    )
    learner_services.update_enrolment(
        world_a.enrolment, acting_user=director, tutor=tutor, employer=employer
    )
    world_a.enrolment.refresh_from_db()
    return world_a


@pytest.fixture
def link(apprentice: World, officer) -> str:
    """The path of the personal link, as the tutor receives it by email."""
    with time_machine.travel(SENT_AT, tick=False):
        response = login(officer).post(
            reverse("followup:tutor_link_send", args=[apprentice.enrolment.pk])
        )
    assert response.status_code == 302
    message = Message.objects.get(to="paul.fournil@boulangerie.test")
    assert "jusqu'au 01/05/2026" in message.body
    url = re.search(r"http://\S+/liaison/\S+/", message.body)
    assert url is not None
    return url.group(0).removeprefix("http://127.0.0.1:8000")


def test_the_tutor_fills_the_sheet_without_an_account(
    link: str, apprentice: World, officer, world_b: World
) -> None:
    tutor = Client()  # no login
    with time_machine.travel(SENT_AT + dt.timedelta(days=3), tick=False):
        page = tutor.get(link).content.decode()
        assert "Camille MartinA" in page and "Comptabilité A printemps" in page
        assert world_b.learner.last_name not in page
        response = tutor.post(link, {**SHEET, "difficulties": "Quelques retards le lundi."})
    assert response.status_code == 200
    assert "votre fiche de liaison est enregistrée" in response.content.decode()
    sheet = LiaisonSheet.objects.get()
    assert sheet.enrolment == apprentice.enrolment and sheet.tutor == apprentice.enrolment.tutor
    assert sheet.company_attendance == "assidu" and not sheet.alert and sheet.case is None
    assert not FollowupCase.objects.exists()
    entry = JournalEntry.objects.get(verb="followup.liaison_sheet_submitted")
    assert entry.actor is None and "Paul Fournil (tuteur, lien personnel)" in entry.actor_label

    as_officer = login(officer)
    timeline = as_officer.get(apprentice.learner.get_absolute_url()).content.decode()
    assert "Fiche de liaison du tuteur Paul Fournil" in timeline
    assert "Quelques retards le lundi." in timeline
    followup = reverse("followup:enrolment_followup", args=[apprentice.enrolment.pk])
    page = as_officer.get(followup).content.decode()
    assert reverse("followup:liaison_sheet", args=[sheet.pk]) in page
    assert "Envoyer au tuteur son lien personnel" in page
    page = as_officer.get(reverse("followup:liaison_sheet", args=[sheet.pk])).content.decode()
    assert "Maîtrise le façonnage des baguettes." in page

    # The same link, a month later (before it expires): a second sheet.
    with time_machine.travel(SENT_AT + dt.timedelta(days=29), tick=False):
        assert tutor.post(link, SHEET).status_code == 200
    assert LiaisonSheet.objects.count() == 2


def test_an_alert_opens_a_tutor_alert_case_once_per_sheet(link: str, apprentice: World) -> None:
    tutor = Client()
    alert = {**SHEET, "alert": "on", "difficulties": "Absent trois jours sans prévenir."}
    with time_machine.travel(SENT_AT + dt.timedelta(days=2), tick=False):
        response = tutor.post(link, alert)
    assert "l'équipe de suivi vous rappellera" in response.content.decode().replace("&#x27;", "'")
    case = FollowupCase.objects.get()
    sheet = LiaisonSheet.objects.get()
    assert case.trigger_kind == TriggerKind.TUTOR_ALERT and sheet.case == case
    assert case.episode_key == f"fiche-{sheet.pk}"
    assert "Absent trois jours sans prévenir." in case.reason
    assert [s.label for s in case.steps.order_by("order")][0] == (
        "Appel de l'apprenant à la suite de l'alerte du tuteur"
    )
    # A second alert while that case is open joins it: no second case.
    with time_machine.travel(SENT_AT + dt.timedelta(days=5), tick=False):
        tutor.post(link, alert)
    assert FollowupCase.objects.count() == 1
    assert set(LiaisonSheet.objects.values_list("case", flat=True)) == {case.pk}


def test_an_expired_link_is_refused_and_saves_nothing(link: str) -> None:
    tutor = Client()
    with time_machine.travel(SENT_AT + dt.timedelta(days=31), tick=False):
        assert tutor.get(link).status_code == 403
        response = tutor.post(link, {**SHEET, "alert": "on"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ce lien a expiré" in page and "Camille" not in page
    assert not LiaisonSheet.objects.exists() and not FollowupCase.objects.exists()


def test_forged_or_tampered_links_are_refused(
    link: str, apprentice: World, director, org_a
) -> None:
    # Another apprentice of the same tutor: the first link does not reach them.
    other = build_world(org_a, "C", director)
    learner_services.update_enrolment(
        other.enrolment, acting_user=director, tutor=apprentice.enrolment.tutor
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    payload, _sep, rest = token.partition(":")
    forged_payload = signing.b64_encode(
        signing.JSONSerializer().dumps(
            {"e": other.enrolment.pk, "t": apprentice.enrolment.tutor_id}
        )
    ).decode()
    forged = [
        f"{forged_payload}:{rest}",  # the other apprentice, with the first link's signature
        token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),  # signature altered
        "n-importe-quoi",
        # Signed by the application, but for something else (another salt).
        signing.TimestampSigner(salt="attendance.link").sign_object(
            {"e": apprentice.enrolment.pk, "t": apprentice.enrolment.tutor_id}
        ),
    ]
    tutor = Client()
    with time_machine.travel(SENT_AT + dt.timedelta(days=1), tick=False):
        for value in forged:
            url = reverse("followup:tutor_sheet", args=[value])
            assert tutor.get(url).status_code == 403, value
            response = tutor.post(url, {**SHEET, "alert": "on"})
            assert response.status_code == 403, value
            assert "Ce lien n&#x27;est pas valide" in response.content.decode()
    assert not LiaisonSheet.objects.exists() and not FollowupCase.objects.exists()

    # The tutor changes: the old link no longer works, a new one does.
    employer = apprentice.enrolment.tutor.employer
    new_tutor = learner_services.create_tutor(
        employer, acting_user=director, first_name="Lucie", last_name="Pétrin", email="lp@b.test"
    )
    learner_services.update_enrolment(apprentice.enrolment, acting_user=director, tutor=new_tutor)
    with time_machine.travel(SENT_AT + dt.timedelta(days=1), tick=False):
        assert tutor.post(link, SHEET).status_code == 403
        apprentice.enrolment.refresh_from_db()
        fresh = reverse("followup:tutor_sheet", args=[liaison.link_token(apprentice.enrolment)])
        assert tutor.post(fresh, SHEET).status_code == 200
    assert LiaisonSheet.objects.get().tutor == new_tutor


def test_only_staff_of_the_organisation_send_links(
    apprentice: World, outsider, tutor_user, auditor
) -> None:
    url = reverse("followup:tutor_link_send", args=[apprentice.enrolment.pk])
    assert login(outsider).post(url).status_code == 404
    assert login(tutor_user).post(url).status_code == 403
    assert login(auditor).post(url).status_code == 403
    assert not Message.objects.exists()
