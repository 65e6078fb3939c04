"""The demo's quality part (built here on a small organisation, not the whole demo): a
scored register with treated risks and ONE critical risk left untreated (the gap a mock
audit finds), the register's yearly review, two quality reviews, the last one held with
its minutes and two decisions become improvement actions."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from parcours.demo.quality import build_quality_demo
from parcours.improvement.models import Origin
from parcours.improvement.reviews import services as review_services
from parcours.improvement.reviews.models import Review, ReviewStatus
from parcours.improvement.risks import selectors
from parcours.improvement.risks.models import Risk, RiskLevel
from tests.conftest import login

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)


def test_the_demo_register_and_reviews(org_a, director, quality, auditor) -> None:
    with time_machine.travel(NOW, tick=False):
        build_quality_demo(org_a, today=NOW.date())
        register = selectors.register(org_a, Risk.objects.filter(organisation=org_a), NOW.date())
        page = login(auditor).get(reverse("improvement:risks:register")).content.decode()
    untreated = register.untreated
    assert [(r.title, r.level) for r in untreated] == [
        ("Rupture du contrat d'apprentissage non anticipée", RiskLevel.CRITICAL)
    ]
    treated = [
        line.risk for line in register.lines if line.risk.level in (RiskLevel.HIGH, "critique")
    ]
    assert len(treated) == 4  # 3 treated, 1 not
    assert all(a.origin == Origin.RISK for r in treated for a in r.treatments.all())
    assert not register.yearly.late and register.yearly.last is not None
    assert page.count('data-flag="sans-traitement"') == 1
    assert 'data-flag="revue-en-retard"' not in page

    reviews = list(Review.objects.filter(organisation=org_a).order_by("held_on"))
    assert len(reviews) == 2 and all(r.status == ReviewStatus.HELD for r in reviews)
    last = reviews[-1]
    assert last.minutes and last.agenda is not None
    assert last.agenda["since"] == (reviews[0].held_on + dt.timedelta(days=1)).isoformat()
    untreated_in_agenda = [row[0] for row in last.agenda["risks"]["untreated"]]
    assert untreated_in_agenda == ["Rupture du contrat d'apprentissage non anticipée"]
    decisions = list(review_services.decisions_of(last))
    assert len(decisions) == 2 and all(a.origin == Origin.REVIEW for a in decisions)
