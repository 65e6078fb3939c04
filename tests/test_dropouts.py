"""Dropout records: from the enrolment or after closing a case on "abandon"; the enrolment
ends (status abandon) in the same transaction; the statistics page (rates by programme,
session, cause and period, SVG charts, CSV) for staff and the auditor, per organisation."""

import csv
import datetime as dt
import html
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from parcours.core.models import JournalEntry
from parcours.followup.models import Dropout, TriggerKind
from parcours.followup.services import cases as case_services
from parcours.followup.services import dropouts as dropout_services
from parcours.followup.services import steps as step_services
from parcours.learners import services as learner_services
from parcours.learners.models import EnrolmentStatus
from parcours.programmes import services as programme_services
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


DROPOUT = {
    "on": "2026-04-20",
    "reason": "nouvel_emploi",
    "detail": "CDI signé dans la grande distribution.",
    "exit_interview_on": "2026-04-22",
    "exit_interview_summary": "Parcours à reprendre en VAE plus tard.",
}


def test_a_case_closed_on_abandon_leads_to_the_dropout_record(
    world_a: World, officer, director
) -> None:
    learner_services.change_status(
        world_a.enrolment, EnrolmentStatus.EN_COURS, acting_user=director, on=D(2026, 3, 2)
    )
    with time_machine.travel(at(D(2026, 4, 1)), tick=False):
        case = case_services.open_case(
            world_a.enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer
        )
        call = case.steps.get(action="appel")
        step_services.complete_step(call, acting_user=officer, note="Joint : a trouvé un emploi.")
    as_officer = login(officer)
    with time_machine.travel(at(D(2026, 4, 20), 11), tick=False):
        response = as_officer.post(
            reverse("followup:case_close", args=[case.pk]),
            {
                "outcome": "abandon",
                "note": "A trouvé un emploi.",
                "forced_reason": "Apprenant parti avant l'entretien.",
            },
        )
        url = reverse("followup:dropout_record", args=[world_a.enrolment.pk])
        assert response.url == f"{url}?dossier={case.pk}"
        # The closed case offers it too, until it is recorded.
        assert url in as_officer.get(case.get_absolute_url()).content.decode()
        page = as_officer.get(response.url).content.decode()
        # The actions carried out, pre-filled.
        assert "01/04/2026 — Appel de l" in page
        response = as_officer.post(
            response.url,
            {**DROPOUT, "actions_before": "01/04/2026 — Appel de l'apprenant (joint)"},
        )
    assert response.status_code == 302
    dropout = Dropout.objects.get()
    assert dropout.case == case and dropout.recorded_by == officer
    assert dropout.reason == "nouvel_emploi" and dropout.on == D(2026, 4, 20)
    world_a.enrolment.refresh_from_db()
    assert world_a.enrolment.status == EnrolmentStatus.ABANDON
    assert world_a.enrolment.ended_on == D(2026, 4, 20)
    assert world_a.enrolment.end_reason.startswith("Nouvel emploi : CDI signé")
    assert JournalEntry.objects.filter(verb="enrolment.abandon").exists()
    assert JournalEntry.objects.filter(
        verb="followup.dropout_recorded", object_id=str(dropout.pk)
    ).exists()
    timeline = as_officer.get(world_a.learner.get_absolute_url()).content.decode()
    assert "Abandon enregistré : Nouvel emploi" in timeline
    # Recorded once: the page now leads to the record.
    again = as_officer.get(reverse("followup:dropout_record", args=[world_a.enrolment.pk]))
    assert again.status_code == 302
    assert url not in as_officer.get(case.get_absolute_url()).content.decode()


def test_a_refused_status_change_saves_no_dropout(world_a: World, officer) -> None:
    url = reverse("followup:dropout_record", args=[world_a.enrolment.pk])
    response = login(officer).post(url, {**DROPOUT, "on": "2026-01-05"})  # before enrolment
    assert response.status_code == 200
    assert escape("La date ne peut pas précéder l'inscription.") in response.content.decode()
    assert not Dropout.objects.exists()
    world_a.enrolment.refresh_from_db()
    assert world_a.enrolment.status == EnrolmentStatus.INSCRIT


def test_others_cannot_record_a_dropout(world_a: World, outsider, auditor) -> None:
    url = reverse("followup:dropout_record", args=[world_a.enrolment.pk])
    assert login(outsider).post(url, DROPOUT).status_code == 404
    assert login(auditor).post(url, DROPOUT).status_code == 403
    assert not Dropout.objects.exists()


@pytest.fixture
def cohort(world_a: World, director) -> World:
    """Programme A: 4 enrolments in session A (2 dropouts), 2 in a second programme's
    session (1 dropout). Dropouts in April (2) and May (1) 2026."""
    org = world_a.org
    programme = programme_services.create_programme(
        org,
        acting_user=director,
        code="A-PRG2",
        title="Paie",
        category="AF",
        modality="presentiel",
        duration_hours=Decimal("35"),
        duration_days=Decimal("5"),
    )
    other = programme_services.create_session(
        org,
        acting_user=director,
        programme=programme,
        title="Paie printemps",
        category="AF",
        modality="presentiel",
        start_date=D(2026, 3, 2),
        end_date=D(2026, 6, 26),
        duration_hours=Decimal("35"),
    )
    enrolments = [world_a.enrolment]
    for i, session in enumerate([world_a.session] * 3 + [other] * 2):
        learner = learner_services.create_learner(
            org, acting_user=director, last_name=f"Durand{i}", first_name="Alex"
        )
        enrolments.append(
            learner_services.enrol(
                learner, session, acting_user=director, enrolled_on=D(2026, 2, 25)
            )
        )
    for enrolment, day, reason in [
        (enrolments[0], D(2026, 4, 10), "sante"),
        (enrolments[1], D(2026, 4, 15), "financiere"),
        (enrolments[4], D(2026, 5, 5), "sante"),
    ]:
        dropout_services.record_dropout(
            enrolment, acting_user=director, on=day, reason=reason, detail=""
        )
    return world_a


def read_csv(content: bytes) -> list[list[str]]:
    """A download for French Excel: byte order mark, semicolons, decimal commas."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_dropout_statistics(
    cohort: World, auditor, outsider, django_assert_max_num_queries
) -> None:
    as_auditor = login(auditor)
    url = reverse("followup:dropout_stats")
    query = "?start=2026-03-01&end=2026-06-30&period=mois"
    with django_assert_max_num_queries(20):
        response = as_auditor.get(url + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 abandons pour 6 inscriptions" in page and "taux d'abandon : 50,0 %" in page
    assert page.count("<svg") == 4  # programme, session, cause, period
    assert "<rect" in page

    response = as_auditor.get(url + query + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response.content)
    assert rows[0] == ["axe", "valeur", "inscriptions", "abandons", "taux"]
    table = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert table[("Ensemble", "Toutes les inscriptions")] == ["6", "3", "50,0"]
    assert table[("Par formation", "Comptabilité A")] == ["4", "2", "50,0"]
    assert table[("Par formation", "Paie")] == ["2", "1", "50,0"]
    assert table[("Par session", "Paie printemps")] == ["2", "1", "50,0"]
    assert table[("Par cause", "Santé")] == ["3", "2", "66,7"]
    assert table[("Par cause", "Raison financière")] == ["3", "1", "33,3"]
    assert table[("Par période", "03/2026")] == ["6", "0", "0,0"]
    assert table[("Par période", "04/2026")] == ["6", "2", "33,3"]
    assert table[("Par période", "05/2026")] == ["4", "1", "25,0"]
    assert table[("Par période", "06/2026")] == ["3", "0", "0,0"]

    quarters = as_auditor.get(url + "?start=2026-01-01&end=2026-06-30&period=trimestre&format=csv")
    rows = read_csv(quarters.content)
    periods = {r[1]: r[2:] for r in rows if r[0] == "Par période"}
    assert periods == {"T1 2026": ["6", "0", "0,0"], "T2 2026": ["6", "3", "50,0"]}

    # A window without those dropouts.
    later = as_auditor.get(url + "?start=2026-06-01&end=2026-06-30&format=csv")
    rows = read_csv(later.content)
    assert rows[1] == ["Ensemble", "Toutes les inscriptions", "3", "0", "0,0"]

    # Another organisation sees only its own (nothing here).
    theirs = login(outsider).get(url + query + "&format=csv").content.decode()
    assert "Ensemble;Toutes les inscriptions;0;0;" in theirs
    assert "Paie" not in theirs


def test_one_dropout_rate_on_the_dashboard_and_the_statistics(cohort: World, director) -> None:
    as_director = login(director)
    with time_machine.travel(dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC), tick=False):
        home = as_director.get("/")
        stats = as_director.get(reverse("followup:dropout_stats"))  # by default: the year so far
    figures = next(p for p in home.context["panels"] if p["key"] == "learners.figures")
    assert (figures["dropouts_this_year"], figures["dropout_rate"]) == (3, 50.0)
    total = stats.context["stats"].total
    assert (total.dropouts, total.rate) == (3, 50.0)
    definition = (
        "Taux d'abandon = abandons / inscriptions sur la période du 01/01/2026 au 30/06/2026"
    )
    for page in (home, stats):
        assert definition in html.unescape(page.content.decode())
