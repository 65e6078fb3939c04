"""The published prevention procedure (a page and a PDF, versioned, edited by the
référent qualité, read by every member and from the public link), and the designation
of the handlers by direction."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from parcours.core.models import JournalEntry, User
from parcours.safeguarding.models import PreventionProcedure, SafeguardingHandler
from tests.conftest import World, login
from tests.safeguarding_support import fresh_rate_limits  # noqa: F401 (autouse fixture)

TITLE = "Procédure de prévention et de traitement des situations de violence"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize(
    "persona", ["director", "quality", "officer", "tutor_user", "learner_user", "auditor"]
)
def test_every_member_reads_the_default_procedure(
    persona: str, request: pytest.FixtureRequest, org_a: object
) -> None:
    client = login(request.getfixturevalue(persona))
    page = client.get(reverse("safeguarding:procedure"))
    assert page.status_code == 200
    assert TITLE in page.text
    assert "48 heures" in page.text and "Confidentialité" in page.text
    response = client.get(reverse("safeguarding:procedure_pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Version 1 du" in text and "Forma Plus" in text and "48 heures" in text


def test_the_quality_lead_publishes_versions_read_back_from_the_pdf(
    world_a: World, quality: User, director: User, officer: User
) -> None:
    from tests.safeguarding_support import designate

    designate(world_a, director, officer)
    client = login(quality)
    form = client.get(reverse("safeguarding:procedure_edit"))
    assert form.status_code == 200
    body = (
        "## Qui contacter\nMme Référente au bureau 12, ou le lien de signalement.\n\n"
        "## Délais\n- accusé de réception sous 24 heures ;\n- premier entretien sous 5 jours."
    )
    response = client.post(
        reverse("safeguarding:procedure_edit"),
        {
            "title": "Procédure anti-violences de Forma Plus",
            "body": body,
            "change_note": "Délais raccourcis",
        },
    )
    assert response.status_code == 302
    version = PreventionProcedure.objects.get(organisation=world_a.org, number=2)
    assert version.edited_by == quality and version.change_note == "Délais raccourcis"
    assert JournalEntry.objects.filter(verb="safeguarding.procedure_published").count() == 2

    text = pdf_text(login(officer).get(reverse("safeguarding:procedure_pdf")).content)
    assert "Procédure anti-violences de Forma Plus" in text
    assert "Version 2 du" in text and "Qualite Test" in text
    assert "accusé de réception sous 24 heures" in text
    assert "Suivi Test" in text  # the designated handler, to contact
    assert "Délais raccourcis" in text and "v1" in text  # the history of versions
    # The previous version stays available as it was.
    old = pdf_text(
        login(officer).get(reverse("safeguarding:procedure_version_pdf", args=[1])).content
    )
    assert "Version 1 du" in old and "48 heures" in old
    assert (
        login(officer).get(reverse("safeguarding:procedure_version_pdf", args=[9])).status_code
        == 404
    )

    # Saving the same text again makes no new version.
    again = client.post(
        reverse("safeguarding:procedure_edit"),
        {"title": "Procédure anti-violences de Forma Plus", "body": body, "change_note": "Rien"},
    )
    assert "Le texte n&#x27;a pas changé" in again.text
    assert PreventionProcedure.objects.filter(organisation=world_a.org).count() == 2


@pytest.mark.parametrize("persona", ["director", "officer", "auditor", "learner_user", "outsider"])
def test_only_the_quality_lead_edits_the_procedure(
    persona: str, request: pytest.FixtureRequest, org_a: object
) -> None:
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("safeguarding:procedure_edit")).status_code == 403
    posted = client.post(
        reverse("safeguarding:procedure_edit"), {"title": "X", "body": "Y", "change_note": "Z"}
    )
    assert posted.status_code == 403
    assert not PreventionProcedure.objects.filter(title="X").exists()


def test_the_public_link_shows_the_procedure_without_an_account(world_a: World) -> None:
    client = Client()
    page = client.get(reverse("safeguarding:public_procedure", args=["forma-plus"]))
    assert page.status_code == 200 and TITLE in page.text
    assert reverse("safeguarding:public_report", args=["forma-plus"]) in page.text
    pdf = client.get(reverse("safeguarding:public_procedure_pdf", args=["forma-plus"]))
    assert "Version 1 du" in pdf_text(pdf.content)
    assert client.get(reverse("safeguarding:procedure")).status_code == 302  # members' page


def test_direction_designates_and_ends_handlers(
    world_a: World,
    director: User,
    quality: User,
    officer: User,
    tutor_user: User,
    auditor: User,
    learner_user: User,
    outsider: User,
) -> None:
    client = login(director)
    page = client.get(reverse("safeguarding:handlers"))
    assert page.status_code == 200
    # Only staff of the organisation are offered.
    members = {m.user_id: m.pk for m in world_a.org.memberships.all()}
    for user in (quality, officer, director):
        assert f'<option value="{members[user.pk]}">{user} (' in page.text
    for pk in (members[u.pk] for u in (tutor_user, auditor, learner_user)):
        assert f'<option value="{pk}"' not in page.text
    assert f'<option value="{outsider.membership.pk}"' not in page.text
    for user in (tutor_user, auditor, learner_user):
        response = client.post(reverse("safeguarding:handlers"), {"member": members[user.pk]})
        assert response.status_code == 200 and "Sélectionnez un choix valide" in response.text
    outsider_membership = outsider.membership.pk
    client.post(reverse("safeguarding:handlers"), {"member": outsider_membership})
    assert not SafeguardingHandler.objects.exists()

    assert (
        client.post(reverse("safeguarding:handlers"), {"member": members[officer.pk]}).status_code
        == 302
    )
    handler = SafeguardingHandler.objects.get()
    assert (handler.user, handler.designated_by, handler.active) == (officer, director, True)
    assert login(officer).get(reverse("safeguarding:report_list")).status_code == 200
    assert login(director).get(reverse("safeguarding:report_list")).status_code == 404

    client.post(reverse("safeguarding:handler_end", args=[handler.pk]))
    handler.refresh_from_db()
    assert not handler.active and handler.ended_at is not None
    assert login(officer).get(reverse("safeguarding:report_list")).status_code == 404
    # Designated again later: the same row, active again.
    client.post(reverse("safeguarding:handlers"), {"member": members[officer.pk]})
    handler.refresh_from_db()
    assert handler.active and handler.ended_at is None


@pytest.mark.parametrize("persona", ["quality", "officer", "auditor", "tutor_user", "learner_user"])
def test_only_direction_designates(
    persona: str, request: pytest.FixtureRequest, world_a: World, officer: User
) -> None:
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("safeguarding:handlers")).status_code == 403
    response = client.post(reverse("safeguarding:handlers"), {"member": officer.membership.pk})
    assert response.status_code == 403
    assert not SafeguardingHandler.objects.exists()


def test_an_outsider_cannot_end_a_handler_of_another_organisation(
    world_a: World, director: User, officer: User, outsider: User
) -> None:
    from tests.safeguarding_support import designate

    designate(world_a, director, officer)
    handler = SafeguardingHandler.objects.get()
    response = login(outsider).post(reverse("safeguarding:handler_end", args=[handler.pk]))
    assert response.status_code == 404
    handler.refresh_from_db()
    assert handler.active


def test_the_navigation_tag_tells_handlers_apart(
    world_a: World, director: User, quality: User
) -> None:
    from django.template import Context, Template

    from tests.safeguarding_support import designate

    designate(world_a, director, quality)
    template = Template(
        "{% load safeguarding %}{% is_safeguarding_handler user as sg %}{% if sg %}oui{% endif %}"
    )
    assert template.render(Context({"user": quality})) == "oui"
    assert template.render(Context({"user": director})) == ""
