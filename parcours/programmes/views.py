"""Back office pages for programmes (formations), sessions and their séances."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import crud
from parcours.core.access import can, capability_required, get_scoped, organisation_for, scoped
from parcours.programmes import selectors, services
from parcours.programmes.forms import (
    ProgrammeFilters,
    ProgrammeForm,
    SessionFilters,
    SessionForm,
    SlotForm,
)
from parcours.programmes.models import Programme, Session, Slot

EDIT = "records.edit"
PROGRAMME_SORTS = {"titre": ["title"], "code": ["code"], "date": ["created_at"]}
SESSION_SORTS = {"titre": ["title"], "debut": ["start_date"], "fin": ["end_date"]}


# Programmes


@capability_required("records.view")
def programme_list(request: HttpRequest) -> HttpResponse:
    filters = ProgrammeFilters(request.GET, organisation=organisation_for(request.user))
    rows = selectors.programmes(scoped(request.user, Programme.objects.all()), **filters.criteria())
    context = crud.list_context(request, rows, filters, sorts=PROGRAMME_SORTS, default_sort="titre")
    return render(request, "programmes/programme_list.html", context)


@capability_required("records.view")
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_scoped(request.user, Programme.objects.all(), pk=pk)
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "sessions": selectors.programme_sessions(programme),
            "today": timezone.localdate(),
        },
    )


@capability_required(EDIT)
def programme_create(request: HttpRequest) -> HttpResponse:
    organisation, user = organisation_for(request.user, EDIT), crud.acting_user(request)
    return crud.form_page(
        request,
        ProgrammeForm(request.POST or None, organisation=organisation),
        lambda data: services.create_programme(organisation, acting_user=user, **data),
        success=_("Formation créée."),
        heading=_("Nouvelle formation"),
        cancel_url=reverse("programmes:programme_list"),
    )


@capability_required(EDIT)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_scoped(request.user, Programme.objects.all(), EDIT, pk=pk)
    user = crud.acting_user(request)
    return crud.form_page(
        request,
        ProgrammeForm(
            request.POST or None, instance=programme, organisation=programme.organisation
        ),
        lambda data: services.update_programme(programme, acting_user=user, **data),
        success=_("Formation enregistrée."),
        heading=_("Modifier la formation"),
        cancel_url=programme.get_absolute_url(),
    )


# Sessions


@capability_required("records.view")
def session_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = SessionFilters(request.GET, organisation=organisation_for(request.user))
    rows = selectors.sessions(
        scoped(request.user, Session.objects.all()), today=today, **filters.criteria()
    )
    context = crud.list_context(request, rows, filters, sorts=SESSION_SORTS, default_sort="-debut")
    return render(request, "programmes/session_list.html", {**context, "today": today})


@capability_required("records.view")
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_scoped(request.user, selectors.session_for_page(Session.objects.all()), pk=pk)
    context: dict[str, Any] = {"session": session, "today": timezone.localdate()}
    if can(request.user, EDIT):
        context["slot_form"] = SlotForm(organisation=session.organisation)
    return render(request, "programmes/session_detail.html", context)


@capability_required(EDIT)
def session_create(request: HttpRequest) -> HttpResponse:
    organisation, user = organisation_for(request.user, EDIT), crud.acting_user(request)
    initial = {"programme": request.GET.get("programme")}
    return crud.form_page(
        request,
        SessionForm(request.POST or None, organisation=organisation, initial=initial),
        lambda data: services.create_session(organisation, acting_user=user, **data),
        success=_("Session créée."),
        heading=_("Nouvelle session"),
        cancel_url=reverse("programmes:session_list"),
    )


@capability_required(EDIT)
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_scoped(request.user, Session.objects.all(), EDIT, pk=pk)
    user = crud.acting_user(request)
    return crud.form_page(
        request,
        SessionForm(request.POST or None, instance=session, organisation=session.organisation),
        lambda data: services.update_session(session, acting_user=user, **data),
        success=_("Session enregistrée."),
        heading=_("Modifier la session"),
        cancel_url=session.get_absolute_url(),
    )


# Séances (slots) of a session: after a change, back to the session's page.


@capability_required(EDIT)
def slot_create(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_scoped(request.user, Session.objects.all(), EDIT, pk=pk)
    user = crud.acting_user(request)
    return crud.form_page(
        request,
        SlotForm(request.POST or None, organisation=session.organisation),
        lambda data: services.create_slot(session, acting_user=user, **data).session,
        success=_("Séance ajoutée."),
        heading=_("Nouvelle séance"),
        cancel_url=session.get_absolute_url(),
    )


@capability_required(EDIT)
def slot_edit(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    slot, user = _get_slot(request, pk, slot_pk), crud.acting_user(request)
    return crud.form_page(
        request,
        SlotForm(request.POST or None, instance=slot, organisation=slot.session.organisation),
        lambda data: services.update_slot(slot, acting_user=user, **data).session,
        success=_("Séance enregistrée."),
        heading=_("Modifier la séance"),
        cancel_url=slot.session.get_absolute_url(),
    )


@capability_required(EDIT)
def slot_delete(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    slot = _get_slot(request, pk, slot_pk)
    if request.method != "POST":
        return render(request, "programmes/slot_delete.html", {"slot": slot})
    session = slot.session
    try:
        services.delete_slot(slot, acting_user=crud.acting_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Séance supprimée."))
    return redirect(session)


def _get_slot(request: HttpRequest, pk: int, slot_pk: int) -> Slot:
    """A séance, reached through its session (both of the user's organisation)."""
    return get_scoped(
        request.user,
        Slot.objects.select_related("session__organisation"),
        EDIT,
        pk=slot_pk,
        session_id=pk,
    )
