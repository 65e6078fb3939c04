"""Writes to attendance marks (each journaled in its transaction).

`record_mark` is the one way a mark is written, whoever records it: the trainer marking
the group (`mark_group`), a learner signing by QR code or personal link (the signing
flows), an import or the API. Only an enrolment of the slot's session, active on the
slot's date, can be marked; an excused absence carries a justification (file or note).
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.attendance.models import ATTENDED, AttendanceMark, AttendanceStatus, Method
from parcours.core import journal
from parcours.core.models import JournalAction, User
from parcours.core.services import create_record, update_record
from parcours.learners.models import Enrolment
from parcours.programmes.models import Slot

# Marks the learner records by signing (QR code in the room, personal code or link).
LEARNER_METHODS = {Method.QR, Method.CODE, Method.LINK}
MAX_JUSTIFICATION_BYTES = 5 * 1024 * 1024
# Accepted justification files: extension → the first bytes such a file starts with.
JUSTIFICATION_TYPES = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def slot_day(slot: Slot) -> dt.date:
    """The slot's date, in local time (what "active on" is judged on)."""
    return timezone.localdate(slot.starts_at)


def get_or_none_mark(slot: Slot, enrolment: Enrolment) -> AttendanceMark | None:
    return AttendanceMark.objects.filter(slot=slot, enrolment=enrolment).first()


def check_markable(slot: Slot, enrolment: Enrolment) -> None:
    """Refuse an enrolment of another session (or organisation), or not active that day."""
    if enrolment.session_id != slot.session_id or enrolment.organisation_id != slot.organisation_id:
        raise ValidationError(
            _("Cet apprenant n'est pas inscrit à la session de cette séance."), code="session"
        )
    day = slot_day(slot)
    if not enrolment.is_active_on(day):
        raise ValidationError(
            _("L'inscription de cet apprenant n'est pas active le %(day)s.")
            % {"day": day.strftime("%d/%m/%Y")},
            code="inactive",
        )


def check_justification_file(upload: UploadedFile) -> None:
    """PDF, JPEG or PNG, at most 5 Mo, whose content matches its extension."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in JUSTIFICATION_TYPES:
        raise ValidationError(
            _("Justificatif refusé : seuls les fichiers PDF, JPEG et PNG sont acceptés."),
            code="type",
        )
    if upload.size is None or upload.size > MAX_JUSTIFICATION_BYTES:
        raise ValidationError(
            _("Justificatif refusé : le fichier dépasse 5 Mo."),
            code="size",
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(JUSTIFICATION_TYPES[suffix]):
        raise ValidationError(
            _("Justificatif refusé : le contenu du fichier ne correspond pas à son extension."),
            code="content",
        )


def _store_justification(upload: UploadedFile) -> str:
    suffix = PurePath(upload.name or "").suffix.lower()
    now = timezone.localdate()
    name = f"justificatifs/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"
    return default_storage.save(name, upload)


def _set_justification(
    mark: AttendanceMark, upload: UploadedFile, *, acting_user: User | None
) -> None:
    """Store the file and point the mark to it, journaling the file's name."""
    check_justification_file(upload)
    old = mark.justification.name or ""
    new = _store_justification(upload)
    mark.justification.name = new
    mark.save(update_fields=["justification", "updated_at"])
    journal.record(
        JournalAction.UPDATE,
        mark,
        organisation=mark.organisation_id,
        acting_user=acting_user,
        changes={"justification": [old or None, new]},
        verb="attendance.justification",
    )


@transaction.atomic
def record_mark(
    slot: Slot,
    enrolment: Enrolment,
    status: str,
    *,
    acting_user: User | None,
    method: str,
    minutes_late: int | None = None,
    note: str = "",
    justification: UploadedFile | None = None,
) -> AttendanceMark:
    """Create or update the enrolment's mark at the slot; unchanged values write nothing.

    An excused absence needs a justification: a file, a note, or one already attached.
    """
    check_markable(slot, enrolment)
    if status not in AttendanceStatus.values:
        raise ValidationError(_("Statut de présence inconnu."), code="status")
    if method not in Method.values:
        raise ValidationError(_("Mode de relevé inconnu."), code="method")
    if status != AttendanceStatus.RETARD:
        minutes_late = None
    note = note.strip()
    mark = AttendanceMark.objects.select_for_update().filter(slot=slot, enrolment=enrolment).first()
    if status == AttendanceStatus.EXCUSE and not (
        justification
        or note
        or (mark is not None and (mark.justification or mark.justification_note))
    ):
        raise ValidationError(
            _(
                "Une absence excusée doit être justifiée : joignez un justificatif "
                "ou indiquez le motif."
            ),
            code="justification",
        )
    if justification is not None:
        check_justification_file(justification)
    values: dict[str, Any] = {
        "status": status,
        "method": method,
        "minutes_late": minutes_late,
        "recorded_by": acting_user,
    }
    if note:
        values["justification_note"] = note
    if mark is not None and method in LEARNER_METHODS and mark.method not in LEARNER_METHODS:
        # A signature attests presence; it never replaces the mark the trainer (or an
        # import) set. Where that mark says absent, the séance page shows the conflict.
        return mark
    if mark is None:
        mark = create_record(
            AttendanceMark,
            acting_user=acting_user,
            organisation_id=slot.organisation_id,
            slot=slot,
            enrolment=enrolment,
            **values,
        )
    elif (mark.status, mark.minutes_late, mark.justification_note) != (
        status,
        minutes_late,
        note or mark.justification_note,
    ):
        # Confirming a mark as it is (the group form sent again) keeps who recorded it how.
        mark = update_record(mark, acting_user=acting_user, **values)
    if justification is not None:
        _set_justification(mark, justification, acting_user=acting_user)
    return mark


@transaction.atomic
def mark_group(
    slot: Slot,
    statuses: Mapping[int, str],
    *,
    acting_user: User | None,
    notes: Mapping[int, str] | None = None,
    files: Mapping[int, UploadedFile] | None = None,
) -> list[AttendanceMark]:
    """The trainer marks the whole group on one screen: {enrolment id: status}.

    All or nothing: one refused mark (an enrolment of another session, an excused
    absence without justification...) and none is written. The error names the learner.
    """
    notes, files = notes or {}, files or {}
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.select_related("learner").filter(
            pk__in=list(statuses), organisation_id=slot.organisation_id
        )
    }
    marks = []
    errors = []
    for enrolment_id, status in statuses.items():
        enrolment = enrolments.get(enrolment_id)
        if enrolment is None:
            errors.append(_("Apprenant inconnu dans cette organisation."))
            continue
        try:
            with transaction.atomic():
                marks.append(
                    record_mark(
                        slot,
                        enrolment,
                        status,
                        acting_user=acting_user,
                        method=Method.TRAINER,
                        note=notes.get(enrolment_id, ""),
                        justification=files.get(enrolment_id),
                    )
                )
        except ValidationError as error:
            errors.extend(
                f"{enrolment.learner.full_name} : {message}" for message in error.messages
            )
    if errors:
        raise ValidationError(errors)
    return marks


@transaction.atomic
def attach_justification(
    mark: AttendanceMark,
    uploaded_file: UploadedFile | None,
    note: str,
    *,
    acting_user: User | None,
) -> AttendanceMark:
    """Attach a justification (file and/or note) to an absence, which becomes excused."""
    note = note.strip()
    if uploaded_file is None and not note:
        raise ValidationError(
            _("Joignez un justificatif ou indiquez le motif de l'absence."),
            code="justification",
        )
    if mark.status in (AttendanceStatus.PRESENT, AttendanceStatus.RETARD):
        raise ValidationError(
            _("Seule une absence peut être justifiée."),
            code="status",
        )
    if uploaded_file is not None:
        check_justification_file(uploaded_file)
    values: dict[str, Any] = {"status": AttendanceStatus.EXCUSE}
    if note:
        values["justification_note"] = note
    mark = update_record(mark, acting_user=acting_user, verb="attendance.excuse", **values)
    if uploaded_file is not None:
        _set_justification(mark, uploaded_file, acting_user=acting_user)
    return mark


@transaction.atomic
def settle_conflict(
    mark: AttendanceMark, *, present: bool, acting_user: User | None
) -> AttendanceMark:
    """The trainer settles a disagreement (marked absent, yet the learner signed): the
    learner was present after all, or the absence stands. Either way it is journaled."""
    mark = AttendanceMark.objects.select_for_update().select_related("slot").get(pk=mark.pk)
    if mark.status in ATTENDED or not hasattr(mark, "signature"):
        raise ValidationError(_("Il n'y a pas de désaccord à trancher pour cet apprenant."))
    if mark.conflict_settled_at is not None:
        raise ValidationError(_("Ce désaccord est déjà tranché."))
    values: dict[str, Any] = {
        "conflict_settled_at": timezone.now(),
        "conflict_settled_by": acting_user,
    }
    if present:
        values.update(status=AttendanceStatus.PRESENT, method=Method.TRAINER, minutes_late=None)
        values["recorded_by"] = acting_user
    return update_record(
        mark, acting_user=acting_user, verb="attendance.conflict_settled", **values
    )
