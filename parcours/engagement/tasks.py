"""Nightly scoring: `parcours worker` scores every organisation once a day and keeps it."""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core import jobs
from parcours.core.models import Job, Organisation
from parcours.engagement import scoring, services

SCORE = "engagement.score"


@jobs.periodic("engagement.nightly", every=dt.timedelta(hours=1))
def queue_nightly_scoring(now: dt.datetime) -> None:
    """Once per local day and organisation (the hourly check only queues what is missing)."""
    today = timezone.localdate(now)
    for organisation in Organisation.objects.all():
        jobs.enqueue(
            SCORE,
            {"as_of": today.isoformat()},
            organisation=organisation,
            dedupe_key=f"{SCORE}:{organisation.pk}:{today.isoformat()}",
        )


@jobs.handler(SCORE)
def score_organisation(job: Job) -> dict[str, Any]:
    organisation = Organisation.objects.get(job=job)
    as_of = dt.date.fromisoformat(job.payload["as_of"])
    scored = scoring.score(organisation, as_of)
    stored = services.store_scores(organisation, scored, acting_user=job.created_by)
    return {"as_of": as_of.isoformat(), "scored": stored, "model_version": scored.weights.version}
