"""Sharing a session's summary with its teaching staff (I33)."""

import datetime as dt
import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, User
from parcours.feedback.models import SummaryShare
from parcours.feedback.services.errors import Refused
from parcours.messaging import services as messaging
from parcours.programmes.models import Session


@transaction.atomic
def share_summary(
    session: Session,
    *,
    acting_user: User,
    pdf: bytes,
    filename: str,
    now: dt.datetime,
) -> SummaryShare:
    """Send the session's PDF summary to its teaching staff; who and when is recorded."""
    trainers = [t for t in session.trainers.order_by("last_name", "first_name") if t.email]
    if not trainers:
        raise Refused(_("Aucun formateur de cette session n'a d'adresse e-mail."))
    share = SummaryShare.objects.create(
        organisation=session.organisation,
        session=session,
        shared_by=acting_user,
        shared_at=now,
        recipients=[f"{t} <{t.email}>" for t in trainers],
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    for t in trainers:
        messaging.queue_email(
            session.organisation,
            to=t.email,
            subject=_("Résultats des questionnaires : %(session)s") % {"session": session.title},
            body=_(
                "Bonjour %(name)s,\n\nVous trouverez ci-joint la synthèse des appréciations "
                "de la session « %(session)s », pour l'équipe pédagogique.\n\n%(org)s"
            )
            % {"name": t.first_name, "session": session.title, "org": session.organisation.name},
            related_key=f"feedback.share:{share.pk}",
            attachments=[(filename, "application/pdf", pdf)],
            acting_user=acting_user,
            template_key="feedback.synthese",
        )
    journal.record(
        JournalAction.CREATE,
        share,
        organisation=session.organisation,
        acting_user=acting_user,
        changes=journal.diff({}, journal.snapshot(share)),
        verb="feedback.summary_shared",
    )
    return share
