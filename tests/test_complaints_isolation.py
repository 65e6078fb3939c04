"""Who sees the complaints register: every register URL tried as another organisation's
user, a tutor, another learner and the auditor; the auditor sees no identity; nothing of
a safeguarding report ever shows."""

import datetime as dt
import html
import io
import zoneinfo
from typing import Any

import openpyxl
import pypdf
import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from parcours.core.models import Role, User
from parcours.core.services import create_member
from parcours.feedback.complaints import services
from parcours.feedback.complaints.models import Complaint, Kind
from parcours.learners.models import Learner
from parcours.safeguarding import services as safeguarding
from tests.conftest import PASSWORD, World, login

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=PARIS)
IDENTITY = ("Camille", "MartinA", "camille.a@exemple.fr", "Dominique Publique", "dom@exemple.fr")
SAFEGUARDING_TEXT = "Propos humiliants répétés du formateur remplaçant"


@pytest.fixture(autouse=True)
def travel() -> Any:
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setting(world_a: World, learner_user: User, director: User) -> dict[str, Any]:
    Learner.objects.filter(pk=world_a.learner.pk).update(user=learner_user)
    own = login(learner_user).post(
        reverse("feedback:complaints:own_form"),
        {
            "kind": "difficulte",
            "subject": "Planning illisible",
            "description": "Le planning change sans prévenir.",
            "category": "organisation",
            "complainant": "apprenant",
        },
    )
    assert own.status_code == 200
    public, _code = services.receive(
        world_a.org,
        services.ComplaintFacts(
            kind=Kind.RECLAMATION,
            subject="Facture erronée",
            description="Montant facturé deux fois.",
            category="financement",
            severity="moyenne",
            complainant="entreprise",
            contact_name="Dominique Publique",
            contact_email="dom@exemple.fr",
        ),
        channel="formulaire",
    )
    safeguarding.submit_report(
        world_a.org,
        safeguarding.ReportFacts(
            kind="harcelement_moral",
            description=SAFEGUARDING_TEXT,
            place="formation",
            reporter_role="victime",
        ),
        channel="lien_public",
    )
    return {"own": Complaint.objects.get(channel="portail"), "public": public}


def urls(complaint: Complaint) -> list[str]:
    return [
        reverse("feedback:complaints:register"),
        reverse("feedback:complaints:new"),
        reverse("feedback:complaints:detail", args=[complaint.pk]),
        reverse("feedback:complaints:table_xlsx"),
        reverse("feedback:complaints:table_pdf"),
    ]


def text_of(response: Any) -> str:
    kind = response.get("Content-Type", "")
    if "spreadsheet" in kind:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
    if "pdf" in kind:
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        return " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return html.unescape(response.content.decode())


def transition(complaint: Complaint) -> str:
    return reverse("feedback:complaints:transition", args=[complaint.pk, "accuser"])


@pytest.mark.django_db
def test_other_organisation_sees_nothing(setting: dict[str, Any], as_outsider: Client) -> None:
    public = setting["public"]
    register, _new, detail, xlsx, pdf = urls(public)
    assert as_outsider.get(detail).status_code == 404
    assert as_outsider.post(transition(public)).status_code == 404
    for url in (register, xlsx):
        response = as_outsider.get(url)
        assert response.status_code == 200
        assert "Facture erronée" not in text_of(response)
    public.refresh_from_db()
    assert public.status == "recue"


@pytest.mark.django_db
def test_tutor_and_another_learner_are_refused_the_register(
    setting: dict[str, Any], tutor_user: User, world_a: World
) -> None:
    other = create_member(
        world_a.org,
        acting_user=None,
        email="autre.apprenant@forma.test",
        role=Role.APPRENANT,
        password=PASSWORD,
        first_name="Autre",
        last_name="Apprenant",
    ).user
    for user in (tutor_user, other):
        client = login(user)
        for complaint in setting.values():
            for url in urls(complaint):
                assert client.get(url).status_code == 403, (user, url)
            assert client.post(transition(complaint)).status_code == 403
        mine = text_of(client.get(reverse("feedback:complaints:own_list")))
        assert "Planning illisible" not in mine
        assert "Facture erronée" not in mine


@pytest.mark.django_db
def test_the_learner_sees_only_their_own(setting: dict[str, Any], learner_user: User) -> None:
    client = login(learner_user)
    mine = text_of(client.get(reverse("feedback:complaints:own_list")))
    assert "Planning illisible" in mine
    assert "Facture erronée" not in mine
    assert client.get(reverse("feedback:complaints:register")).status_code == 403


@pytest.mark.django_db
def test_auditor_reads_without_identity(setting: dict[str, Any], auditor: User) -> None:
    client = login(auditor)
    for complaint in setting.values():
        register, new, detail, xlsx, pdf = urls(complaint)
        assert client.get(new).status_code == 403
        assert client.post(transition(complaint)).status_code == 403
        for url in (register, detail, xlsx, pdf):
            response = client.get(url)
            assert response.status_code == 200, url
            text = text_of(response)
            assert "Facture erronée" in text or "Planning illisible" in text
            for name in IDENTITY:
                assert name not in text, (url, name)
    assert Complaint.objects.filter(status="recue").count() == 2


@pytest.mark.django_db
def test_staff_see_identity_and_never_a_safeguarding_report(
    setting: dict[str, Any], director: User
) -> None:
    client = login(director)
    seen = ""
    for complaint in setting.values():
        register, _new, detail, xlsx, pdf = urls(complaint)
        for url in (register, detail, xlsx, pdf):
            response = client.get(url)
            assert response.status_code == 200
            seen += text_of(response)
    assert "Dominique Publique" in seen and "MartinA" in seen
    assert SAFEGUARDING_TEXT not in seen
    assert Complaint.objects.filter(organisation=setting["public"].organisation).count() == 2
