"""Feedback's background work: every hour (whichever worker gets to it), one job per
organisation launches the campaigns that the rules call for and sends due reminders."""

import datetime as dt
from typing import Any

from django.utils import timezone

from parcours.core.jobs import enqueue, handler, periodic, report_progress
from parcours.core.models import Job, Organisation

RUN = "feedback.run"


@periodic("feedback.scan", every=dt.timedelta(hours=1))
def queue_runs(now: dt.datetime) -> None:
    hour = timezone.localtime(now).strftime("%Y-%m-%dT%H")
    for organisation in Organisation.objects.only("pk").order_by("pk"):
        enqueue(
            RUN,
            {"organisation": organisation.pk},
            organisation=organisation,
            dedupe_key=f"{RUN}:{organisation.pk}:{hour}",
        )


@handler(RUN)
def run(job: Job) -> dict[str, Any]:
    from parcours.feedback.services import schedule_due, send_due_reminders

    organisation = Organisation.objects.get(pk=job.payload["organisation"])
    now = timezone.now()
    campaigns = schedule_due(organisation, now=now)
    reminders = send_due_reminders(organisation, now=now)
    return {"campaigns": len(campaigns), "reminders": reminders}


@handler("feedback.send_invitations")
def send_invitations(job: Job) -> dict[str, Any]:
    from parcours.feedback.models import Campaign
    from parcours.feedback.services import send_invitations as send

    campaign = Campaign.objects.get(pk=job.payload["campaign"])
    sent = send(
        campaign,
        now=timezone.now(),
        progress=lambda done, total: report_progress(job, done, total, "invitations"),
    )
    return {"sent": sent}
