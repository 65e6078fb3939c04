"""The improvement plan's background work: every night (whichever worker gets to it), one
job per organisation escalates the overdue actions once, measures the effectiveness
checks whose date has come, and computes the suggestions from the data."""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core.jobs import enqueue, handler, periodic
from parcours.core.models import Job, Organisation

NIGHTLY = "improvement.nightly"


@periodic("improvement.scan", every=dt.timedelta(hours=6))
def queue_scans(now: dt.datetime) -> None:
    day = timezone.localtime(now).strftime("%Y-%m-%dT%H")
    for organisation in Organisation.objects.only("pk").order_by("pk"):
        enqueue(
            NIGHTLY,
            {"organisation": organisation.pk},
            organisation=organisation,
            dedupe_key=f"{NIGHTLY}:{organisation.pk}:{day}",
        )


@handler(NIGHTLY)
def nightly(job: Job) -> dict[str, Any]:
    from parcours.improvement import suggestions
    from parcours.improvement.services import actions, effectiveness

    organisation = Organisation.objects.get(pk=job.payload["organisation"])
    now = timezone.now()
    escalated = actions.escalate_overdue(organisation, as_of=now)
    measured = effectiveness.measure_due(organisation, as_of=now)
    suggested = suggestions.compute(organisation, as_of=timezone.localtime(now).date())
    return {"escalated": len(escalated), "measured": len(measured), "suggested": len(suggested)}
