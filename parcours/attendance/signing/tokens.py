"""How a learner reaches a slot's signing page and is recognised: QR tokens, personal
links, grants, the phone's cookie, the portal login.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from parcours.learners.access import learner_of_user
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Slot

QR_PERIOD_SECONDS = 30


QR_SALT = "parcours.attendance.qr"


LINK_SALT = "attendance.link"


GRANT_SALT = "attendance.grant"


GRANT_MAX_AGE = 15 * 60


LEARNER_COOKIE = "parcours_emargement"


LEARNER_COOKIE_SALT = "attendance.learner"


LEARNER_COOKIE_MAX_AGE = 365 * 24 * 3600


class Refused(Exception):
    """A signing attempt refused, with the French message shown to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImageRefused(Refused):
    """The drawing itself is refused: the person may draw again on the same page."""


def local_time(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


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


def code_page_url() -> str:
    """Where a learner types a personal code (printed with the codes, with its QR code)."""
    return f"{settings.SITE_URL}{reverse('signing:enter_code')}"


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
