"""Back office pages of attendance: a séance's roll, the schedule generator, the sheets."""

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.attendance import pdf, schedule, selectors, services
from parcours.attendance.forms import GroupMarkForm, ScheduleForm
from parcours.attendance.models import AttendanceMark
from parcours.core import crud
from parcours.core.access import can, capability_required, get_scoped
from parcours.lib.pdf import pdf_response
from parcours.programmes.models import Session, Slot

VIEW = "records.view"
EDIT = "records.edit"


def _slot(request: HttpRequest, pk: int, capability: str = VIEW) -> Slot:
    return get_scoped(
        request.user,
        Slot.objects.select_related("session__programme", "trainer", "organisation"),
        capability,
        pk=pk,
    )


@capability_required(VIEW)
def slot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The séance's roll; staff who may edit mark the whole group on this one screen."""
    slot = _slot(request, pk)
    lines = selectors.slot_roll(slot)
    form = None
    if can(request.user, EDIT):
        form = GroupMarkForm(request.POST or None, request.FILES or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            try:
                marks = services.mark_group(
                    slot,
                    form.statuses(),
                    acting_user=crud.acting_user(request),
                    notes=form.notes(),
                    files=form.uploads(),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d présence enregistrée.",
                        "%(count)d présences enregistrées.",
                        len(marks),
                    )
                    % {"count": len(marks)},
                )
                return redirect("attendance:slot_detail", pk=slot.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "attendance/slot_detail.html",
        {
            "slot": slot,
            "lines": lines,
            "form": form,
            "countersignatures": selectors.countersignatures([slot])[slot.pk],
            "conflicts": [line for line in lines if line.conflict],
            "may_settle": form is not None,
        },
    )


@capability_required(EDIT)
def settle_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    """The trainer settles a disagreement: present after all, or the absence stands."""
    mark = get_scoped(request.user, AttendanceMark.objects.select_related("slot"), EDIT, pk=pk)
    if request.method != "POST":
        return redirect("attendance:slot_detail", pk=mark.slot_id)
    decision = request.POST.get("decision", "")
    if decision not in {"present", "absent"}:
        messages.error(request, _("Choisissez : présent(e), ou absence maintenue."))
    else:
        try:
            services.settle_conflict(
                mark, present=decision == "present", acting_user=crud.acting_user(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Désaccord tranché."))
    return redirect("attendance:slot_detail", pk=mark.slot_id)


@capability_required(EDIT)
def schedule_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview the séances a weekly pattern gives, then create them."""
    session = get_scoped(request.user, Session.objects.all(), EDIT, pk=pk)
    form = ScheduleForm(request.POST or None, session=session)
    preview = None
    if request.method == "POST" and form.is_valid():
        pattern = form.pattern()
        try:
            if "confirm" in request.POST:
                created = schedule.generate(
                    session,
                    pattern,
                    acting_user=crud.acting_user(request),
                    trainer=form.cleaned_data["trainer"],
                    room=form.cleaned_data["room"],
                )
                messages.success(
                    request,
                    ngettext("%(count)d séance créée.", "%(count)d séances créées.", len(created))
                    % {"count": len(created)},
                )
                return redirect(session)
            preview = schedule.plan(session, pattern)
        except ValidationError as error:
            crud.show_errors(form, error)
    return render(
        request,
        "attendance/schedule_generate.html",
        {"session": session, "form": form, "preview": preview},
    )


@capability_required(VIEW)
def slot_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    slot = _slot(request, pk)
    content = pdf.slot_sheet(slot, generated_at=timezone.now())
    return pdf_response(content, f"emargement-seance-{slot.pk}.pdf")


@capability_required(VIEW)
def session_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_scoped(
        request.user, Session.objects.select_related("programme", "organisation"), pk=pk
    )
    content = pdf.session_sheet(session, generated_at=timezone.now())
    return pdf_response(content, f"emargement-session-{session.pk}.pdf")


@capability_required(VIEW)
def justification(request: HttpRequest, pk: int) -> HttpResponse:
    """An excused absence's justification file (never served from a public URL)."""
    mark = get_scoped(request.user, AttendanceMark.objects.all(), pk=pk)
    if not mark.justification:
        raise Http404
    with mark.justification.open("rb") as handle:
        content = handle.read()  # at most 5 Mo (services.MAX_JUSTIFICATION_BYTES)
    mime = mimetypes.guess_type(mark.justification.name)[0] or "application/octet-stream"
    response = HttpResponse(content, content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    return response
