"""Handling a report: reçu → accusé de réception → en cours d'examen → mesures prises →
clos, one step at a time, each dated, by whom, with a note; the journal records neutral
facts only; the anonymised register counts it."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.core import journal
from parcours.core.models import JournalEntry, User
from parcours.safeguarding import services
from parcours.safeguarding.models import Report, Status
from tests.conftest import World, login
from tests.safeguarding_support import (
    SECRETS,
    designate,
    fresh_rate_limits,  # noqa: F401 (autouse fixture)
    make_reporter,
    submit_from_portal,
)

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def report(world_a: World, director: User, quality: User) -> Report:
    designate(world_a, director, quality)
    with time_machine.travel(T0, tick=False):
        found, _code = submit_from_portal(login(make_reporter(world_a)))
    return found


def advance(client: Client, report: Report, to_status: str, note: str = "Étape franchie") -> str:
    response = client.post(
        reverse("safeguarding:report_advance", args=[report.pk]),
        {"to_status": to_status, "note": note},
        follow=True,
    )
    return response.content.decode()


def test_no_step_is_skipped_and_none_goes_back(report: Report, quality: User) -> None:
    client = login(quality)
    page = advance(client, report, "examen")
    assert "Passage impossible de « Reçu » à « En cours d&#x27;examen »" in page
    assert "l&#x27;étape suivante est « Accusé de réception »" in page
    for target in ("clos", "mesures", "recu", "nimporte"):
        advance(client, report, target)
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and not report.transitions.exists()

    # A note is required.
    assert "Ce champ est obligatoire" in advance(client, report, "accuse", note="")
    advance(client, report, "accuse")
    advance(client, report, "examen")
    # Measures are recorded before the report can be marked « mesures prises ».
    page = advance(client, report, "mesures")
    assert "Enregistrez au moins une mesure" in page
    assert "Passage impossible de « En cours d&#x27;examen » à « Accusé" in advance(
        client, report, "accuse"
    )
    report.refresh_from_db()
    assert report.status == Status.INVESTIGATED


def test_the_service_refuses_too(report: Report, quality: User) -> None:
    with pytest.raises(ValidationError, match="Passage impossible"):
        services.advance(report, to_status=Status.CLOSED, note="x", acting_user=quality)
    services.advance(report, to_status=Status.ACKNOWLEDGED, note="Reçu", acting_user=quality)
    with pytest.raises(ValidationError, match="Passage impossible"):
        services.advance(report, to_status=Status.ACKNOWLEDGED, note="x", acting_user=quality)
    # A stale copy of the report cannot replay a step either.
    stale = Report.objects.get(pk=report.pk)
    services.advance(report, to_status=Status.INVESTIGATED, note="Examen", acting_user=quality)
    with pytest.raises(ValidationError, match="Passage impossible"):
        services.advance(stale, to_status=Status.INVESTIGATED, note="x", acting_user=quality)
    assert report.transitions.count() == 2


def test_the_whole_handling_is_dated_and_journaled_without_names_or_content(
    report: Report, quality: User, auditor: User, world_a: World
) -> None:
    client = login(quality)
    steps = [
        (T0 + dt.timedelta(hours=20), "accuse", "Accusé de réception envoyé"),
        (T0 + dt.timedelta(days=2), "examen", "Entretien avec Gaspard Vautrin prévu"),
    ]
    for at, status, note in steps:
        with time_machine.travel(at, tick=False):
            advance(client, report, status, note)
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        for kind, text in (
            ("protection", "Vautrin écarté du groupe de Mme Perrichon"),
            ("sanction", "Fin de mission de Gaspard Vautrin"),
            ("autorites", "Signalement au procureur (plaquée contre le mur)"),
            ("accompagnement", "Orientation vers une psychologue"),
        ):
            response = client.post(
                reverse("safeguarding:report_measure", args=[report.pk]),
                {"kind": kind, "description": text, "decided_on": "2026-11-05"},
            )
            assert response.status_code == 302
        client.post(
            reverse("safeguarding:report_note", args=[report.pk]),
            {"body": "Vautrin conteste les faits"},
        )
        client.post(
            reverse("safeguarding:report_message", args=[report.pk]),
            {"body": "Des mesures ont été prises concernant M. Vautrin."},
        )
        advance(client, report, "mesures", "Mesures décidées avec la direction")
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        advance(client, report, "clos", "Situation traitée")

    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.acknowledged_at == T0 + dt.timedelta(hours=20)
    assert report.closed_at == T0 + dt.timedelta(days=10)
    assert [(t.to_status, t.by, t.at) for t in report.transitions.all()] == [
        ("accuse", quality, T0 + dt.timedelta(hours=20)),
        ("examen", quality, T0 + dt.timedelta(days=2)),
        ("mesures", quality, T0 + dt.timedelta(days=3)),
        ("clos", quality, T0 + dt.timedelta(days=10)),
    ]
    assert report.measures.count() == 4
    # Closed: nothing more is written.
    assert "son statut ne change plus" in advance(client, report, "clos")
    response = client.post(
        reverse("safeguarding:report_note", args=[report.pk]), {"body": "Encore"}, follow=True
    )
    assert "Ce signalement est clos" in response.text and report.notes.count() == 1

    entries = JournalEntry.objects.filter(
        organisation=world_a.org, object_type="safeguarding.report"
    ).order_by("seq")
    assert [e.verb for e in entries] == [
        "safeguarding.report_received",
        "safeguarding.status_changed",
        "safeguarding.status_changed",
        *["safeguarding.measure_recorded"] * 4,
        "safeguarding.note_added",
        "safeguarding.message_sent",
        "safeguarding.status_changed",
        "safeguarding.status_changed",
    ]
    assert {e.object_repr for e in entries} == {f"Signalement n° {report.number}"}
    assert entries[0].actor_id is None
    assert [e.changes for e in entries if e.verb == "safeguarding.status_changed"] == [
        {"statut": ["recu", "accuse"]},
        {"statut": ["accuse", "examen"]},
        {"statut": ["examen", "mesures"]},
        {"statut": ["mesures", "clos"]},
    ]
    # Everything journaled from the report's arrival on (the emails to handlers too).
    everything = JournalEntry.objects.filter(organisation=world_a.org, seq__gte=entries[0].seq)
    assert everything.filter(verb="messaging.queued").exists()
    for entry in everything:
        text = json.dumps(
            [entry.verb, entry.object_repr, entry.actor_label, entry.changes], ensure_ascii=False
        )
        for secret in (*SECRETS, "Gaspard", "psychologue", "procureur", "Situation traitée"):
            assert secret not in text, (entry.verb, secret)
    assert journal.verify(world_a.org.pk).ok

    # The anonymised register shows that the procedure ran, and nothing else.
    with time_machine.travel(T0 + dt.timedelta(days=11), tick=False):
        page = login(auditor).get(reverse("safeguarding:register"))
    text = page.content.decode()
    assert page.status_code == 200
    assert '<span class="n">1 / 1</span>' in text  # acknowledged within 48 h
    assert "20,0 h / 20,0 h" in text and "10,0 j / 10,0 j" in text
    assert "<th>Clos</th><td>1</td>" in text
    assert "novembre 2026</td><td>1</td><td>1</td><td>1</td>" in text
    for secret in (*SECRETS, "Harcèlement", "harcèlement sexuel", "Gaspard"):
        assert secret not in text


def test_a_late_acknowledgement_shows_on_the_list_and_in_the_register(
    report: Report, quality: User, director: User
) -> None:
    with time_machine.travel(T0 + dt.timedelta(hours=50), tick=False):
        listing = login(quality).get(reverse("safeguarding:report_list"))
        assert "depuis plus de 48 heures" in listing.text
        register = login(director).get(reverse("safeguarding:register"))
        assert "en attente d'accusé de réception au-delà du délai" in register.text
        assert '<span class="n">1</span>en attente' in register.text.replace("\n", "")


def test_the_handlers_list_costs_the_same_queries_for_one_report_or_many(
    report: Report, quality: User, world_a: World
) -> None:
    client = login(quality)
    url = reverse("safeguarding:report_list")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    facts = services.ReportFacts(
        kind="discrimination", description="Remarques", place="en_ligne", reporter_role="temoin"
    )
    for _i in range(5):
        services.submit_report(world_a.org, facts, channel="lien_public")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.text.count("Discrimination") == 5
    assert len(many) == len(one)
