"""The risk pages in daily use: each row of `/risque/` says whether a follow-up case is
open (in a flat number of queries), the chart has a legend, the model is named in words,
and the direction runs the calibration from the thresholds page through the worker."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.core.models import Job, JobState
from parcours.engagement.models import RiskModel
from parcours.followup.models import TriggerKind
from parcours.followup.services import cases as cases_services
from tests import test_risk_engine, test_risk_pages
from tests.conftest import login
from tests.test_risk_pages import NOW, RiskWorld

PARIS = ZoneInfo("Europe/Paris")
risk_world, scored = test_risk_pages.risk_world, test_risk_pages.scored
history = test_risk_engine.history


def cells(html: str) -> dict[int, str]:
    """{enrolment pk: its "Suivi" cell} of the list."""
    found = {}
    for chunk in html.split('<tr data-enrolment="')[1:]:
        pk = int(chunk[: chunk.index('"')])
        cell = chunk[chunk.index("data-open-case") :]
        found[pk] = cell[: cell.index("</td>")]
    return found


@time_machine.travel(NOW, tick=False)
def test_each_row_says_whether_a_case_is_open_in_a_flat_number_of_queries(
    scored: RiskWorld, officer, as_director
) -> None:
    url = reverse("engagement:risk_list")
    first = cases_services.open_case(
        scored.absent, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="Absences"
    )
    with CaptureQueriesContext(connection) as one:
        page = as_director.get(url).content.decode()
    rows = cells(page)
    assert reverse("followup:case_detail", args=[first.pk]) in rows[scored.absent.pk]
    assert "Dossier ouvert" in rows[scored.absent.pk]
    assert "aucun dossier ouvert" in rows[scored.steady.pk]
    for enrolment in (scored.steady, scored.silent, scored.active):
        cases_services.open_case(
            enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="Suivi"
        )
    with CaptureQueriesContext(connection) as four:
        page = as_director.get(url).content.decode()
    assert all("Dossier ouvert" in cell for cell in cells(page).values())
    assert len(four) == len(one)


@time_machine.travel(NOW, tick=False)
def test_the_chart_has_a_legend_and_the_model_is_named_in_words(
    scored: RiskWorld, as_director
) -> None:
    learner = scored.absent.learner
    page = as_director.get(reverse("learners:learner_detail", args=[learner.pk])).text
    legend = page[page.index("data-legend") : page.index("</ul>", page.index("data-legend"))]
    assert "Score de risque" in legend
    assert "Seuil « moyen » : 35 %" in legend and "Seuil « élevé » : 60 %" in legend
    listed = as_director.get(reverse("engagement:risk_list")).text
    assert "pondération par défaut" in listed and "modèle v0" not in listed


def test_the_direction_runs_the_calibration_from_the_thresholds_page(history, director) -> None:
    client = login(director)
    url = reverse("engagement:thresholds")
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, 0, tzinfo=PARIS), tick=False):
        assert client.get(reverse("engagement:calibrate_run")).status_code == 405
        assert client.post(reverse("engagement:calibrate_run")).status_code == 302
        client.post(reverse("engagement:calibrate_run"))  # a double click: still one job
        job = Job.objects.get(kind="engagement.calibrate")
        assert job.state == JobState.QUEUED and job.payload == {"until": "2026-04-01"}
        waiting = client.get(url).text
        assert "data-job-status" in waiting and "Lancer la calibration" not in waiting
        call_command("worker", "--once", stdout=io.StringIO())
        done = client.get(url).text
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["ok"]
    model = RiskModel.objects.get(is_active=True)
    assert model.version == 1 and model.created_by == director
    auc = f"{model.metrics['cv_auc']:.3f}".replace(".", ",")
    assert f"AUC en validation croisée : {auc}" in done
    assert "appris sur 45 parcours terminés" in done
    assert "Les scores sont calculés par le modèle calibré n° 1 du 01/04/2026" in done


def test_a_calibration_without_history_says_so_on_the_page(world_a, director) -> None:
    client = login(director)
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, 0, tzinfo=PARIS), tick=False):
        client.post(reverse("engagement:calibrate_run"))
        call_command("worker", "--once", stdout=io.StringIO())
        page = client.get(reverse("engagement:thresholds")).text
    assert "Pas assez d&#x27;historique pour calibrer" in page or "Pas assez d'historique" in page
    assert not RiskModel.objects.exists()


def test_only_those_who_calibrate_may_launch_it(world_a, officer, auditor) -> None:
    for user in (officer, auditor):
        assert login(user).post(reverse("engagement:calibrate_run")).status_code == 403
    assert not Job.objects.filter(kind="engagement.calibrate").exists()
