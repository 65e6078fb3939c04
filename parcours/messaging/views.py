"""Pages of the messaging app: message templates (list, edit, preview) and the outbox."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from parcours.core import crud
from parcours.core.access import capability_required, get_scoped, organisation_for, scoped
from parcours.learners.models import Enrolment
from parcours.messaging import merge, selectors, services
from parcours.messaging.forms import OutboxFilters, TemplateEditForm, TemplateForm
from parcours.messaging.models import Message, MessageTemplate

MANAGE = "messaging.manage"
# Who sends messages (follow-up staff) may read and preview the templates, and resend.
SEND = "cases.work"
VIEW = "records.view"
OUTBOX_SORTS = {"date": ["created_at"], "destinataire": ["to"], "statut": ["status"]}
PREVIEW_CHOICES = 100


# Templates


@capability_required(SEND)
def template_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, SEND)
    services.ensure_default_templates(organisation)
    templates = MessageTemplate.objects.filter(organisation=organisation).order_by("name")
    return render(
        request,
        "messaging/template_list.html",
        {"templates": templates, "fields": merge.FIELDS},
    )


@capability_required(MANAGE)
def template_create(request: HttpRequest) -> HttpResponse:
    organisation, user = organisation_for(request.user, MANAGE), crud.acting_user(request)
    return _template_form(
        request,
        TemplateForm(request.POST or None, organisation=organisation),
        lambda data: services.create_template(organisation, acting_user=user, **data),
        heading=_("Nouveau modèle de message"),
        cancel_url=reverse("messaging:template_list"),
    )


@capability_required(MANAGE)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_scoped(request.user, MessageTemplate.objects.all(), MANAGE, pk=pk)
    user = crud.acting_user(request)
    return _template_form(
        request,
        TemplateEditForm(
            request.POST or None, instance=template, organisation=template.organisation
        ),
        lambda data: services.update_template(template, acting_user=user, **data),
        heading=_("Modifier le modèle « %(name)s »") % {"name": template.name},
        cancel_url=template.get_absolute_url(),
    )


def _template_form(
    request: HttpRequest,
    form: TemplateForm,
    save: Callable[[dict[str, Any]], MessageTemplate],
    *,
    heading: str,
    cancel_url: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            template = save(form.cleaned_data)
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Modèle enregistré."))
            return redirect(template)
    context = {"form": form, "heading": heading, "cancel_url": cancel_url, "fields": merge.FIELDS}
    return render(request, "messaging/template_form.html", context)


def sample_context(request: HttpRequest, enrolment: Enrolment | None) -> dict[str, Any]:
    """The merge context of a preview: the enrolment's, else sample data; sample extras."""
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    meeting = timezone.make_aware(dt.datetime.combine(monday, dt.time(14, 30)))
    user = crud.acting_user(request)
    extras = {
        "responsable": services.person(user),
        "rendez_vous": services.appointment(meeting, _("Salle 2 ou visioconférence")),
        "absences": {"nombre": "3"},
        "inactivite": {"jours": "12"},
        "evaluation": {"intitule": _("Étude de cas n° 2"), "echeance": monday},
    }
    if enrolment is not None:
        return services.merge_context(enrolment, **extras)
    organisation = organisation_for(request.user, SEND)
    return services.merge_context(
        None,
        apprenant={
            "prenom": "Camille",
            "nom": "Martin",
            "nom_complet": "Camille Martin",
            "email": "camille.martin@exemple.fr",
        },
        session={
            "intitule": _("Comptabilité générale"),
            "debut": "02/03/2026",
            "fin": "26/06/2026",
        },
        organisme={"nom": organisation.name},
        tuteur={"nom": "Dominique Bernard"},
        entreprise={"nom": "Boulangerie du Centre"},
        **extras,
    )


@capability_required(SEND)
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_scoped(request.user, MessageTemplate.objects.all(), SEND, pk=pk)
    enrolments = scoped(request.user, Enrolment.objects.all(), SEND).select_related(
        "learner", "session", "organisation", "tutor", "employer", "learner__employer"
    )
    enrolment = None
    if request.GET.get("inscription"):
        enrolment = get_scoped(request.user, enrolments, SEND, pk=request.GET["inscription"])
    context = sample_context(request, enrolment)
    choices = list(enrolments.order_by("-enrolled_on", "-pk")[:PREVIEW_CHOICES])
    if enrolment is not None and enrolment not in choices:
        choices.insert(0, enrolment)
    return render(
        request,
        "messaging/template_preview.html",
        {
            "template": template,
            "subject": merge.render_subject(template.subject, context),
            "body": merge.render(template.body, context),
            "enrolment": enrolment,
            "choices": choices,
        },
    )


# The outbox


@capability_required(VIEW)
def outbox(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, VIEW)
    filters = OutboxFilters(request.GET, organisation=organisation)
    rows = selectors.outbox(Message.objects.filter(organisation=organisation), **filters.criteria())
    context = crud.list_context(request, rows, filters, sorts=OUTBOX_SORTS, default_sort="-date")
    return render(request, "messaging/outbox.html", context)


@capability_required(VIEW)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_scoped(
        request.user,
        Message.objects.select_related("enrolment__learner", "enrolment__session", "created_by"),
        pk=pk,
    )
    return render(
        request,
        "messaging/message_detail.html",
        {
            "message": message,
            "status_label": selectors.status_label(message),
            "sender": selectors.sender_display(message.from_email),
            "related": selectors.related_label(message.related_key),
            "template_name": MessageTemplate.objects.filter(
                organisation_id=message.organisation_id, key=message.template_key
            )
            .values_list("name", flat=True)
            .first()
            if message.template_key
            else None,
            "attempts": message.delivery_attempts.all(),
            "attachments": message.attachments.defer("content"),
        },
    )


@capability_required(SEND)
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_scoped(request.user, Message.objects.all(), SEND, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.resend(message, acting_user=crud.acting_user(request))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Le message est de nouveau en attente d'envoi."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)  # the dashboard's « renvoyer »
    return redirect(message)


@capability_required(VIEW)
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    message = get_scoped(request.user, Message.objects.all(), pk=pk)
    attachment = get_object_or_404(message.attachments, pk=attachment_pk)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.mimetype)
    disposition = content_disposition_header(True, attachment.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    return response
