"""The journal page reads as French sentences, details behind a toggle, never a wall of text."""

import datetime as dt
import html
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.urls import reverse

from parcours.learners import services as learner_services
from parcours.messaging import services as messaging_services
from tests.conftest import World
from tests.smtp import free_port, smtp_server

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_the_journal_page_reads_as_french_sentences(
    world_a: World, director, as_director, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with time_machine.travel(NOW, tick=False):
        learner_services.update_learner(
            world_a.learner, acting_user=director, phone="0601020304", notes="x" * 5000
        )
        learner_services.change_status(
            world_a.enrolment, "en_cours", acting_user=director, on=dt.date(2026, 3, 2)
        )
        messaging_services.queue_email(
            world_a.org,
            to="camille.a@exemple.fr",
            subject="Relance : votre absence",
            body="Bonjour",
            acting_user=director,
        )
        with smtp_server(settings.EMAIL_PORT):
            call_command("worker", "--once")

        response = as_director.get(reverse("journal"))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    # One sentence per event, in French.
    assert "Courriel envoyé à camille.a@exemple.fr" in page
    assert "Courriel préparé pour camille.a@exemple.fr : « Relance : votre absence »" in page
    assert "Parcours de Camille MartinA · Comptabilité A printemps commencé" in page
    assert "Modification : Apprenant « Camille MartinA »" in page
    # Details behind a toggle, labelled with the fields' French names, values whole.
    assert page.count("<details>") >= 4
    assert "<dt>Téléphone</dt><dd>— → 0601020304</dd>" in page
    assert "<dt>Tentative n°</dt><dd>1</dd>" in page
    # No English codes, raw field names, or values spelt character by character.
    for raw in ("messaging.sent", "enrolment.en_cours", "last_name", "message_id", "‹ →"):
        assert raw not in page, raw
    # Long values are cut.
    assert "x" * 5000 not in page and "x" * 100 + "…" in page
