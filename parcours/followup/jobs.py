"""The follow-up's background work: once a day per organisation, scan, send, escalate.

The periodic task runs every hour (whichever worker gets to it) and queues one job per
organisation and day; the dedupe key makes the later runs of the day queue nothing.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core.jobs import enqueue, handler, periodic
from parcours.core.models import Job, Organisation

DAILY = "followup.daily"


@periodic("followup.scan", every=dt.timedelta(hours=1))
def queue_daily_runs(now: dt.datetime) -> None:
    day = timezone.localdate(now)
    for organisation in Organisation.objects.only("pk").order_by("pk"):
        enqueue(
            DAILY,
            {"organisation": organisation.pk, "day": day.isoformat()},
            organisation=organisation,
            dedupe_key=f"{DAILY}:{organisation.pk}:{day.isoformat()}",
        )


@handler(DAILY)
def run_daily_job(job: Job) -> dict[str, Any]:
    from parcours.followup.services.cases import run_daily

    organisation = Organisation.objects.get(pk=job.payload["organisation"])
    return run_daily(organisation, as_of=dt.date.fromisoformat(job.payload["day"]))
