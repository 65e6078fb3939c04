"""The complaints register's background work: every hour (whichever worker gets to it),
one job per organisation flags the overdue entries and escalates each once."""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core.jobs import enqueue, handler, periodic
from parcours.core.models import Job, Organisation

SCAN = "complaints.overdue"


@periodic("complaints.scan", every=dt.timedelta(hours=1))
def queue_scans(now: dt.datetime) -> None:
    hour = timezone.localtime(now).strftime("%Y-%m-%dT%H")
    for organisation in Organisation.objects.only("pk").order_by("pk"):
        enqueue(
            SCAN,
            {"organisation": organisation.pk},
            organisation=organisation,
            dedupe_key=f"{SCAN}:{organisation.pk}:{hour}",
        )


@handler(SCAN)
def scan(job: Job) -> dict[str, Any]:
    from parcours.feedback.complaints.services import flag_overdue

    organisation = Organisation.objects.get(pk=job.payload["organisation"])
    return {"escalated": len(flag_overdue(organisation, as_of=timezone.now()))}
