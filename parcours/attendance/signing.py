"""Electronic signature (émargement): tokens, one-time codes and signature capture.

Three ways for a learner to reach the signing page of a slot:
- the QR code shown by the trainer: its token is an HMAC of the slot and of the current
  30-second window, accepted for the current and the previous window only; the learner
  is then identified by their portal login, by the cookie their personal link left, or
  by a one-time code the trainer hands out;
- their personal link, sent by email (`django.core.signing`, salt "attendance.link");
- the learner portal, for a learner with an account.

Once identified, the page carries a short-lived signed *grant* (slot, enrolment, method),
so that drawing the signature may take longer than a QR window. `sign` then checks
everything again, stores the image and its digest, and marks the learner present (or
late), in one transaction with its journal entries.
"""

import base64
import binascii
import datetime as dt
import hashlib
import io
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from PIL import Image

from parcours.attendance import services as attendance_services
from parcours.attendance.models import (
    ATTENDED,
    AttendanceMark,
    AttendanceStatus,
    Method,
    OneTimeCode,
    Signature,
)
from parcours.core import jobs, journal
from parcours.core.access import can, membership_of
from parcours.core.models import Job, JournalAction, Role, User
from parcours.core.services import check_same_organisation
from parcours.learners.access import learner_of_user
from parcours.learners.models import Enrolment, EnrolmentStatus, Learner
from parcours.programmes.models import Slot, Trainer

QR_PERIOD_SECONDS = 30
QR_SALT = "parcours.attendance.qr"
CODE_SALT = "parcours.attendance.code"
LINK_SALT = "attendance.link"
GRANT_SALT = "attendance.grant"
GRANT_MAX_AGE = 15 * 60
LEARNER_COOKIE = "parcours_emargement"
LEARNER_COOKIE_SALT = "attendance.learner"
LEARNER_COOKIE_MAX_AGE = 365 * 24 * 3600
EARLY = dt.timedelta(minutes=15)
LATE_AFTER = dt.timedelta(minutes=15)
COUNTERSIGN_FROM_END = dt.timedelta(minutes=15)
MAX_IMAGE_BYTES = 200 * 1024
MAX_IMAGE_PIXELS = 4_000_000
PNG_DATA_URL = "data:image/png;base64,"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
SEND_LINKS = "attendance.send_links"


class Refused(Exception):
    """A signing attempt refused, with the French message shown to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImageRefused(Refused):
    """The drawing itself is refused: the person may draw again on the same page."""


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


# --- The signing window -----------------------------------------------------------


def signing_window(slot: Slot) -> tuple[dt.datetime, dt.datetime]:
    """From 15 minutes before the slot starts to its end."""
    return slot.starts_at - EARLY, slot.ends_at


def is_open(slot: Slot, now: dt.datetime) -> bool:
    start, end = signing_window(slot)
    return start <= now <= end


def check_window(slot: Slot, now: dt.datetime) -> None:
    if not is_open(slot, now):
        start, end = signing_window(slot)
        raise Refused(
            _("La signature n'est possible que pendant la séance (du %(start)s au %(end)s).")
            % {"start": _local(start), "end": _local(end)}
        )


# --- QR tokens ----------------------------------------------------------------------


def qr_window(now: dt.datetime) -> int:
    return int(now.timestamp()) // QR_PERIOD_SECONDS


def _qr_mac(slot_pk: int, window: int) -> str:
    return salted_hmac(QR_SALT, f"{slot_pk}:{window}", algorithm="sha256").hexdigest()[:20]


def qr_token(slot: Slot, now: dt.datetime) -> str:
    window = qr_window(now)
    return f"{window:x}-{_qr_mac(slot.pk, window)}"


def qr_url(slot: Slot, now: dt.datetime) -> str:
    path = reverse("signing:qr_scan", args=[slot.pk, qr_token(slot, now)])
    return f"{settings.SITE_URL}{path}"


def qr_seconds_left(now: dt.datetime) -> int:
    return QR_PERIOD_SECONDS - int(now.timestamp()) % QR_PERIOD_SECONDS


def slot_for_qr(slot_pk: int, token: str, now: dt.datetime) -> Slot:
    """The slot a scanned token is for; refused if forged, or older than the previous window."""
    forged = Refused(_("Ce QR code n'est pas valide : scannez celui affiché à l'écran."))
    window_hex, _sep, mac = token.partition("-")
    try:
        window = int(window_hex, 16)
    except ValueError:
        raise forged from None
    if not constant_time_compare(mac, _qr_mac(slot_pk, window)):
        raise forged
    current = qr_window(now)
    if window > current:
        raise forged
    if window < current - 1:
        raise Refused(_("Ce QR code a expiré : scannez celui affiché à l'écran."))
    return get_object_or_404(Slot.objects.select_related("session"), pk=slot_pk)


# --- Personal links -----------------------------------------------------------------


def link_token(slot: Slot, enrolment: Enrolment) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign_object({"s": slot.pk, "e": enrolment.pk})


def link_url(slot: Slot, enrolment: Enrolment) -> str:
    return f"{settings.SITE_URL}{reverse('signing:link', args=[link_token(slot, enrolment)])}"


def read_link(token: str) -> tuple[Slot, Enrolment]:
    invalid = Refused(_("Ce lien de signature n'est pas valide."))
    try:
        payload = signing.TimestampSigner(salt=LINK_SALT).unsign_object(token)
        slot_pk, enrolment_pk = int(payload["s"]), int(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    slot = Slot.objects.select_related("session").filter(pk=slot_pk).first()
    if slot is None:
        raise invalid
    enrolment = (
        Enrolment.objects.select_related("learner")
        .filter(pk=enrolment_pk, session_id=slot.session_id, organisation_id=slot.organisation_id)
        .first()
    )
    if enrolment is None:
        raise invalid
    return slot, enrolment


# --- Grants: who may sign what, carried by the signing page -------------------------


@dataclass(frozen=True)
class Grant:
    slot_id: int
    method: str
    enrolment_id: int | None = None
    code_id: int | None = None


def issue_grant(grant: Grant) -> str:
    return signing.TimestampSigner(salt=GRANT_SALT).sign_object(asdict(grant))


def read_grant(value: str) -> Grant:
    try:
        data = signing.TimestampSigner(salt=GRANT_SALT).unsign_object(value, max_age=GRANT_MAX_AGE)
        return Grant(**data)
    except signing.SignatureExpired:
        raise Refused(
            _(
                "Le délai pour signer est dépassé : rouvrez votre lien ou scannez à nouveau le QR code."
            )
        ) from None
    except (signing.BadSignature, TypeError):
        raise Refused(_("Ce lien de signature n'est pas valide.")) from None


def grant_objects(grant: Grant) -> tuple[Slot, Enrolment | None]:
    slot = get_object_or_404(Slot.objects.select_related("session"), pk=grant.slot_id)
    if grant.enrolment_id is None:
        return slot, None
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner"),
        pk=grant.enrolment_id,
        organisation_id=slot.organisation_id,
    )
    return slot, enrolment


# --- Who is signing -----------------------------------------------------------------


def learner_from_cookie(request: HttpRequest) -> Learner | None:
    pk = request.get_signed_cookie(
        LEARNER_COOKIE, default=None, salt=LEARNER_COOKIE_SALT, max_age=LEARNER_COOKIE_MAX_AGE
    )
    if not pk or not str(pk).isdigit():
        return None
    return Learner.objects.filter(pk=int(pk)).first()


def known_learner(request: HttpRequest) -> Learner | None:
    """Who the device says it is: the logged-in learner, else the personal link's cookie."""
    if request.user.is_authenticated:
        learner = learner_of_user(request.user)
        if learner is not None:
            return learner
    return learner_from_cookie(request)


def enrolment_at(learner: Learner, slot: Slot) -> Enrolment:
    """The learner's enrolment in the slot's session, active that day; refused otherwise."""
    enrolment = (
        Enrolment.objects.select_related("learner")
        .filter(learner=learner, session_id=slot.session_id, organisation_id=slot.organisation_id)
        .first()
    )
    if enrolment is None or not enrolment.is_active_on(attendance_services.slot_day(slot)):
        raise Refused(_("Vous n'êtes pas inscrit(e) à la session de cette séance."))
    return enrolment


def check_not_someone_else(user: Any, enrolment: Enrolment) -> None:
    """A logged-in person may sign only as themself."""
    if user.is_authenticated and enrolment.learner.user_id != user.pk:
        raise Refused(_("Vous ne pouvez pas signer pour un autre apprenant."))


def has_signed(slot: Slot, enrolment: Enrolment) -> bool:
    return Signature.objects.filter(slot=slot, mark__enrolment=enrolment).exists()


def check_not_signed(slot: Slot, enrolment: Enrolment) -> None:
    if has_signed(slot, enrolment):
        raise Refused(_("Vous avez déjà signé pour cette séance."))


# --- One-time codes -----------------------------------------------------------------


def _code_hash(slot_pk: int, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{slot_pk}:{code}", algorithm="sha256").hexdigest()


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper().replace("-", "")


def signable_enrolments(slot: Slot) -> list[Enrolment]:
    """The enrolments of the slot's session active on its day, by learner name."""
    day = attendance_services.slot_day(slot)
    return list(
        Enrolment.objects.active_on(day)
        .filter(session_id=slot.session_id, organisation_id=slot.organisation_id)
        .exclude(status__in=[EnrolmentStatus.ABANDON])
        .select_related("learner")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )


@transaction.atomic
def issue_codes(slot: Slot, *, acting_user: User | None) -> list[tuple[Enrolment, str]]:
    """New one-time codes for every learner who has not signed yet; older unused ones die.

    Only their hashes are stored: the codes are shown once, to be handed out or printed.
    """
    now = timezone.now()
    OneTimeCode.objects.filter(slot=slot, used_at__isnull=True).delete()
    signed = set(
        Signature.objects.filter(slot=slot, mark__isnull=False).values_list(
            "mark__enrolment_id", flat=True
        )
    )
    issued = []
    rows = []
    for enrolment in signable_enrolments(slot):
        if enrolment.pk in signed:
            continue
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        rows.append(
            OneTimeCode(
                organisation_id=slot.organisation_id,
                slot=slot,
                enrolment=enrolment,
                code_hash=_code_hash(slot.pk, code),
                created_at=now,
                expires_at=slot.ends_at,
            )
        )
        issued.append((enrolment, code))
    OneTimeCode.objects.bulk_create(rows)
    journal.record_event(
        "attendance.codes_issued",
        organisation=slot.organisation_id,
        acting_user=acting_user,
        obj=slot,
        data={"count": len(rows)},
    )
    return issued


def redeem_code(slot: Slot, code: str, now: dt.datetime) -> OneTimeCode:
    """The unused, unexpired code of this slot; it is spent only when the signature is."""
    found = (
        OneTimeCode.objects.select_related("enrolment__learner")
        .filter(slot=slot, code_hash=_code_hash(slot.pk, normalise_code(code)))
        .first()
    )
    if found is None:
        raise Refused(_("Ce code n'est pas valide pour cette séance."))
    if found.used_at is not None:
        raise Refused(_("Ce code a déjà été utilisé."))
    if now > found.expires_at:
        raise Refused(_("Ce code a expiré."))
    return found


# --- The signature itself -----------------------------------------------------------


def decode_signature_image(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature: a PNG data URL, at most 200 KB, not blank."""
    data_url = (data_url or "").strip()
    if not data_url:
        raise ImageRefused(_("Dessinez votre signature dans le cadre avant de valider."))
    if not data_url.startswith(PNG_DATA_URL):
        raise ImageRefused(_("La signature doit être une image PNG."))
    encoded = data_url[len(PNG_DATA_URL) :]
    if len(encoded) > (MAX_IMAGE_BYTES * 4) // 3 + 4:
        raise ImageRefused(_("L'image de la signature dépasse 200 Ko."))
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused(_("L'image de la signature est illisible.")) from None
    if len(png) > MAX_IMAGE_BYTES:
        raise ImageRefused(_("L'image de la signature dépasse 200 Ko."))
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG" or image.width * image.height > MAX_IMAGE_PIXELS:
                raise ImageRefused(_("L'image de la signature est illisible."))
            image.load()
            rgba = image.convert("RGBA")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRefused(_("L'image de la signature est illisible.")) from None
    on_white = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    darkest, _lightest = cast(tuple[int, int], on_white.getextrema())
    if darkest > 200:
        raise ImageRefused(_("La signature est vide : dessinez votre signature dans le cadre."))
    return png


def signature_digest(
    png: bytes, *, slot_pk: int, signer: str, signed_at: dt.datetime, ip: str, user_agent: str
) -> str:
    """SHA-256 of the image with the slot, the signer, the time, the IP and the browser."""
    digest = hashlib.sha256(png)
    context = [str(slot_pk), signer, signed_at.astimezone(dt.UTC).isoformat(), ip, user_agent]
    digest.update(("|" + "|".join(context)).encode())
    return digest.hexdigest()


def _signer_of(signature: Signature) -> str:
    if signature.mark is not None:
        return f"enrolment:{signature.mark.enrolment_id}"
    return f"trainer:{signature.trainer_id}"


def verify_digest(signature: Signature) -> bool:
    """True when the stored image and details still match the digest taken at signing."""
    with signature.image.open("rb") as stored:
        png = stored.read()
    expected = signature_digest(
        png,
        slot_pk=signature.slot_id,
        signer=_signer_of(signature),
        signed_at=signature.signed_at,
        ip=signature.ip_address or "",
        user_agent=signature.user_agent,
    )
    return constant_time_compare(expected, signature.digest)


def _store_signature(
    slot: Slot,
    png: bytes,
    *,
    signer: str,
    method: str,
    signed_at: dt.datetime,
    ip: str,
    user_agent: str,
    acting_user: User | None,
    label: str,
    **owner: Any,
) -> Signature:
    signature = Signature(
        organisation_id=slot.organisation_id,
        slot=slot,
        method=method,
        signed_at=signed_at,
        ip_address=ip or None,
        user_agent=user_agent,
        digest=signature_digest(
            png,
            slot_pk=slot.pk,
            signer=signer,
            signed_at=signed_at,
            ip=ip,
            user_agent=user_agent,
        ),
        **owner,
    )
    check_same_organisation(signature)
    try:
        signature.full_clean(exclude=["image"])
    except ValidationError as error:
        raise Refused(" ".join(error.messages)) from None
    signature.image.save(f"{slot.pk}-{uuid.uuid4().hex}.png", ContentFile(png), save=False)
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:
        signature.image.delete(save=False)
        raise Refused(_("Vous avez déjà signé pour cette séance.")) from None
    changes = journal.snapshot(signature)
    changes["image"] = signature.image.name
    journal.record(
        JournalAction.CREATE,
        signature,
        organisation=slot.organisation_id,
        acting_user=acting_user,
        changes=journal.diff({}, changes),
        verb="attendance.sign",
        label=label,
    )
    return signature


def client_details(request: HttpRequest) -> tuple[str, str]:
    """The IP address (REMOTE_ADDR) and user agent recorded with a signature."""
    ip = request.META.get("REMOTE_ADDR") or ""
    return ip, (request.META.get("HTTP_USER_AGENT") or "")[:400]


@transaction.atomic
def sign(
    slot: Slot,
    enrolment: Enrolment,
    *,
    image: str,
    method: str,
    ip: str,
    user_agent: str,
    code_id: int | None = None,
    now: dt.datetime | None = None,
) -> Signature:
    """The learner signs the slot: present, or late beyond 15 minutes; journaled."""
    now = now or timezone.now()
    check_window(slot, now)
    # Serialises two attempts of the same learner (on PostgreSQL; SQLite locks the database).
    enrolment = Enrolment.objects.select_for_update().select_related("learner").get(pk=enrolment.pk)
    check_not_signed(slot, enrolment)
    png = decode_signature_image(image)
    if code_id is not None:
        spent = OneTimeCode.objects.filter(
            pk=code_id, slot=slot, enrolment=enrolment, used_at__isnull=True
        ).update(used_at=now)
        if not spent:
            raise Refused(_("Ce code a déjà été utilisé."))
    late = now - slot.starts_at
    status = AttendanceStatus.RETARD if late > LATE_AFTER else AttendanceStatus.PRESENT
    minutes_late = int(late.total_seconds() // 60) if status == AttendanceStatus.RETARD else None
    learner_user = enrolment.learner.user
    try:
        mark = attendance_services.record_mark(
            slot,
            enrolment,
            status,
            acting_user=learner_user,
            method=method,
            minutes_late=minutes_late,
        )
    except ValidationError as error:
        raise Refused(" ".join(error.messages)) from None
    return _store_signature(
        slot,
        png,
        signer=f"enrolment:{enrolment.pk}",
        method=method,
        signed_at=now,
        ip=ip,
        user_agent=user_agent,
        acting_user=learner_user,
        label=f"{enrolment.learner.full_name} (émargement)",
        mark=mark,
    )


# --- The trainer's side -------------------------------------------------------------


def trainer_of(user: Any, slot: Slot) -> Trainer | None:
    """The user's trainer record if they teach this slot (its trainer, or one of its session)."""
    if not getattr(user, "is_authenticated", False):
        return None
    trainer = Trainer.objects.filter(user=user, organisation_id=slot.organisation_id).first()
    if trainer is None:
        return None
    if slot.trainer_id == trainer.pk or slot.session.trainers.filter(pk=trainer.pk).exists():
        return trainer
    return None


def get_slot_for_trainer(user: Any, pk: int) -> Slot:
    """A slot of the user's organisation that they run: staff, or its trainer; else 403/404."""
    membership = membership_of(user)
    if membership is None or membership.role in {Role.APPRENANT, Role.TUTEUR}:
        raise PermissionDenied
    try:
        slot = get_object_or_404(
            Slot.objects.select_related("session", "trainer"),
            pk=pk,
            organisation=membership.organisation,
        )
    except (TypeError, ValueError):
        raise Http404 from None
    if can(user, "records.edit") or trainer_of(user, slot) is not None:
        return slot
    raise PermissionDenied


def countersign_from(slot: Slot) -> dt.datetime:
    return slot.ends_at - COUNTERSIGN_FROM_END


@transaction.atomic
def countersign(
    slot: Slot,
    trainer: Trainer,
    *,
    image: str,
    ip: str,
    user_agent: str,
    acting_user: User | None,
    now: dt.datetime | None = None,
) -> Signature:
    """The trainer countersigns the slot, from 15 minutes before its end."""
    now = now or timezone.now()
    if now < countersign_from(slot):
        raise Refused(
            _("La contresignature n'est possible qu'en fin de séance, à partir du %(start)s.")
            % {"start": _local(countersign_from(slot))}
        )
    if Signature.objects.filter(slot=slot, trainer=trainer).exists():
        raise Refused(_("Cette séance est déjà contresignée par ce formateur."))
    png = decode_signature_image(image)
    return _store_signature(
        slot,
        png,
        signer=f"trainer:{trainer.pk}",
        method=Method.TRAINER,
        signed_at=now,
        ip=ip,
        user_agent=user_agent,
        acting_user=acting_user,
        label=str(trainer),
        trainer=trainer,
    )


# --- Personal links by email (a background job) -------------------------------------


def links_dedupe_key(slot: Slot) -> str:
    return f"{SEND_LINKS}:{slot.pk}"


def links_job(slot: Slot) -> Job | None:
    return Job.objects.filter(dedupe_key=links_dedupe_key(slot)).first()


@transaction.atomic
def request_links(slot: Slot, *, acting_user: User | None) -> Job:
    """Queue the sending of every learner's personal link for the slot (once per slot)."""
    existing = links_job(slot)
    if existing is not None:
        return existing
    job = jobs.enqueue(
        SEND_LINKS,
        {"slot": slot.pk},
        organisation=slot.organisation,
        created_by=acting_user,
        dedupe_key=links_dedupe_key(slot),
    )
    journal.record_event(
        "attendance.links_requested",
        organisation=slot.organisation_id,
        acting_user=acting_user,
        obj=slot,
        data={"job": job.pk},
    )
    return job


@jobs.handler(SEND_LINKS)
def send_links(job: Job) -> dict[str, Any]:
    """One email per active learner with an address; a retry skips those already sent."""
    slot = Slot.objects.select_related("session", "organisation").get(pk=job.payload["slot"])
    sent: list[int] = list((job.result or {}).get("sent", []))
    recipients = [e for e in signable_enrolments(slot) if e.learner.email]
    if timezone.now() > slot.ends_at:
        return {"sent": sent, "expired": True}
    jobs.report_progress(job, len(sent), len(recipients), _("Envoi des liens de signature"))
    with get_connection() as connection:
        for enrolment in recipients:
            if enrolment.pk in sent:
                continue
            context = {
                "learner": enrolment.learner,
                "slot": slot,
                "organisation": slot.organisation,
                "url": link_url(slot, enrolment),
                "starts_at": _local(slot.starts_at),
                "ends_at": _local(slot.ends_at),
            }
            subject = render_to_string("attendance/signing/link_email_subject.txt", context)
            EmailMessage(
                " ".join(subject.split()),
                render_to_string("attendance/signing/link_email.txt", context),
                to=[enrolment.learner.email],
                connection=connection,
            ).send()
            sent.append(enrolment.pk)
            # What was sent survives a failure further on: a retry does not send it again.
            jobs.save_result(job, {"sent": sent})
            jobs.report_progress(job, len(sent))
    return {"sent": sent}


# --- The learner portal (reads) -----------------------------------------------------


@dataclass(frozen=True)
class PortalSlot:
    slot: Slot
    enrolment: Enrolment
    status: str
    status_label: str
    signed: bool
    can_sign: bool


@dataclass(frozen=True)
class PortalRate:
    enrolment: Enrolment
    past: int
    attended: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.past) if self.past else None


@dataclass(frozen=True)
class PortalOverview:
    upcoming: list[PortalSlot]
    past: list[PortalSlot]
    rates: list[PortalRate]


def portal_overview(
    learner: Learner, now: dt.datetime, *, upcoming_limit: int = 30, past_limit: int = 50
) -> PortalOverview:
    """The learner's schedule (current enrolments), their marks and attendance rates."""
    enrolments = list(
        Enrolment.objects.filter(learner=learner, organisation_id=learner.organisation_id)
        .exclude(status__in=[EnrolmentStatus.TERMINE, EnrolmentStatus.ABANDON])
        .select_related("session")
        .order_by("session__start_date", "pk")
    )
    by_session = {e.session_id: e for e in enrolments}
    slots = list(
        Slot.objects.filter(session_id__in=by_session, organisation_id=learner.organisation_id)
        .select_related("session")
        .order_by("starts_at", "pk")
    )
    marks = {
        (m.slot_id, m.enrolment_id): m
        for m in AttendanceMark.objects.filter(enrolment_id__in=[e.pk for e in enrolments])
    }
    signed = set(
        Signature.objects.filter(mark__enrolment_id__in=[e.pk for e in enrolments]).values_list(
            "slot_id", flat=True
        )
    )
    upcoming: list[PortalSlot] = []
    past: list[PortalSlot] = []
    counts = {e.pk: [0, 0] for e in enrolments}
    for slot in slots:
        enrolment = by_session[slot.session_id]
        if not enrolment.is_active_on(attendance_services.slot_day(slot)):
            continue
        mark = marks.get((slot.pk, enrolment.pk))
        item = PortalSlot(
            slot=slot,
            enrolment=enrolment,
            status=mark.status if mark else "",
            status_label=mark.get_status_display() if mark else "",
            signed=slot.pk in signed,
            can_sign=is_open(slot, now) and slot.pk not in signed,
        )
        if slot.ends_at >= now:
            upcoming.append(item)
        else:
            past.append(item)
            counts[enrolment.pk][0] += 1
            if mark is not None and mark.status in ATTENDED:
                counts[enrolment.pk][1] += 1
    rates = [PortalRate(e, *counts[e.pk]) for e in enrolments]
    return PortalOverview(upcoming[:upcoming_limit], past[::-1][:past_limit], rates)
