"""Real data: OULAD daily LMS activity, assessments and results, imported and re-imported."""

import csv
import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.core import journal
from parcours.core.models import JournalEntry
from parcours.learners.models import Enrolment


def run(kind: str, path: Path) -> str:
    out = StringIO()
    call_command("import", kind, str(path), stdout=out)
    return out.getvalue()


def test_oulad_activity_assessments_and_results_import_once(oulad, org_a) -> None:
    for kind in ("sessions", "learners", "enrolments"):
        run(kind, oulad / f"{kind}.csv")
    with (oulad / "activity.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 584_248
    keys = Counter(
        (r["learner_external_id"], r["session_external_id"], r["occurred_at"], r["kind"])
        for r in rows
    )
    clicks = sum(int(r["count"]) for r in rows)
    first = rows[0]
    del rows

    output = run("activity", oulad / "activity.csv")

    # OULAD gives one row per page of the LMS: a day's clicks of one kind are summed.
    assert f"584248 lignes ; {len(keys)} créée(s), 0 mise(s) à jour" in output
    assert ActivityEvent.objects.count() == len(keys)
    assert ActivityEvent.objects.aggregate(total=Sum("count"))["total"] == clicks
    event = ActivityEvent.objects.get(
        enrolment__learner__external_id=first["learner_external_id"],
        enrolment__session__external_id=first["session_external_id"],
        day=first["occurred_at"],
        kind=first["kind"],
    )
    # A date alone is that day at midnight, Paris time.
    local = timezone.localtime(event.occurred_at)
    assert (local.date().isoformat(), local.time()) == (first["occurred_at"], dt.time(0))
    assert event.source == "import"

    output = run("assessments", oulad / "assessments.csv")
    assert "92 créée(s)" in output
    output = run("results", oulad / "results.csv")
    with (oulad / "results.csv").open(encoding="utf-8", newline="") as f:
        results = list(csv.DictReader(f))
    assert f"{len(results)} créée(s)" in output
    assert Result.objects.count() == len(results)
    ungraded = sum(not r["score"] for r in results)
    assert ungraded and Result.objects.filter(score__isnull=True).count() == ungraded
    r = results[0]
    result = Result.objects.get(
        enrolment__learner__external_id=r["learner_external_id"],
        assessment__external_id=r["assessment_external_id"],
    )
    assert result.score == Decimal(r["score"])
    assert result.enrolment.session_id == Assessment.objects.get(external_id="1752").session_id

    # Again: nothing changes, nothing is duplicated; one journal entry per activity import.
    again = run("activity", oulad / "activity.csv")
    assert f"0 créée(s), 0 mise(s) à jour, {len(keys)} inchangée(s)" in again
    assert "0 créée(s), 0 mise(s) à jour, 92 inchangée(s)" in run(
        "assessments", oulad / "assessments.csv"
    )
    assert f"0 créée(s), 0 mise(s) à jour, {len(results)} inchangée(s)" in run(
        "results", oulad / "results.csv"
    )
    assert ActivityEvent.objects.count() == len(keys)
    assert ActivityEvent.objects.aggregate(total=Sum("count"))["total"] == clicks
    imports = JournalEntry.objects.filter(verb="import.completed", changes__kind="activity")
    assert imports.count() == 2
    assert not JournalEntry.objects.filter(object_type="activity.activityevent").exists()
    assert Enrolment.objects.count() == 13_529
    assert journal.verify(org_a.pk).ok
