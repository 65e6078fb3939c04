"""`parcours import activity|assessments|results`: all or nothing, idempotent, and the
learner's timeline shows what was imported."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.activity.selectors import activity_events
from parcours.core.imports import run_import
from parcours.core.models import JournalEntry
from parcours.core.services import delete_record
from parcours.learners.selectors import timeline
from tests.conftest import World

ACTIVITY = [
    "learner_external_id,session_external_id,occurred_at,kind,count",
    "A-L1,A-S1,2026-03-09,resource,3",
    "A-L1,A-S1,2026-03-09,resource,2",  # the same day and kind: summed
    "A-L1,A-S1,2026-03-10T08:15:00+01:00,quiz,",  # blank count: 1
    "A-L1,A-S1,2026-03-17 18:00,forum,4",  # no offset: Paris time
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(kind: str, path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import", kind, str(path), *args, stdout=out)
    return out.getvalue()


def test_activity_imports_once_and_reimports_unchanged(world_a: World, tmp_path) -> None:
    path = write(tmp_path / "activity.csv", ACTIVITY)

    output = run("activity", path)

    assert "4 lignes ; 3 créée(s), 0 mise(s) à jour, 0 inchangée(s)" in output
    events = {(e.kind, e.day): e for e in ActivityEvent.objects.all()}
    assert {k: e.count for k, e in events.items()} == {
        ("resource", dt.date(2026, 3, 9)): 5,
        ("quiz", dt.date(2026, 3, 10)): 1,
        ("forum", dt.date(2026, 3, 17)): 4,
    }
    resource = events["resource", dt.date(2026, 3, 9)]
    assert timezone.localtime(resource.occurred_at).time() == dt.time(0)
    assert resource.enrolment == world_a.enrolment and resource.organisation == world_a.org
    forum = events["forum", dt.date(2026, 3, 17)]
    assert forum.occurred_at == dt.datetime(2026, 3, 17, 17, 0, tzinfo=dt.UTC)

    assert "0 créée(s), 0 mise(s) à jour, 3 inchangée(s)" in run("activity", path)
    changed = write(
        tmp_path / "changed.csv", [*ACTIVITY[:3], "A-L1,A-S1,2026-03-10T08:15:00+01:00,quiz,7"]
    )
    assert "0 créée(s), 1 mise(s) à jour, 1 inchangée(s)" in run("activity", changed)
    assert ActivityEvent.objects.count() == 3
    assert ActivityEvent.objects.get(kind="quiz").count == 7
    # One journal entry per import, none per activity row.
    assert (
        JournalEntry.objects.filter(verb="import.completed", changes__kind="activity").count() == 3
    )
    assert not JournalEntry.objects.filter(object_type="activity.activityevent").exists()


def test_an_activity_file_with_bad_rows_imports_nothing_and_names_each(world_a, tmp_path) -> None:
    path = write(
        tmp_path / "activity.csv",
        [
            *ACTIVITY,
            "A-L1,A-S1,2026-13-01,resource,1",
            "A-L9,A-S1,2026-03-09,resource,1",
            "A-L1,A-S1,2026-03-09,two words,1",
            "A-L1,A-S1,2026-03-09,quiz,0",
        ],
    )

    with pytest.raises(CommandError) as failure:
        run("activity", path)

    message = str(failure.value)
    assert "4 erreurs ; rien n'a été importé" in message
    assert "ligne 6, colonne occurred_at : date invalide « 2026-13-01 »" in message
    assert "ligne 7, colonne learner_external_id : apprenant inconnu « A-L9 »" in message
    assert "ligne 8, colonne kind : type d'action invalide « two words »" in message
    assert "ligne 9, colonne count : nombre d'actions invalide « 0 »" in message
    assert not ActivityEvent.objects.exists()


def test_a_learner_not_enrolled_in_the_session_is_refused(world_a, world_b, tmp_path) -> None:
    path = write(tmp_path / "a.csv", [ACTIVITY[0], "A-L1,B-S1,2026-03-09,resource,1"])
    report = run_import("activity", path, organisation=world_a.org)
    assert [str(e) for e in report.errors] == [
        "ligne 2, colonne session_external_id : session inconnue « B-S1 » "
        "(importez d'abord les sessions)"
    ]


def test_a_dry_run_counts_and_writes_nothing(world_a, tmp_path) -> None:
    path = write(tmp_path / "activity.csv", ACTIVITY)
    output = run("activity", path, "--dry-run")
    assert "l'import créerait 3" in output
    assert not ActivityEvent.objects.exists()


def test_assessments_and_results_import_and_show_on_the_timeline(world_a, tmp_path) -> None:
    assessments = write(
        tmp_path / "assessments.csv",
        [
            "session_external_id,external_id,title,kind,due_date,weight",
            "A-S1,TMA1,TMA 1752,TMA,2026-03-20,10",
            "A-S1,TMA2,TMA 1753,TMA,2026-04-10,20",
            "A-S1,EXAM,Examen final,Exam,2026-06-20,100",
        ],
    )
    results = write(
        tmp_path / "results.csv",
        [
            "learner_external_id,assessment_external_id,submitted_on,score",
            "A-L1,TMA1,2026-03-19,78",
            "A-L1,EXAM,2026-06-19,",
        ],
    )
    assert "3 créée(s)" in run("assessments", assessments)
    assert "2 créée(s)" in run("results", results)
    assert Result.objects.get(assessment__external_id="TMA1").score == Decimal("78")
    assert Result.objects.get(assessment__external_id="EXAM").score is None
    assert "0 créée(s), 0 mise(s) à jour, 2 inchangée(s)" in run("results", results)
    assert Assessment.objects.get(external_id="TMA2").session == world_a.session
    run("activity", write(tmp_path / "activity.csv", ACTIVITY))

    titles = [item.title for item in timeline(world_a.learner, None)]

    assert "Semaine du 09/03 : 6 actions sur la plateforme" in titles
    assert "Semaine du 16/03 : 4 actions sur la plateforme" in titles
    assert "Évaluation TMA 1752 : 78/100" in titles
    assert "Évaluation Examen final : non notée" in titles
    assert "Évaluation TMA 1753 non rendue (attendue le 10/04/2026)" in titles


def test_a_result_for_a_learner_outside_the_session_is_refused(world_a, tmp_path) -> None:
    run(
        "assessments",
        write(
            tmp_path / "assessments.csv",
            [
                "session_external_id,external_id,title,kind,due_date,weight",
                "A-S1,T1,T1,TMA,2026-03-20,",
            ],
        ),
    )
    path = write(
        tmp_path / "results.csv",
        [
            "learner_external_id,assessment_external_id,submitted_on,score",
            "A-L1,T1,2026-03-19,101",
            "A-L1,T9,2026-03-19,50",
        ],
    )
    report = run_import("results", path, organisation=world_a.org)
    assert [str(e) for e in report.errors] == [
        "ligne 2, colonne score : nombre trop grand « 101 » (maximum 100)",
        "ligne 3, colonne assessment_external_id : évaluation inconnue « T9 » "
        "(importez d'abord les évaluations)",
    ]
    assert not Result.objects.exists()


def test_the_timeline_costs_a_fixed_number_of_queries(
    world_a, tmp_path, django_assert_max_num_queries
) -> None:
    run("activity", write(tmp_path / "activity.csv", ACTIVITY))
    with django_assert_max_num_queries(3):
        list(activity_events(world_a.learner, None))


def test_deleting_an_enrolment_deletes_its_activity(world_a, tmp_path) -> None:
    run("activity", write(tmp_path / "activity.csv", ACTIVITY))
    assert ActivityEvent.objects.filter(enrolment=world_a.enrolment).count() == 3

    delete_record(world_a.enrolment, acting_user=None)

    assert not ActivityEvent.objects.exists()
