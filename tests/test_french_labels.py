"""What staff read is French: holiday names, a message's sender and what it was sent for,
template names instead of keys (page and PDF), plural forms and elision."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from pypdf import PdfReader

from parcours.core.models import Organisation
from parcours.followup.models import MeetingKind, TriggerKind
from parcours.followup.services import cases as cases_services
from parcours.followup.services import interactions as interactions_services
from parcours.learners.models import Learner
from parcours.messaging.models import Message
from parcours.messaging.services import merge_context
from tests.conftest import World, login
from tests.safeguarding_support import make_reporter, submit_from_portal
from tests.test_attendance_schedule import PATTERN

PARIS = ZoneInfo("Europe/Paris")


def test_skipped_public_holidays_are_named_in_french(world_a: World, as_director) -> None:
    url = reverse("attendance:schedule_generate", args=[world_a.session.pk])
    page = as_director.post(url, {**PATTERN, "preview": "1"}).content.decode()
    assert "Fête du Travail" in page and "Ascension" in page
    assert "Labour Day" not in page and "Ascension Day" not in page


def test_a_message_shows_its_sender_decoded_and_what_it_was_sent_for(
    world_a: World, officer, as_director
) -> None:
    Organisation.objects.filter(pk=world_a.org.pk).update(name="Atelier Formation Rhône-Alpes")
    world_a.org.refresh_from_db()
    now = dt.datetime(2026, 4, 1, 10, 0, tzinfo=PARIS)
    with time_machine.travel(now, tick=False):
        case = cases_services.open_case(
            world_a.enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="x"
        )
        meeting = interactions_services.schedule_meeting(
            case,
            acting_user=officer,
            kind=MeetingKind.INTERVIEW,
            starts_at=now + dt.timedelta(days=2),
            duration_minutes=30,
            place="Salle 1",
            staff=[officer],
        )
        message = Message.objects.filter(related_key=meeting.related_key).first()
        assert message is not None and "=?utf-8?" in message.from_email
        page = as_director.get(reverse("messaging:message_detail", args=[message.pk])).text
    assert "Atelier Formation Rhône-Alpes &lt;" in page and "=?utf-8?" not in page
    assert f"Invitation au rendez-vous n° {meeting.pk}" in page
    assert f"meeting:{meeting.pk}" not in page


def test_template_names_not_keys_on_the_procedure_page_and_pdf(world_a: World, director) -> None:
    client = login(director)
    page = client.get(reverse("followup:procedure")).text
    assert "modèle « Relance après des absences »" in page and "relance_absences" not in page
    pdf = client.get(reverse("followup:procedure_pdf"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Relance après des absences" in text and "relance_absences" not in text
    assert "après 2 jours" in text and "jour(s)" not in text


def test_the_register_counts_one_report_in_the_singular(world_a: World, director) -> None:
    reporter = make_reporter(world_a)
    with time_machine.travel(dt.datetime(2026, 10, 20, 10, 0, tzinfo=PARIS), tick=False):
        submit_from_portal(login(reporter))
        page = login(director).get(reverse("safeguarding:register")).text
    assert "1</span>signalement reçu" in page.replace("\n", "").replace("  ", "")
    assert "signalements reçus" not in page


def test_the_dropout_page_elides_de_before_a_vowel(world_a: World, officer) -> None:
    Learner.objects.filter(pk=world_a.learner.pk).update(first_name="Amandine", last_name="Tran")
    url = reverse("followup:dropout_record", args=[world_a.enrolment.pk])
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, 0, tzinfo=PARIS), tick=False):
        page = login(officer).get(url).text
    assert "Abandon d&#x27;Amandine Tran" in page or "Abandon d'Amandine Tran" in page
    assert "Abandon de Amandine" not in page


def test_reminders_say_how_many_absences_in_words(world_a: World) -> None:
    one = merge_context(world_a.enrolment, absences={"nombre": "1"})["absences"]["texte"]
    three = merge_context(world_a.enrolment, absences={"nombre": "3"})["absences"]["texte"]
    assert (one, three) == ("1 absence récente", "3 absences récentes")
