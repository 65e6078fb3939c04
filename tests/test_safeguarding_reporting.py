"""Reporting: from the learner portal (named or anonymous), from the public link without
an account, and following the report with its code; handlers are told by email, with
nothing of the report in it."""

import hashlib
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from parcours.core.models import JournalEntry, User
from parcours.messaging.models import Message
from parcours.safeguarding import services
from parcours.safeguarding.models import Channel, Report, ReporterMessage
from tests.conftest import World, login
from tests.safeguarding_support import (
    DESCRIPTION,
    SECRETS,
    code_of,
    designate,
    fresh_rate_limits,  # noqa: F401 (autouse fixture)
    make_reporter,
    report_data,
    submit_from_portal,
)
from tests.smtp import free_port, smtp_server

FOLLOW_UP = "/signalement/suivi/"


@pytest.fixture
def reporter(world_a: World) -> User:
    return make_reporter(world_a)


@pytest.fixture
def handlers(world_a: World, director: User, quality: User, officer: User) -> list[User]:
    designate(world_a, director, quality)
    designate(world_a, director, officer)
    return [quality, officer]


def test_the_portal_links_to_the_report_form(reporter: User) -> None:
    client = login(reporter)
    portal = client.get("/mon-espace/")
    assert "Signaler une situation de violence, de harcèlement ou de discrimination" in portal.text
    form = client.get(reverse("portal:report"))
    assert form.status_code == 200 and "anonyme" in form.text


def test_a_named_portal_report_is_linked_to_the_learner(
    world_a: World, reporter: User, handlers: list[User]
) -> None:
    report, code = submit_from_portal(login(reporter))
    assert report.anonymous is False
    assert report.reporter_user == reporter
    assert report.reporter_learner == world_a.learner
    assert report.channel == Channel.PORTAL
    assert report.description == DESCRIPTION and report.kind == "harcelement_sexuel"
    assert report.number == 1 and report.status == "recu"
    # Only the code's digest is kept.
    raw = code.replace("-", "")
    assert report.code_digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(Report.objects.filter(pk=report.pk).values().get())


def test_an_anonymous_portal_report_keeps_no_link_to_the_learner(
    world_a: World, reporter: User, handlers: list[User]
) -> None:
    report, _code = submit_from_portal(login(reporter), anonymous="on", contact_email="")
    row = Report.objects.filter(pk=report.pk).values().get()
    assert row["anonymous"] is True
    assert row["reporter_user_id"] is None and row["reporter_learner_id"] is None
    assert row["contact_name"] == row["contact_email"] == row["contact_phone"] == ""
    # Nothing else in the row names the learner either.
    for value in row.values():
        for fragment in ("MartinA", "Signalante", "reporter@", "camille"):
            assert fragment not in str(value)
    page = login(handlers[0]).get(report.get_absolute_url())
    assert "Anonyme" in page.text
    assert "MartinA" not in page.text and "Signalante" not in page.text
    # Nor does the journal: the entry of its arrival has no actor.
    entry = JournalEntry.objects.get(verb="safeguarding.report_received")
    assert entry.actor_id is None and "Signalante" not in entry.actor_label


def test_only_learners_report_from_the_portal(officer: User, director: User) -> None:
    for user in (officer, director):
        response = login(user).post(reverse("portal:report"), report_data())
        assert response.status_code == 403
    assert not Report.objects.exists()


def test_the_public_link_works_without_an_account(world_a: World, handlers: list[User]) -> None:
    client = Client(enforce_csrf_checks=True)
    url = reverse("safeguarding:public_report", args=["forma-plus"])
    page = client.get(url)
    assert page.status_code == 200 and "Forma Plus" in page.text
    assert "csrfmiddlewaretoken" in page.text
    # Without the CSRF token, refused.
    assert client.post(url, report_data()).status_code == 403
    token = client.cookies["csrftoken"].value
    response = client.post(url, {**report_data(contact_email=""), "csrfmiddlewaretoken": token})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "no-store" in response["Cache-Control"]
    code = code_of(response)
    report = Report.objects.get()
    assert report.organisation == world_a.org and report.channel == Channel.PUBLIC
    assert report.anonymous and report.reporter_user is None and report.reporter_learner is None
    assert services.report_for_code(code) == report
    assert client.get(reverse("safeguarding:public_report", args=["inconnu"])).status_code == 404


def test_robots_filling_the_honeypot_or_flooding_are_refused(world_a: World) -> None:
    client = Client()
    url = reverse("safeguarding:public_report", args=["forma-plus"])
    response = client.post(url, report_data(website="http://spam.example"))
    assert response.status_code == 200 and "Envoi refusé" in response.text
    assert not Report.objects.exists()
    for _i in range(5):  # five an hour from one address
        assert "<code>" in client.post(url, report_data()).text
    assert "Envoi refusé" in client.post(url, report_data()).text
    assert Report.objects.count() == 5


def test_the_follow_up_code_shows_status_and_messages_and_takes_information(
    world_a: World, reporter: User, handlers: list[User]
) -> None:
    report, code = submit_from_portal(login(reporter), anonymous="on")
    handler = login(handlers[0])
    handler.post(
        reverse("safeguarding:report_advance", args=[report.pk]),
        {"to_status": "accuse", "note": "Accusé de réception"},
    )
    handler.post(
        reverse("safeguarding:report_message", args=[report.pk]),
        {"body": "Bonjour, pouvez-vous préciser l'heure exacte ?"},
    )
    handler.post(
        reverse("safeguarding:report_note", args=[report.pk]),
        {"body": "Note interne à ne pas montrer"},
    )

    client = Client()  # no account
    assert client.get(FOLLOW_UP).status_code == 200
    # The code is accepted however it is typed (lower case, spaces, no dashes).
    typed = code.lower().replace("-", " ")
    page = client.post(FOLLOW_UP, {"code": typed})
    assert page.status_code == 200
    assert "Accusé de réception" in page.text
    assert "pouvez-vous préciser l&#x27;heure exacte" in page.text
    assert "Note interne" not in page.text
    assert str(handlers[0]) not in page.text  # the reporter is not told who handles it
    assert "no-store" in page["Cache-Control"]

    Message.objects.all().delete()
    added = client.post(
        reverse("safeguarding:follow_up_add"), {"code": code, "body": "Il était 10 h 15."}
    )
    assert added.status_code == 200 and "transmise" in added.text
    info = ReporterMessage.objects.get(report=report, author_kind="declarant")
    assert info.body == "Il était 10 h 15." and info.author is None
    # Handlers are told that something was added, not what.
    assert sorted(Message.objects.values_list("to", flat=True)) == sorted(u.email for u in handlers)
    assert not Message.objects.filter(body__contains="10 h 15").exists()


@pytest.mark.parametrize(
    "code",
    ["", "AAAA-BBBB-CCCC-DDDD", "0000-0000-0000-0000", "ABC", "x" * 40, "' OR 1=1 --"],
)
def test_a_wrong_or_forged_code_is_refused_without_revealing_anything(
    code: str, reporter: User, handlers: list[User]
) -> None:
    report, _real = submit_from_portal(login(reporter))
    client = Client()
    response = client.post(FOLLOW_UP, {"code": code})
    assert response.status_code == 200
    text = response.text
    assert "Code inconnu" in text or "Ce champ est obligatoire" in text
    for secret in (*SECRETS, "Reçu", "mon signalement n°"):
        assert secret not in text
    added = client.post(reverse("safeguarding:follow_up_add"), {"code": code, "body": "Intrus"})
    assert added.status_code == 404
    assert not ReporterMessage.objects.filter(report=report).exists()
    # The code in the query string is never read.
    assert "mon signalement n°" not in client.get(FOLLOW_UP, {"code": code}).text


def test_guessing_codes_is_slowed_down(reporter: User, handlers: list[User]) -> None:
    _report, code = submit_from_portal(login(reporter))
    client = Client()
    for _i in range(12):  # the right code, as often as one likes, does not count
        assert "mon signalement n°" in client.post(FOLLOW_UP, {"code": code}).text
    for _i in range(10):
        assert "Code inconnu" in client.post(FOLLOW_UP, {"code": "AAAA-BBBB-CCCC-DDDD"}).text
    # Even the right code waits now.
    refused = client.post(FOLLOW_UP, {"code": code}).text
    assert "Trop d&#x27;essais" in refused and "mon signalement n°" not in refused


def test_handlers_are_emailed_without_any_content(
    world_a: World, reporter: User, handlers: list[User], settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    report, _code = submit_from_portal(login(reporter), contact_name="Zoé Signalante")
    queued = Message.objects.filter(organisation=world_a.org)
    assert sorted(queued.values_list("to", flat=True)) == sorted(u.email for u in handlers)
    with smtp_server(settings.EMAIL_PORT) as (inbox, _port):
        call_command("worker", "--once")
    assert len(inbox.messages) == 2
    assert sorted(m["To"] for m in inbox.messages) == sorted(u.email for u in handlers)
    for mail in inbox.messages:
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert f"/signalements/{report.pk}/" in body
        assert "Nouveau signalement" in mail["Subject"]
        for secret in (*SECRETS, "harcèlement", "Harcèlement", "victime"):
            assert secret not in body and secret not in mail["Subject"], secret


def test_with_no_handler_the_direction_is_told_and_asked_to_designate(
    world_a: World, reporter: User, director: User, quality: User
) -> None:
    """A report never goes to nobody: the direction gets the neutral notice, no content."""
    report, _code = submit_from_portal(login(reporter))
    assert Report.objects.get() == report
    notice = Message.objects.get()
    assert notice.to == director.email
    assert "aucun référent désigné" in notice.subject
    assert "Désignez un référent" in notice.body and "/signalements/referents/" in notice.body
    for secret in SECRETS:
        assert secret not in notice.body and secret not in notice.subject, secret
    # The dashboard says so until someone is designated.
    as_director = login(director)
    assert "aucun référent désigné" in as_director.get("/").text
    designate(world_a, director, quality)
    assert "aucun référent désigné" not in as_director.get("/").text
    # Once designated, the handler is told, the direction no longer.
    submit_from_portal(login(reporter))
    assert Message.objects.order_by("-pk").first().to == quality.email
