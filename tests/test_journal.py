import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from parcours.core import journal
from parcours.core.models import JournalEntry
from parcours.learners import services as learner_services
from tests.conftest import World


def test_every_service_write_is_journaled_with_before_and_after(world_a: World, director) -> None:
    learner = world_a.learner
    learner_services.update_learner(
        learner, acting_user=director, phone="0601020304", last_name="Martin-Dupont"
    )
    entry = JournalEntry.objects.filter(
        object_type="learners.learner", object_id=str(learner.pk)
    ).last()
    assert entry.action == "update"
    assert entry.actor == director
    assert entry.changes == {"last_name": ["MartinA", "Martin-Dupont"], "phone": ["", "0601020304"]}
    created = JournalEntry.objects.get(
        object_type="learners.learner", object_id=str(learner.pk), action="create"
    )
    assert created.changes["email"] == [None, "camille.a@exemple.fr"]


def test_an_update_that_changes_nothing_writes_nothing(world_a: World, director) -> None:
    before = JournalEntry.objects.count()
    learner_services.update_learner(world_a.learner, acting_user=director, last_name="MartinA")
    assert JournalEntry.objects.count() == before


def test_lifecycle_transition_is_journaled_and_illegal_ones_refused(
    world_a: World, director
) -> None:
    from django.core.exceptions import ValidationError

    e = learner_services.change_status(
        world_a.enrolment, "en_cours", acting_user=director, on=dt.date(2026, 3, 2)
    )
    assert e.status == "en_cours" and e.started_on == dt.date(2026, 3, 2)
    with pytest.raises(ValidationError) as exc:
        learner_services.change_status(e, "inscrit", acting_user=director, on=dt.date(2026, 3, 3))
    assert "Passage impossible" in str(exc.value)
    with pytest.raises(ValidationError):
        learner_services.change_status(
            e, "abandon", acting_user=director, on=dt.date(2026, 4, 1)
        )  # no reason
    e = learner_services.change_status(
        e, "abandon", acting_user=director, on=dt.date(2026, 4, 1), reason="santé"
    )
    assert e.ended_on == dt.date(2026, 4, 1)
    verbs = list(
        JournalEntry.objects.filter(
            object_type="learners.enrolment", object_id=str(e.pk)
        ).values_list("verb", flat=True)
    )
    assert verbs == ["", "enrolment.en_cours", "enrolment.abandon"]


def test_verify_passes_then_names_the_row_altered_with_raw_sql(
    world_a: World, world_b: World
) -> None:
    assert journal.verify().ok
    call_command("journal", "verify")  # raises on failure
    target = JournalEntry.objects.filter(chain=f"org-{world_a.org.pk}").order_by("seq")[3]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_journalentry SET object_repr = %s WHERE id = %s", ["falsifié", target.pk]
        )
    result = journal.verify()
    assert not result.ok
    problem = result.problems[0]
    assert (problem.chain, problem.seq, problem.entry_id) == (target.chain, target.seq, target.pk)
    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify")
    assert f"entrée n° {target.seq}" in str(exc.value) and f"id {target.pk}" in str(exc.value)
    # The other organisation's chain is intact on its own.
    assert journal.verify(world_b.org.pk).ok


def test_verify_detects_a_deleted_row_and_a_truncated_tail(world_a: World) -> None:
    chain = f"org-{world_a.org.pk}"
    rows = list(JournalEntry.objects.filter(chain=chain).order_by("seq"))
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_journalentry WHERE id = %s", [rows[-1].pk])
    problem = journal.verify().problems[0]
    assert "tronquée" in problem.reason and problem.seq == rows[-1].seq
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_journalentry WHERE id = %s", [rows[1].pk])
    problem = journal.verify().problems[0]
    assert "manquante" in problem.reason and problem.seq == rows[1].seq


def test_entries_cannot_be_changed_through_the_orm(world_a: World) -> None:
    entry = JournalEntry.objects.first()
    entry.object_repr = "x"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


@pytest.mark.django_db(transaction=True)
def test_cli_verify_exits_non_zero_after_tampering(fresh_var: Path) -> None:
    """The real console script, on a real SQLite file (migrated by `parcours migrate`)."""
    tmp_path = fresh_var
    env = {"PARCOURS_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    exe = [sys.executable, "-m", "parcours"]
    subprocess.run(
        [*exe, "demo", "--learners", "30", "--seed", "3"], env=env, check=True, capture_output=True
    )
    ok = subprocess.run([*exe, "journal", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Journal intègre" in ok.stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "parcours.sqlite3")
    row_id = db.execute(
        "SELECT id FROM core_journalentry ORDER BY id LIMIT 1 OFFSET 10"
    ).fetchone()[0]
    db.execute("UPDATE core_journalentry SET changes = '{}' WHERE id = ?", (row_id,))
    db.commit()
    bad = subprocess.run([*exe, "journal", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0
    assert f"id {row_id}" in bad.stderr and "modifié" in bad.stderr


def test_a_model_field_named_label_is_saved_not_taken_for_the_journal(
    world_a: World, director
) -> None:
    from parcours.programmes.services import create_slot

    slot = create_slot(
        world_a.session,
        acting_user=director,
        starts_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC),
        label="Le bilan comptable",
    )
    slot.refresh_from_db()
    assert slot.label == "Le bilan comptable"
    entry = JournalEntry.objects.get(object_type="programmes.slot", object_id=str(slot.pk))
    assert entry.actor == director and entry.changes["label"] == [None, "Le bilan comptable"]
