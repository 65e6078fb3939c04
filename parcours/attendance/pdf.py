"""Attendance sheets (feuilles d'émargement) as PDF, with WeasyPrint.

A slot's sheet lists its learners with their status, signature image and time, and the
trainer's countersignature; a session's sheet has one section per slot and a summary of
the attendance rates. The footer carries the generation time and each signature's
SHA-256 digest, so that a printed sheet can be checked against the records.
"""

import base64
import datetime as dt
import mimetypes
from collections.abc import Collection
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from parcours.attendance import selectors
from parcours.attendance.models import Signature
from parcours.core import journal_chain
from parcours.lib.pdf import render
from parcours.programmes.models import Session, Slot


@dataclass
class SheetLine:
    line: selectors.RollLine
    image: str  # a data: URI, or "" when there is no signature image


@dataclass
class SlotSection:
    slot: Slot
    lines: list[SheetLine]
    countersignatures: list[tuple[Signature, str]]


def image_uri(signature: Signature | None) -> str:
    """The signature image, embedded (the PDF must not depend on a URL)."""
    if signature is None or not signature.image:
        return ""
    try:
        with signature.image.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    mime = mimetypes.guess_type(signature.image.name)[0] or "image/png"
    if data.lstrip().startswith(b"<svg") or data.startswith(b"<?xml"):
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def sections(slots: list[Slot]) -> list[SlotSection]:
    rolls = selectors.rolls(slots)
    counter = selectors.countersignatures(slots)
    return [
        SlotSection(
            slot,
            [SheetLine(line, image_uri(line.signature)) for line in rolls[slot.pk]],
            [(s, image_uri(s)) for s in counter[slot.pk]],
        )
        for slot in slots
    ]


def slot_sheet(slot: Slot, *, generated_at: dt.datetime) -> bytes:
    parts = sections([slot])
    return render(
        render_to_string(
            "attendance/sheet.html",
            {
                "organisation": slot.organisation,
                "session": slot.session,
                "sections": parts,
                "generated_at": timezone.localtime(generated_at),
                "digests": _digests(parts),
            },
        ),
        footer=journal_chain.footer(slot.organisation_id),
    )


def session_sheet(
    session: Session,
    *,
    generated_at: dt.datetime,
    enrolment_ids: Collection[int] | None = None,
) -> bytes:
    """The session's sheet; with `enrolment_ids`, limited to those learners (an auditor's
    sample): the other lines are left out and the slots follow each other without a page
    break, so that the sheet of a few learners stays a few pages."""
    slots = list(
        session.slots.select_related("trainer", "organisation", "session__programme").order_by(
            "starts_at"
        )
    )
    parts = sections(slots)
    grid = selectors.session_grid(session, as_of=generated_at)
    if enrolment_ids is not None:
        wanted = set(enrolment_ids)
        for part in parts:
            part.lines = [x for x in part.lines if x.line.enrolment.pk in wanted]
        grid.rows = [row for row in grid.rows if row.enrolment.pk in wanted]
        grid.total = selectors.Rate()
        for row in grid.rows:
            grid.total.add(row.rate)
    return render(
        render_to_string(
            "attendance/sheet.html",
            {
                "organisation": session.organisation,
                "session": session,
                "sections": parts,
                "grid": grid,
                "limited": enrolment_ids is not None,
                "generated_at": timezone.localtime(generated_at),
                "digests": _digests(parts),
            },
        ),
        footer=journal_chain.footer(session.organisation_id),
    )


def _digests(parts: list[SlotSection]) -> list[tuple[str, str]]:
    """(who, digest) for every signature on the sheet."""
    result = []
    for s in parts:
        for sheet_line in s.lines:
            if sheet_line.line.signature is not None:
                result.append(
                    (sheet_line.line.enrolment.learner.full_name, sheet_line.line.signature.digest)
                )
        for signature, _image in s.countersignatures:
            result.append((str(signature.trainer), signature.digest))
    return result
