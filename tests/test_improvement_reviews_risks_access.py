"""Isolation and roles for the quality reviews and the risk register: every URL tried as
another organisation, a trainer (chargé de suivi), a tutor, a learner and the auditor, on
reads and writes. Staff and the auditor read; only the direction and the référent qualité
write; tutors and learners see nothing; another organisation gets 404, never data."""

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from parcours.core.models import JournalEntry
from parcours.improvement.models import Origin
from parcours.improvement.reviews import services as review_services
from parcours.improvement.risks import services as risk_services
from parcours.improvement.risks.models import RiskCategory
from parcours.improvement.services.actions import propose_action
from tests.conftest import login

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 10, 5, 10, 0, tzinfo=PARIS)
SECRET = "Risque propre à Forma Plus"


@pytest.fixture
def setting(org_a, director, quality) -> dict[str, Any]:
    with time_machine.travel(NOW, tick=False):
        risk = risk_services.create_risk(
            org_a,
            acting_user=quality,
            title=SECRET,
            category=RiskCategory.APPRENTICESHIP,
            likelihood=4,
            impact=3,
        )
        action = propose_action(
            org_a, acting_user=director, origin=Origin.MANUAL, title="Action A", finding="x"
        )
        risk_services.link_treatment(risk, action, acting_user=director)
        other = propose_action(
            org_a, acting_user=director, origin=Origin.MANUAL, title="Action B", finding="y"
        )
        review = review_services.plan_review(
            org_a,
            acting_user=quality,
            held_on=NOW.date(),
            other_participants="Invité secret",
            minutes="Compte rendu secret.",
        )
    return {"risk": risk, "action": action, "other": other, "review": review}


def reads(s: dict[str, Any]) -> list[str]:
    r, v = s["risk"].pk, s["review"].pk
    return [
        reverse("improvement:risks:register"),
        reverse("improvement:risks:yearly_review"),
        reverse("improvement:risks:register_xlsx"),
        reverse("improvement:risks:register_pdf"),
        reverse("improvement:risks:detail", args=[r]),
        reverse("improvement:risks:edit", args=[r]),
        reverse("improvement:risks:new"),
        reverse("improvement:reviews:index"),
        reverse("improvement:reviews:new"),
        reverse("improvement:reviews:detail", args=[v]),
        reverse("improvement:reviews:pdf", args=[v]),
    ]


def writes(s: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    r, v, a, o = s["risk"].pk, s["review"].pk, s["action"].pk, s["other"].pk
    risk_form = {"title": "Changé", "category": "numerique", "likelihood": 1, "impact": 1}
    review_form = {"held_on": "2026-10-05", "kind": "copil", "minutes": "Changé"}
    return [
        (reverse("improvement:risks:edit", args=[r]), risk_form),
        (reverse("improvement:risks:archive", args=[r]), {}),
        (reverse("improvement:risks:link", args=[r]), {"action": o}),
        (reverse("improvement:risks:unlink", args=[r, a]), {}),
        (reverse("improvement:risks:treat", args=[r]), {"title": "Nouvelle action"}),
        (reverse("improvement:reviews:edit", args=[v]), review_form),
        (reverse("improvement:reviews:hold", args=[v]), {}),
        (reverse("improvement:reviews:decide", args=[v]), {"title": "Décision"}),
    ]


CREATES = [
    (
        "improvement:risks:new",
        {"title": "Créé", "category": "numerique", "likelihood": 1, "impact": 1},
    ),
    ("improvement:risks:yearly_review", {"held_on": "2026-10-05", "note": "Revue", "risks": []}),
    ("improvement:reviews:new", {"held_on": "2026-10-05", "kind": "copil"}),
]


def journal_of(org) -> int:
    # The auditor's page views (audit.page_viewed) are the one write a reader makes.
    return JournalEntry.objects.filter(organisation=org).exclude(verb="audit.page_viewed").count()


@pytest.mark.parametrize("who", ["tutor_user", "learner_user"])
def test_tutors_and_learners_see_and_change_nothing(setting, org_a, who, request) -> None:
    client = login(request.getfixturevalue(who))
    before = journal_of(org_a)
    with time_machine.travel(NOW, tick=False):
        for url in reads(setting):
            assert client.get(url).status_code == 403, url
        for url, data in writes(setting):
            assert client.post(url, data).status_code == 403, url
        for name, data in CREATES:
            assert client.post(reverse(name), data).status_code == 403, name
    assert journal_of(org_a) == before


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_a_trainer_and_the_auditor_read_but_never_write(setting, org_a, who, request) -> None:
    client = login(request.getfixturevalue(who))
    before = journal_of(org_a)
    with time_machine.travel(NOW, tick=False):
        for url in reads(setting):
            expected = 403 if url.endswith(("/modifier/", "/nouveau/", "/nouvelle/")) else 200
            assert client.get(url).status_code == expected, url
        page = client.get(reverse("improvement:risks:detail", args=[setting["risk"].pk]))
        assert SECRET in page.content.decode()
        assert "Lier une action existante" not in page.content.decode()
        for url, data in writes(setting):
            assert client.post(url, data).status_code == 403, url
        for name, data in CREATES:
            assert client.post(reverse(name), data).status_code == 403, name
    assert journal_of(org_a) == before
    setting["risk"].refresh_from_db()
    assert setting["risk"].title == SECRET and not setting["risk"].archived


def test_another_organisation_gets_404_and_never_data(setting, org_a, outsider) -> None:
    client = login(outsider)
    before = journal_of(org_a)
    with time_machine.travel(NOW, tick=False):
        for url in reads(setting):
            response = client.get(url)
            if (
                "/risques/" in url
                and url.rstrip("/").split("/")[-1].isdigit()
                or ("/revues/" in url and any(c.isdigit() for c in url))
                or url.endswith("/modifier/")
            ):
                assert response.status_code == 404, url
                continue
            assert response.status_code == 200, url
            if url.endswith(".xlsx"):
                cells = [
                    c
                    for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(
                        values_only=True
                    )
                    for c in row
                ]
                assert SECRET not in cells
            elif not url.endswith(".pdf"):
                body = response.content.decode()
                assert SECRET not in body and "Invité secret" not in body, url
        for url, data in writes(setting):
            assert client.post(url, data).status_code == 404, url
    assert journal_of(org_a) == before
    # Its own register (its own starting set) is all it sees.
    response = client.get(reverse("improvement:risks:register_xlsx"))
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 11
