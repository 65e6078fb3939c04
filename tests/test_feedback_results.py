"""Results people read: per-teacher items of the apprentices' evaluation (I33), the PDF
summary shared with the teaching staff (who, when: the I33 evidence), and the learner
finding their pending questionnaires in their space."""

import datetime as dt
import html
import io

import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback.models import SummaryShare
from parcours.learners import services as learner_services
from parcours.messaging.models import Attachment, Message
from parcours.programmes import services as programme_services
from tests.conftest import World, login
from tests.feedback_support import at, build_cohort, launch, post_answers

END = dt.date(2026, 6, 26)


def test_apprentices_rate_each_teacher_and_the_summary_is_shared_with_the_staff(
    org_a: Organisation, quality: User
) -> None:
    cohort = build_cohort(org_a, end=END, learners=6, category="APP")
    second = programme_services.create_trainer(
        org_a, acting_user=None, last_name="Roux", first_name="Lou", email="lou@formateurs.test"
    )
    cohort.session.trainers.add(second)
    campaign = launch(org_a, "apprenti-enseignements", cohort.session, END)
    items = {i.key: i for i in campaign.version.items.all()}
    for n, invitation in enumerate(campaign.invitations.order_by("name")):
        data = {
            f"q{items['contenus'].pk}": "4",
            f"q{items['enseignement'].pk}_t{cohort.trainer.pk}": "5",
            f"q{items['enseignement'].pk}_t{second.pk}": "2" if n < 4 else "3",
        }
        with time_machine.travel(at(END + dt.timedelta(days=1), 10, n), tick=False):
            assert (
                Client().post(reverse("feedback:answer", args=[invitation.token]), data).status_code
                == 200
            )
    client = login(quality)
    with time_machine.travel(at(END + dt.timedelta(days=3)), tick=False):
        page = html.unescape(
            client.get(
                reverse("feedback:session_results", args=[cohort.session.pk])
            ).content.decode()
        )
        # Each teacher has their own line, with 6 respondents each (k = 5).
        assert "Les explications et l'animation de cet enseignant (Alix DurandF)" in page
        assert "Les explications et l'animation de cet enseignant (Lou Roux)" in page
        assert "Répondants : 6 · moyenne 5,0 · satisfaction 100 %" in page
        assert "Répondants : 6 · moyenne 2,33 · satisfaction 0 %" in page
        response = client.post(reverse("feedback:session_share", args=[cohort.session.pk]))
        assert response.status_code == 302
    share = SummaryShare.objects.get(session=cohort.session)
    assert share.shared_by == quality and share.shared_at == at(END + dt.timedelta(days=3))
    assert share.recipients == [
        "Alix DurandF <alix.f@formateurs.test>",
        "Lou Roux <lou@formateurs.test>",
    ]
    sent = Message.objects.filter(related_key=f"feedback.share:{share.pk}")
    assert sorted(sent.values_list("to", flat=True)) == [
        "alix.f@formateurs.test",
        "lou@formateurs.test",
    ]
    pdf = Attachment.objects.filter(message__in=sent).first()
    assert pdf is not None and pdf.mimetype == "application/pdf"
    text = " ".join(
        " ".join((p.extract_text() or "").split())
        for p in PdfReader(io.BytesIO(bytes(pdf.content))).pages
    )
    assert "Synthèse des appréciations" in text and "Lou Roux" in text
    assert JournalEntry.objects.filter(
        verb="feedback.summary_shared", object_id=str(share.pk)
    ).exists()
    with time_machine.travel(at(END + dt.timedelta(days=4)), tick=False):
        page = html.unescape(
            client.get(
                reverse("feedback:session_results", args=[cohort.session.pk])
            ).content.decode()
        )
    assert "Partages avec l'équipe pédagogique" in page and "Lou Roux <lou@formateurs.test>" in page


def test_a_learner_finds_their_pending_questionnaire_in_their_space(
    world_a: World, director: User, learner_user: User
) -> None:
    learner_services.update_learner(world_a.learner, acting_user=director, user=learner_user)
    end = world_a.session.end_date
    campaign = launch(world_a.org, "apprenant-a-chaud", world_a.session, end)
    invitation = campaign.invitations.get(learner=world_a.learner)
    client = login(learner_user)
    with time_machine.travel(at(end + dt.timedelta(days=1)), tick=False):
        page = html.unescape(client.get("/mon-espace/").content.decode())
        assert "Mes questionnaires à remplir" in page
        assert invitation.get_absolute_url() in page
        post_answers(Client(), invitation, {"global": "4"})
        page = html.unescape(client.get("/mon-espace/").content.decode())
    assert "Mes questionnaires à remplir" not in page
