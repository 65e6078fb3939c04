"""Coverage on the demo: per session ended in the period and per audience, how many
were asked, reminded and answered, and how many could not be asked; the demo's session
whose companies and funders were never asked shows as such (page and command line)."""

import datetime as dt
import html
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from parcours.core.models import User
from parcours.demo.builder import build_demo
from parcours.feedback.models import AttributedAnswer
from parcours.programmes.models import Session
from tests.feedback_support import at

TODAY = dt.date(2026, 3, 11)


@pytest.fixture
def demo(db: None) -> None:
    with time_machine.travel(at(TODAY, 7), tick=False):
        build_demo(today=TODAY)


def coverage(*args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(at(TODAY, 9), tick=False):
        call_command("surveys", "coverage", *args, stdout=out)
    return out.getvalue()


def test_the_demo_session_whose_company_and_funder_were_never_asked_shows_as_a_gap(
    demo: None,
) -> None:
    rows = json.loads(
        coverage("--from", "2025-01-01", "--to", TODAY.isoformat(), "--format", "json")
    )
    # The sessions of the demo's past (ended over 40 days ago); the recent ones had their
    # end-of-session campaigns launched by the rules, funders being asked once a year.
    past = (TODAY - dt.timedelta(days=40)).isoformat()
    asked = [r for r in rows if r["audiences"]["apprenant"]["asked"] and r["end_date"] < past]
    assert len(asked) >= 2
    gaps = [
        r
        for r in asked
        if not (r["audiences"]["entreprise"]["campaign"] or r["audiences"]["financeur"]["campaign"])
    ]
    assert len(gaps) == 1
    gap = gaps[0]
    assert gap["audiences"]["formateur"]["asked"] >= 1
    # (not for want of companies and funders: the session has both)
    session = Session.objects.get(external_id=gap["session"])
    assert session.enrolments.filter(funder__isnull=False).exists()
    assert session.enrolments.filter(Q(tutor__isnull=False) | Q(employer__isnull=False)).exists()
    complete = [r for r in asked if r is not gap]
    for row in complete:
        for audience in ("apprenant", "entreprise", "formateur", "financeur"):
            figures = row["audiences"][audience]
            assert figures["campaign"], (row["title"], audience)
            assert figures["answered"] <= figures["asked"]
    # The same on the page, for the référent qualité.
    quality = User.objects.get(email="qualite@demo.parcours.fr")
    client = Client()
    client.force_login(quality)
    with time_machine.travel(at(TODAY, 9), tick=False):
        page = html.unescape(
            client.get(reverse("feedback:coverage") + f"?du=2025-01-01&au={TODAY}").content.decode()
        )
    assert gap["title"] in page
    assert "Entreprise / tuteur, Financeur" in page


def test_the_demo_check_in_has_a_learner_thinking_of_stopping(demo: None) -> None:
    stopping = AttributedAnswer.objects.filter(
        response__campaign__questionnaire__key="point-mi-parcours", item__key="arreter", number=1
    )
    assert stopping.count() == 1
    response = stopping.get().response
    assert response.enrolment.session == response.campaign.session


def test_bad_dates_are_refused_in_french(demo: None) -> None:
    with pytest.raises(CommandError, match="Date invalide"):
        coverage("--from", "11/03/2026", "--to", "2026-03-11")
    with pytest.raises(CommandError, match="précède son début"):
        coverage("--from", "2026-03-11", "--to", "2026-01-01")
