"""Early-warning pages: the learners at risk (latest snapshot), its CSV export, scoring
on demand, and the level thresholds with the calibrated models."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core import crud, jobs
from parcours.core.access import capability_required, organisation_for
from parcours.core.models import JobState, Organisation
from parcours.engagement import selectors, services, tasks
from parcours.engagement.forms import RiskFilters, ThresholdForm, percent
from parcours.engagement.models import DEFAULT_HIGH, DEFAULT_MEDIUM, RiskScore, RiskThreshold
from parcours.lib import exports
from parcours.programmes.models import Programme

VIEW, EDIT, CALIBRATE = "records.view", "records.edit", "risk.calibrate"
SORTS = {
    "score": ["score"],
    "apprenant": ["enrolment__learner__last_name", "enrolment__learner__first_name"],
    "session": ["enrolment__session__title", "enrolment__session__start_date"],
}
DEFAULT_SORT = "-score"
CSV_COLUMNS = ["apprenant", "identifiant apprenant", "session", "score", "niveau", "raisons"]


def _filtered(
    request: HttpRequest, organisation: Organisation, as_of: dt.date
) -> tuple[RiskFilters, QuerySet[RiskScore]]:
    filters = RiskFilters(request.GET, organisation=organisation)
    return filters, selectors.at_risk(organisation, as_of, **filters.criteria())


def _sorted(request: HttpRequest, rows: QuerySet[RiskScore]) -> QuerySet[RiskScore]:
    """The rows in the list's order (`?tri=`, as `crud.list_context` reads it)."""
    sort = request.GET.get("tri", "")
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT
    descending = sort.startswith("-")
    fields = [f"-{f}" if descending else f for f in SORTS[sort.removeprefix("-")]]
    return rows.order_by(*fields, "pk")


@capability_required(VIEW)
def risk_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, VIEW)
    snapshot = selectors.latest_snapshot(organisation)
    today = timezone.localdate()
    job = selectors.scoring_job(organisation, today)
    context: dict[str, Any] = {
        "snapshot": snapshot,
        "today": today,
        "job": job,
        "job_pending": job is not None and job.state in {JobState.QUEUED, JobState.RUNNING},
    }
    if snapshot is not None:
        filters, rows = _filtered(request, organisation, snapshot.as_of)
        context.update(
            crud.list_context(
                request,
                selectors.with_trainers(rows),
                filters,
                sorts=SORTS,
                default_sort=DEFAULT_SORT,
            )
        )
        context["counts"] = selectors.level_counts(organisation, snapshot.as_of)
        context["model_label"] = selectors.model_label(organisation.pk, snapshot.model_version)
        rows_on_page = list(context["page"].object_list)
        context["open_cases"] = selectors.open_cases([r.enrolment_id for r in rows_on_page])
    return render(request, "engagement/risk_list.html", context)


@capability_required(VIEW)
def risk_export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    """The filtered list, in the list's order, as CSV for French Excel or as XLSX."""
    organisation = organisation_for(request.user, VIEW)
    snapshot = selectors.latest_snapshot(organisation)
    day = snapshot.as_of if snapshot else timezone.localdate()
    rows: Any = []
    if snapshot is not None:
        _filters, scores = _filtered(request, organisation, snapshot.as_of)
        rows = (
            [
                f"{row.enrolment.learner.last_name} {row.enrolment.learner.first_name}".strip(),
                row.enrolment.learner.external_id,
                row.enrolment.session.title,
                Decimal(f"{row.score:.4f}"),
                row.get_level_display(),
                selectors.reasons_text(row.reasons),
            ]
            for row in _sorted(request, scores).iterator(chunk_size=2000)
        )
    return exports.table_response(
        fmt, f"risque-{day.isoformat()}", CSV_COLUMNS, rows, sheet=_("Risque")
    )


@capability_required(EDIT)
@require_POST
def risk_run(request: HttpRequest) -> HttpResponse:
    """Score the organisation as of today now, in the background (once at a time)."""
    organisation = organisation_for(request.user, EDIT)
    today = timezone.localdate()
    job = selectors.scoring_job(organisation, today)
    if job is None or job.state not in {JobState.QUEUED, JobState.RUNNING}:
        # The nightly job's key for the day's first run; a numbered one for each later run
        # (a double click asks for the same key, and so queues one job only).
        key = f"{tasks.SCORE}:{organisation.pk}:{today.isoformat()}"
        if job is not None:
            key += f":{job.pk}"
        jobs.enqueue(
            tasks.SCORE,
            {"as_of": today.isoformat()},
            organisation=organisation,
            created_by=crud.acting_user(request),
            dedupe_key=key,
        )
        messages.success(request, _("Le calcul des scores est lancé."))
    return redirect("engagement:risk_list")


@capability_required(CALIBRATE)
def thresholds(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, CALIBRATE)
    default, programmes = selectors.threshold_rows(organisation)
    data = request.POST if request.method == "POST" else None
    medium, high = (default.medium, default.high) if default else (DEFAULT_MEDIUM, DEFAULT_HIGH)
    default_form = ThresholdForm(
        data,
        prefix="defaut",
        optional=False,
        initial={"medium": percent(medium), "high": percent(high)},
    )
    rows = [
        (
            programme,
            threshold,
            ThresholdForm(
                data,
                prefix=f"p{programme.pk}",
                optional=True,
                initial={
                    "medium": percent(threshold.medium) if threshold else None,
                    "high": percent(threshold.high) if threshold else None,
                },
            ),
        )
        for programme, threshold in programmes
    ]
    if data is not None:
        valid = [form.is_valid() for form in [default_form, *(f for _p, _t, f in rows)]]
        if all(valid) and _save_thresholds(
            request, organisation, [(None, default, default_form), *rows]
        ):
            messages.success(request, _("Seuils enregistrés."))
            return redirect("engagement:thresholds")
        messages.error(request, _("Les seuils n'ont pas été enregistrés : corrigez les erreurs."))
    for _programme, _threshold, form in rows:
        form.fields["medium"].widget.attrs["placeholder"] = str(percent(medium))
        form.fields["high"].widget.attrs["placeholder"] = str(percent(high))
    models = list(selectors.risk_models(organisation).select_related("created_by"))
    in_service = next((m for m in models if m.is_active), None)
    job = selectors.calibration_job(organisation)
    return render(
        request,
        "engagement/thresholds.html",
        {
            "default_form": default_form,
            "rows": rows,
            "models": models,
            "in_service": in_service,
            "model_label": selectors.model_label(
                organisation.pk, in_service.version if in_service else 0
            ),
            "job": job,
            "job_pending": job is not None and job.state in {JobState.QUEUED, JobState.RUNNING},
            "today": timezone.localdate(),
        },
    )


@capability_required(CALIBRATE)
@require_POST
def calibrate_run(request: HttpRequest) -> HttpResponse:
    """Queue a calibration on the enrolments finished before today (the worker runs it)."""
    organisation = organisation_for(request.user, CALIBRATE)
    services.queue_calibration(
        organisation, until=timezone.localdate(), acting_user=crud.acting_user(request)
    )
    messages.success(
        request, _("La calibration est lancée : son résultat s'affichera sur cette page.")
    )
    return redirect("engagement:thresholds")


def _save_thresholds(
    request: HttpRequest,
    organisation: Organisation,
    rows: list[tuple[Programme | None, RiskThreshold | None, ThresholdForm]],
) -> bool:
    """Write every changed row, or none: a row the service refuses undoes them all."""
    user = crud.acting_user(request)
    changes: list[tuple[Programme | None, ThresholdForm, tuple[float, float] | None]] = []
    for programme, threshold, form in rows:
        values = form.fractions()
        if values is None:
            # A programme left blank follows the default thresholds (again, if it had its own).
            if programme is not None and threshold is not None:
                changes.append((programme, form, None))
            continue
        if threshold is not None:
            before: tuple[float, float] | None = (threshold.medium, threshold.high)
        else:
            before = (DEFAULT_MEDIUM, DEFAULT_HIGH) if programme is None else None
        if before and all(abs(a - b) < 1e-9 for a, b in zip(values, before, strict=True)):
            continue
        changes.append((programme, form, values))
    try:
        with transaction.atomic():
            for programme, form, values in changes:
                if values is None and programme is not None:
                    services.clear_thresholds(organisation, programme=programme, acting_user=user)
                    continue
                if values is None:
                    continue
                medium, high = values
                try:
                    services.set_thresholds(
                        organisation,
                        programme=programme,
                        medium=medium,
                        high=high,
                        acting_user=user,
                    )
                except ValidationError as error:
                    crud.show_errors(form, error)
                    raise
    except ValidationError:
        return False
    return True
