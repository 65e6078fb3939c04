"""The `attendance` exchange file (DESIGN.md, "Exchange formats").

A row names a learner and a session by their external ids (both already imported, and
the learner enrolled in the session, active on the slot's date), a slot by its start
within the session, and the status. A slot that does not exist at that start is
created, journaled, in the import's transaction, before the marks are written. Marks are
matched by (slot, enrolment): re-importing the same file changes nothing.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.attendance.models import AttendanceMark, AttendanceStatus, Method
from parcours.core.imports import Column, Importer, Row, Values, register
from parcours.core.models import User
from parcours.learners.importers import (
    LEARNER_REF,
    SESSION_REF,
    UNKNOWN_LEARNER,
    UNKNOWN_SESSION,
    ExternalIdLookups,
)
from parcours.learners.models import Enrolment
from parcours.lib import tabular
from parcours.programmes.models import Session, Slot
from parcours.programmes.services import create_slot

STATUSES = tuple(AttendanceStatus.values)


@dataclass(frozen=True)
class NewSlot:
    """A slot the file names that does not exist yet (created before the marks)."""

    session_id: int
    starts_at: dt.datetime


@register
class AttendanceImporter(ExternalIdLookups, Importer):
    kind = "attendance"
    label = gettext_lazy("Présences")
    model = AttendanceMark
    columns = (
        LEARNER_REF,
        SESSION_REF,
        Column(
            "starts_at",
            gettext_lazy("début de la séance, AAAA-MM-JJTHH:MM (heure de Paris sans décalage)"),
            "2026-03-02T09:00",
        ),
        Column("ends_at", gettext_lazy("fin de la séance, AAAA-MM-JJTHH:MM"), "2026-03-02T12:30"),
        Column(
            "status",
            gettext_lazy("présence : present, absent, retard ou excuse"),
            "present",
        ),
    )
    fields = ("slot_id", "enrolment_id", "status", "method")
    key_fields = ("slot_id", "enrolment_id")
    key_columns = ("learner_external_id", "session_external_id", "starts_at")

    def load(self) -> None:
        super().load()
        org = self.organisation
        self.load_external_ids()
        # (learner, session) → (enrolment, enrolled_on, ended_on)
        self.enrolments: dict[tuple[int, int], tuple[int, dt.date, dt.date | None]] = {
            (learner_id, session_id): (pk, enrolled_on, ended_on)
            for pk, learner_id, session_id, enrolled_on, ended_on in Enrolment.objects.filter(
                organisation=org
            )
            .values_list("pk", "learner_id", "session_id", "enrolled_on", "ended_on")
            .iterator(5000)
        }
        self.enrolment_names: dict[int, str] = {}
        # (session, start) → (slot, end), and the slots to create with their end.
        self.slots: dict[tuple[int, dt.datetime], tuple[int, dt.datetime]] = {
            (session_id, starts_at): (pk, ends_at)
            for pk, session_id, starts_at, ends_at in Slot.objects.filter(
                organisation=org
            ).values_list("pk", "session_id", "starts_at", "ends_at")
        }
        self.slot_starts: dict[int, dt.datetime] = {
            pk: starts_at for (_session, starts_at), (pk, _end) in self.slots.items()
        }
        self.new_slots: dict[NewSlot, tuple[dt.datetime, int]] = {}

    def _moment(self, row: Row, column: str) -> dt.datetime | None:
        try:
            return tabular.parse_datetime(row[column])
        except tabular.CellError as exc:
            row.error(column, exc.message)
            return None

    def parse(self, row: Row) -> Values | None:
        learner_id = self.learner_ids.get(row["learner_external_id"])
        if learner_id is None:
            self._unknown(row, "learner_external_id", UNKNOWN_LEARNER)
        session_id = self.session_ids.get(row["session_external_id"])
        if session_id is None:
            self._unknown(row, "session_external_id", UNKNOWN_SESSION)
        starts_at = self._moment(row, "starts_at")
        ends_at = self._moment(row, "ends_at")
        status = row.choice("status", STATUSES)
        if starts_at and ends_at and ends_at <= starts_at:
            row.error("ends_at", _("la fin de la séance doit suivre son début"))
        enrolment = None
        if learner_id is not None and session_id is not None:
            enrolment = self.enrolments.get((learner_id, session_id))
            if enrolment is None:
                row.error(
                    "learner_external_id",
                    _("l'apprenant « %(learner)s » n'est pas inscrit à la session « %(session)s »")
                    % {
                        "learner": row["learner_external_id"],
                        "session": row["session_external_id"],
                    },
                )
        if enrolment is not None and starts_at is not None:
            day = timezone.localdate(starts_at)
            _pk, enrolled_on, ended_on = enrolment
            if not (enrolled_on <= day and (ended_on is None or day < ended_on)):
                row.error(
                    "starts_at",
                    _("l'inscription n'est pas active le %(day)s")
                    % {"day": day.strftime("%d/%m/%Y")},
                )
        if row.failed or session_id is None or starts_at is None or ends_at is None:
            return None
        assert enrolment is not None  # noqa: S101 (no error means it was found)
        slot_id = self._slot(row, session_id, starts_at, ends_at)
        if slot_id is None:
            return None
        enrolment_id = enrolment[0]
        self.enrolment_names[enrolment_id] = self.learner_names.get(learner_id or 0, "")
        method = Method.IMPORT
        existing = self.existing.get((slot_id, enrolment_id))
        if existing is not None and existing[1][2] == status:
            method = existing[1][3]  # the same status, confirmed: keep how it was recorded
        return (slot_id, enrolment_id, status, method)

    def _slot(self, row: Row, session_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> Any:
        """The existing slot's id, or the NewSlot the file's first row of it defines."""
        found = self.slots.get((session_id, starts_at))
        if found is not None:
            pk, known_end = found
            if known_end != ends_at:
                row.warn(
                    "ends_at",
                    _("la séance existante finit à %(end)s : son horaire est conservé")
                    % {"end": timezone.localtime(known_end).strftime("%H:%M")},
                )
            return pk
        new = NewSlot(session_id, starts_at)
        if new not in self.new_slots:
            row.warn(
                "starts_at",
                _("pas de séance le %(when)s dans cette session : elle sera créée")
                % {"when": timezone.localtime(starts_at).strftime("%d/%m/%Y %H:%M")},
            )
        planned_end, first_line = self.new_slots.setdefault(new, (ends_at, row.line))
        if planned_end != ends_at:
            row.error(
                "ends_at",
                _("fin différente de celle de la même séance ligne %(line)d")
                % {"line": first_line},
            )
            return None
        return new

    def _unknown(self, row: Row, column: str, message: str) -> None:
        if row.text(column, max_length=80, required=True):
            row.error(column, _(message) % {"id": row[column]})

    def prepare(self, plan: Any, *, acting_user: User | None, label: str) -> None:
        """Create the slots the file names that do not exist yet, journaled, and point
        the marks to them (inside the import's transaction, before the marks)."""
        if not self.new_slots:
            return
        sessions = Session.objects.in_bulk({new.session_id for new in self.new_slots})
        created: dict[NewSlot, int] = {}
        for new, (ends_at, _line) in sorted(
            self.new_slots.items(), key=lambda item: (item[0].session_id, item[0].starts_at)
        ):
            slot = create_slot(
                sessions[new.session_id],
                acting_user=acting_user,
                starts_at=new.starts_at,
                ends_at=ends_at,
                journal_label=label,
            )
            created[new] = slot.pk
            self.slot_starts[slot.pk] = new.starts_at
        plan.creates[:] = [
            (created[values[0]], *values[1:]) if isinstance(values[0], NewSlot) else values
            for values in plan.creates
        ]

    def describe(self, values: Values) -> str:
        slot_id = values[0]
        starts_at = (
            slot_id.starts_at if isinstance(slot_id, NewSlot) else self.slot_starts.get(slot_id)
        )
        when = f"{timezone.localtime(starts_at):%d/%m/%Y %H:%M}" if starts_at else ""
        return f"{self.enrolment_names.get(values[1], '')} · {when}"
