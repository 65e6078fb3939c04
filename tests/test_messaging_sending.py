"""Sending the outbox through a real SMTP server (aiosmtpd on loopback), by the worker."""

import datetime as dt
import os
import subprocess
import sys
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from icalendar import Calendar

from parcours.core import jobs, journal
from parcours.core.models import Job, JournalEntry, User
from parcours.messaging import ics, services
from parcours.messaging.models import AttemptOutcome, DeliveryAttempt, Message, MessageStatus
from parcours.messaging.selectors import status_label
from tests.conftest import World, login
from tests.smtp import Inbox, free_port, smtp_server

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def smtp_settings(settings: Any) -> Any:
    """Mail goes over SMTP to 127.0.0.1:<port>; the test decides what listens there."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.MESSAGING_RETRY_BASE_SECONDS = 30
    return settings


def _verbs(message: Message) -> list[str]:
    return list(
        JournalEntry.objects.filter(
            object_type="messaging.message", object_id=str(message.pk)
        ).values_list("verb", flat=True)
    )


def _queue(world: World, **kwargs: Any) -> Message:
    values: dict[str, Any] = {
        "to": world.learner.email,
        "subject": "Relance",
        "body": "Bonjour",
        "enrolment": world.enrolment,
    }
    return services.queue_email(world.org, **{**values, **kwargs})


def test_a_templated_invitation_reaches_the_smtp_server_once(
    world_a: World, director: User, smtp_settings: Any
) -> None:
    starts = dt.datetime(2026, 12, 1, 14, 30, tzinfo=PARIS)
    invite = ics.invitation(
        uid="entretien-1@parcours.test",
        start=starts,
        end=starts + dt.timedelta(hours=1),
        summary="Entretien de suivi",
        description="Point d'étape",
        location="Salle 2",
        organizer_email=director.email,
        organizer_name="Direction Test",
        attendees=[(world_a.learner.email, world_a.learner.full_name)],
    )
    with time_machine.travel(NOW, tick=False):
        message = services.queue_from_template(
            world_a.org,
            "convocation_entretien",
            to=world_a.learner.email,
            context=services.merge_context(
                world_a.enrolment,
                responsable=services.person(director),
                rendez_vous=services.appointment(starts, "Salle 2"),
            ),
            enrolment=world_a.enrolment,
            related_key="case-step:7",
            attachments=[ics.as_attachment(invite)],
            acting_user=director,
        )
        with smtp_server(smtp_settings.EMAIL_PORT) as (inbox, _port):
            call_command("worker", "--once")
            call_command("worker", "--once")
    assert len(inbox.messages) == 1
    sent = inbox.messages[0]
    assert sent["Subject"] == "Entretien de suivi le 01/12/2026 à 14h30"
    assert sent["To"] == "camille.a@exemple.fr"
    assert sent["From"].addresses[0].display_name == "Forma Plus"
    assert sent["Message-ID"] == message.message_id
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Bonjour Camille,")
    assert "le 01/12/2026 à 14h30 (Salle 2)" in text and "Direction Test" in text
    (part,) = list(sent.iter_attachments())
    assert part.get_filename() == "invitation.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts
    message.refresh_from_db()
    assert message.status == MessageStatus.ENVOYE and message.attempts == 1
    assert message.sent_at == NOW
    assert status_label(message) == "Envoyé le 24/11/2026 à 11:00"
    assert _verbs(message) == ["messaging.queued", "messaging.sent"]
    assert journal.verify(world_a.org.pk).ok
    (attempt,) = message.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.ENVOYE


def test_while_smtp_is_down_the_message_waits_then_goes_out_once(
    world_a: World, smtp_settings: Any
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        message = _queue(world_a)
        jobs.work(once=True)  # nothing listens on the port: connection refused
        message.refresh_from_db()
        assert message.status == MessageStatus.EN_ATTENTE and message.attempts == 1
        assert "Connexion au serveur d'envoi impossible" in message.last_error
        assert message.next_attempt_at == NOW + dt.timedelta(seconds=30)
        assert "nouvel essai le 24/11/2026 à 11:00" in status_label(message)

        clock.shift(dt.timedelta(seconds=10))
        jobs.work(once=True)  # not due yet
        message.refresh_from_db()
        assert message.attempts == 1

        clock.shift(dt.timedelta(seconds=21))
        jobs.work(once=True)  # still down: the wait doubles
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at == NOW + dt.timedelta(seconds=31 + 60)

        clock.shift(dt.timedelta(seconds=61))
        with smtp_server(smtp_settings.EMAIL_PORT) as (inbox, _port):
            jobs.work(once=True)
            clock.shift(dt.timedelta(hours=2))
            jobs.work(once=True)
    assert [m["Message-ID"] for m in inbox.messages] == [message.message_id]
    message.refresh_from_db()
    assert message.status == MessageStatus.ENVOYE and message.attempts == 3
    outcomes = list(message.delivery_attempts.values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.ERREUR, AttemptOutcome.ERREUR, AttemptOutcome.ENVOYE]
    assert _verbs(message) == [
        "messaging.queued",
        "messaging.retry_scheduled",
        "messaging.retry_scheduled",
        "messaging.sent",
    ]


def test_after_the_last_attempt_the_failure_is_visible_and_staff_may_resend(
    world_a: World, officer: User, tutor_user: User, smtp_settings: Any
) -> None:
    smtp_settings.MESSAGING_MAX_ATTEMPTS = 2
    with time_machine.travel(NOW, tick=False) as clock:
        message = _queue(world_a, subject="Relance importante")
        jobs.work(once=True)
        clock.shift(dt.timedelta(minutes=1))
        jobs.work(once=True)
        message.refresh_from_db()
        assert message.status == MessageStatus.ECHEC and message.attempts == 2
        clock.shift(dt.timedelta(hours=1))
        jobs.work(once=True)  # no more tries
        message.refresh_from_db()
        assert message.attempts == 2

        as_officer = login(officer)
        outbox = as_officer.get("/messages/", {"status": "echec"})
        assert [m.pk for m in outbox.context["page"].object_list] == [message.pk]
        detail = as_officer.get(f"/messages/{message.pk}/")
        assert "Échec après 2 tentatives" in detail.content.decode()
        assert len(detail.context["attempts"]) == 2
        assert login(tutor_user).post(f"/messages/{message.pk}/renvoyer/").status_code == 403
        assert as_officer.get(f"/messages/{message.pk}/renvoyer/").status_code == 405

        response = as_officer.post(f"/messages/{message.pk}/renvoyer/")
        assert response.status_code == 302
        message.refresh_from_db()
        assert message.status == MessageStatus.EN_ATTENTE
        with smtp_server(smtp_settings.EMAIL_PORT) as (inbox, _port):
            jobs.work(once=True)
    assert len(inbox.messages) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.ENVOYE and message.attempts == 3
    assert "messaging.resent" in _verbs(message) and _verbs(message)[-1] == "messaging.sent"


class RefusingInbox(Inbox):
    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return "550 5.1.1 Destinataire inconnu"


class HangingUpInbox(Inbox):
    """Takes the data, then drops the connection before answering."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 Message accepted for delivery"


def _serve(handler: Inbox, port: int) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def test_a_permanent_refusal_fails_at_once(world_a: World, smtp_settings: Any) -> None:
    message = _queue(world_a, to="inconnu@exemple.fr")
    inbox = RefusingInbox()
    for _controller in _serve(inbox, smtp_settings.EMAIL_PORT):
        jobs.work(once=True)
    message.refresh_from_db()
    assert message.status == MessageStatus.ECHEC and message.attempts == 1
    assert "Refusé par le serveur d'envoi" in message.last_error and "550" in message.last_error
    assert inbox.messages == []


def test_a_send_broken_off_midway_is_never_retried_automatically(
    world_a: World, smtp_settings: Any
) -> None:
    inbox = HangingUpInbox()
    with time_machine.travel(NOW, tick=False) as clock:
        message = _queue(world_a)
        for _controller in _serve(inbox, smtp_settings.EMAIL_PORT):
            jobs.work(once=True)
            clock.shift(dt.timedelta(days=1))
            jobs.work(once=True)
    assert len(inbox.messages) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.A_VERIFIER
    assert "remise incertaine" in message.last_error
    assert _verbs(message) == ["messaging.queued", "messaging.to_check"]


def test_a_message_left_in_envoi_by_a_dead_worker_is_flagged_not_resent(
    world_a: World, smtp_settings: Any
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        message = _queue(world_a)
        # A worker claimed it, then died before the SMTP exchange ended.
        job = jobs.claim("worker-mort")
        assert job is not None and job.payload == {"message_id": message.pk}
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.ENVOI, attempts=1, claimed_at=NOW
        )
        with smtp_server(smtp_settings.EMAIL_PORT) as (inbox, _port):
            clock.shift(dt.timedelta(minutes=10))
            jobs.work(once=True)
            message.refresh_from_db()
            assert message.status == MessageStatus.ENVOI
            clock.shift(dt.timedelta(minutes=30))  # the job itself is requeued as stale, too
            jobs.work(once=True)
            clock.shift(dt.timedelta(hours=3))
            jobs.work(once=True)
    assert inbox.messages == []
    message.refresh_from_db()
    assert message.status == MessageStatus.A_VERIFIER
    assert status_label(message) == "À vérifier : remise incertaine"
    assert _verbs(message) == ["messaging.queued", "messaging.to_check"]


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_send_every_message_exactly_once(
    world_a: World, tmp_path: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers are a PostgreSQL deployment (SQLite serialises writers)")
    created = [
        _queue(world_a, to=f"apprenant{i}@exemple.fr", subject=f"Relance {i}") for i in range(40)
    ]
    port = free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "PARCOURS_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "5",
        "MESSAGING_RETRY_BASE_SECONDS": "1",
    }
    command = [sys.executable, "-m", "parcours", "worker", "--poll", "0.2"]
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
        for log in logs
    ]
    try:
        # SMTP is down at first: every message fails once or twice, then waits.
        deadline = time.monotonic() + 15
        while Message.objects.filter(attempts__gte=1).count() < 40:
            assert time.monotonic() < deadline, "the workers did not try every message"
            time.sleep(0.2)
        assert not Message.objects.filter(status=MessageStatus.ENVOYE).exists()
        with smtp_server(port) as (inbox, _port):
            deadline = time.monotonic() + 20
            while Message.objects.filter(status=MessageStatus.ENVOYE).count() < 40:
                assert time.monotonic() < deadline, "not every message was sent in time"
                time.sleep(0.2)
            time.sleep(1)  # room for a duplicate, were there one
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    received = Counter(str(m["Message-ID"]) for m in inbox.messages)
    assert received == Counter({m.message_id: 1 for m in created})
    assert Message.objects.filter(status=MessageStatus.ENVOYE).count() == 40
    assert not Job.objects.filter(kind=services.SEND, state="failed").exists()
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()
    # Both processes took part (each try records the worker that made it).
    pids = {w.split(":")[1] for w in DeliveryAttempt.objects.values_list("worker", flat=True)}
    assert pids == {str(w.pid) for w in workers}


def test_a_fresh_worker_process_knows_how_to_send_and_sweep(tmp_path: Any) -> None:
    env = {**os.environ, "PARCOURS_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = (
        "from parcours.core.jobs import HANDLERS, PERIODIC; "
        "print(sorted(HANDLERS), sorted(PERIODIC))"
    )
    out = subprocess.run(
        [sys.executable, "-m", "parcours", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'messaging.send'" in out and "'messaging.sweep'" in out
