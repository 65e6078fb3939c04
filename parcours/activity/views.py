"""The xAPI statements endpoint (for an LMS), and the staff pages around it."""

import base64
import binascii
import json
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from parcours.activity import services, xapi
from parcours.activity.models import XapiCredential, XapiStatement
from parcours.core.access import capability_required, get_scoped, organisation_for
from parcours.core.crud import acting_user

VERSION = "1.0.3"
MANAGE = "records.import"  # direction and qualité


def _xapi_response(response: HttpResponse) -> HttpResponse:
    response["X-Experience-API-Version"] = VERSION
    return response


def _error(status: int, reason: str) -> HttpResponse:
    return _xapi_response(JsonResponse({"error": reason}, status=status))


def _credential(request: HttpRequest) -> XapiCredential | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return services.authenticate(key, secret) if sep else None


def _stored(statement: XapiStatement) -> dict[str, Any]:
    return {
        **statement.raw,
        "timestamp": statement.raw.get("timestamp") or statement.timestamp.isoformat(),
        "stored": statement.stored_at.isoformat(),
        "version": statement.raw.get("version", VERSION),
    }


@csrf_exempt
@require_http_methods(["GET", "POST", "PUT"])
def statements(request: HttpRequest) -> HttpResponse:
    """POST one statement or a list, PUT one with ?statementId=, GET one by its id."""
    credential = _credential(request)
    if credential is None:
        response = _error(401, _("authentification HTTP Basic attendue (clé:secret xAPI)"))
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
        return response
    version = request.headers.get("X-Experience-API-Version", "")
    if not xapi.VERSION.match(version):
        return _error(400, _("en-tête X-Experience-API-Version : 1.0.x attendu"))
    org = credential.organisation
    if request.method == "GET":
        statement_id = request.GET.get("statementId", "")
        if not xapi.is_uuid(statement_id):
            return _error(400, _("statementId : UUID attendu"))
        found = XapiStatement.objects.filter(
            organisation=org, statement_id=xapi.normalise_id(statement_id)
        ).first()
        if found is None:
            return _error(404, _("déclaration inconnue"))
        return _xapi_response(JsonResponse(_stored(found)))
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, _("corps : JSON attendu"))
    if request.method == "PUT":
        statement_id = request.GET.get("statementId", "")
        if not xapi.is_uuid(statement_id):
            return _error(400, _("statementId : UUID attendu"))
        if not isinstance(body, dict):
            return _error(400, _("statement : une seule déclaration attendue"))
        if "id" in body and (
            not xapi.is_uuid(body["id"])
            or xapi.normalise_id(body["id"]) != xapi.normalise_id(statement_id)
        ):
            return _error(400, _("id : différent du paramètre statementId"))
        body = {**body, "id": statement_id}
    batch = body if isinstance(body, list) else [body]
    if not batch:
        return _error(400, _("corps : au moins une déclaration attendue"))
    for i, statement in enumerate(batch):
        try:
            xapi.validate(statement)
        except xapi.Invalid as exc:
            where = f"statements[{i}]." if isinstance(body, list) else ""
            return _error(400, where + exc.message)
    try:
        received = services.receive_statements(org, batch)
    except services.Conflict as exc:
        return _error(
            409,
            _("id : la déclaration %(id)s existe déjà avec un autre contenu")
            % {"id": exc.statement_id},
        )
    if request.method == "PUT":
        return _xapi_response(HttpResponse(status=204))
    return _xapi_response(JsonResponse([r.statement_id for r in received], safe=False))


@csrf_exempt
def about(request: HttpRequest) -> HttpResponse:
    return _xapi_response(JsonResponse({"version": [VERSION]}))


# Staff pages


@capability_required(MANAGE)
def credential_list(request: HttpRequest) -> HttpResponse:
    org = organisation_for(request.user, MANAGE)
    if request.method == "POST":
        label = request.POST.get("label", "").strip()
        if not label:
            messages.error(request, _("Donnez un libellé à la clé (le nom de la plateforme)."))
            return redirect("activity:credential_list")
        credential, secret = services.create_credential(
            org, label=label, acting_user=acting_user(request)
        )
        return render(
            request,
            "activity/credential_created.html",
            {"credential": credential, "secret": secret},
        )
    credentials = XapiCredential.objects.filter(organisation=org)
    endpoint = request.build_absolute_uri("/xapi/")
    return render(
        request,
        "activity/credential_list.html",
        {"credentials": credentials, "endpoint": endpoint},
    )


@require_POST
@capability_required(MANAGE)
def credential_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    queryset: QuerySet[XapiCredential] = XapiCredential.objects.all()
    credential = get_scoped(request.user, queryset, MANAGE, pk=pk)
    services.revoke_credential(credential, acting_user=acting_user(request))
    messages.success(request, _("La clé « %(label)s » est révoquée.") % {"label": credential.label})
    return redirect("activity:credential_list")


@capability_required(MANAGE)
def unmatched_statements(request: HttpRequest) -> HttpResponse:
    org = organisation_for(request.user, MANAGE)
    unmatched = XapiStatement.objects.filter(organisation=org, learner__isnull=True).only(
        "statement_id",
        "actor_mbox",
        "actor_account_homepage",
        "actor_account_name",
        "verb_id",
        "verb_display",
        "object_id",
        "timestamp",
    )[:200]
    return render(request, "activity/unmatched.html", {"statements": unmatched})
