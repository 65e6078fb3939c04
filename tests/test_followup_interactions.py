"""Interactions on a case: calls (which can carry out the call step), meetings with their
.ics invitations (moved: SEQUENCE + 1; cancelled: METHOD:CANCEL), the report without which
an interview step is not done, the intermediate review, and other measures; all on the
case page and on the learner's timeline, and out of reach of another organisation."""

import datetime as dt
import html
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape
from icalendar import Calendar

from parcours.core.models import JournalEntry
from parcours.followup.models import (
    Action,
    Call,
    FollowupCase,
    Measure,
    Meeting,
    MeetingStatus,
    Review,
    StepStatus,
    TriggerKind,
)
from parcours.followup.services import cases as case_services
from parcours.followup.services import interactions as interaction_services
from parcours.learners import services as learner_services
from parcours.messaging.models import Message
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def case(world_a: World, officer) -> FollowupCase:
    """A manual case opened on 1 April 2026: a call (J+2) and an interview (J+7)."""
    with time_machine.travel(at(D(2026, 4, 1), 10), tick=False):
        return case_services.open_case(
            world_a.enrolment,
            trigger_kind=TriggerKind.MANUAL,
            acting_user=officer,
            reason="Démotivation signalée par le formateur.",
        )


@pytest.fixture
def tutor(world_a: World, director):
    employer = learner_services.create_employer(
        world_a.org, acting_user=director, name="Boulangerie Léa"
    )
    tutor = learner_services.create_tutor(
        employer,
        acting_user=director,
        first_name="Paul",
        last_name="Fournil",
        email="paul.fournil@boulangerie.test",
    )
    learner_services.update_enrolment(
        world_a.enrolment, acting_user=director, tutor=tutor, employer=employer
    )
    return tutor


def invitation(message: Message) -> Any:
    (attachment,) = message.attachments.all()
    return Calendar.from_ical(bytes(attachment.content))


def test_a_call_is_logged_and_carries_out_the_call_step(case: FollowupCase, officer) -> None:
    as_officer = login(officer)
    url = reverse("followup:call_log", args=[case.pk])
    with time_machine.travel(at(D(2026, 4, 2), 9, 15), tick=False):
        # Reached, but nothing said of it: refused.
        as_officer.post(
            url,
            {"called_at": "2026-04-02T09:00", "duration_minutes": "5", "outcome": "joint"},
        )
        assert not Call.objects.exists()
        # No answer: logged, the step stays to do.
        as_officer.post(
            url,
            {"called_at": "2026-04-02T09:00", "duration_minutes": "1", "outcome": "pas_de_reponse"},
        )
        step = case.steps.get(action=Action.CALL)
        assert step.status == StepStatus.TODO
        response = as_officer.post(
            url,
            {
                "called_at": "2026-04-02T09:10",
                "duration_minutes": "8",
                "outcome": "joint",
                "summary": "Difficultés de transport, solution de covoiturage trouvée.",
                "completes_step": "on",
            },
        )
    assert response.status_code == 302
    step.refresh_from_db()
    first, second = Call.objects.order_by("called_at")
    assert first.step is None and second.step == step
    assert second.called_at == at(D(2026, 4, 2), 9, 10)
    assert step.status == StepStatus.DONE and step.done_by == officer
    assert "covoiturage" in step.note
    assert JournalEntry.objects.filter(verb="followup.call_logged").count() == 2

    # No call step left to carry out: said so, nothing logged.
    response = as_officer.post(
        url,
        {
            "called_at": "2026-04-03T09:10",
            "duration_minutes": "3",
            "outcome": "messagerie",
            "completes_step": "on",
        },
        follow=True,
    )
    assert escape("Aucune étape d'appel n'est à faire") in response.content.decode()
    assert Call.objects.count() == 2

    page = as_officer.get(case.enrolment.learner.get_absolute_url()).content.decode()
    assert "Appel téléphonique : Pas de réponse (1 min)" in page
    assert "Appel téléphonique : Joint (8 min)" in page


def test_an_interview_step_needs_the_meeting_report(case: FollowupCase, officer) -> None:
    as_officer = login(officer)
    interview = case.steps.get(action=Action.INTERVIEW)
    done_url = reverse("followup:step_done", args=[interview.pk])

    response = as_officer.post(done_url, {"note": "Entretien fait."}, follow=True)
    assert "rédigez son compte rendu avant de la marquer comme faite" in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == StepStatus.TODO

    with time_machine.travel(at(D(2026, 4, 3), 11), tick=False):
        response = as_officer.post(
            reverse("followup:meeting_schedule", args=[case.pk]),
            {
                "kind": "entretien",
                "starts_at": "2026-04-07T10:00",
                "duration_minutes": "30",
                "place": "https://visio.exemple.fr/suivi-42",
                "staff": [str(officer.pk)],
            },
        )
        meeting = Meeting.objects.get()
        assert response.url == reverse("followup:meeting_detail", args=[meeting.pk])
        # Not before it has taken place.
        response = as_officer.post(
            reverse("followup:meeting_report", args=[meeting.pk]), {"report": "Trop tôt."}
        )
        assert "une fois le rendez-vous passé" in response.content.decode()
    as_officer.post(done_url, {"note": "Entretien fait."})
    interview.refresh_from_db()
    assert interview.status == StepStatus.TODO  # planned, but no report yet

    with time_machine.travel(at(D(2026, 4, 7), 11), tick=False):
        response = as_officer.post(
            reverse("followup:meeting_report", args=[meeting.pk]),
            {"report": "Objectifs revus ; l'apprenant reprend les cours en ligne."},
        )
        assert response.status_code == 302
        as_officer.post(done_url, {"note": "Entretien tenu, compte rendu au dossier."})
    interview.refresh_from_db()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.report_by == officer
    assert interview.status == StepStatus.DONE
    page = as_officer.get(meeting.case.get_absolute_url()).content.decode()
    assert "Objectifs revus" in page


def test_moving_and_cancelling_a_meeting_send_updated_invitations(
    case: FollowupCase, officer, director, tutor
) -> None:
    with time_machine.travel(at(D(2026, 4, 2), 9), tick=False):
        meeting = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="tripartite",
            starts_at=at(D(2026, 4, 9), 16),
            duration_minutes=60,
            place="Boulangerie Léa, 3 place du Marché",
            staff=[officer, director],
        )
    sent = Message.objects.filter(related_key=meeting.related_key)
    assert sorted(sent.values_list("to", flat=True)) == [
        "camille.a@exemple.fr",
        "direction@forma.test",
        "paul.fournil@boulangerie.test",
        "suivi@forma.test",
    ]
    # Only the learner's own copy is on their timeline.
    assert list(sent.exclude(enrolment=None).values_list("to", flat=True)) == [
        "camille.a@exemple.fr"
    ]
    (event,) = invitation(sent.get(to="paul.fournil@boulangerie.test")).walk("VEVENT")
    assert int(event["sequence"]) == 0
    assert "mailto:paul.fournil@boulangerie.test" in [str(a) for a in event["attendee"]]

    as_officer = login(officer)
    with time_machine.travel(at(D(2026, 4, 3), 9), tick=False):
        response = as_officer.post(
            reverse("followup:meeting_reschedule", args=[meeting.pk]),
            {"starts_at": "2026-04-10T15:00", "duration_minutes": "60", "place": "En visio"},
        )
    assert response.status_code == 302
    moved = sent.filter(to="camille.a@exemple.fr").order_by("pk")
    assert moved.count() == 2
    assert moved.last().subject == "Modifié : Réunion tripartite le 10/04/2026 à 15h00"
    calendar = invitation(moved.last())
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "REQUEST"
    assert int(event["sequence"]) == 1 and str(event["uid"]) == meeting.uid
    assert event.decoded("dtstart") == at(D(2026, 4, 10), 15)

    with time_machine.travel(at(D(2026, 4, 4), 9), tick=False):
        response = as_officer.post(
            reverse("followup:meeting_cancel", args=[meeting.pk]),
            {"reason": "Le tuteur est en congé."},
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.sequence == 2
    cancelled = sent.filter(to="paul.fournil@boulangerie.test").order_by("pk").last()
    assert cancelled.subject.startswith("Annulé : Réunion tripartite du 10/04/2026")
    (attachment,) = cancelled.attachments.all()
    assert attachment.mimetype == "text/calendar; method=CANCEL"
    calendar = invitation(cancelled)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2 and str(event["uid"]) == meeting.uid
    assert sent.count() == 12  # 4 people × (invitation, update, cancellation)
    verbs = JournalEntry.objects.filter(
        object_type="followup.meeting", object_id=str(meeting.pk)
    ).values_list("verb", flat=True)
    assert list(verbs) == [
        "followup.meeting_scheduled",
        "followup.meeting_rescheduled",
        "followup.meeting_cancelled",
    ]
    # A cancelled meeting takes no report.
    response = as_officer.post(
        reverse("followup:meeting_report", args=[meeting.pk]), {"report": "x"}
    )
    assert "a été annulé" in response.content.decode()


def test_a_tripartite_meeting_needs_a_tutor(case: FollowupCase, officer) -> None:
    with time_machine.travel(at(D(2026, 4, 2), 9), tick=False):
        response = login(officer).post(
            reverse("followup:meeting_schedule", args=[case.pk]),
            {
                "kind": "visite",
                "starts_at": "2026-04-09T16:00",
                "duration_minutes": "60",
                "place": "Entreprise",
                "staff": [str(officer.pk)],
            },
        )
    assert response.status_code == 200
    assert "Aucun tuteur n" in response.content.decode()
    assert (
        not Meeting.objects.exists()
        and not Message.objects.filter(related_key__startswith="meeting:").exists()
    )


def test_the_intermediate_review_has_its_structured_form(world_a: World, officer) -> None:
    with time_machine.travel(at(D(2026, 4, 1), 10), tick=False):
        case = case_services.open_case(
            world_a.enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer
        )
        meeting = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="bilan",
            starts_at=at(D(2026, 4, 8), 14),
            duration_minutes=60,
            place="Salle 3",
            staff=[officer],
        )
    as_officer = login(officer)
    with time_machine.travel(at(D(2026, 4, 8), 16), tick=False):
        page = as_officer.get(reverse("followup:meeting_detail", args=[meeting.pk])).content
        assert "Point de vue de l&#x27;apprenant" in page.decode()
        response = as_officer.post(
            reverse("followup:meeting_report", args=[meeting.pk]),
            {"progress": "Deux modules sur quatre validés."},
        )
        assert response.status_code == 400
        assert not Review.objects.exists()
        response = as_officer.post(
            reverse("followup:meeting_report", args=[meeting.pk]),
            {
                "progress": "Deux modules sur quatre validés.",
                "difficulties_personal": "Garde d'enfant le mercredi.",
                "learner_view": "Motivé mais fatigué.",
                "trainer_view": "Progrès réguliers en comptabilité générale.",
                "agreed_actions": "Séances du mercredi en distanciel.",
                "next_review_on": "2026-05-20",
            },
        )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.next_review_on == D(2026, 5, 20)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert "Actions convenues : Séances du mercredi en distanciel." in meeting.report
    assert "Prochain bilan le : 20/05/2026" in meeting.report
    timeline = as_officer.get(world_a.learner.get_absolute_url()).content.decode()
    assert "Compte rendu : Bilan intermédiaire du 08/04/2026 à 14:00" in timeline


def test_measures_and_emails_show_on_the_case_and_the_timeline(case: FollowupCase, officer) -> None:
    as_officer = login(officer)
    response = as_officer.post(
        reverse("followup:measure_add", args=[case.pk]),
        {
            "kind": "france_travail",
            "on": "2026-04-05",
            "body": "France Travail Lyon Part-Dieu",
            "note": "Orientation après la rupture du contrat.",
            "outcome": "Rendez-vous conseiller le 12/04.",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.created_by == officer and measure.on == D(2026, 4, 5)
    assert JournalEntry.objects.filter(
        verb="followup.measure_recorded", object_id=str(measure.pk)
    ).exists()
    with time_machine.travel(at(D(2026, 4, 2), 9), tick=False):
        interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 9), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
    page = as_officer.get(case.get_absolute_url()).content.decode()
    assert "Orientation vers le service public de l&#x27;emploi" in page
    assert "Entretien individuel le 09/04/2026 à 10h00" in page  # the invitation
    assert "En attente d&#x27;envoi" in page  # and its delivery status
    timeline = as_officer.get(case.enrolment.learner.get_absolute_url()).content.decode()
    assert (
        escape("Orientation vers le service public de l'emploi (France Travail Lyon Part-Dieu)")
        in timeline
    )
    assert escape("E-mail « Entretien individuel le 09/04/2026 à 10h00 »") in timeline


def test_interactions_are_out_of_reach_of_others(
    case: FollowupCase, officer, outsider, auditor, world_b
) -> None:
    with time_machine.travel(at(D(2026, 4, 2), 9), tick=False):
        meeting = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 9), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
    as_outsider = login(outsider)
    posts = [
        reverse("followup:call_log", args=[case.pk]),
        reverse("followup:measure_add", args=[case.pk]),
        reverse("followup:meeting_schedule", args=[case.pk]),
        reverse("followup:meeting_report", args=[meeting.pk]),
        reverse("followup:meeting_reschedule", args=[meeting.pk]),
        reverse("followup:meeting_cancel", args=[meeting.pk]),
    ]
    data = {
        "called_at": "2026-04-02T09:00",
        "duration_minutes": "5",
        "outcome": "pas_de_reponse",
        "kind": "mediation",
        "on": "2026-04-02",
        "report": "x",
        "reason": "x",
        "starts_at": "2026-04-10T10:00",
        "place": "x",
        "staff": [str(outsider.pk)],
    }
    for url in posts:
        assert as_outsider.post(url, data).status_code == 404, url
    assert as_outsider.get(reverse("followup:meeting_detail", args=[meeting.pk])).status_code == 404
    # The auditor reads, and writes nothing.
    as_auditor = login(auditor)
    assert as_auditor.get(reverse("followup:meeting_detail", args=[meeting.pk])).status_code == 200
    for url in posts:
        assert as_auditor.post(url, data).status_code == 403, url
    # A member of another organisation cannot be put on the meeting.
    with pytest.raises(Exception, match="membres de l'équipe"):
        interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 9), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer, outsider],
        )
    assert Call.objects.count() == Measure.objects.count() == 0
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.sequence == 0


def test_closing_a_case_cancels_its_future_meetings(case: FollowupCase, officer) -> None:
    with time_machine.travel(at(D(2026, 4, 2), 9), tick=False):
        past = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 3), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
        coming = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="bilan",
            starts_at=at(D(2026, 4, 20), 10),
            duration_minutes=60,
            place="Salle 2",
            staff=[officer],
        )
    with time_machine.travel(at(D(2026, 4, 8), 9), tick=False):
        response = login(officer).post(
            reverse("followup:case_close", args=[case.pk]),
            {
                "outcome": "reengage",
                "note": "Revenu en formation.",
                "forced_reason": "Revenu avant le bilan.",
            },
        )
    assert response.status_code == 302
    past.refresh_from_db()
    coming.refresh_from_db()
    assert past.status == MeetingStatus.PLANNED  # already past: its report may be written
    assert coming.status == MeetingStatus.CANCELLED and coming.sequence == 1
    assert "Dossier de suivi clos" in coming.cancel_reason
    cancels = Message.objects.filter(related_key=coming.related_key, subject__startswith="Annulé")
    assert sorted(cancels.values_list("to", flat=True)) == [
        "camille.a@exemple.fr",
        "suivi@forma.test",
    ]
    calendar = invitation(cancels.first())
    assert calendar["method"] == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == coming.uid and int(event["sequence"]) == 1


def test_an_interview_held_on_a_second_meeting_completes_the_step(
    case: FollowupCase, officer
) -> None:
    interview = case.steps.get(action=Action.INTERVIEW)
    with time_machine.travel(at(D(2026, 4, 2), 9), tick=False):
        first = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 3), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
    # The learner did not come: a second interview is planned.
    with time_machine.travel(at(D(2026, 4, 3), 11), tick=False):
        second = interaction_services.schedule_meeting(
            case,
            acting_user=officer,
            kind="entretien",
            starts_at=at(D(2026, 4, 6), 10),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
    assert first.step == interview and second.step is None  # only the first was linked
    with time_machine.travel(at(D(2026, 4, 6), 11), tick=False):
        response = login(officer).post(
            reverse("followup:meeting_report", args=[second.pk]),
            {"report": "Objectifs revus ; reprise lundi."},
        )
    assert response.status_code == 302
    interview.refresh_from_db()
    second.refresh_from_db()
    assert interview.status == StepStatus.DONE and interview.done_by == officer
    assert second.step == interview and "compte rendu rédigé" in interview.note


def test_a_meeting_in_the_past_cannot_be_scheduled(case: FollowupCase, officer) -> None:
    with time_machine.travel(at(D(2026, 4, 8), 9), tick=False):
        response = login(officer).post(
            reverse("followup:meeting_schedule", args=[case.pk]),
            {
                "kind": "entretien",
                "starts_at": "2026-04-07T10:00",
                "duration_minutes": "30",
                "place": "Salle 1",
                "staff": [str(officer.pk)],
            },
        )
    assert response.status_code == 200
    assert "Ce rendez-vous est dans le passé" in html.unescape(response.content.decode())
    assert not Meeting.objects.exists()
    assert not Message.objects.filter(related_key__startswith="meeting:").exists()
