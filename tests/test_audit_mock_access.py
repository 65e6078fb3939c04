"""Who reaches readiness and the mock audits: the direction and the référent qualité run
them; the auditor reads them (readiness and the last mock audit on their home) and can
write nothing; another organisation finds nothing; bad input changes nothing."""

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from parcours.audit.models import Finding, MockAudit
from parcours.audit.services.mock import run_mock_audit
from parcours.core.models import User
from parcours.learners import services as learner_services
from parcours.learners.models import EnrolmentStatus
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
TODAY = dt.date(2026, 4, 20)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def run(world_a: World, director: User) -> MockAudit:
    enrolment = world_a.enrolment
    learner_services.change_status(
        enrolment, EnrolmentStatus.EN_COURS, acting_user=director, on=dt.date(2026, 3, 2)
    )
    learner_services.change_status(
        enrolment,
        EnrolmentStatus.ABANDON,
        acting_user=director,
        on=dt.date(2026, 4, 1),
        reason="Ne vient plus",
    )
    return run_mock_audit(world_a.org, acting_user=director, as_of=TODAY, seed=3, sample_size=3)


def urls(run: MockAudit) -> list[str]:
    finding = run.findings.get(rule="I12-ABANDON-FICHE")
    return [
        reverse("audit:readiness"),
        reverse("audit:mock_list"),
        reverse("audit:mock_detail", args=[run.pk]),
        reverse("audit:mock_pdf", args=[run.pk]),
        reverse("audit:finding_action", args=[finding.pk]),
    ]


def test_the_auditor_reads_and_writes_nothing(run: MockAudit, auditor: User) -> None:
    client = login(auditor)
    home = client.get("/").content.decode()
    assert "Préparation de l'audit" in home and "Dernier audit blanc" in home
    assert str(run) in home
    page = client.get(reverse("audit:mock_detail", args=[run.pk])).content.decode()
    assert "A-L1" in page and "En faire une action" not in page
    assert client.get(reverse("audit:readiness")).status_code == 200
    for url in urls(run):
        assert (
            client.post(url, {"as_of": "2026-04-20", "seed": "1", "sample_size": "2"}).status_code
            == 403
        )
    assert MockAudit.objects.count() == 1
    assert not Finding.objects.filter(action__isnull=False).exists()


def test_another_organisation_finds_nothing(run: MockAudit, outsider: User) -> None:
    client = login(outsider)
    for url in urls(run)[2:4]:
        assert client.get(url).status_code == 404
    assert client.post(urls(run)[4]).status_code == 404
    assert "A-L1" not in client.get(reverse("audit:mock_list")).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"as_of": "31/02/2026", "seed": "1", "sample_size": "3"},
        {"as_of": "2026-05-01", "seed": "1", "sample_size": "3"},
        {"as_of": "2026-04-20", "seed": "-1", "sample_size": "3"},
        {"as_of": "2026-04-20", "seed": "1", "sample_size": "0"},
        {"as_of": "2026-04-20", "seed": "x", "sample_size": "3"},
    ],
)
def test_bad_input_gets_a_french_message_and_changes_nothing(
    world_a: World, quality: User, data: dict[str, Any]
) -> None:
    response = login(quality).post(reverse("audit:mock_list"), data)
    assert response.status_code == 200
    assert 'class="error' in response.content.decode() or "errorlist" in response.content.decode()
    assert not MockAudit.objects.exists()


def test_the_readiness_page_takes_its_date(run: MockAudit, director: User) -> None:
    client = login(director)
    earlier = client.get(reverse("audit:readiness"), {"as_of": "2026-03-20"}).content.decode()
    today = client.get(reverse("audit:readiness")).content.decode()
    # On 20 March the learner had not left yet: no dropout to document.
    assert "Abandon sans fiche" not in earlier
    assert "Abandon sans fiche" in today and "A-L1" in today
    bad = client.get(reverse("audit:readiness"), {"as_of": "hier"})
    assert bad.status_code == 200 and "Date invalide" in bad.content.decode()
