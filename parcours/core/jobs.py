"""Background work queued in the database and run by `parcours worker`.

A job is claimed with a conditional UPDATE (`... WHERE state = 'queued'`), so any number
of workers, on any number of machines, never run the same job twice. Arguments are
primary keys and plain values, never model objects. A failing job is retried with
exponential backoff; after its last attempt it stays visible as failed, with its error.
"""

import datetime as dt
import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from parcours.core.models import Job, JobState, Organisation, ScheduledTask, User

log = logging.getLogger("parcours.worker")

Handler = Callable[[Job], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}
STALE_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: Callable[[dt.datetime], None]
    # When the task first runs, from the moment a worker first sees it (default: at once).
    first_run: Callable[[dt.datetime], dt.datetime] | None = None


PERIODIC: dict[str, Periodic] = {}


class PermanentFailure(Exception):
    """Raised by a handler when trying again would fail the same way: the job fails at
    once, not retried, keeping `message` (for the user, in French) and `result`."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result or {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of this kind."""

    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def periodic(
    name: str,
    every: dt.timedelta,
    *,
    first_run: Callable[[dt.datetime], dt.datetime] | None = None,
) -> Callable[[Callable[[dt.datetime], None]], Callable[[dt.datetime], None]]:
    """Register work that runs once per period, whichever worker gets to it first
    (`first_run` places its first run, e.g. on the next Monday morning)."""

    def register(func: Callable[[dt.datetime], None]) -> Callable[[dt.datetime], None]:
        PERIODIC[name] = Periodic(name, every, func, first_run)
        return func

    return register


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    organisation: Organisation | None = None,
    created_by: User | None = None,
    run_after: dt.datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Queue a job. Inside a transaction, it becomes visible to workers only on commit."""
    if dedupe_key:
        existing = Job.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    job = Job(
        kind=kind,
        payload=payload or {},
        organisation=organisation,
        created_by=created_by,
        run_after=run_after or timezone.now(),
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
    )
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        if dedupe_key:
            return Job.objects.get(dedupe_key=dedupe_key)
        raise
    return job


def enqueue_many(
    kind: str,
    payloads: list[tuple[dict[str, Any], str]],
    *,
    organisation: Organisation | None = None,
    run_after: dt.datetime | None = None,
) -> int:
    """Queue many jobs of one kind at once: (payload, dedupe_key) pairs, keys already
    queued skipped. Inside a transaction, visible to workers on commit."""
    keys = [key for _payload, key in payloads]
    taken = set(Job.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    at = run_after or timezone.now()
    created = Job.objects.bulk_create(
        (
            Job(kind=kind, payload=payload, organisation=organisation, run_after=at, dedupe_key=key)
            for payload, key in payloads
            if key not in taken
        ),
        batch_size=1000,
    )
    return len(created)


def report_progress(
    job: Job, done: int, total: int | None = None, label: str | None = None
) -> None:
    """Progress shown to the user while the job runs (written at once, outside any transaction)."""
    values: dict[str, Any] = {"progress_done": done}
    if total is not None:
        values["progress_total"] = total
    if label is not None:
        values["progress_label"] = label[:200]
    Job.objects.filter(pk=job.pk).update(**values)


def save_result(job: Job, result: dict[str, Any]) -> None:
    """What a running job has done so far, written at once so that a retry does not redo it."""
    Job.objects.filter(pk=job.pk).update(result=result)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim(worker: str, now: dt.datetime | None = None) -> Job | None:
    now = now or timezone.now()
    candidates = list(
        Job.objects.filter(state=JobState.QUEUED, run_after__lte=now)
        .order_by("run_after", "pk")
        .values_list("pk", flat=True)[:20]
    )
    for pk in candidates:
        taken = Job.objects.filter(pk=pk, state=JobState.QUEUED).update(
            state=JobState.RUNNING, locked_by=worker, locked_at=now, attempts=F("attempts") + 1
        )
        if taken:
            return Job.objects.get(pk=pk)
    return None


def backoff(attempts: int, base_seconds: int = 30) -> dt.timedelta:
    """The wait before the next try after `attempts` tries: doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, base_seconds * 2 ** max(0, attempts - 1)))


def run(job: Job) -> None:
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = func(job)
    except PermanentFailure as exc:
        log.warning("job %s failed for good: %s", job, exc.message)
        Job.objects.filter(pk=job.pk).update(
            state=JobState.FAILED,
            result=exc.result,
            error=exc.message[-5000:],
            finished_at=timezone.now(),
            locked_by="",
        )
        return
    except Exception as exc:
        log.exception("job %s failed", job)
        final = job.attempts >= job.max_attempts or func is None
        Job.objects.filter(pk=job.pk).update(
            state=JobState.FAILED if final else JobState.QUEUED,
            run_after=timezone.now() + backoff(job.attempts),
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}"[-5000:],
            finished_at=timezone.now() if final else None,
            locked_by="",
        )
        return
    Job.objects.filter(pk=job.pk).update(
        state=JobState.DONE, result=result or {}, error="", finished_at=timezone.now(), locked_by=""
    )


def requeue_stale(now: dt.datetime) -> int:
    """Jobs whose worker died mid-run go back to the queue."""
    return Job.objects.filter(state=JobState.RUNNING, locked_at__lt=now - STALE_AFTER).update(
        state=JobState.QUEUED, locked_by=""
    )


def run_periodic(now: dt.datetime) -> list[str]:
    """Run each periodic task that is due, claiming its period so that it runs once."""
    ran = []
    for task in PERIODIC.values():
        first = task.first_run(now) if task.first_run is not None else now
        row, _ = ScheduledTask.objects.get_or_create(
            name=task.name, defaults={"next_run_at": first}
        )
        if row.next_run_at > now:
            continue
        taken = ScheduledTask.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
            next_run_at=now + task.every, last_run_at=now
        )
        if taken:
            task.func(now)
            ran.append(task.name)
    return ran


def work(*, once: bool, poll_seconds: float = 5.0, stop: Callable[[], bool] = lambda: False) -> int:
    """The worker loop. With once=True, run everything that is due, then return."""
    me = worker_id()
    done = 0
    while not stop():
        if not connection.in_atomic_block:  # (tests run inside a transaction)
            close_old_connections()
        now = timezone.now()
        requeue_stale(now)
        try:
            run_periodic(now)
        except Exception:
            log.exception("periodic task failed")
        # Claimed as of the moment of claiming, not of the loop's start: the jobs that the
        # periodic tasks just queued (run_after = their enqueue time) run in this pass.
        job = claim(me)
        while job is not None:
            run(job)
            done += 1
            job = claim(me)
        if once:
            break
        time.sleep(poll_seconds)
    return done
