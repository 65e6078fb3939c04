from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from parcours.core.access import (
    capability_required,
    get_scoped,
    membership_of,
    organisation_for,
    scoped,
)
from parcours.core.dashboard import panels_for
from parcours.core.homes import home_page
from parcours.core.models import Job, JournalEntry


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        return render(request, "core/no_membership.html", status=403)
    if (page := home_page(request, membership.role)) is not None:
        return page
    if membership.role not in {"direction", "qualite", "suivi", "auditeur"}:
        return render(request, "core/space.html", {"membership": membership})
    now = timezone.now()
    return render(
        request,
        "core/dashboard.html",
        {"today": timezone.localdate(now), "panels": panels_for(membership, now)},
    )


@capability_required("journal.view")
def journal_list(request: HttpRequest) -> HttpResponse:
    entries = scoped(request.user, JournalEntry.objects.all(), "journal.view").order_by("-seq")
    object_type = request.GET.get("type", "")
    if object_type:
        entries = entries.filter(object_type=object_type)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/journal.html", {"page": page, "object_type": object_type})


@capability_required("records.view")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_scoped(request.user, Job.objects.all(), pk=pk)
    return render(request, "core/job_detail.html", {"job": job})


@capability_required("records.view")
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the progress bar: the job's state as JSON."""
    job = get_scoped(request.user, Job.objects.all(), pk=pk)
    organisation_for(request.user)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "label": job.progress_label,
            "finished": job.state in {"done", "failed"},
        }
    )
