"""The other channels and settings: staff entry for a phone call, the learner's button in
their space, re-qualification with a reason, the organisation's deadlines page."""

import datetime as dt
import html
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from parcours.core.models import JournalEntry, User
from parcours.feedback.complaints.models import Complaint, ComplaintSettings, Kind
from parcours.learners.models import Learner
from tests.conftest import World, login

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=PARIS)  # a Wednesday


@pytest.fixture(autouse=True)
def travel() -> Any:
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
def test_staff_record_a_phone_call_about_an_enrolment(world_a: World, officer: User) -> None:
    client = login(officer)
    response = client.post(
        reverse("feedback:complaints:new"),
        {
            "channel": "telephone",
            "received_on": "2026-04-03",  # the Friday before Easter Monday
            "kind": "alea",
            "severity": "elevee",
            "subject": "Formateur absent",
            "description": "Séance annulée sans prévenir, appel de l'entreprise.",
            "category": "organisation",
            "complainant": "entreprise",
            "contact_name": "Mme Durand",
            "enrolment": world_a.enrolment.pk,
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == "telephone"
    assert complaint.learner == world_a.learner
    assert complaint.created_by == officer
    # Monday 6 April 2026 is Easter Monday: Tue 7 and Wed 8 are the two business days.
    assert complaint.acknowledge_due == dt.date(2026, 4, 8)
    entry = JournalEntry.objects.get(verb="complaints.received")
    assert entry.actor_label.startswith("Suivi")


@pytest.mark.django_db
def test_an_enrolment_of_another_organisation_is_refused(
    world_a: World, world_b: World, officer: User
) -> None:
    response = login(officer).post(
        reverse("feedback:complaints:new"),
        {
            "channel": "courrier",
            "received_on": "2026-04-03",
            "kind": "reclamation",
            "severity": "faible",
            "subject": "Courrier",
            "description": "Lettre reçue.",
            "category": "autre",
            "complainant": "autre",
            "enrolment": world_b.enrolment.pk,
        },
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in html.unescape(response.content.decode())
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_the_learner_complains_from_their_space(world_a: World, learner_user: User) -> None:
    Learner.objects.filter(pk=world_a.learner.pk).update(user=learner_user)
    client = login(learner_user)
    home = html.unescape(client.get("/mon-espace/").content.decode())
    assert reverse("feedback:complaints:own_form") in home
    form = html.unescape(client.get(reverse("feedback:complaints:own_form")).content.decode())
    assert reverse("portal:report") in form  # violence goes to the safeguarding form
    client.post(
        reverse("feedback:complaints:own_form"),
        {
            "kind": "difficulte",
            "subject": "Accès à la plateforme",
            "description": "Mon mot de passe ne fonctionne plus.",
            "category": "communication",
            "complainant": "apprenant",
        },
    )
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.learner) == ("portail", world_a.learner)
    assert "Accès à la plateforme" in client.get("/mon-espace/").content.decode()


@pytest.mark.django_db
def test_requalifying_needs_a_reason_and_is_journaled(world_a: World, quality: User) -> None:
    client = login(quality)
    client.post(
        reverse("feedback:complaints:new"),
        {
            "channel": "courriel",
            "received_on": "2026-04-07",
            "kind": "reclamation",
            "severity": "faible",
            "subject": "Commentaire",
            "description": "Le café était froid.",
            "category": "logistique",
            "complainant": "apprenant",
        },
    )
    complaint = Complaint.objects.get()
    url = reverse("feedback:complaints:transition", args=[complaint.pk, "requalifier"])
    assert client.post(url, {"kind": "difficulte", "reason": ""}).status_code == 400
    complaint.refresh_from_db()
    assert complaint.kind == Kind.RECLAMATION
    assert client.post(url, {"kind": "difficulte", "reason": "Pas une demande."}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.kind == Kind.DIFFICULTE
    entry = JournalEntry.objects.get(verb="complaints.requalified")
    assert entry.changes["motif"] == "Pas une demande."


@pytest.mark.django_db
def test_the_deadlines_page(director: User, officer: User) -> None:
    url = reverse("feedback:complaints:deadlines")
    assert login(officer).get(url).status_code == 403
    client = login(director)
    bad = client.post(url, {"acknowledge_days": "0", "answer_days": "200"})
    assert bad.status_code == 400
    assert not ComplaintSettings.objects.exists()
    assert client.post(url, {"acknowledge_days": "3", "answer_days": "10"}).status_code == 302
    saved = ComplaintSettings.objects.get()
    assert (saved.acknowledge_days, saved.answer_days) == (3, 10)


@pytest.mark.django_db
def test_an_entry_leaves_an_improvement_suggestion(world_a: World, quality: User) -> None:
    client = login(quality)
    client.post(
        reverse("feedback:complaints:new"),
        {
            "channel": "courriel",
            "received_on": "2026-04-07",
            "kind": "reclamation",
            "severity": "moyenne",
            "subject": "Convocation tardive",
            "description": "Convocation reçue la veille.",
            "category": "communication",
            "complainant": "apprenant",
        },
    )
    complaint = Complaint.objects.get()
    url = reverse("feedback:complaints:transition", args=[complaint.pk, "ameliorer"])
    assert client.post(url, {"text": " "}).status_code == 400
    assert client.post(url, {"text": "Envoyer les convocations J-10."}).status_code == 302
    page = html.unescape(
        client.get(reverse("feedback:complaints:detail", args=[complaint.pk])).content.decode()
    )
    assert "Envoyer les convocations J-10." in page
    assert JournalEntry.objects.filter(verb="complaints.improvement_suggested").count() == 1
