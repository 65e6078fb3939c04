"""Every back office URL keeps organisations apart.

The URLs are read from the urlconf of the programmes and learners apps, so a new page is
covered as soon as it is added: the test fails until the table below says how to reach it
with organisation A's objects. An outsider (organisation B's director) then tries each of
them, read and write, and never gets anything of organisation A: 404 or 403 on A's
objects, only B's rows on lists, a form error on a forged foreign key, and A's journal
unchanged (nothing of A was written).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from parcours.core.models import JournalEntry, Site, User
from parcours.core.services import create_site
from parcours.learners import services as learner_services
from parcours.learners.models import (
    AdaptationMeasure,
    AdaptationSheet,
    Employer,
    Enrolment,
    Learner,
)
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme, Session, Slot, Trainer
from tests.conftest import World, login

APPS = ("programmes", "learners")
MODELS = (Programme, Session, Slot, Learner, Enrolment, AdaptationSheet, AdaptationMeasure)


@dataclass
class OrgA:
    world: World
    slot: Slot
    trainer: Trainer
    site: Site
    employer: Employer
    sheet: AdaptationSheet
    measure: AdaptationMeasure

    # What of organisation A must never appear on an outsider's page.
    secrets: tuple[str, ...] = (
        "Forma Plus",
        "Comptabilité A",
        "MartinA",
        "camille.a@",
        "A-PRG",
        "A-S1",
        "A-L1",
        "Salle secrète A",
        "FormateurA",
        "Campus A",
        "Employeur A",
        "Besoin secret A",
        "Aménagement secret A",
    )


@pytest.fixture
def org_a_data(world_a: World, director: User) -> OrgA:
    org = world_a.org
    trainer = programme_services.create_trainer(
        org, acting_user=director, last_name="FormateurA", first_name="Jo"
    )
    start = timezone.now()
    slot = programme_services.create_slot(
        world_a.session,
        acting_user=director,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        room="Salle secrète A",
        trainer=trainer,
    )
    site = create_site(org, acting_user=director, name="Campus A")
    employer = learner_services.create_employer(org, acting_user=director, name="Employeur A")
    learner_services.update_learner(world_a.learner, acting_user=director, disability=True)
    sheet = learner_services.create_adaptation_sheet(
        world_a.enrolment, acting_user=director, needs="Besoin secret A", referent=director
    )
    measure = learner_services.add_measure(
        sheet,
        acting_user=director,
        kind="technique",
        description="Aménagement secret A",
        responsible=director,
    )
    return OrgA(world_a, slot, trainer, site, employer, sheet, measure)


@dataclass
class Case:
    """How to reach one URL with organisation A's objects, and what to send to it.

    kind: "list" (the user's own organisation's rows; `own` is one of B's, shown to B),
    "create" (a form creating in the user's own organisation), "read" (a page of one of
    A's objects) or "write" (a form or action on one of A's objects).
    """

    kind: str
    kwargs: Callable[[OrgA], dict[str, int]] = lambda a: {}
    get: Callable[[OrgA], dict[str, Any]] = lambda a: {}
    post: Callable[[OrgA], dict[str, Any]] = lambda a: {}
    own: str = ""


def programme(a: OrgA) -> dict[str, int]:
    return {"pk": a.world.programme.pk}


def session(a: OrgA) -> dict[str, int]:
    return {"pk": a.world.session.pk}


def slot(a: OrgA) -> dict[str, int]:
    return {"pk": a.world.session.pk, "slot_pk": a.slot.pk}


def learner(a: OrgA) -> dict[str, int]:
    return {"pk": a.world.learner.pk}


def enrolment(a: OrgA) -> dict[str, int]:
    return {"pk": a.world.enrolment.pk}


def sheet(a: OrgA) -> dict[str, int]:
    return {"pk": a.sheet.pk}


def measure(a: OrgA) -> dict[str, int]:
    return {"pk": a.measure.pk}


def measure_data(a: OrgA) -> dict[str, Any]:
    return {"kind": "technique", "description": "Intrus", "responsible": a.world.learner.pk}


def session_data(a: OrgA) -> dict[str, Any]:
    return {
        "title": "Session de l'intrus",
        "programme": a.world.programme.pk,
        "category": "AF",
        "modality": "presentiel",
        "start_date": "2026-09-01",
        "end_date": "2026-09-30",
        "duration_hours": "35",
        "site": a.site.pk,
        "trainers": [a.trainer.pk],
    }


def slot_data(a: OrgA) -> dict[str, Any]:
    return {
        "starts_at": "2026-09-01T09:00",
        "ends_at": "2026-09-01T12:00",
        "trainer": a.trainer.pk,
        "room": "Salle de l'intrus",
    }


def learner_data(a: OrgA) -> dict[str, Any]:
    return {"last_name": "Intrus", "employer": a.employer.pk}


def enrolment_data(a: OrgA) -> dict[str, Any]:
    return {
        "learner": a.world.learner.pk,
        "session": a.world.session.pk,
        "enrolled_on": "2026-09-01",
        "employer": a.employer.pk,
    }


PROGRAMME_DATA = {
    "title": "Formation de l'intrus",
    "category": "AF",
    "modality": "presentiel",
    "duration_hours": "7",
    "duration_days": "1",
}

CASES: dict[str, Case] = {
    "programmes:programme_list": Case(
        "list", get=lambda a: {"q": "Comptabilité", "category": "AF"}, own="Comptabilité B"
    ),
    "programmes:programme_detail": Case("read", kwargs=programme),
    "programmes:programme_create": Case("create", post=lambda a: PROGRAMME_DATA),
    "programmes:programme_edit": Case("write", kwargs=programme, post=lambda a: PROGRAMME_DATA),
    "programmes:session_list": Case(
        "list",
        get=lambda a: {"programme": a.world.programme.pk, "q": "printemps"},
        own="Comptabilité B printemps",
    ),
    "programmes:session_detail": Case("read", kwargs=session),
    "programmes:session_create": Case(
        "create", get=lambda a: {"programme": a.world.programme.pk}, post=session_data
    ),
    "programmes:session_edit": Case("write", kwargs=session, post=session_data),
    "programmes:slot_create": Case("write", kwargs=session, post=slot_data),
    "programmes:slot_edit": Case("write", kwargs=slot, post=slot_data),
    "programmes:slot_delete": Case("write", kwargs=slot),
    "learners:learner_list": Case(
        "list", get=lambda a: {"session": a.world.session.pk, "q": "Martin"}, own="MartinB"
    ),
    "learners:learner_detail": Case("read", kwargs=learner),
    "learners:learner_create": Case("create", post=learner_data),
    "learners:learner_edit": Case("write", kwargs=learner, post=learner_data),
    "learners:enrolment_list": Case(
        "list",
        get=lambda a: {"session": a.world.session.pk, "programme": a.world.programme.pk},
        own="MartinB",
    ),
    "learners:enrolment_detail": Case("read", kwargs=enrolment),
    "learners:enrolment_create": Case(
        "create",
        get=lambda a: {"learner": a.world.learner.pk, "session": a.world.session.pk},
        post=enrolment_data,
    ),
    "learners:enrolment_edit": Case(
        "write",
        kwargs=enrolment,
        post=lambda a: {"enrolled_on": "2026-01-01", "employer": a.employer.pk},
    ),
    "learners:enrolment_transition": Case(
        "write",
        kwargs=enrolment,
        post=lambda a: {"status": "abandon", "on": "2026-09-01", "reason": "X"},
    ),
    # Disability (PSH) adaptation sheets: organisation B has none, its list says so.
    "learners:adaptation_list": Case(
        "list", get=lambda a: {"q": "Martin", "due": "oui"}, own="Aucune fiche d'adaptation"
    ),
    "learners:adaptation_detail": Case("read", kwargs=sheet),
    "learners:adaptation_create": Case(
        "write", kwargs=enrolment, post=lambda a: {"needs": "Intrus", "referent": 1}
    ),
    "learners:adaptation_edit": Case(
        "write", kwargs=sheet, post=lambda a: {"needs": "Intrus", "referent": 1}
    ),
    "learners:measure_create": Case("write", kwargs=sheet, post=measure_data),
    "learners:measure_edit": Case("write", kwargs=measure, post=measure_data),
    "learners:measure_attest": Case("write", kwargs=measure, post=lambda a: {"note": "Intrus"}),
}


def app_url_names() -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in APPS:
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern) and pattern.name, pattern
                names.add(f"{entry.namespace}:{pattern.name}")
    return names


def urls_of(a: OrgA) -> list[tuple[str, str, Case]]:
    return [(name, reverse(name, kwargs=case.kwargs(a)), case) for name, case in CASES.items()]


def assert_nothing_of_a(response: Any, a: OrgA, what: str) -> None:
    text = response.content.decode()
    for secret in a.secrets:
        assert secret not in text, f"{what}: {secret!r} of organisation A shown"


def test_every_url_of_the_back_office_is_covered() -> None:
    assert app_url_names() == set(CASES), "add the new URL to CASES in tests/test_isolation.py"


def test_an_outsider_reaches_nothing_of_another_organisation(
    org_a_data: OrgA, world_b: World, outsider: User
) -> None:
    a = org_a_data
    client = login(outsider)
    journal_a = JournalEntry.objects.filter(organisation=a.world.org).count()
    counts = {m: m.objects.filter(organisation=a.world.org).count() for m in MODELS}
    for name, url, case in urls_of(a):
        got = client.get(url, case.get(a))
        posted = client.post(url, case.post(a))
        if case.kind == "list":
            # Their own rows (so that what follows is not vacuous), filtered by A's pks.
            assert case.own in client.get(url).text, name
            assert got.status_code == 200, name
        elif case.kind == "create":
            # Their own form, which refuses A's objects as invalid choices.
            assert got.status_code == 200 and posted.status_code in (200, 302), name
        else:
            assert got.status_code in (403, 404), f"{name} GET gave {got.status_code}"
            assert posted.status_code in (403, 404), f"{name} POST gave {posted.status_code}"
        assert_nothing_of_a(got, a, f"{name} GET")
        assert_nothing_of_a(posted, a, f"{name} POST")
    # Nothing of A was written, and nothing new points at A's objects.
    assert JournalEntry.objects.filter(organisation=a.world.org).count() == journal_a
    assert counts == {m: m.objects.filter(organisation=a.world.org).count() for m in MODELS}
    assert not Session.objects.filter(title="Session de l'intrus").exists()
    assert not Enrolment.objects.filter(learner=a.world.learner).exclude(pk=a.world.enrolment.pk)
    intruder = Learner.objects.filter(last_name="Intrus").first()
    assert intruder is None or intruder.employer is None
    a.world.enrolment.refresh_from_db()
    assert a.world.enrolment.status == "inscrit"


@pytest.mark.parametrize("persona", ["tutor_user", "learner_user"])
def test_tutors_and_learners_are_refused_every_url(
    persona: str, request: pytest.FixtureRequest, org_a_data: OrgA
) -> None:
    client = login(request.getfixturevalue(persona))
    journal = JournalEntry.objects.count()
    for name, url, case in urls_of(org_a_data):
        assert client.get(url, case.get(org_a_data)).status_code == 403, name
        assert client.post(url, case.post(org_a_data)).status_code == 403, name
    assert JournalEntry.objects.count() == journal


def test_the_auditor_reads_everything_and_writes_nothing(auditor: User, org_a_data: OrgA) -> None:
    client = login(auditor)
    # The auditor's page views are journaled (audit.page_viewed): the one write they make.
    journal = JournalEntry.objects.exclude(verb="audit.page_viewed").count()
    for name, url, case in urls_of(org_a_data):
        if case.kind in ("create", "write"):
            assert client.get(url, case.get(org_a_data)).status_code == 403, name
            assert client.post(url, case.post(org_a_data)).status_code == 403, name
        else:
            assert client.get(url, case.get(org_a_data)).status_code == 200, name
    assert JournalEntry.objects.exclude(verb="audit.page_viewed").count() == journal


def test_anonymous_visitors_are_sent_to_the_login_page(org_a_data: OrgA) -> None:
    client = Client()
    for name, url, _case in urls_of(org_a_data):
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/connexion/"), name
