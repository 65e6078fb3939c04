"""The register's statistics: by kind, category, programme and month, over a period, with
the median times to acknowledge and to answer and the shares on time; each chart with
its data table."""

import datetime as dt
import html
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from parcours.core.models import Organisation, User
from parcours.feedback.complaints import selectors, services
from parcours.feedback.complaints.models import Complaint
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session
from tests.conftest import World, login

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=PARIS)
PERIOD = {"du": "2026-01-01", "au": "2026-03-31"}


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def receive(org: Organisation, day: dt.date, kind: str, category: str, **links: Any) -> Complaint:
    facts = services.ComplaintFacts(
        kind=kind,
        subject=f"{kind} {day}",
        description="Description.",
        category=category,
        severity="moyenne",
        complainant="apprenant",
        **links,
    )
    return services.receive(org, facts, channel="courriel", received_at=at(day))[0]


def handle(complaint: Complaint, user: User, acked: dt.date, answered: dt.date) -> None:
    complaint = services.acknowledge(complaint, acting_user=user, as_of=at(acked))
    complaint = services.start_analysis(complaint, owner=user, cause="Cause.", acting_user=user)
    services.answer(complaint, text="Réponse.", acting_user=user, as_of=at(answered))


@pytest.fixture
def register(world_a: World, quality: User) -> World:
    """Four entries from January to March 2026 (one per programme, one linked through its
    enrolment, one linked to nothing), one in December 2025 (outside the period)."""
    with time_machine.travel(NOW, tick=False):
        english = programme_services.create_programme(
            world_a.org,
            acting_user=None,
            code="A-ANG",
            title="Anglais A",
            category="AF",
            modality="presentiel",
            duration_hours=Decimal("20"),
            duration_days=Decimal("4"),
        )
        other: Session = programme_services.create_session(
            world_a.org,
            acting_user=None,
            programme=english,
            external_id="A-S2",
            title="Anglais A hiver",
            category="AF",
            modality="presentiel",
            start_date=dt.date(2025, 11, 3),
            end_date=dt.date(2026, 4, 30),
            duration_hours=Decimal("20"),
        )
        org = world_a.org
        # Thursday 15 January: acknowledged in 1 day, answered in 5 (both on time).
        first = receive(
            org, dt.date(2026, 1, 15), "reclamation", "pedagogie", session=world_a.session
        )
        handle(first, quality, dt.date(2026, 1, 16), dt.date(2026, 1, 20))
        # Tuesday 10 February: due 12 February and 3 March; acknowledged in 3 days and
        # answered in 28 (both late).
        second = receive(
            org, dt.date(2026, 2, 10), "alea", "logistique", enrolment=world_a.enrolment
        )
        handle(second, quality, dt.date(2026, 2, 13), dt.date(2026, 3, 10))
        receive(org, dt.date(2026, 3, 5), "difficulte", "logistique", session=other)
        receive(org, dt.date(2026, 3, 6), "reclamation", "autre")
        receive(org, dt.date(2025, 12, 10), "reclamation", "pedagogie", session=other)
    return world_a


@pytest.mark.django_db
def test_the_figures_over_a_period(register: World, django_assert_num_queries: Any) -> None:
    complaints = Complaint.objects.filter(organisation=register.org)
    period = selectors.in_period(complaints, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(1):
        figures = selectors.figures(period)
    assert figures.total == 4
    assert figures.by_kind == [("Aléa / incident", 1), ("Difficulté", 1), ("Réclamation", 2)]
    assert figures.by_category == [("Autre", 1), ("Logistique", 2), ("Pédagogie", 1)]
    assert figures.by_programme == [
        ("Comptabilité A", 2),  # one through its session, one through its enrolment
        ("Anglais A", 1),
        ("Sans formation liée", 1),
    ]
    assert figures.by_month == [("2026-01", 1), ("2026-02", 1), ("2026-03", 2)]
    assert figures.median_days_to_acknowledge == 2.0  # 1 and 3 days
    assert figures.median_days_to_answer == 16.5  # 5 and 28 days
    assert figures.share_on_time == 50 and figures.acknowledged_share_on_time == 50
    # The whole register: December counts, and the months between are all there.
    everything = selectors.figures(complaints)
    assert everything.total == 5
    assert everything.by_month[0] == ("2025-12", 1) and len(everything.by_month) == 4
    assert ("Anglais A", 2) in everything.by_programme


@pytest.mark.django_db
def test_the_statistics_page_draws_each_chart_with_its_table(
    register: World, quality: User, auditor: User, tutor_user: User, outsider: User
) -> None:
    url = reverse("feedback:complaints:statistics")
    with time_machine.travel(NOW, tick=False):
        response = login(quality).get(url, PERIOD)
        assert response.status_code == 200
        body = html.unescape(response.content.decode())
        assert body.count("<svg") == 4
        for caption in ("Par nature", "Par catégorie", "Par formation", "Par mois de réception"):
            assert f"<caption>{caption}</caption>" in body
        assert '<th scope="row">Sans formation liée</th><td>1 entrée(s)</td>' in body
        assert '<th scope="row">Comptabilité A</th><td>2 entrée(s)</td>' in body
        assert '<th scope="row">2026-03</th><td>2 entrée(s)</td>' in body
        assert "4 entrées au registre" in body and "50 %" in body and "16,5" in body
        # The auditor reads the same figures; a tutor and another organisation do not.
        assert "4 entrées au registre" in login(auditor).get(url, PERIOD).content.decode()
        assert login(tutor_user).get(url).status_code == 403
        foreign = html.unescape(login(outsider).get(url).content.decode())
        assert "Aucune entrée sur la période." in foreign and "<svg" not in foreign
        # A period the wrong way round: a French message, no figures.
        bad = login(quality).get(url, {"du": "2026-03-31", "au": "2026-01-01"})
        assert bad.status_code == 400
        text = html.unescape(bad.content.decode())
        assert "La date de début doit précéder la date de fin." in text
        assert "Aucune entrée sur la période." in text and "<svg" not in text
