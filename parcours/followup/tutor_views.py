"""The company tutor's own space (`/tuteur/`): their apprentices, nothing else.

A tutor with an account sees, for each enrolment they tutor in their organisation, its
attendance, the liaison sheets they sent (and the form to send one: the same form and
service as the personal link), and the meetings they are invited to.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.attendance.selectors import enrolment_rate
from parcours.core import crud
from parcours.core.access import membership_of
from parcours.core.models import Role
from parcours.followup.forms import LiaisonSheetForm
from parcours.followup.models import LiaisonSheet, Meeting, MeetingStatus
from parcours.followup.services import liaison as liaison_services
from parcours.learners.models import ENDED_STATUSES, Enrolment, Tutor


def _tutor(request: HttpRequest) -> Tutor:
    """The logged-in tutor's record in their organisation (403 for anyone else)."""
    membership = membership_of(request.user)
    tutor = getattr(request.user, "tutor", None) if membership else None
    if (
        membership is None
        or membership.role != Role.TUTEUR
        or tutor is None
        or tutor.organisation_id != membership.organisation_id
    ):
        raise PermissionDenied
    return tutor


def _apprentices(tutor: Tutor) -> Any:
    return (
        Enrolment.objects.filter(tutor=tutor, organisation_id=tutor.organisation_id)
        .select_related("learner", "session", "employer")
        .prefetch_related(
            Prefetch(
                "liaison_sheets",
                queryset=LiaisonSheet.objects.filter(tutor=tutor).order_by("-submitted_at"),
                to_attr="my_sheets",
            )
        )
        .order_by("learner__last_name", "learner__first_name", "pk")
    )


@login_required
def tutor_home(request: HttpRequest) -> HttpResponse:
    tutor = _tutor(request)
    now = timezone.now()
    apprentices = [
        {
            "enrolment": enrolment,
            "rate": enrolment_rate(enrolment, as_of=now),
            "open": enrolment.status not in ENDED_STATUSES,
        }
        for enrolment in _apprentices(tutor)
    ]
    meetings = (
        Meeting.objects.filter(
            tutor=tutor,
            organisation_id=tutor.organisation_id,
            case__enrolment__tutor=tutor,
            status=MeetingStatus.PLANNED,
            starts_at__gte=now,
        )
        .select_related("case__enrolment__learner")
        .order_by("starts_at")
    )
    return render(
        request,
        "followup/tutor_home.html",
        {"tutor": tutor, "apprentices": apprentices, "meetings": meetings},
    )


@login_required
def tutor_sheet_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The liaison sheet of one of the tutor's apprentices (the personal link's form)."""
    tutor = _tutor(request)
    enrolment = _apprentices(tutor).filter(pk=pk).first()
    if enrolment is None:
        raise Http404
    if enrolment.status in ENDED_STATUSES:
        messages.error(
            request, _("Le parcours de cet apprenti est terminé : la fiche n'est plus ouverte.")
        )
        return redirect("followup:tutor_home")
    form = LiaisonSheetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            liaison_services.submit_liaison_sheet(enrolment, tutor, **form.cleaned_data)
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Merci, votre fiche de liaison est enregistrée."))
            if form.cleaned_data["alert"]:
                messages.info(
                    request,
                    _(
                        "Vous avez demandé à être contacté(e) : l'équipe de suivi vous "
                        "rappellera rapidement."
                    ),
                )
            return redirect("followup:tutor_home")
    return render(
        request,
        "followup/tutor_sheet.html",
        {"enrolment": enrolment, "tutor": tutor, "form": form, "back": True},
    )


def tutor_home_page(request: HttpRequest) -> HttpResponse | None:
    """The home page of a company tutor with a tutor record (registered into core.homes)."""
    if hasattr(request.user, "tutor"):
        return redirect("followup:tutor_home")
    return None
