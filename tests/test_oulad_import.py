"""Real data: the OULAD 2013 presentations, converted to the exchange formats, imported."""

import csv
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from parcours.core import journal
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Session


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(kind: str, path: Path) -> str:
    out = StringIO()
    call_command("import", kind, str(path), stdout=out)
    return out.getvalue()


def test_the_oulad_presentations_import_and_reimport_unchanged(oulad, org_a) -> None:
    sessions, learners = read(oulad / "sessions.csv"), read(oulad / "learners.csv")
    enrolments = read(oulad / "enrolments.csv")
    assert len(enrolments) == 13_529  # DESIGN.md
    run("sessions", oulad / "sessions.csv")
    run("learners", oulad / "learners.csv")

    # OULAD leaves some registration days blank; the converter then dates the enrolment
    # on the presentation's first day, although the student left before it. Those rows
    # are withdrawals before the start: imported, never active, each one named.
    inverted = [
        (line, row)
        for line, row in enumerate(enrolments, start=2)
        if row["ended_on"] and row["ended_on"] < row["enrolled_on"]
    ]
    assert inverted and all(row["status"] == "abandon" for _, row in inverted)
    path = oulad / "enrolments.csv"
    output = run("enrolments", path)

    assert "13529 créée(s)" in output
    assert f"{len(inverted)} remarques" in output
    for line, row in inverted:
        assert f"ligne {line}, colonne ended_on : abandon le {row['ended_on']}" in output
        e = Enrolment.objects.get(
            learner__external_id=row["learner_external_id"],
            session__external_id=row["session_external_id"],
        )
        assert e.enrolled_on.isoformat() == e.ended_on.isoformat() == row["ended_on"]
        assert not Enrolment.objects.filter(pk=e.pk).active_on(e.enrolled_on).exists()
    counts = (Session.objects.count(), Learner.objects.count(), Enrolment.objects.count())
    assert counts == (len(sessions), len(learners), 13_529)
    withdrawn = sum(row["status"] == "abandon" for row in enrolments)
    assert Enrolment.objects.filter(status="abandon").count() == withdrawn

    again = [run(kind, oulad / f"{kind}.csv") for kind in ("sessions", "learners")]
    again.append(run("enrolments", path))

    assert f"{len(learners)} inchangée(s)" in again[1]
    assert "0 créée(s), 0 mise(s) à jour, 13529 inchangée(s)" in again[2]
    assert (Session.objects.count(), Learner.objects.count(), Enrolment.objects.count()) == counts
    assert journal.verify(org_a.pk).ok
