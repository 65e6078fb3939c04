import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from parcours.core import jobs
from parcours.core.models import Job, JobState, ScheduledTask


@pytest.fixture
def ledger(monkeypatch):
    """Handlers for the duration of a test: one that records, one that fails twice."""
    ran: list[int] = []
    lock = threading.Lock()

    def record(job: Job) -> dict:
        with lock:
            ran.append(job.pk)
        return {"ok": True}

    def flaky(job: Job) -> None:
        if job.attempts < 3:
            raise ConnectionError("serveur indisponible")

    monkeypatch.setitem(jobs.HANDLERS, "test.record", record)
    monkeypatch.setitem(jobs.HANDLERS, "test.flaky", flaky)
    return ran


def test_worker_once_runs_due_jobs_and_leaves_future_ones(db, ledger) -> None:
    due = jobs.enqueue("test.record", {"n": 1})
    later = jobs.enqueue("test.record", run_after=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    call_command("worker", "--once")
    due.refresh_from_db()
    later.refresh_from_db()
    assert ledger == [due.pk]
    assert due.state == JobState.DONE and due.result == {"ok": True} and due.finished_at
    assert later.state == JobState.QUEUED


def test_a_failing_job_is_retried_with_backoff_then_succeeds(db, ledger) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        job = jobs.enqueue("test.flaky")
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.state == JobState.QUEUED and job.attempts == 1
        assert "serveur indisponible" in job.error
        assert job.run_after == dt.datetime(2026, 11, 24, 9, 0, 30, tzinfo=dt.UTC)
        jobs.work(once=True)  # not due yet: nothing happens
        job.refresh_from_db()
        assert job.attempts == 1
        t.shift(dt.timedelta(seconds=31))
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.attempts == 2 and job.state == JobState.QUEUED
        t.shift(dt.timedelta(seconds=61))
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.state == JobState.DONE and job.attempts == 3


def test_after_the_last_attempt_the_failure_stays_visible(db) -> None:
    job = jobs.enqueue("no.such.kind", max_attempts=1)
    jobs.work(once=True)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "no handler" in job.error


def test_a_job_is_claimed_once(db) -> None:
    job = jobs.enqueue("test.record")
    first = jobs.claim("w1")
    assert first is not None and first.pk == job.pk and first.locked_by == "w1"
    assert jobs.claim("w2") is None


def test_dedupe_key_queues_once(db) -> None:
    a = jobs.enqueue("test.record", dedupe_key="relance:42")
    b = jobs.enqueue("test.record", dedupe_key="relance:42")
    assert a.pk == b.pk and Job.objects.count() == 1


def test_a_stale_running_job_goes_back_to_the_queue(db, ledger) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        job = jobs.enqueue("test.record")
        assert jobs.claim("dead-worker", dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
        t.shift(dt.timedelta(minutes=31))
        jobs.work(once=True)
    job.refresh_from_db()
    assert job.state == JobState.DONE and ledger == [job.pk]


def test_periodic_work_runs_once_per_period(db, monkeypatch) -> None:
    calls: list[dt.datetime] = []
    monkeypatch.setitem(
        jobs.PERIODIC,
        "test.nightly",
        jobs.Periodic("test.nightly", dt.timedelta(days=1), calls.append),
    )
    with time_machine.travel(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC), tick=False) as t:
        jobs.work(once=True)
        jobs.work(once=True)
        assert len(calls) == 1
        t.shift(dt.timedelta(days=1, seconds=1))
        jobs.work(once=True)
    assert len(calls) == 2
    assert ScheduledTask.objects.get(name="test.nightly").last_run_at == calls[-1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_run_a_job_twice(ledger) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers are a PostgreSQL deployment (SQLite serialises writers)")
    created = [jobs.enqueue("test.record", {"i": i}) for i in range(120)]

    def worker() -> None:
        try:
            jobs.work(once=True)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(ledger) == sorted(j.pk for j in created)
    assert Job.objects.filter(state=JobState.DONE).count() == 120


def test_a_fresh_worker_process_knows_every_job_kind_the_app_queues(tmp_path) -> None:
    """Handlers register at start-up, not when some view module happens to be imported."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PARCOURS_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = "from parcours.core.jobs import HANDLERS; print(sorted(HANDLERS))"
    out = subprocess.run(
        [sys.executable, "-m", "parcours", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for kind in ("imports.run", "attendance.send_links"):
        assert kind in out
