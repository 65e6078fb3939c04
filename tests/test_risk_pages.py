"""The early-warning pages: the learners at risk (latest stored snapshot, filters, sorts,
CSV export), the risk history on the learner's page, organisations kept apart, and the
nightly scoring run by `parcours worker`.

Scores come from real facts (séances marked, LMS activity, assessments and results)
through the engine, never written by hand.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.attendance import services as attendance_services
from parcours.attendance.models import Method
from parcours.core.models import Job, JobState, JournalEntry, User
from parcours.engagement import scoring, services
from parcours.engagement.models import RiskScore, RiskThreshold
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme, Session, Trainer
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
AS_OF = dt.date(2026, 3, 27)
NOW = dt.datetime(2026, 3, 27, 18, 0, tzinfo=PARIS)
SLOT_DAYS = [dt.date(2026, 3, 5), dt.date(2026, 3, 12), dt.date(2026, 3, 19), dt.date(2026, 3, 26)]


@dataclass
class RiskWorld:
    world: World
    director: User
    s2: Session
    p2: Programme
    t1: Trainer
    t2: Trainer
    absent: Enrolment  # three absences in a row at the last séances
    steady: Enrolment  # present at every séance
    silent: Enrolment  # no LMS activity since 10/03, an assessment not handed in
    active: Enrolment  # active on the LMS every other day, assessment handed in


def enrol(world: World, session: Session, user: User, ext: str, last: str, first: str):
    learner = learner_services.create_learner(
        world.org, acting_user=user, external_id=ext, last_name=last, first_name=first
    )
    return learner_services.enrol(
        learner, session, acting_user=user, enrolled_on=dt.date(2026, 3, 1)
    )


def activity(enrolment: Enrolment, days: list[dt.date]) -> None:
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            organisation_id=enrolment.organisation_id,
            enrolment=enrolment,
            occurred_at=dt.datetime.combine(day, dt.time(10), tzinfo=PARIS),
            day=day,
            kind="resource",
            count=3,
        )
        for day in days
    )


def mark_all(slots, marks: dict[Enrolment, list[str]], user: User) -> None:
    for enrolment, statuses in marks.items():
        for slot, status in zip(slots, statuses, strict=True):
            attendance_services.record_mark(
                slot, enrolment, status, acting_user=user, method=Method.TRAINER
            )


@pytest.fixture
def risk_world(world_a: World, director: User) -> RiskWorld:
    org = world_a.org
    t1 = programme_services.create_trainer(
        org, acting_user=director, last_name="Formatrice", first_name="Jeanne"
    )
    t2 = programme_services.create_trainer(
        org, acting_user=director, last_name="Formateur", first_name="Paul"
    )
    world_a.session.trainers.add(t1)
    p2 = programme_services.create_programme(
        org,
        acting_user=director,
        code="A-BUR",
        title="Bureautique A",
        category="AF",
        modality="distanciel",
        duration_hours=Decimal("35"),
        duration_days=Decimal("5"),
    )
    s2 = programme_services.create_session(
        org,
        acting_user=director,
        programme=p2,
        external_id="A-S2",
        title="Bureautique A printemps",
        category="AF",
        modality="distanciel",
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 6, 26),
        duration_hours=Decimal("35"),
        trainers=[t2],
    )
    slots = [
        programme_services.create_slot(
            world_a.session,
            acting_user=director,
            starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS),
            ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=PARIS),
        )
        for day in SLOT_DAYS
    ]
    absent = world_a.enrolment  # Camille MartinA
    steady = enrol(world_a, world_a.session, director, "A-L2", "Bernard", "Zoé")
    mark_all(
        slots,
        {
            absent: ["present", "absent", "absent", "absent"],
            steady: ["present", "present", "present", "retard"],
        },
        director,
    )
    silent = enrol(world_a, s2, director, "A-L3", "Dupont", "Léo")
    active = enrol(world_a, s2, director, "A-L4", "Petit", "Inès")
    activity(silent, [dt.date(2026, 3, d) for d in (2, 4, 6, 9, 10)])
    activity(active, [dt.date(2026, 3, d) for d in range(2, 27, 2)])
    quiz = Assessment.objects.create(
        organisation=org,
        session=s2,
        external_id="Q1",
        title="Quiz 1",
        due_date=dt.date(2026, 3, 20),
    )
    Result.objects.create(
        organisation=org,
        assessment=quiz,
        enrolment=active,
        submitted_on=dt.date(2026, 3, 18),
        score=Decimal("82"),
    )
    return RiskWorld(world_a, director, s2, p2, t1, t2, absent, steady, silent, active)


def store(world: World, day: dt.date) -> int:
    return services.store_scores(world.org, scoring.score(world.org, day), acting_user=None)


def rows_of(page) -> list[tuple[int, str]]:
    """(enrolment id, level) of each row of the at-risk list, in order."""
    html = page.content.decode()
    return [
        (int(e), level)
        for e, level in re.findall(r'<tr data-enrolment="(\d+)" data-level="(\w+)">', html)
    ]


def snapshot(day: dt.date = AS_OF) -> dict[int, RiskScore]:
    return {r.enrolment_id: r for r in RiskScore.objects.filter(as_of=day)}


@pytest.fixture
def scored(risk_world: RiskWorld) -> RiskWorld:
    assert store(risk_world.world, AS_OF) == 4
    return risk_world


# The list


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_the_latest_snapshot_with_its_reasons(scored: RiskWorld, as_director):
    store(scored.world, AS_OF - dt.timedelta(days=7))  # an older snapshot: not shown

    page = as_director.get(reverse("engagement:risk_list"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Scores au 27/03/2026, pondération par défaut" in html
    rows = snapshot()
    assert {e for e, _level in rows_of(page)} == set(rows)  # this snapshot's rows only
    absent = rows[scored.absent.pk]
    assert absent.level == "eleve" and rows[scored.steady.pk].level == "faible"
    row = html[html.index(f'<tr data-enrolment="{scored.absent.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "3 absences consécutives aux dernières séances" in row
    assert "MartinA Camille" in row and "Comptabilité A printemps" in row
    assert "Jeanne Formatrice" in row and "Comptabilité A</small>" in row
    assert f"{round(100 * absent.score)} %" in row and "Élevé</span>" in row
    for reason in absent.reasons:
        assert escape(reason["text"]) in row
    assert reverse("learners:learner_detail", args=[scored.absent.learner_id]) in row


@time_machine.travel(NOW, tick=False)
def test_the_list_filters_by_session_programme_trainer_and_level(scored: RiskWorld, as_director):
    url = reverse("engagement:risk_list")
    rows = snapshot()
    s1, s2 = scored.world.session, scored.s2

    def shown(**params) -> set[int]:
        page = as_director.get(url, params)
        assert page.status_code == 200
        return {e for e, _level in rows_of(page)}

    by_session = {
        s1.pk: {scored.absent.pk, scored.steady.pk},
        s2.pk: {scored.silent.pk, scored.active.pk},
    }
    assert shown() == set(rows)
    assert shown(session=s1.pk) == by_session[s1.pk]
    assert shown(session=s2.pk) == by_session[s2.pk]
    assert shown(programme=scored.p2.pk) == by_session[s2.pk]
    assert shown(programme=scored.world.programme.pk) == by_session[s1.pk]
    assert shown(trainer=scored.t1.pk) == by_session[s1.pk]
    assert shown(trainer=scored.t2.pk) == by_session[s2.pk]
    high = {e for e, r in rows.items() if r.level == "eleve"}
    assert scored.absent.pk in high and high != set(rows)
    assert shown(level="eleve") == high
    assert shown(level="faible") == {e for e, r in rows.items() if r.level == "faible"}
    assert shown(level="eleve", session=s2.pk) == high & by_session[s2.pk]
    # A value that does not validate is ignored, never an error.
    assert shown(level="catastrophique", session="x") == set(rows)


@time_machine.travel(NOW, tick=False)
def test_the_list_sorts_by_score_learner_and_session(scored: RiskWorld, as_director):
    url = reverse("engagement:risk_list")
    rows = snapshot()
    by_score = sorted(rows, key=lambda e: (-rows[e].score, rows[e].pk))

    assert [e for e, _l in rows_of(as_director.get(url))] == by_score  # default: highest first
    ascending = [e for e, _l in rows_of(as_director.get(url, {"tri": "score"}))]
    assert [rows[e].score for e in ascending] == sorted(r.score for r in rows.values())
    by_name = [e for e, _l in rows_of(as_director.get(url, {"tri": "apprenant"}))]
    names = [Enrolment.objects.get(pk=e).learner.last_name for e in by_name]
    assert names == ["Bernard", "Dupont", "MartinA", "Petit"]
    by_session = [e for e, _l in rows_of(as_director.get(url, {"tri": "session"}))]
    assert set(by_session[:2]) == {scored.silent.pk, scored.active.pk}  # Bureautique first
    by_session = [e for e, _l in rows_of(as_director.get(url, {"tri": "-session"}))]
    assert set(by_session[:2]) == {scored.absent.pk, scored.steady.pk}


@time_machine.travel(NOW, tick=False)
def test_the_list_makes_as_many_queries_whatever_the_number_of_rows(
    scored: RiskWorld, as_director, django_assert_max_num_queries
):
    url = reverse("engagement:risk_list")
    as_director.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(rows_of(as_director.get(url))) == 4
    t3 = programme_services.create_trainer(
        scored.world.org, acting_user=scored.director, last_name="Tiers", first_name="Ana"
    )
    scored.s2.trainers.add(t3)
    for n in range(8):
        session = scored.world.session if n % 2 else scored.s2
        e = enrol(scored.world, session, scored.director, f"A-X{n}", f"Nouveau{n}", "Test")
        activity(e, [dt.date(2026, 3, 3 + n)])
    store(scored.world, AS_OF)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        assert len(rows_of(as_director.get(url))) == 12
    assert len(many) == len(few)


# The CSV export


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "no byte order mark: Excel would garble accents"
    # For French Excel: semicolons and decimal commas.
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    for row in rows:
        row["score"] = row["score"].replace(",", ".")
    return rows


@time_machine.travel(NOW, tick=False)
def test_the_export_is_the_filtered_list_as_csv(scored: RiskWorld, as_director):
    url = reverse("engagement:risk_export")
    rows = snapshot()

    everything = read_csv(as_director.get(url))
    assert list(everything[0]) == [
        "apprenant",
        "identifiant apprenant",
        "session",
        "score",
        "niveau",
        "raisons",
    ]
    assert len(everything) == len(rows)
    assert [float(r["score"]) for r in everything] == sorted(
        (round(r.score, 4) for r in rows.values()), reverse=True
    )

    high = read_csv(as_director.get(url, {"level": "eleve"}))
    expected = {
        Enrolment.objects.get(pk=e).learner.external_id
        for e, r in rows.items()
        if r.level == "eleve"
    }
    assert {r["identifiant apprenant"] for r in high} == expected
    absent = next(r for r in high if r["identifiant apprenant"] == "A-L1")
    assert absent["apprenant"] == "MartinA Camille"
    assert absent["session"] == "Comptabilité A printemps"
    assert absent["niveau"] == "Élevé"
    assert float(absent["score"]) == pytest.approx(rows[scored.absent.pk].score, abs=1e-4)
    assert "3 absences consécutives" in absent["raisons"]

    in_s2 = read_csv(as_director.get(url, {"session": scored.s2.pk, "tri": "apprenant"}))
    assert [r["apprenant"] for r in in_s2] == ["Dupont Léo", "Petit Inès"]
    # The page links to the export with its filters.
    page = as_director.get(reverse("engagement:risk_list"), {"session": scored.s2.pk})
    assert f"{url}?session={scored.s2.pk}" in page.content.decode()


# Nothing scored yet: scoring now, in the background


@time_machine.travel(NOW, tick=False)
def test_with_no_snapshot_the_page_says_so_and_staff_can_score_now(
    risk_world: RiskWorld, as_director, auditor
):
    url = reverse("engagement:risk_list")
    page = as_director.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Aucun score de risque pour l'instant" in html
    assert "Calculer les scores maintenant" in html
    auditor_page = login(auditor).get(url)
    assert auditor_page.status_code == 200
    assert "Calculer les scores maintenant" not in auditor_page.content.decode()
    assert login(auditor).post(reverse("engagement:risk_run")).status_code == 403
    assert as_director.get(reverse("engagement:risk_run")).status_code == 405

    assert as_director.post(reverse("engagement:risk_run")).status_code == 302
    as_director.post(reverse("engagement:risk_run"))  # a double click queues nothing more
    job = Job.objects.get(kind="engagement.score", organisation=risk_world.world.org)
    assert job.payload == {"as_of": "2026-03-27"} and job.state == JobState.QUEUED
    waiting = as_director.get(url).content.decode()
    assert "data-job-status" in waiting and reverse("job_status", args=[job.pk]) in waiting
    assert "Calculer les scores maintenant" not in waiting

    call_command("worker", once=True)

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["scored"] == 4
    done = as_director.get(url).content.decode()
    assert "Scores au 27/03/2026, pondération par défaut" in done and "data-job-status" not in done
    assert len(rows_of(as_director.get(url))) == 4


# The learner's page


@time_machine.travel(NOW, tick=False)
def test_the_learner_page_charts_each_stored_score(scored: RiskWorld, as_director):
    world = scored.world
    store(world, dt.date(2026, 3, 13))
    store(world, dt.date(2026, 3, 20))  # with AS_OF: three scores for Camille's enrolment
    services.set_thresholds(
        world.org, programme=world.programme, medium=0.5, high=0.8, acting_user=None
    )
    other = learner_services.enrol(
        world.learner, scored.s2, acting_user=scored.director, enrolled_on=dt.date(2026, 3, 25)
    )  # enrolled after the last snapshot: nothing stored yet
    url = reverse("learners:learner_detail", args=[world.learner.pk])

    html = as_director.get(url).content.decode()

    chart = html[html.index(f'data-risk-history="{scored.absent.pk}"') :]
    chart = chart[: chart.index("</figure>")]
    stored = RiskScore.objects.filter(enrolment=scored.absent).order_by("as_of")
    days = [s.as_of.isoformat() for s in stored]
    assert len(days) == 3
    assert re.findall(r'<tr data-point="([\d-]+)"', chart) == days  # the data table
    # The chart (parcours.lib.charts): the score and the programme's own thresholds as lines.
    svg = chart[chart.index("<svg") : chart.index("</svg>")]
    assert "Score de risque" in svg and "Seuil moyen" in svg and "Seuil élevé" in svg
    assert [f"{s.as_of:%d/%m}" in svg for s in stored] == [True] * 3
    assert "50 %" in svg and "80 %" in svg
    latest = stored.last()
    assert f"{round(100 * latest.score)} %" in chart
    assert "3 absences consécutives aux dernières séances" in chart
    assert "Seuils de la formation : moyen 50 %, élevé 80 %" in chart
    assert f'data-risk-history="{other.pk}"' in html
    assert "Pas encore de score enregistré pour cette inscription." in html


@time_machine.travel(NOW, tick=False)
def test_the_risk_history_costs_the_same_queries_however_long(scored: RiskWorld, as_director):
    url = reverse("learners:learner_detail", args=[scored.world.learner.pk])
    as_director.get(url)
    with CaptureQueriesContext(connection) as one:
        as_director.get(url)
    for days in range(1, 6):
        store(scored.world, AS_OF - dt.timedelta(days=days))
    with CaptureQueriesContext(connection) as six:
        html = as_director.get(url).content.decode()
    assert html.count("<tr data-point=") == 6
    assert len(six) == len(one)


# Organisations apart

A_SECRETS = ("Forma Plus", "Comptabilité A", "Bureautique A", "MartinA", "A-L1", "Formatrice")
# Every URL of the engagement app, and what the outsider sends to it.
CASES = {
    "engagement:risk_list": ("get", {}),
    "engagement:risk_export": ("get", {}),
    "engagement:risk_export_xlsx": ("get", {}),
    "engagement:risk_run": ("post", {}),
    "engagement:calibrate_run": ("post", {}),
    "engagement:thresholds": ("post", {"defaut-medium": "35", "defaut-high": "60"}),
}


def text_of(response) -> str:
    """A page's text, or an XLSX download's cells."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
    return response.content.decode()


def engagement_url_names() -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "engagement":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern) and pattern.name, pattern
                names.add(f"engagement:{pattern.name}")
    return names


@time_machine.travel(NOW, tick=False)
def test_an_outsider_sees_nothing_of_another_organisation(
    scored: RiskWorld, world_b: World, outsider: User
) -> None:
    assert engagement_url_names() == set(CASES), "add the new URL to CASES"
    store(world_b, AS_OF)
    client: Client = login(outsider)
    a = scored.world
    forged = {
        "session": a.session.pk,
        "programme": a.programme.pk,
        "trainer": scored.t1.pk,
        f"p{a.programme.pk}-medium": "1",
        f"p{a.programme.pk}-high": "2",
    }
    journal_a = JournalEntry.objects.filter(organisation=a.org).count()
    for name, (method, data) in CASES.items():
        url = reverse(name)
        for response in (client.get(url, forged), getattr(client, method)(url, {**forged, **data})):
            assert response.status_code in (200, 302, 405), name
            text = text_of(response)
            for secret in A_SECRETS:
                assert secret not in text, f"{name}: {secret!r} of organisation A shown"
    # B's own rows were there to see (so that the above is not vacuous).
    listed = client.get(reverse("engagement:risk_list")).content.decode()
    assert "MartinB" in listed and "Comptabilité B printemps" in listed
    assert "B-L1" in client.get(reverse("engagement:risk_export")).content.decode("utf-8-sig")
    assert "B-L1" in text_of(client.get(reverse("engagement:risk_export_xlsx")))
    # Nothing of A was read into B's pages, nor written.
    assert not RiskThreshold.objects.filter(organisation=a.org).exists()
    assert not Job.objects.filter(organisation=a.org).exists()
    assert JournalEntry.objects.filter(organisation=a.org).count() == journal_a
    # A's objects behind the pages: the learner's page and its chart, the scoring job.
    assert client.get(reverse("learners:learner_detail", args=[a.learner.pk])).status_code == 404
    client_a = login(scored.director)
    client_a.post(reverse("engagement:risk_run"))
    job = Job.objects.get(organisation=a.org, kind="engagement.score")
    assert client.get(reverse("job_status", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["tutor_user", "learner_user"])
def test_tutors_and_learners_reach_no_engagement_page(
    scored: RiskWorld, persona: str, request: pytest.FixtureRequest
) -> None:
    client = login(request.getfixturevalue(persona))
    for name, (_method, data) in CASES.items():
        assert client.get(reverse(name)).status_code == 403, name
        assert client.post(reverse(name), data).status_code == 403, name
    assert not Job.objects.exists() and not RiskThreshold.objects.exists()


# The nightly job


def test_the_worker_scores_every_active_enrolment_once_a_day(risk_world: RiskWorld) -> None:
    org = risk_world.world.org
    ended = enrol(risk_world.world, risk_world.s2, risk_world.director, "A-L9", "Parti", "Max")
    learner_services.change_status(
        ended, "abandon", acting_user=None, on=dt.date(2026, 3, 20), reason="Déménagement"
    )
    day = dt.date(2026, 3, 25)
    active = set(
        Enrolment.objects.filter(organisation=org).active_on(day).values_list("pk", flat=True)
    )
    assert len(active) == 4 and ended.pk not in active

    with time_machine.travel(dt.datetime(2026, 3, 25, 2, 30, tzinfo=PARIS), tick=False) as clock:
        call_command("worker", once=True)
        first = {r.enrolment_id: r.computed_at for r in RiskScore.objects.filter(as_of=day)}
        assert set(first) == active

        clock.shift(dt.timedelta(hours=3))  # the hourly check again, the same day
        call_command("worker", once=True)
        again = {r.enrolment_id: r.computed_at for r in RiskScore.objects.filter(as_of=day)}
        assert again == first
        assert RiskScore.objects.count() == len(active)

        clock.shift(dt.timedelta(days=1))
        call_command("worker", once=True)
    next_day = set(
        RiskScore.objects.filter(as_of=day + dt.timedelta(days=1)).values_list(
            "enrolment_id", flat=True
        )
    )
    assert next_day == active
    assert {r.enrolment_id: r.computed_at for r in RiskScore.objects.filter(as_of=day)} == first
    absent = RiskScore.objects.get(enrolment=risk_world.absent, as_of=day)
    assert any("absences consécutives" in r["text"] for r in absent.reasons)
    assert (
        Job.objects.filter(kind="engagement.score", organisation=org, state=JobState.DONE).count()
        == 2
    )


@time_machine.travel(NOW, tick=False)
def test_the_export_never_hands_a_formula_to_the_spreadsheet(risk_world: RiskWorld, as_director):
    enrol(risk_world.world, risk_world.s2, risk_world.director, "=A-L5", '=HYPERLINK("x")', "Ève")
    store(risk_world.world, AS_OF)

    rows = read_csv(as_director.get(reverse("engagement:risk_export"), {"q": "HYPERLINK"}))

    assert [(r["apprenant"], r["identifiant apprenant"]) for r in rows] == [
        ('\'=HYPERLINK("x") Ève', "'=A-L5")
    ]
