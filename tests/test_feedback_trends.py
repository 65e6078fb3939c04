"""Trends across periods and the comparison of a programme's sessions: three sessions of a
programme answered in three quarters, the middle one by 4 people only (k = 5). The figures
read right, and the k rule holds in every cell, in the page, the XLSX and the PDF."""

import datetime as dt
import io
import re
from decimal import Decimal

import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from parcours.core.models import Organisation, User
from parcours.feedback import services
from parcours.feedback.models import Campaign
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme
from tests.conftest import login
from tests.feedback_support import at, build_cohort, launch

NOW = dt.date(2026, 9, 15)
# (prefix, session end, answers to "globalement satisfait" on 1-5)
SESSIONS = (
    ("A", dt.date(2026, 2, 20), ["5", "5", "4", "4", "2", "1"]),  # T1: 67 %, mean 3.5
    ("B", dt.date(2026, 5, 20), ["5", "5", "5", "5"]),  # T2: 4 respondents, under k
    ("C", dt.date(2026, 8, 20), ["5", "5", "5", "5", "4", "3"]),  # T3: 83 %, mean 4.5
)


def _world(org: Organisation) -> Programme:
    programme = programme_services.create_programme(
        org,
        acting_user=None,
        title="Bureautique",
        category="AF",
        modality="presentiel",
        duration_hours=Decimal("35"),
        duration_days=Decimal("5"),
    )
    for prefix, end, answers in SESSIONS:
        cohort = build_cohort(org, end=end, learners=len(answers), prefix=prefix)
        programme_services.update_session(cohort.session, acting_user=None, programme=programme)
        campaign = launch(org, "apprenant-a-chaud", cohort.session, end)
        item = campaign.version.items.get(key="global")
        answered = end + dt.timedelta(days=1)
        for invitation, value in zip(campaign.invitations.order_by("pk"), answers, strict=True):
            with time_machine.travel(at(answered), tick=False):
                services.submit(invitation, {f"q{item.pk}": [value]}, now=at(answered))
    return programme


def _text(response: object) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())  # type: ignore[attr-defined]


def test_trends_per_quarter_and_sessions_compared_under_the_k_rule(
    org_a: Organisation, quality: User
) -> None:
    programme = _world(org_a)
    client: Client = login(quality)
    query = {"programme": programme.pk, "par": "trimestre", "theme": "global"}
    with time_machine.travel(at(NOW), tick=False):
        page = client.get(reverse("feedback:trends"), query)
        xlsx = client.get(reverse("feedback:trends_xlsx"), query)
        pdf = client.get(reverse("feedback:trends_pdf"), query)
        monthly = client.get(reverse("feedback:trends"), {**query, "par": "mois"})
    text = _text(page)
    assert "T1 2026 6 67 %" in text
    assert "T2 2026 4 moins de 5 réponses" in text
    assert "T3 2026 6 83 %" in text
    # The item's mean per quarter, the middle one hidden.
    assert re.search(r"Globalement.*? 3,5 moins de 5 réponses 4,5", text)
    # The sessions compared: the 4-respondent one shows no figure.
    assert "Bureautique A" in text and "6 / 6 67 % 3,5" in text
    assert "4 / 4 moins de 5 réponses" in text
    assert "6 / 6 83 % 4,5" in text
    assert "<svg" in page.content.decode()  # the charts, beside their tables

    # Month by month: the months without answers, and May's 4, show no figure either.
    month_text = _text(monthly)
    assert "02/2026 6 67 %" in month_text
    assert "05/2026 4 moins de 5 réponses" in month_text
    assert "03/2026 0 moins de 5 réponses" in month_text

    book = load_workbook(io.BytesIO(xlsx.content))
    rows = [[c.value for c in r] for r in book["Tendances"].iter_rows(min_row=2)]
    satisfaction = [r for r in rows if r[0].startswith("Satisfaction")]
    assert [(r[1], r[2], r[3]) for r in satisfaction] == [
        ("T1 2026", 6, 67),
        ("T2 2026", 4, "moins de 5 réponses"),
        ("T3 2026", 6, 83),
    ]
    sessions = [[c.value for c in r] for r in book["Sessions"].iter_rows(min_row=2)]
    assert [(r[0], r[4], r[5], r[6]) for r in sessions] == [
        ("Bureautique A", 6, 67, 3.5),
        ("Bureautique B", 4, "moins de 5 réponses", "moins de 5 réponses"),
        ("Bureautique C", 6, 83, 4.5),
    ]

    pdf_text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Tendances des appréciations" in pdf_text
    assert "moins de 5 réponses" in pdf_text and "83 %" in pdf_text
    assert pdf_text.count("moins de 5 réponses") >= 3  # period, item, session


def test_a_trainer_sees_only_the_trends_of_their_sessions(
    org_a: Organisation, officer: User, outsider: User
) -> None:
    _world(org_a)
    trainer = Campaign.objects.get(session__title="Bureautique A").session.trainers.get()  # type: ignore[union-attr]
    programme_services.update_trainer(trainer, acting_user=None, user=officer)
    with time_machine.travel(at(NOW), tick=False):
        text = _text(login(officer).get(reverse("feedback:trends"), {"par": "annee"}))
        assert "2026 6 67 %" in text  # session A's answers only
        other = _text(login(outsider).get(reverse("feedback:trends"), {"par": "annee"}))
        assert "Aucune réponse pour ce périmètre" in other and "67 %" not in other
