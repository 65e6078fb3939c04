"""The tutor's personal link to the liaison sheets of ONE apprentice (no account needed).

The link carries the enrolment and the tutor, signed with `django.core.signing` (salt
"followup.tutor_link") and dated: it is accepted for 30 days, as the attendance app's
personal signing links are (`parcours.attendance.signing.tokens`), and refusals use its
`Refused`. It may be used again until it expires, each time to send a new sheet: a tutor
writes one every few weeks, and asking staff for a new link each time would discourage
them. It gives access to nothing but this apprentice's sheet form: no learner data
beyond the name and the session, and no other enrolment, whatever the token says,
because the enrolment must still have this tutor and be under way.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from parcours.attendance.signing.tokens import Refused
from parcours.learners.models import ENDED_STATUSES, Enrolment, Tutor

LINK_SALT = "followup.tutor_link"
LINK_MAX_AGE = dt.timedelta(days=30)

__all__ = ["LINK_MAX_AGE", "Refused", "link_token", "link_url", "read_link"]


def link_token(enrolment: Enrolment) -> str:
    if enrolment.tutor_id is None:
        raise ValueError("an enrolment without a tutor has no tutor link")
    return signing.TimestampSigner(salt=LINK_SALT).sign_object(
        {"e": enrolment.pk, "t": enrolment.tutor_id}
    )


def link_url(enrolment: Enrolment) -> str:
    return f"{settings.SITE_URL}{reverse('followup:tutor_sheet', args=[link_token(enrolment)])}"


def read_link(token: str) -> tuple[Enrolment, Tutor]:
    """The enrolment and tutor of a valid link; `Refused` (French message) otherwise."""
    invalid = Refused(_("Ce lien n'est pas valide : utilisez celui reçu par e-mail."))
    try:
        payload = signing.TimestampSigner(salt=LINK_SALT).unsign_object(token, max_age=LINK_MAX_AGE)
        enrolment_pk, tutor_pk = int(payload["e"]), int(payload["t"])
    except signing.SignatureExpired:
        raise Refused(
            _(
                "Ce lien a expiré (il est valable 30 jours). Demandez un nouveau lien à "
                "l'organisme de formation."
            )
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    enrolment = (
        Enrolment.objects.select_related("learner", "session", "organisation", "tutor")
        .filter(pk=enrolment_pk, tutor_id=tutor_pk)
        .first()
    )
    if enrolment is None or enrolment.tutor is None:
        raise invalid
    if enrolment.status in ENDED_STATUSES:
        raise Refused(_("Le parcours de cet apprenti est terminé : la fiche n'est plus ouverte."))
    return enrolment, enrolment.tutor
