"""The signature (émargement) of a slot: its window, personal codes, the signature itself,
the trainer's countersignature, the links sent by email.

`sign` checks everything again, stores the image and its digest, and records the mark
it attests, in one transaction with its journal entries. A signature never replaces a
mark already set (the trainer's word); lateness comes from the trainer, or from a QR
code shown from the start of the slot. The countersignature closes the sheet.
"""

import base64
import binascii
import datetime as dt
import hashlib
import io
import secrets
import uuid
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from PIL import Image

from parcours.attendance import services as attendance_services
from parcours.attendance.models import (
    AttendanceMark,
    AttendanceStatus,
    Method,
    OneTimeCode,
    Signature,
    SigningSheet,
)
from parcours.attendance.signing.tokens import ImageRefused, Refused, link_url, local_time
from parcours.core import jobs, journal
from parcours.core.access import can, membership_of
from parcours.core.models import Job, JournalAction, Role, User
from parcours.core.services import check_same_organisation
from parcours.learners.models import Enrolment, EnrolmentStatus, Learner
from parcours.programmes.models import Slot, Trainer

CODE_SALT = "parcours.attendance.code"


EARLY = dt.timedelta(minutes=15)


LATE_AFTER = dt.timedelta(minutes=15)


COUNTERSIGN_FROM_END = dt.timedelta(minutes=15)


MAX_IMAGE_BYTES = 200 * 1024


MAX_IMAGE_PIXELS = 4_000_000


PNG_DATA_URL = "data:image/png;base64,"


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


CODE_LENGTH = 6


SEND_LINKS = "attendance.send_links"


def signing_window(slot: Slot) -> tuple[dt.datetime, dt.datetime]:
    """From 15 minutes before the slot starts to its end."""
    return slot.starts_at - EARLY, slot.ends_at


def is_open(slot: Slot, now: dt.datetime) -> bool:
    start, end = signing_window(slot)
    return start <= now <= end


def check_window(slot: Slot, now: dt.datetime) -> None:
    """Refused outside the slot's window, or once the trainer has countersigned."""
    if not is_open(slot, now):
        start, end = signing_window(slot)
        raise Refused(
            _("La signature n'est possible que pendant la séance (du %(start)s au %(end)s).")
            % {"start": local_time(start), "end": local_time(end)}
        )
    check_not_closed(slot)


def closed_at(slot: Slot) -> dt.datetime | None:
    """When the sheet closed: the slot's first countersignature, if any."""
    return (
        Signature.objects.filter(slot=slot, trainer__isnull=False)
        .order_by("signed_at")
        .values_list("signed_at", flat=True)
        .first()
    )


def check_not_closed(slot: Slot) -> None:
    closed = closed_at(slot)
    if closed is not None:
        raise Refused(
            _(
                "La feuille d'émargement de cette séance est close : le formateur l'a "
                "contresignée le %(at)s. Adressez-vous à lui."
            )
            % {"at": local_time(closed)}
        )


def accepts_signatures(slot: Slot, now: dt.datetime) -> bool:
    """The QR code is shown (and rotates) while this holds."""
    return is_open(slot, now) and closed_at(slot) is None


@transaction.atomic
def open_qr(slot: Slot, *, acting_user: User | None, now: dt.datetime) -> SigningSheet:
    """The trainer shows the QR code: the first time is kept (and journaled), since it
    decides whether the signatures may tell who came late."""
    sheet = SigningSheet.objects.select_for_update().filter(slot=slot).first()
    if sheet is not None:
        return sheet
    sheet = SigningSheet.objects.create(
        organisation_id=slot.organisation_id, slot=slot, qr_opened_at=now, qr_opened_by=acting_user
    )
    journal.record_event(
        "attendance.qr_opened",
        organisation=slot.organisation_id,
        acting_user=acting_user,
        obj=slot,
        data={"at": now.isoformat()},
    )
    return sheet


def lateness_from_signatures(slot: Slot) -> bool:
    """Signatures tell lateness only when the QR code was shown from the start."""
    opened = SigningSheet.objects.filter(slot=slot).values_list("qr_opened_at", flat=True).first()
    return opened is not None and opened <= slot.starts_at + LATE_AFTER


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


def find_open_code(code: str, now: dt.datetime) -> OneTimeCode:
    """A code typed on the code page reached without a QR code (the printed address):
    the code of a slot open for signing now, unused and unexpired."""
    normalised = normalise_code(code)
    slots = list(
        Slot.objects.filter(starts_at__lte=now + EARLY, ends_at__gte=now).values_list(
            "pk", flat=True
        )
    )
    hashes = {_code_hash(pk, normalised): pk for pk in slots}
    found = (
        OneTimeCode.objects.select_related("enrolment__learner", "slot__session")
        .filter(code_hash__in=list(hashes))
        .first()
    )
    if found is None or hashes.get(found.code_hash) != found.slot_id:
        raise Refused(_("Ce code n'est pas valide pour une séance en cours."))
    return redeem_code(found.slot, code, now)


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
    """The learner signs the slot; journaled.

    A signature attests presence; it never replaces a mark already set (the trainer's
    word): when that mark says absent, the séance page flags the disagreement for the
    trainer to settle. With no mark yet, the learner is marked present, or late beyond
    15 minutes when they signed by QR code (or code) and the QR code was shown from the
    start of the slot. Refused once the trainer has countersigned.
    """
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
    learner_user = enrolment.learner.user
    mark = AttendanceMark.objects.select_for_update().filter(slot=slot, enrolment=enrolment).first()
    if mark is None:
        late = now - slot.starts_at
        status = AttendanceStatus.PRESENT
        minutes_late = None
        if (
            method in {Method.QR, Method.CODE}
            and late > LATE_AFTER
            and lateness_from_signatures(slot)
        ):
            status = AttendanceStatus.RETARD
            minutes_late = int(late.total_seconds() // 60)
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
    # A mark already set (by the trainer, an import) is kept: the signature attests the
    # presence; where the mark says absent, the séance page shows the disagreement.
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
            % {"start": local_time(countersign_from(slot))}
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
                "starts_at": local_time(slot.starts_at),
                "ends_at": local_time(slot.ends_at),
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
