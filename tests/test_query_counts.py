"""Every list page costs the same number of queries whatever the number of its rows.

The demo organisation is built twice, small and three times larger, on the same day; the
nightly worker runs on each (cases, reminders, risk scores) and a few safeguarding
reports are added. Each list page is then read by the persona who uses it: its query
count must not change with the data, and the larger demo must show more rows (so that
an N+1 loop would show). As tests/test_risk_pages.py does for the at-risk list.
"""

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.core.models import Organisation, User
from parcours.demo.builder import build_demo
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session
from parcours.safeguarding import services as safeguarding_services
from parcours.safeguarding.models import Channel
from parcours.safeguarding.services import ReportFacts

PARIS = ZoneInfo("Europe/Paris")
TODAY = dt.date(2026, 3, 11)
NOW = dt.datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)
SIZES = {"small": 8, "large": 24}


def biggest_session(org: Organisation) -> Session:
    return (
        Session.objects.filter(organisation=org)
        .annotate(n=Count("enrolments"))
        .order_by("-n", "pk")
        .first()
    )  # type: ignore[return-value]


def past_slot(org: Organisation) -> dict[str, int]:
    slot = biggest_session(org).slots.filter(ends_at__lt=NOW).order_by("-starts_at").first()
    assert slot is not None
    return {"pk": slot.pk}


@dataclass(frozen=True)
class Page:
    name: str
    persona: str = "direction"
    kwargs: Callable[[Organisation], dict[str, int]] = lambda org: {}
    query: dict[str, str] = field(default_factory=dict)
    # Paginated pages may be full at both sizes: their rows need not grow.
    grows: bool = True


PAGES = [
    Page("learners:learner_list"),
    Page("learners:enrolment_list"),
    Page("learners:adaptation_list"),
    Page("programmes:programme_list"),
    # The demo's sessions fill the first page at both sizes: the added ones are searched.
    Page("programmes:session_list", query={"q": "ajoutée"}),
    Page("programmes:session_detail", kwargs=lambda org: {"pk": biggest_session(org).pk}),
    Page("attendance:slot_detail", persona="suivi", kwargs=past_slot),
    Page("followup:case_list", persona="suivi"),
    Page("followup:dropout_stats"),
    Page("messaging:outbox", persona="suivi"),
    Page("engagement:risk_list"),
    Page("safeguarding:report_list", persona="qualite"),
    # The register counts reports per month and kind: its rows are months, not reports.
    Page("safeguarding:register", persona="qualite", grows=False),
    Page("journal", grows=False),
]


@dataclass
class Measured:
    queries: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


ROW = re.compile(r"<tr[ >]")


def night(when: dt.datetime) -> None:
    """The nightly worker, run until nothing is left due (as the end-to-end test does)."""
    with time_machine.travel(when, tick=True):
        for _ in range(5):
            out = io.StringIO()
            call_command("worker", once=True, stdout=out)
            if not int(out.getvalue().split()[0]):
                break


def reports(org: Organisation, count: int) -> None:
    quality = User.objects.get(email="qualite@demo.parcours.fr")
    director = User.objects.get(email="direction@demo.parcours.fr")
    safeguarding_services.designate_handler(org, quality, acting_user=director)
    for n in range(count):
        safeguarding_services.submit_report(
            org,
            ReportFacts(
                kind="harcelement_sexuel",
                description=f"Faits rapportés n° {n}",
                place="formation",
                reporter_role="temoin",
            ),
            channel=Channel.PUBLIC,
        )


def extras(org: Organisation, count: int) -> None:
    """What the demo does not scale with its learners: programmes and sessions, and a
    biggest session that grows (with adaptation sheets for its new learners)."""
    director = User.objects.get(email="direction@demo.parcours.fr")
    biggest = biggest_session(org)
    for n in range(count):
        programme = programme_services.create_programme(
            org,
            acting_user=director,
            code=f"QC-{n}",
            title=f"Formation ajoutée {n}",
            category="AF",
            modality="presentiel",
            duration_hours=Decimal("35"),
            duration_days=Decimal("5"),
        )
        programme_services.create_session(
            org,
            acting_user=director,
            programme=programme,
            external_id=f"QC-S{n}",
            title=f"Session ajoutée {n}",
            category="AF",
            modality="presentiel",
            start_date=TODAY,
            end_date=TODAY + dt.timedelta(days=30),
            duration_hours=Decimal("35"),
        )
        learner = learner_services.create_learner(
            org,
            acting_user=director,
            external_id=f"QC-L{n}",
            last_name=f"Ajouté{n}",
            first_name="Alex",
            disability=True,
        )
        enrolment = learner_services.enrol(
            learner, biggest, acting_user=director, enrolled_on=biggest.start_date
        )
        learner_services.create_adaptation_sheet(
            enrolment, acting_user=director, needs="Temps majoré", referent=director
        )


def measure(learners: int) -> Measured:
    with time_machine.travel(dt.datetime(2026, 3, 11, 13, 0, tzinfo=PARIS), tick=False):
        org = build_demo(learners=learners, seed=7, today=TODAY).organisation
    night(dt.datetime(2026, 3, 11, 20, 0, tzinfo=PARIS))
    with time_machine.travel(NOW, tick=False):
        reports(org, learners // 4)
        extras(org, learners // 4)
    measured = Measured()
    clients: dict[str, Client] = {}
    for page in PAGES:
        if page.persona not in clients:
            clients[page.persona] = Client()
            user = User.objects.get(email=f"{page.persona}@demo.parcours.fr")
            clients[page.persona].force_login(user)
        client, url = clients[page.persona], reverse(page.name, kwargs=page.kwargs(org))
        with time_machine.travel(NOW, tick=False):
            client.get(url, page.query)  # sessions, caches: the first read is not counted
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, page.query)
        assert response.status_code == 200, (page.name, response.status_code)
        measured.queries[page.name] = len(queries)
        measured.rows[page.name] = len(ROW.findall(response.content.decode()))
    return measured


@pytest.fixture(scope="module")
def measured(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Measured]]:
    results = {}
    with django_db_blocker.unblock():
        for size, learners in SIZES.items():
            with transaction.atomic():
                results[size] = measure(learners)
                transaction.set_rollback(True)
    yield results


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_a_list_page_costs_as_many_queries_at_both_sizes(
    page: Page, measured: dict[str, Measured], db: None
) -> None:
    small, large = measured["small"], measured["large"]
    assert large.rows[page.name] > 0, "the page lists nothing: the test proves nothing"
    if page.grows:
        assert large.rows[page.name] > small.rows[page.name], "the larger demo shows no more"
    assert large.queries[page.name] == small.queries[page.name], (
        f"{page.name}: {small.queries[page.name]} queries for {small.rows[page.name]} rows, "
        f"{large.queries[page.name]} for {large.rows[page.name]}"
    )
