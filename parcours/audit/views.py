import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.audit import access, framework, home, services
from parcours.audit.forms import GrantForm, PackForm
from parcours.audit.models import EvidencePack
from parcours.core import crud
from parcours.core.access import can, capability_required, organisation_for


def auditor_home(request: HttpRequest) -> HttpResponse:
    """The auditor's home (registered for the role auditeur in core's homes)."""
    return render(
        request,
        "audit/home.html",
        {
            "blocks": home.blocks_for(request),
            "packs": access.packs_for_user(request.user)[:10],
            "version": framework.version_on(timezone.localdate()),
            "versions": framework.versions(),
        },
    )


@capability_required("audit.view")
def space(request: HttpRequest) -> HttpResponse:
    return auditor_home(request)


@capability_required("audit.view")
def framework_page(request: HttpRequest) -> HttpResponse:
    versions = framework.versions()
    today = timezone.localdate()
    code = request.GET.get("version") or framework.version_on(today).code
    chosen = next((v for v in versions if v.code == code), None)
    if chosen is None:
        raise Http404
    return render(
        request,
        "audit/framework.html",
        {
            "versions": versions,
            "version": chosen,
            "in_force": framework.version_on(today),
            "criteria": framework.criteria(),
            "rules": framework.grading_rules(),
        },
    )


@capability_required("audit.view")
def packs(request: HttpRequest) -> HttpResponse:
    runs = can(request.user, "audit.run")
    form = PackForm(initial={"as_of": timezone.localdate()})
    if request.method == "POST":
        organisation = organisation_for(request.user, "audit.run")
        form = PackForm(request.POST)
        if form.is_valid():
            try:
                pack = services.request_pack(
                    organisation,
                    acting_user=crud.acting_user(request),
                    as_of=form.cleaned_data["as_of"],
                    seed=form.cleaned_data["seed"],
                    sample_size=form.cleaned_data["sample_size"],
                )
            except ValidationError as error:
                crud.show_errors(form, error)
            else:
                messages.success(request, _("Dossier de preuves demandé : il est en préparation."))
                return redirect("audit:pack", pk=pack.pk)
    return render(
        request,
        "audit/packs.html",
        {"packs": access.packs_for_user(request.user), "form": form if runs else None},
    )


@capability_required("audit.view")
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pack = access.get_pack_for_user(request.user, pk)
    response = render(request, "audit/pack.html", {"pack": pack})
    if not pack.is_finished:
        response["Refresh"] = "3"  # the page follows the build without JavaScript
    return response


@login_required  # the pack is reached through the organisation, with audit.view
def pack_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    pack: EvidencePack = access.get_pack_for_user(request.user, pk)
    if not pack.file:
        raise Http404
    try:
        handle = pack.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=pack.filename)


@capability_required("audit.grant")
def auditors(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, "audit.grant")
    today = timezone.localdate()
    form = GrantForm(initial={"expires_on": today + dt.timedelta(days=30)})
    if request.method == "POST":
        form = GrantForm(request.POST)
        if form.is_valid():
            try:
                membership = services.grant_auditor_access(
                    organisation,
                    acting_user=crud.acting_user(request),
                    email=form.cleaned_data["email"],
                    expires_on=form.cleaned_data["expires_on"],
                    today=today,
                )
            except ValidationError as error:
                crud.show_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Accès d'auditeur ouvert pour %(email)s jusqu'au %(day)s.")
                    % {
                        "email": membership.user.email,
                        "day": form.cleaned_data["expires_on"].strftime("%d/%m/%Y"),
                    },
                )
                return redirect("audit:auditors")
    now = timezone.now()
    rows = [(m, m.is_valid_at(now)) for m in access.auditors_for_user(request.user)]
    return render(request, "audit/auditors.html", {"form": form, "rows": rows})


@require_POST
@capability_required("audit.grant")
def auditor_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access.get_auditor_for_user(request.user, pk)
    try:
        services.revoke_auditor_access(membership, acting_user=crud.acting_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Accès de %(email)s révoqué.") % {"email": membership.user.email}
        )
    return redirect("audit:auditors")
