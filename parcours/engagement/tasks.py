"""Nightly scoring: `parcours worker` scores every organisation once a day and keeps it."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import jobs
from parcours.core.models import Job, Organisation
from parcours.engagement import calibration, scoring, services

SCORE = "engagement.score"
CALIBRATE = "engagement.calibrate"


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


@jobs.handler(CALIBRATE)
def calibrate_organisation(job: Job) -> dict[str, Any]:
    """Calibration asked for from the thresholds page: a new model version in service,
    with its cross-validated AUC; too little history is an outcome, not a failure."""
    organisation = Organisation.objects.get(job=job)
    until = dt.date.fromisoformat(job.payload["until"])

    def progress(done: int, total: int) -> None:
        jobs.report_progress(job, done, total, _("Relecture des sessions terminées"))

    try:
        model = services.calibrate(
            organisation, until=until, acting_user=job.created_by, progress=progress
        )
    except calibration.NotEnoughHistory:
        return {
            "ok": False,
            "until": until.isoformat(),
            "message": _(
                "Pas assez d'historique pour calibrer : il faut des parcours terminés "
                "avant le %(until)s, dont des abandons et des parcours menés à terme."
            )
            % {"until": until.strftime("%d/%m/%Y")},
        }
    return {
        "ok": True,
        "until": until.isoformat(),
        "version": model.version,
        "cv_auc": model.metrics["cv_auc"],
        "enrolments": model.metrics["enrolments"],
    }
