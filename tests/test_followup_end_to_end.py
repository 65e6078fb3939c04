"""The issue's must-show, end to end, on the demo data: a demo learner's three unexcused
absences → the worker opens a case and its reminder reaches a real SMTP server; the officer calls, schedules an interview
(its .ics invitation goes out through the worker), writes the report, completes the
steps and closes the case; the learner's timeline shows it all in order, and the
journal has an entry for every step. A second run of the worker sends nothing new."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape
from icalendar import Calendar

from parcours.core import journal
from parcours.core.models import JournalEntry, User
from parcours.demo.builder import build_demo
from parcours.followup.models import (
    Action,
    CaseStatus,
    FollowupCase,
    Meeting,
    MeetingStatus,
    StepStatus,
    TriggerKind,
)
from parcours.messaging.models import Message
from tests.smtp import smtp_server

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def worker(when: dt.datetime) -> int:
    """`parcours worker --once` as a running worker calls it, until nothing is left due.

    The clock ticks from `when`, so what the worker does keeps its real order (the case
    opened, then its reminder sent); a job queued during a pass runs at the next one.
    """
    done = 0
    with time_machine.travel(when, tick=True):
        for attempt in range(5):
            out = io.StringIO()
            call_command("worker", once=True, stdout=out)
            count = int(out.getvalue().split()[0])
            done += count
            if attempt and not count:
                break
    return done


def test_from_three_absences_to_a_closed_case_with_everything_on_the_timeline(db: None) -> None:
    # The demo, as built on 11 March: some learners end on a run of unexcused absences.
    with time_machine.travel(at(D(2026, 3, 11), 13), tick=False):
        org = build_demo(today=D(2026, 3, 11)).organisation
    officer = User.objects.get(email="suivi@demo.parcours.fr")

    with (
        smtp_server() as (inbox, port),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=5,
        ),
    ):
        # 1. The nightly run opens the cases and sends their reminders.
        worker(at(D(2026, 3, 11), 20))
        # The learner whose run is three unexcused absences exactly.
        # (The nightly risk scoring may open "risque" cases too: they send no email.)
        case = next(
            c
            for c in FollowupCase.objects.filter(
                trigger_kind=TriggerKind.ABSENCES, assigned_to=officer
            )
            if c.reason.startswith("3 absences consécutives")
        )
        learner, session = case.enrolment.learner, case.enrolment.session
        assert case.assigned_to == officer and case.opened_by is None
        mine = [m for m in inbox.messages if m["To"] == learner.email]
        assert len(mine) == 1
        reminder = mine[0]
        # (Python reads the folded, encoded header back with a leading space.)
        assert " ".join(reminder["Subject"].split()) == (
            f"{session.title} : nous avons remarqué vos absences"
        )
        text = reminder.get_body(preferencelist=("plain",)).get_content()
        assert text.startswith(f"Bonjour {learner.first_name},")
        assert officer.get_full_name() in text  # the officer in charge signs it
        assert "Nous avons constaté 3 absences récentes" in text  # the run, counted

        # The same day again, then the next day: nothing new is sent.
        sent = len(inbox.messages)
        cases = FollowupCase.objects.count()
        worker(at(D(2026, 3, 11), 23))
        worker(at(D(2026, 3, 12), 7))
        assert len(inbox.messages) == sent
        assert FollowupCase.objects.count() == cases

        as_officer = logged_in(officer)
        case_url = reverse("followup:case_detail", args=[case.pk])
        assert as_officer.get(case_url).status_code == 200

        # 2. The officer calls the learner: the call step is done.
        with time_machine.travel(at(D(2026, 3, 12), 9, 10), tick=False):
            response = as_officer.post(
                reverse("followup:call_log", args=[case.pk]),
                {
                    "called_at": "2026-03-12T09:00",
                    "duration_minutes": "12",
                    "outcome": "joint",
                    "summary": "Problème de garde d'enfant ; entretien proposé lundi.",
                    "completes_step": "on",
                },
            )
        assert response.status_code == 302
        call_step = case.steps.get(action=Action.CALL)
        assert call_step.status == StepStatus.DONE and call_step.done_by == officer

        # 3. They schedule an interview: the invitation goes out with the worker.
        with time_machine.travel(at(D(2026, 3, 12), 9, 30), tick=False):
            response = as_officer.post(
                reverse("followup:meeting_schedule", args=[case.pk]),
                {
                    "kind": "entretien",
                    "starts_at": "2026-03-16T14:30",
                    "duration_minutes": "45",
                    "place": "Salle 2, 12 rue des Lilas",
                    "staff": [str(officer.pk)],
                },
            )
        meeting = Meeting.objects.get(case=case)
        assert response.status_code == 302
        assert meeting.step == case.steps.get(action=Action.INTERVIEW)
        worker(at(D(2026, 3, 12), 9, 31))
        invitations = inbox.messages[sent:]
        assert sorted(m["To"] for m in invitations) == sorted([learner.email, officer.email])
        to_learner = next(m for m in invitations if m["To"] == learner.email)
        assert to_learner["Subject"].strip() == "Entretien individuel le 16/03/2026 à 14h30"
        (part,) = list(to_learner.iter_attachments())
        assert part.get_content_type() == "text/calendar"
        calendar = Calendar.from_ical(part.get_content())
        assert str(calendar["method"]) == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("dtstart") == at(D(2026, 3, 16), 14, 30)
        assert event.decoded("dtend") == at(D(2026, 3, 16), 15, 15)
        assert str(event["uid"]) == meeting.uid
        assert str(event["location"]) == "Salle 2, 12 rue des Lilas"
        assert sorted(str(a) for a in event["attendee"]) == sorted(
            [f"mailto:{learner.email}", f"mailto:{officer.email}"]
        )
        assert str(event["organizer"]) == f"mailto:{officer.email}"

        # 4. After the interview: its report, then the step, then the case is closed.
        with time_machine.travel(at(D(2026, 3, 16), 15, 30), tick=False):
            response = as_officer.post(
                reverse("followup:meeting_report", args=[meeting.pk]),
                {"report": "Solution de garde trouvée ; retour en formation mardi."},
            )
            assert response.status_code == 302
            interview = case.steps.get(action=Action.INTERVIEW)
            as_officer.post(
                reverse("followup:step_done", args=[interview.pk]),
                {"note": "Entretien tenu, compte rendu au dossier."},
            )
            # Any other step of the procedure (a tutor contact, for an apprentice).
            for step in case.steps.filter(status=StepStatus.TODO):
                response = as_officer.post(
                    reverse("followup:step_done", args=[step.pk]),
                    {"note": "Tuteur joint : il confirme la reprise."},
                )
                assert response.status_code == 302, step
        with time_machine.travel(at(D(2026, 3, 16), 16), tick=False):
            response = as_officer.post(
                reverse("followup:case_close", args=[case.pk]),
                {"outcome": "reengage", "note": "Revenu en formation le 17/03."},
            )
        assert response.status_code == 302

        # A later run of the worker sends nothing new to them.
        worker(at(D(2026, 3, 17), 20))
        assert len([m for m in inbox.messages if m["To"] in (learner.email, officer.email)]) == 3

    case.refresh_from_db()
    meeting.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "reengage"
    assert meeting.status == MeetingStatus.HELD
    assert all(s.status == StepStatus.DONE for s in case.steps.all())

    page = as_officer.get(learner.get_absolute_url()).content.decode()
    expected = [
        "Dossier de suivi ouvert : Absences consécutives non justifiées",
        escape(f"E-mail « {session.title} : nous avons remarqué vos absences »"),
        "Appel téléphonique : Joint (12 min)",
        "Entretien individuel planifié le 16/03/2026 à 14:30",
        escape("E-mail « Entretien individuel le 16/03/2026 à 14h30 »"),
        "Compte rendu : Entretien individuel du 16/03/2026 à 14:30",
        escape("Solution de garde trouvée ; retour en formation mardi."),
        "Dossier de suivi clos : Réengagé dans son parcours",
    ]
    positions = [page.find(text) for text in expected]
    assert all(p >= 0 for p in positions), list(zip(expected, positions, strict=True))
    assert positions == sorted(positions)

    def verbs(model: str, *pks: int) -> list[str]:
        return list(
            JournalEntry.objects.filter(
                organisation=org, object_type=model, object_id__in=[str(pk) for pk in pks]
            ).values_list("verb", flat=True)
        )

    assert verbs("followup.followupcase", case.pk) == [
        "followup.case_opened",
        "followup.case_closed",
    ]
    steps = {s.action: s.pk for s in case.steps.all()}
    for action in (Action.EMAIL, Action.CALL, Action.INTERVIEW):
        assert "followup.step_done" in verbs("followup.casestep", steps[action]), action
    assert verbs("followup.call", *case.calls.values_list("pk", flat=True)) == [
        "followup.call_logged"
    ]
    assert verbs("followup.meeting", meeting.pk) == [
        "followup.meeting_scheduled",
        "followup.meeting_reported",
    ]
    theirs = Message.objects.filter(to__in=[learner.email, officer.email])
    messages = verbs("messaging.message", *theirs.values_list("pk", flat=True))
    assert messages.count("messaging.queued") == messages.count("messaging.sent") == 3
    assert journal.verify(org.pk).ok
