"""Pages of the electronic signature (émargement) and of the learner portal.

The trainer's pages are reached through the organisation (`get_slot_for_trainer`); the
learner's through a QR token, a personal link, a personal code or their login, each
checked by `signing.tokens` and `signing.services`. Every refusal is a page with its
French message (status 403).
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.attendance.models import Method, Signature
from parcours.attendance.signing import services as signing_services
from parcours.attendance.signing import tokens as signing_tokens
from parcours.attendance.signing.tokens import Grant, Refused
from parcours.core.access import can
from parcours.core.throttle import Limit, client_address
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Slot


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "attendance/signing/refused.html", {"message": message}, status=403)


def _sign_page(
    request: HttpRequest,
    slot: Slot,
    enrolment: Enrolment,
    grant: str,
    *,
    error: str = "",
    status: int = 200,
    by_cookie: bool = False,
) -> HttpResponse:
    start, end = signing_services.signing_window(slot)
    return render(
        request,
        "attendance/signing/sign.html",
        {
            "slot": slot,
            "learner": enrolment.learner,
            "grant": grant,
            "window_start": start,
            "window_end": end,
            "error": error,
            "by_cookie": by_cookie,
        },
        status=status,
    )


def _qr_svg(url: str) -> str:
    return str(segno.make(url, error="m").svg_inline(scale=6, border=2))


# --- The trainer's side -------------------------------------------------------------


@login_required
@require_GET
def slot_signing(request: HttpRequest, pk: int) -> HttpResponse:
    """« Émargement en séance »: the rotating QR code, who signed, codes, links, countersign."""
    slot = signing_services.get_slot_for_trainer(request.user, pk)
    now = timezone.now()
    signatures = {
        s.mark.enrolment_id: s
        for s in Signature.objects.filter(slot=slot, mark__isnull=False).select_related("mark")
        if s.mark is not None
    }
    rows = [(e, signatures.get(e.pk)) for e in signing_services.signable_enrolments(slot)]
    countersignatures = list(
        Signature.objects.filter(slot=slot, trainer__isnull=False).select_related("trainer")
    )
    trainer = signing_services.trainer_of(request.user, slot)
    is_open = signing_services.accepts_signatures(slot, now)
    if is_open:
        signing_services.open_qr(slot, acting_user=request.user, now=now)  # type: ignore[arg-type]
    url = signing_tokens.qr_url(slot, now) if is_open else ""
    start, end = signing_services.signing_window(slot)
    return render(
        request,
        "attendance/signing/slot.html",
        {
            "slot": slot,
            "is_open": is_open,
            "closed_at": signing_services.closed_at(slot),
            "qr_svg": _qr_svg(url) if is_open else "",
            "qr_url": url,
            "seconds_left": signing_tokens.qr_seconds_left(now),
            "window_start": start,
            "window_end": end,
            "rows": rows,
            "signed_count": len(signatures),
            "countersignatures": countersignatures,
            "trainer": trainer,
            "may_countersign": trainer is not None
            and all(c.trainer_id != trainer.pk for c in countersignatures),
            "countersign_from": signing_services.countersign_from(slot),
            "countersign_open": now >= signing_services.countersign_from(slot),
            "may_send_links": can(request.user, "records.edit"),
            "links_job": signing_services.links_job(slot),
        },
    )


@login_required
@require_GET
def slot_qr(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the trainer's page: the current QR code."""
    slot = signing_services.get_slot_for_trainer(request.user, pk)
    now = timezone.now()
    if not signing_services.accepts_signatures(slot, now):
        return JsonResponse({"open": False, "svg": "", "url": "", "seconds_left": 0})
    signing_services.open_qr(slot, acting_user=request.user, now=now)  # type: ignore[arg-type]
    url = signing_tokens.qr_url(slot, now)
    return JsonResponse(
        {
            "open": True,
            "svg": _qr_svg(url),
            "url": url,
            "seconds_left": signing_tokens.qr_seconds_left(now),
        }
    )


@login_required
@require_POST
def slot_codes(request: HttpRequest, pk: int) -> HttpResponse:
    """New one-time codes, shown once, to hand out or print."""
    slot = signing_services.get_slot_for_trainer(request.user, pk)
    codes = signing_services.issue_codes(slot, acting_user=request.user)  # type: ignore[arg-type]
    address = signing_tokens.code_page_url()
    return render(
        request,
        "attendance/signing/codes.html",
        {"slot": slot, "codes": codes, "address": address, "address_qr": _qr_svg(address)},
    )


@login_required
@require_POST
def slot_send_links(request: HttpRequest, pk: int) -> HttpResponse:
    slot = signing_services.get_slot_for_trainer(request.user, pk)
    if not can(request.user, "records.edit"):
        raise PermissionDenied
    existing = signing_services.links_job(slot)
    signing_services.request_links(slot, acting_user=request.user)  # type: ignore[arg-type]
    if existing is None:
        messages.success(request, _("Les liens de signature vont être envoyés par e-mail."))
    else:
        messages.info(request, _("Les liens de signature de cette séance ont déjà été demandés."))
    return redirect("signing:slot", pk=slot.pk)


@login_required
@require_POST
def slot_countersign(request: HttpRequest, pk: int) -> HttpResponse:
    slot = signing_services.get_slot_for_trainer(request.user, pk)
    trainer = signing_services.trainer_of(request.user, slot)
    if trainer is None:
        messages.error(request, _("Seul un formateur de la séance peut la contresigner."))
        return redirect("signing:slot", pk=slot.pk)
    ip, user_agent = signing_services.client_details(request)
    try:
        signing_services.countersign(
            slot,
            trainer,
            image=request.POST.get("signature", ""),
            ip=ip,
            user_agent=user_agent,
            acting_user=request.user,  # type: ignore[arg-type]
        )
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Séance contresignée."))
    return redirect("signing:slot", pk=slot.pk)


# --- The learner's side -------------------------------------------------------------


def _code_page(
    request: HttpRequest, slot: Slot | None, grant: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "attendance/signing/code.html",
        {"slot": slot, "grant": grant, "error": error},
        status=status,
    )


@require_GET
def qr_scan(request: HttpRequest, slot_pk: int, token: str) -> HttpResponse:
    """The QR code's URL: identify the learner (login, link cookie, or a one-time code)."""
    now = timezone.now()
    try:
        slot = signing_tokens.slot_for_qr(slot_pk, token, now)
        signing_services.check_window(slot, now)
        learner = signing_tokens.known_learner(request)
        if learner is None:
            return _code_page(request, slot, signing_tokens.issue_grant(Grant(slot.pk, Method.QR)))
        enrolment = signing_services.enrolment_at(learner, slot)
        signing_services.check_not_someone_else(request.user, enrolment)
        signing_services.check_not_signed(slot, enrolment)
    except Refused as refusal:
        return _refused(request, refusal.message)
    grant = Grant(slot.pk, Method.QR, enrolment.pk)
    # Not logged in: the phone was recognised by the cookie of the learner's personal link.
    by_cookie = not request.user.is_authenticated
    return _sign_page(
        request, slot, enrolment, signing_tokens.issue_grant(grant), by_cookie=by_cookie
    )


@require_POST
def forget_device(request: HttpRequest) -> HttpResponse:
    """« Ce n'est pas moi »: this phone no longer answers QR codes as the learner."""
    response = render(request, "attendance/signing/forgotten.html")
    response.delete_cookie(signing_tokens.LEARNER_COOKIE, samesite="Lax")
    return response


# Wrong one-time codes: per scan of the QR (its grant) and per address, a quarter hour.
CODES_PER_GRANT = Limit("attendance.code.grant", attempts=5, seconds=900)
CODES_PER_ADDRESS = Limit("attendance.code.address", attempts=20, seconds=900)


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    """The learner types the personal code the trainer gave them: after scanning the QR
    code (the page then knows the slot), or at the address printed with the codes."""
    if request.method == "GET":
        return _code_page(request, None, "")
    now = timezone.now()
    grant_value = request.POST.get("grant", "")
    typed = request.POST.get("code", "")
    slot: Slot | None = None
    try:
        if grant_value:
            grant = signing_tokens.read_grant(grant_value)
            if grant.enrolment_id is not None or grant.method != Method.QR:
                raise Refused(_("Ce lien de signature n'est pas valide."))
            slot, _none = signing_tokens.grant_objects(grant)
            signing_services.check_window(slot, now)
    except Refused as refusal:
        return _refused(request, refusal.message)
    grant_value, address = request.POST.get("grant", ""), client_address(request)
    if CODES_PER_GRANT.exceeded(grant_value) or CODES_PER_ADDRESS.exceeded(address):
        message = _("Trop de codes erronés : réessayez dans un quart d'heure.")
        return _code_page(request, slot, grant_value, error=message, status=429)
    try:
        if slot is not None:
            code = signing_services.redeem_code(slot, typed, now)
        else:
            code = signing_services.find_open_code(typed, now)
            slot = code.slot
    except Refused as refusal:
        CODES_PER_GRANT.hit(grant_value)
        CODES_PER_ADDRESS.hit(address)
        return _code_page(request, slot, grant_value, error=refusal.message, status=400)
    try:
        signing_services.check_window(slot, now)
        enrolment = code.enrolment
        known = signing_tokens.known_learner(request)
        if known is not None and known.pk != enrolment.learner_id:
            raise Refused(_("Ce code est celui d'un autre apprenant."))
        signing_services.check_not_someone_else(request.user, enrolment)
        signing_services.enrolment_at(enrolment.learner, slot)
        signing_services.check_not_signed(slot, enrolment)
    except Refused as refusal:
        return _refused(request, refusal.message)
    grant = Grant(slot.pk, Method.CODE, enrolment.pk, code.pk)
    return _sign_page(request, slot, enrolment, signing_tokens.issue_grant(grant))


@require_GET
def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    """The learner's personal link for one slot; it also lets this device answer QR codes."""
    now = timezone.now()
    try:
        slot, enrolment = signing_tokens.read_link(token)
        signing_services.check_not_someone_else(request.user, enrolment)
        signing_services.check_window(slot, now)
        signing_services.enrolment_at(enrolment.learner, slot)
        signing_services.check_not_signed(slot, enrolment)
    except Refused as refusal:
        return _refused(request, refusal.message)
    response = _sign_page(
        request,
        slot,
        enrolment,
        signing_tokens.issue_grant(Grant(slot.pk, Method.LINK, enrolment.pk)),
    )
    response.set_signed_cookie(
        signing_tokens.LEARNER_COOKIE,
        str(enrolment.learner_id),
        salt=signing_tokens.LEARNER_COOKIE_SALT,
        max_age=signing_tokens.LEARNER_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_POST
def submit_signature(request: HttpRequest) -> HttpResponse:
    grant_value = request.POST.get("grant", "")
    try:
        grant = signing_tokens.read_grant(grant_value)
        if grant.enrolment_id is None:
            raise Refused(_("Ce lien de signature n'est pas valide."))
        slot, enrolment = signing_tokens.grant_objects(grant)
        assert enrolment is not None  # noqa: S101 (grant_objects returns it when asked)
        signing_services.check_not_someone_else(request.user, enrolment)
        ip, user_agent = signing_services.client_details(request)
        signature = signing_services.sign(
            slot,
            enrolment,
            image=request.POST.get("signature", ""),
            method=grant.method,
            ip=ip,
            user_agent=user_agent,
            code_id=grant.code_id,
        )
    except signing_tokens.ImageRefused as refusal:
        if enrolment is None:  # (never: images are checked once the enrolment is known)
            return _refused(request, refusal.message)
        return _sign_page(request, slot, enrolment, grant_value, error=refusal.message, status=400)
    except Refused as refusal:
        return _refused(request, refusal.message)
    return render(
        request,
        "attendance/signing/done.html",
        {"slot": slot, "learner": enrolment.learner, "signature": signature},
    )


# --- The learner portal -------------------------------------------------------------


def _portal_learner(request: HttpRequest) -> Learner:
    learner = signing_tokens.learner_of_user(request.user)
    if learner is None:
        raise PermissionDenied
    return learner


@login_required
@require_GET
def portal_sign(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _portal_learner(request)
    slot = get_object_or_404(
        Slot.objects.select_related("session"), pk=pk, organisation_id=learner.organisation_id
    )
    try:
        enrolment = signing_services.enrolment_at(learner, slot)
        signing_services.check_window(slot, timezone.now())
        signing_services.check_not_signed(slot, enrolment)
    except Refused as refusal:
        return _refused(request, refusal.message)
    grant = Grant(slot.pk, Method.LINK, enrolment.pk)
    return _sign_page(request, slot, enrolment, signing_tokens.issue_grant(grant))
