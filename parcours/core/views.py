from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from parcours.core.access import (
    capability_required,
    get_scoped,
    membership_of,
    organisation_for,
    scoped,
)
from parcours.core.models import Job, JournalEntry
from parcours.core.selectors import dashboard_figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        return render(request, "core/no_membership.html", status=403)
    if membership.role == "apprenant" and hasattr(request.user, "learner"):
        # A learner's home is their portal (also at /mon-espace/).
        from parcours.attendance.signing_views import portal

        return portal(request)
    if membership.role == "tuteur" and hasattr(request.user, "tutor"):
        # A company tutor's home lists their apprentices (followup's tutor space).
        return redirect("followup:tutor_home")
    if membership.role not in {"direction", "qualite", "suivi", "auditeur"}:
        return render(request, "core/space.html", {"membership": membership})
    today = timezone.localdate()
    return render(
        request,
        "core/dashboard.html",
        {"today": today, **dashboard_figures(membership.organisation, today)},
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
