"""Safeguarding access (issue 5 §6, must-show): a report is read and handled by the
designated handlers only.

Every URL of a report (the case page, each transition, notes, messages, measures) and
the handlers' list are tried, GET and POST, by a trainer, a tutor, another learner, the
director (not designated), the auditor and an outsider of the other organisation: all
are refused (403/404), the report is unchanged, and no fragment of its text or of the
reporter's identity is in any response. A designated handler can do each. The pages
that others may read (the anonymised register, the journal, the outbox, the learner's
record) show nothing of it either.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from parcours.core.models import JournalEntry, User
from parcours.messaging.models import Message
from parcours.safeguarding.models import (
    InternalNote,
    Measure,
    Report,
    ReporterMessage,
    Status,
    Transition,
)
from tests.conftest import World, login
from tests.safeguarding_support import (
    CONTENT,
    SECRETS,
    designate,
    fresh_rate_limits,  # noqa: F401 (autouse fixture)
    make_reporter,
    submit_from_portal,
)


@dataclass
class Case:
    """One URL of the app. kind "report": a report's page or action (handlers only)."""

    kind: str
    kwargs: Callable[[Report], dict[str, Any]] = lambda r: {}
    post: Callable[[Report], dict[str, Any]] = lambda r: {}


def on_report(r: Report) -> dict[str, Any]:
    return {"pk": r.pk}


CASES: dict[str, Case] = {
    # Handlers only.
    "safeguarding:report_list": Case("report"),
    "safeguarding:report_detail": Case("report", on_report),
    "safeguarding:report_advance": Case(
        "report", on_report, lambda r: {"to_status": "accuse", "note": "Accusé par un intrus"}
    ),
    "safeguarding:report_measure": Case(
        "report",
        on_report,
        lambda r: {
            "kind": "sanction",
            "description": "Mesure d'intrus",
            "decided_on": "2026-11-01",
        },
    ),
    "safeguarding:report_note": Case("report", on_report, lambda r: {"body": "Note d'intrus"}),
    "safeguarding:report_message": Case(
        "report", on_report, lambda r: {"body": "Message d'intrus"}
    ),
    "safeguarding:report_pdf": Case("report", on_report),
    # Everything else, covered by the other safeguarding tests.
    "safeguarding:follow_up": Case("public"),
    "safeguarding:follow_up_add": Case("public"),
    "safeguarding:public_report": Case("public", lambda r: {"slug": r.organisation.slug}),
    "safeguarding:public_procedure": Case("public", lambda r: {"slug": r.organisation.slug}),
    "safeguarding:public_procedure_pdf": Case("public", lambda r: {"slug": r.organisation.slug}),
    "safeguarding:handlers": Case("direction"),
    "safeguarding:handler_end": Case("direction", lambda r: {"pk": 1}),
    "safeguarding:register": Case("register"),
    "safeguarding:procedure": Case("member"),
    "safeguarding:procedure_pdf": Case("member"),
    "safeguarding:procedure_version_pdf": Case("member", lambda r: {"number": 1}),
    "safeguarding:procedure_edit": Case("quality"),
}
REPORT_URLS = [name for name, case in CASES.items() if case.kind == "report"]


def app_url_names() -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "safeguarding":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern) and pattern.name, pattern
                names.add(f"safeguarding:{pattern.name}")
    return names


def test_every_url_of_the_app_is_listed() -> None:
    assert app_url_names() == set(CASES), "add the new URL to CASES (and test who reaches it)"


@pytest.fixture
def report(world_a: World, director: User, quality: User) -> Report:
    designate(world_a, director, quality)
    reporter = make_reporter(world_a)
    found, _code = submit_from_portal(login(reporter))
    assert found.reporter_learner == world_a.learner
    return found


def state(report: Report) -> tuple[Any, ...]:
    report.refresh_from_db()
    return (
        report.status,
        report.acknowledged_at,
        report.closed_at,
        Transition.objects.filter(report=report).count(),
        Measure.objects.filter(report=report).count(),
        InternalNote.objects.filter(report=report).count(),
        ReporterMessage.objects.filter(report=report).count(),
        JournalEntry.objects.filter(organisation=report.organisation)
        .exclude(verb="audit.page_viewed")  # the auditor's page views
        .count(),
        Message.objects.filter(organisation=report.organisation).count(),
    )


def assert_no_secret(response: Any, what: str, secrets: tuple[str, ...] = SECRETS) -> None:
    text = response.content.decode(errors="replace")
    for secret in secrets:
        assert secret not in text, f"{what}: {secret!r} shown"


PERSONAS = [
    "officer",
    "tutor_user",
    "learner_user",
    "director",
    "auditor",
    "outsider",
    "outsider_handler",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_one_but_a_handler_reaches_a_report(
    persona: str, request: pytest.FixtureRequest, report: Report, world_b: World
) -> None:
    if persona == "outsider_handler":  # a handler, but of the other organisation
        user = request.getfixturevalue("outsider")
        designate(world_b, user, user)
    else:
        user = request.getfixturevalue(persona)
    client = login(user)
    before = state(report)
    for name in REPORT_URLS:
        case = CASES[name]
        url = reverse(name, kwargs=case.kwargs(report))
        got = client.get(url)
        posted = client.post(url, case.post(report))
        if persona == "outsider_handler" and name == "safeguarding:report_list":
            assert "Aucun signalement." in got.text  # their own organisation's: none
            got = posted = client.get("/signalements/999999/")
        assert got.status_code in (403, 404), f"{persona} GET {name}: {got.status_code}"
        assert posted.status_code in (403, 404), f"{persona} POST {name}: {posted.status_code}"
        assert_no_secret(got, f"{persona} GET {name}")
        assert_no_secret(posted, f"{persona} POST {name}")
    assert state(report) == before


def test_anonymous_visitors_reach_no_report(report: Report) -> None:
    client = Client()
    before = state(report)
    for name in REPORT_URLS:
        case = CASES[name]
        url = reverse(name, kwargs=case.kwargs(report))
        for response in (client.get(url), client.post(url, case.post(report))):
            assert response.status_code == 302 and "/connexion/" in response["Location"], name
    assert state(report) == before


def test_an_undesignated_handler_loses_access(
    report: Report, director: User, quality: User
) -> None:
    client = login(quality)
    assert client.get(report.get_absolute_url()).status_code == 200
    handler = report.organisation.safeguarding_handlers.get(user=quality)
    response = login(director).post(reverse("safeguarding:handler_end", args=[handler.pk]))
    assert response.status_code == 302
    for name in REPORT_URLS:
        url = reverse(name, kwargs=CASES[name].kwargs(report))
        assert client.get(url).status_code == 404, name


def test_a_designated_handler_can_do_each(report: Report, quality: User) -> None:
    client = login(quality)
    listing = client.get(reverse("safeguarding:report_list"))
    assert listing.status_code == 200 and f">{report.number}</a>" in listing.text
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200
    for secret in ("plaquée contre le mur", "Vautrin", "Perrichon", "Camille MartinA"):
        assert secret in page.text  # the handler reads everything, the reporter's name too
    assert "no-store" in page["Cache-Control"]
    export = client.get(reverse("safeguarding:report_pdf", args=[report.pk]))
    assert export["Content-Type"] == "application/pdf" and "no-store" in export["Cache-Control"]
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(export.content)).pages
    )
    assert "plaquée contre le mur" in text and "Camille MartinA" in text
    exported = JournalEntry.objects.get(verb="safeguarding.report_exported")
    assert exported.actor == quality and exported.changes == {}

    for name in ("report_measure", "report_note", "report_message", "report_advance"):
        case = CASES[f"safeguarding:{name}"]
        url = reverse(f"safeguarding:{name}", kwargs=case.kwargs(report))
        assert client.get(url).status_code == 302  # a GET goes back to the case page
        response = client.post(url, case.post(report))
        assert response.status_code == 302, (name, response.content.decode()[:3000])
        assert response["Location"] == report.get_absolute_url()
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED and report.acknowledged_at is not None
    assert report.measures.get().description == "Mesure d'intrus"
    assert report.notes.get().author == quality
    assert report.messages.get().body == "Message d'intrus"
    transition = report.transitions.get()
    assert (transition.from_status, transition.to_status, transition.by) == (
        "recu",
        "accuse",
        quality,
    )


def test_what_others_may_read_shows_nothing_of_the_report(
    report: Report, director: User, auditor: User, quality: User
) -> None:
    # Some handling first, so that the journal and the outbox have something to show.
    handler = login(quality)
    handler.post(
        reverse("safeguarding:report_advance", args=[report.pk]),
        {"to_status": "accuse", "note": "Reçu, Gaspard Vautrin sera entendu"},
    )
    handler.post(
        reverse("safeguarding:report_message", args=[report.pk]),
        {"body": "Nous avons bien noté les faits concernant M. Vautrin."},
    )
    for user in (director, auditor):
        client = login(user)
        register = client.get(reverse("safeguarding:register"))
        assert register.status_code == 200
        assert "signalement reçu" in register.text
        assert_no_secret(register, f"{user} register")
        # The journal names the learner (their account was created), never the facts,
        # and its safeguarding entries name no one (tests/test_safeguarding_workflow.py).
        journal = client.get(reverse("journal"))
        assert journal.status_code == 200 and "Signalement n° 1" in journal.text
        assert_no_secret(journal, f"{user} journal", CONTENT)
        # No link from the reporter's learner record to the report.
        learner = client.get(reverse("learners:learner_detail", args=[report.reporter_learner_id]))
        assert "ignalement" not in learner.text.split("</nav>", 1)[1]  # (the menu may link)
    outbox = login(director).get(reverse("messaging:outbox"))
    assert outbox.status_code == 200
    assert_no_secret(outbox, "outbox")
    for message in Message.objects.filter(organisation=report.organisation):
        for secret in SECRETS:
            assert secret not in message.subject + message.body, message.pk
        assert message.to == quality.email


@pytest.mark.parametrize("persona", ["officer", "tutor_user", "learner_user", "outsider"])
def test_the_register_is_for_direction_quality_auditor_and_handlers(
    persona: str, request: pytest.FixtureRequest, report: Report
) -> None:
    response = login(request.getfixturevalue(persona)).get(reverse("safeguarding:register"))
    if persona == "outsider":  # their own organisation's register: none of A's reports
        assert response.status_code == 200
        assert '<span class="n">0</span>' in response.text
    else:
        assert response.status_code == 403
