"""The audit's writes: evidence packs, the auditor's access, the auditor's page views.

Each runs in one transaction with its journal entry. The auditor's membership itself is
core's record: it is created and changed through core's services.
"""

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.audit.models import EvidencePack, PackState
from parcours.audit.pack import builder
from parcours.audit.services.mock import MAX_SAMPLE
from parcours.core import jobs, journal
from parcours.core.models import Job, Membership, Organisation, Role, User
from parcours.core.services import create_member, update_record

log = logging.getLogger("parcours.audit")

PACK_JOB = "audit.pack"
PAGE_VIEWED = "audit.page_viewed"
MAX_GRANT_DAYS = 366


# Evidence packs


@transaction.atomic
def request_pack(
    organisation: Organisation,
    *,
    acting_user: User | None,
    as_of: dt.date,
    seed: int | None = None,
    sample_size: int | None = None,
    today: dt.date | None = None,
) -> EvidencePack:
    """Queue the building of a pack as of `as_of` (the worker builds it)."""
    today = today or timezone.localdate()
    if as_of > today:
        raise ValidationError({"as_of": _("La date de référence ne peut pas être dans le futur.")})
    if seed is not None and seed < 0:
        raise ValidationError({"seed": _("La graine est un entier positif.")})
    if sample_size is not None and not 1 <= sample_size <= MAX_SAMPLE:
        raise ValidationError(
            {"sample_size": _("L'échantillon va de 1 à %(max)d.") % {"max": MAX_SAMPLE}}
        )
    pack = EvidencePack.objects.create(
        organisation=organisation,
        as_of=as_of,
        seed=seed,
        sample_size=sample_size,
        created_by=acting_user,
    )
    journal.record_event(
        "audit.pack_requested",
        organisation=organisation,
        acting_user=acting_user,
        obj=pack,
        data={"as_of": as_of.isoformat()},
    )
    jobs.enqueue(PACK_JOB, {"pack_id": pack.pk}, organisation=organisation, created_by=acting_user)
    return pack


def _progress(pack_id: int) -> builder.Progress:
    def report(percent: int, label: str) -> None:
        EvidencePack.objects.filter(pk=pack_id).update(
            state=PackState.RUNNING, progress=max(0, min(100, percent)), step=label[:200]
        )

    return report


@jobs.handler(PACK_JOB)
def build_pack(job: Job) -> dict[str, Any]:
    pack = EvidencePack.objects.select_related("organisation").get(pk=job.payload["pack_id"])
    if pack.state == PackState.DONE:
        return {"pack_id": pack.pk}
    relative = f"packs/{pack.organisation_id}/{pack.filename}"
    output = Path(settings.MEDIA_ROOT) / relative
    try:
        result = builder.build(
            pack.organisation,
            as_of=pack.as_of,
            output=output,
            seed=pack.seed,
            sample_size=pack.sample_size,
            progress=_progress(pack.pk),
        )
    except Exception as error:
        log.exception("evidence pack %s failed", pack.pk)
        with transaction.atomic():
            EvidencePack.objects.filter(pk=pack.pk).update(
                state=PackState.FAILED, error=str(error)[:2000], finished_at=timezone.now()
            )
            journal.record_event(
                "audit.pack_failed", organisation=pack.organisation, acting_user=None, obj=pack
            )
        raise jobs.PermanentFailure(_("La constitution du dossier de preuves a échoué.")) from error
    with transaction.atomic():
        pack.state = PackState.DONE
        pack.progress = 100
        pack.step = _("Terminé")
        pack.file.name = relative
        pack.size = output.stat().st_size
        pack.sha256 = result.sha256
        pack.head = result.head.line() if result.head else ""
        pack.finished_at = timezone.now()
        pack.save(
            update_fields=[
                "state",
                "progress",
                "step",
                "file",
                "size",
                "sha256",
                "head",
                "finished_at",
            ]
        )
        journal.record_event(
            "audit.pack_built",
            organisation=pack.organisation,
            acting_user=None,
            obj=pack,
            data={"sha256": result.sha256, "files": len(result.files) + 1},
        )
    return {"pack_id": pack.pk, "sha256": result.sha256}


# The auditor's access


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


@transaction.atomic
def grant_auditor_access(
    organisation: Organisation,
    *,
    acting_user: User | None,
    email: str,
    expires_on: dt.date,
    today: dt.date | None = None,
) -> Membership:
    """Give an auditor read-only access until the end of `expires_on`: a new account, or
    the renewal of this organisation's auditor with that address."""
    today = today or timezone.localdate()
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("Indiquez l'adresse e-mail de l'auditeur.")})
    if expires_on <= today:
        raise ValidationError({"expires_on": _("La date d'expiration doit être future.")})
    if expires_on > today + dt.timedelta(days=MAX_GRANT_DAYS):
        raise ValidationError({"expires_on": _("Un accès d'auditeur ne peut pas dépasser un an.")})
    expires_at = _end_of(expires_on)
    existing = Membership.objects.select_related("user").filter(user__email__iexact=email).first()
    if existing is None:
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": _("Un compte existe déjà avec cette adresse e-mail.")})
        membership = create_member(
            organisation,
            acting_user=acting_user,
            email=email,
            role=Role.AUDITEUR,
            expires_at=expires_at,
        )
        verb = "audit.access_granted"
    else:
        if existing.organisation_id != organisation.pk or existing.role != Role.AUDITEUR:
            raise ValidationError(
                {
                    "email": _(
                        "Cette adresse appartient déjà à un compte qui n'est pas un auditeur "
                        "de l'organisation."
                    )
                }
            )
        membership = update_record(existing, acting_user=acting_user, expires_at=expires_at)
        verb = "audit.access_renewed"
    journal.record_event(
        verb,
        organisation=organisation,
        acting_user=acting_user,
        obj=membership,
        data={"email": email, "expires_on": expires_on.isoformat()},
    )
    return membership


@transaction.atomic
def revoke_auditor_access(
    membership: Membership, *, acting_user: User | None, now: dt.datetime | None = None
) -> Membership:
    """End an auditor's access at once (the account stays, refused everywhere)."""
    now = now or timezone.now()
    if membership.role != Role.AUDITEUR:
        raise ValidationError(_("Seul un accès d'auditeur peut être révoqué ici."))
    if membership.expires_at is not None and membership.expires_at <= now:
        raise ValidationError(_("Cet accès a déjà expiré."))
    membership = update_record(membership, acting_user=acting_user, expires_at=now)
    journal.record_event(
        "audit.access_revoked",
        organisation=membership.organisation_id,
        acting_user=acting_user,
        obj=membership,
        data={"email": membership.user.email},
    )
    return membership


# The auditor's page views


@transaction.atomic
def record_page_view(membership: Membership, *, acting_user: User, path: str, status: int) -> None:
    """Every page an auditor opens, in the journal (the one write a GET makes)."""
    journal.record_event(
        PAGE_VIEWED,
        organisation=membership.organisation_id,
        acting_user=acting_user,
        data={"path": path[:300], "status": status},
    )
