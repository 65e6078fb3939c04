"""The `activity`, `assessments` and `results` exchange files (DESIGN.md).

Assessments are matched by external_id within the organisation, results by
(assessment, enrolment): both go through the normal importer, each created or changed
object journaled.

Activity is different: an LMS export holds millions of rows, raw facts (so many clicks
of such kind by this learner that day) that are only ever appended or recounted. Its
import streams (`StreamingImporter`): one pass over the file validates each row and
stages the valid ones in a temporary table, in chunks, inside the import's
transaction; nothing is held in Python but the enrolment lookup and one chunk. Then the
staged rows are summed per (enrolment, occurred_at, kind) (an export may split one
day's clicks of a kind over several lines, as OULAD does per page) and upserted:
re-importing a file replaces those counts with the file's, never adds a second row.
If any row is wrong, the transaction is rolled back and every bad row is reported.
Such rows are not journaled one by one (that would be millions of entries saying
nothing an auditor reads): the import as a whole is, by one `import.completed` entry
with the file's name, SHA-256 and counts, which traces every row to its file.

A date without a time means that day at 00:00 in the organisation's time zone
(Europe/Paris), the way daily LMS exports count.
"""

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.activity.models import KIND_MAX_LENGTH, ActivityEvent, Assessment, Result
from parcours.core.imports import (
    Column,
    Importer,
    ImportReport,
    Row,
    RowError,
    StreamingImporter,
    Values,
    register,
)
from parcours.learners.importers import LEARNER_REF, SESSION_REF, UNKNOWN_LEARNER, UNKNOWN_SESSION
from parcours.learners.models import Enrolment, Learner
from parcours.lib import tabular
from parcours.programmes.models import Session

CHUNK = 20_000
MAX_COUNT = 1_000_000
# Errors kept with their line; beyond, they are only counted (a wholly wrong file of
# millions of lines must not fill the memory with messages).
MAX_ERRORS = 10_000
TOKEN = re.compile(rf"[\w.:/+-]{{1,{KIND_MAX_LENGTH}}}")
STAGE = "activity_import_stage"
GROUPED = "activity_import_grouped"
LOCK_CLASS = 0x41435456  # "ACTV": advisory locks of activity imports, per organisation


@register
class ActivityImporter(StreamingImporter):
    kind = "activity"
    label = gettext_lazy("Activité sur la plateforme (LMS)")
    model = ActivityEvent
    columns = (
        LEARNER_REF,
        SESSION_REF,
        Column(
            "occurred_at",
            gettext_lazy(
                "date (AAAA-MM-JJ, le jour à 0 h, heure de Paris) ou date et heure ISO 8601"
            ),
            "2026-03-09",
        ),
        Column(
            "kind",
            gettext_lazy("type d'action, un mot de 40 caractères au plus : resource, quiz..."),
            "resource",
        ),
        Column("count", gettext_lazy("nombre d'actions, entier positif (1 si vide)"), "3"),
    )
    fields = ("enrolment_id", "occurred_at", "kind", "count")
    key_fields = ("enrolment_id", "occurred_at", "kind")
    key_columns = ("learner_external_id", "session_external_id", "occurred_at", "kind")

    def __init__(self, organisation: Any) -> None:
        super().__init__(organisation)
        self.vendor = connection.vendor
        self.tz = timezone.get_default_timezone()
        self.table = connection.ops.quote_name(ActivityEvent._meta.db_table)

    @contextmanager
    def outside_transaction(self) -> Iterator[None]:
        """On SQLite, staging tables on disk, not in memory as the project's connections
        keep temporary tables (which can only be changed outside a transaction)."""
        if self.vendor != "sqlite" or connection.in_atomic_block:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store")
            before = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA temp_store = FILE")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA temp_store = {before}")

    # Validation and staging

    def stage(self, table: tabular.Table, names: list[str], report: ImportReport) -> None:
        enrolments = {
            (learner, session): pk
            for learner, session, pk in Enrolment.objects.filter(organisation=self.organisation)
            .values_list("learner__external_id", "session__external_id", "pk")
            .iterator(10_000)
        }
        self._create_stage()
        position = {name: i for i, name in enumerate(names)}
        il, is_, io, ik, ic = (
            position[c]
            for c in (
                "learner_external_id",
                "session_external_id",
                "occurred_at",
                "kind",
                "count",
            )
        )
        width = len(names)
        moments: dict[str, tuple[Any, Any] | str] = {}
        kinds: dict[str, bool] = {}
        errors = report.errors
        dropped = 0
        buffer: list[tuple[Any, ...]] = []
        rows = 0

        def fail(line: int, column: str, message: str) -> None:
            nonlocal dropped
            if len(errors) < MAX_ERRORS:
                errors.append(RowError(line, column, message))
            else:
                dropped += 1

        for line, raw in table.rows:
            rows += 1
            if len(raw) != width:
                if len(raw) > width and any(c.strip() for c in raw[width:]):
                    fail(
                        line,
                        "",
                        _("%(count)d valeurs pour %(width)d colonnes")
                        % {"count": len(raw), "width": width},
                    )
                    continue
                raw = (raw + [""] * width)[:width]
            ok = True
            learner, session = raw[il].strip(), raw[is_].strip()
            enrolment = enrolments.get((learner, session))
            if enrolment is None:
                self._no_enrolment(line, learner, session, fail)
                ok = False
            text = raw[io].strip()
            moment = moments.get(text)
            if moment is None:
                if len(moments) > 100_000:
                    moments.clear()
                moment = moments[text] = self._moment(text)
            if isinstance(moment, str):
                fail(line, "occurred_at", moment)
                ok = False
            kind = raw[ik].strip()
            valid = kinds.get(kind)
            if valid is None:
                valid = kinds[kind] = bool(TOKEN.fullmatch(kind)) and len(kinds) < 100_000
            if not valid:
                fail(line, "kind", self._bad_kind(kind))
                ok = False
            text = raw[ic].strip()
            if not text:
                count = 1
            elif text.isdigit() and 0 < (count := int(text)) <= MAX_COUNT:
                pass
            else:
                fail(
                    line,
                    "count",
                    _("nombre d'actions invalide « %(value)s » (entier de 1 à %(max)d)")
                    % {"value": text, "max": MAX_COUNT},
                )
                ok = False
            if ok and not errors:
                assert not isinstance(moment, str)  # noqa: S101
                buffer.append((enrolment, moment[0], moment[1], kind, count))
                if len(buffer) >= CHUNK:
                    self._write_stage(buffer)
                    buffer.clear()
        if buffer and not errors:
            self._write_stage(buffer)
        if dropped:
            errors.append(
                RowError(
                    0,
                    "",
                    _("… et %(count)d autres erreurs, non détaillées.") % {"count": dropped},
                )
            )
        report.rows = rows

    def _moment(self, text: str) -> tuple[Any, Any] | str:
        """(occurred_at, day) as the database takes them, or the error's message."""
        try:
            moment = tabular.parse_datetime(text, tz=self.tz, allow_date=True)
        except tabular.CellError as exc:
            return exc.message
        day = moment.astimezone(self.tz).date() if len(text) > 10 else moment.date()
        value = connection.ops.adapt_datetimefield_value(moment)
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        return value, day.isoformat()

    @staticmethod
    def _bad_kind(kind: str) -> str:
        if not kind:
            return _("type d'action obligatoire (resource, quiz, forum, login...)")
        return _(
            "type d'action invalide « %(value)s » (un mot de %(max)d caractères au plus : "
            "lettres, chiffres, . _ - : / +)"
        ) % {"value": kind[:60], "max": KIND_MAX_LENGTH}

    def _no_enrolment(self, line: int, learner: str, session: str, fail: Any) -> None:
        if not hasattr(self, "_learners"):
            org = self.organisation
            self._learners = set(
                Learner.objects.filter(organisation=org).values_list("external_id", flat=True)
            )
            self._sessions = set(
                Session.objects.filter(organisation=org).values_list("external_id", flat=True)
            )
        if not learner:
            fail(line, "learner_external_id", _("valeur obligatoire"))
        elif learner not in self._learners:
            fail(line, "learner_external_id", _(UNKNOWN_LEARNER) % {"id": learner})
        if not session:
            fail(line, "session_external_id", _("valeur obligatoire"))
        elif session not in self._sessions:
            fail(line, "session_external_id", _(UNKNOWN_SESSION) % {"id": session})
        elif learner in self._learners:
            fail(
                line,
                "session_external_id",
                _("l'apprenant « %(learner)s » n'est pas inscrit à la session « %(session)s »")
                % {"learner": learner, "session": session},
            )

    # SQL on the staging tables: names are constants, values are parameters.

    def _create_stage(self) -> None:
        with connection.cursor() as cursor:
            # Left over by an import earlier in the same (outer) transaction, if any.
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"DROP TABLE IF EXISTS {GROUPED}")
            if self.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {STAGE} (enrolment_id bigint, occurred_at "
                    "timestamptz, day date, kind varchar(40), count bigint) ON COMMIT DROP"
                )
            else:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {STAGE} (enrolment_id integer, occurred_at text, "
                    "day text, kind text, count integer)"
                )

    def _write_stage(self, rows: list[tuple[Any, ...]]) -> None:
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Kinds are tokens and moments ISO text: nothing to escape for COPY.
                text = "".join(f"{e}\t{o}\t{d}\t{k}\t{c}\n" for e, o, d, k, c in rows)
                with cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
                    copy.write(text)
            else:
                cursor.executemany(
                    f"INSERT INTO {STAGE} VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                    rows,
                )

    def apply(self, report: ImportReport) -> None:
        """Sum the staged rows per key and upsert them; count what was done."""
        table = self.table
        grouped = (
            f"SELECT enrolment_id, occurred_at, kind, MIN(day) AS day, SUM(count) AS count "  # noqa: S608
            f"FROM {STAGE} GROUP BY enrolment_id, occurred_at, kind "
            # In the unique index's order: its pages are then filled one after another.
            "ORDER BY enrolment_id, occurred_at, kind"
        )
        upsert = (
            f"INSERT INTO {table} "  # noqa: S608
            "(organisation_id, enrolment_id, occurred_at, day, kind, count, source) "
            "SELECT %s, enrolment_id, occurred_at, day, kind, count, 'import' FROM {source} "
            "WHERE true ON CONFLICT (enrolment_id, occurred_at, kind) DO UPDATE "
            f"SET count = excluded.count WHERE {table}.count <> excluded.count"
        )
        org = self.organisation.pk
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Imports of one organisation's activity run one at a time.
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", [LOCK_CLASS, org])
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(f"CREATE TEMPORARY TABLE {GROUPED} ON COMMIT DROP AS {grouped}")
                total = cursor.rowcount
                cursor.execute(f"ANALYZE {GROUPED}")
                # Existing rows whose count changed, then new rows: a plain INSERT, in
                # the unique index's order, costs half an INSERT ... ON CONFLICT.
                cursor.execute(
                    f"UPDATE {table} a SET count = g.count FROM {GROUPED} g "  # noqa: S608
                    "WHERE a.enrolment_id = g.enrolment_id AND a.occurred_at = g.occurred_at "
                    "AND a.kind = g.kind AND a.count <> g.count"
                )
                updated = cursor.rowcount
                cursor.execute(
                    f"INSERT INTO {table} "  # noqa: S608
                    "(organisation_id, enrolment_id, occurred_at, day, kind, count, source) "
                    f"SELECT %s, enrolment_id, occurred_at, day, kind, count, 'import' "
                    f"FROM {GROUPED} g WHERE NOT EXISTS (SELECT 1 FROM {table} a "
                    "WHERE a.enrolment_id = g.enrolment_id AND a.occurred_at = g.occurred_at "
                    "AND a.kind = g.kind)",
                    [org],
                )
                report.created, report.updated = cursor.rowcount, updated
                report.unchanged = total - report.created - updated
                cursor.execute(f"DROP TABLE {STAGE}")
                cursor.execute(f"DROP TABLE {GROUPED}")
                return
            cursor.execute(f"CREATE TEMPORARY TABLE {GROUPED} AS {grouped}")
            cursor.execute(
                f"SELECT COUNT(*), COUNT(a.enrolment_id), "  # noqa: S608
                "COALESCE(SUM(CASE WHEN a.count = g.count THEN 1 ELSE 0 END), 0) "
                f"FROM {GROUPED} g LEFT JOIN {table} a ON a.enrolment_id = g.enrolment_id "
                "AND a.occurred_at = g.occurred_at AND a.kind = g.kind"
            )
            total, matched, same = cursor.fetchone()
            report.created = total - matched
            report.updated = matched - same
            report.unchanged = same
            cursor.execute(upsert.format(source=GROUPED), [org])
            cursor.execute(f"DROP TABLE {STAGE}")
            cursor.execute(f"DROP TABLE {GROUPED}")

    def parse(self, row: Row) -> Values | None:  # the rows are read by `stage`
        raise NotImplementedError

    def describe(self, values: Values) -> str:
        raise NotImplementedError


@register
class AssessmentImporter(Importer):
    kind = "assessments"
    label = gettext_lazy("Évaluations")
    model = Assessment
    columns = (
        SESSION_REF,
        Column(
            "external_id",
            gettext_lazy("identifiant de l'évaluation (obligatoire, unique)"),
            "EV-01",
        ),
        Column("title", gettext_lazy("intitulé (obligatoire)"), "Devoir 1"),
        Column("kind", gettext_lazy("type (devoir, QCM, examen...)"), "devoir"),
        Column("due_date", gettext_lazy("date limite, AAAA-MM-JJ"), "2026-04-03"),
        Column("weight", gettext_lazy("coefficient ou poids (0 si vide)"), "10"),
    )
    fields = ("session_id", "external_id", "title", "kind", "due_date", "weight")
    key_fields = ("external_id",)
    key_columns = ("external_id",)

    def load(self) -> None:
        super().load()
        self.session_ids = dict(
            Session.objects.filter(organisation=self.organisation)
            .exclude(external_id="")
            .values_list("external_id", "pk")
        )

    def parse(self, row: Row) -> Values | None:
        session_id = self.session_ids.get(row["session_external_id"])
        if session_id is None and row.text("session_external_id", max_length=80, required=True):
            row.error(
                "session_external_id", _(UNKNOWN_SESSION) % {"id": row["session_external_id"]}
            )
        values = (
            session_id,
            row.text("external_id", max_length=80, required=True),
            row.text("title", max_length=200, required=True),
            row.text("kind", max_length=40),
            row.date("due_date"),
            row.decimal("weight", max_digits=6, decimal_places=2, min_value=0)
            if row["weight"]
            else 0,
        )
        return None if row.failed else values

    def describe(self, values: Values) -> str:
        return str(values[2])


@register
class ResultImporter(Importer):
    kind = "results"
    label = gettext_lazy("Résultats d'évaluations")
    model = Result
    columns = (
        LEARNER_REF,
        Column(
            "assessment_external_id",
            gettext_lazy("identifiant de l'évaluation (déjà importée)"),
            "EV-01",
        ),
        Column("submitted_on", gettext_lazy("date de remise, AAAA-MM-JJ"), "2026-04-02"),
        Column("score", gettext_lazy("note sur 100 ; vide si non notée"), "78"),
    )
    fields = ("assessment_id", "enrolment_id", "submitted_on", "score")
    key_fields = ("assessment_id", "enrolment_id")
    key_columns = ("learner_external_id", "assessment_external_id")

    def load(self) -> None:
        super().load()
        org = self.organisation
        self.assessments: dict[str, tuple[int, int, str]] = {
            ext: (pk, session_id, title)
            for ext, pk, session_id, title in Assessment.objects.filter(
                organisation=org
            ).values_list("external_id", "pk", "session_id", "title")
        }
        self.titles = {pk: title for pk, _session, title in self.assessments.values()}
        self.learner_ids = dict(
            Learner.objects.filter(organisation=org)
            .exclude(external_id="")
            .values_list("external_id", "pk")
            .iterator(10_000)
        )
        self.enrolment_ids = {
            (learner_id, session_id): pk
            for learner_id, session_id, pk in Enrolment.objects.filter(
                organisation=org
            ).values_list("learner_id", "session_id", "pk")
        }

    def parse(self, row: Row) -> Values | None:
        learner_id = self.learner_ids.get(row["learner_external_id"])
        if learner_id is None and row.text("learner_external_id", max_length=80, required=True):
            row.error(
                "learner_external_id", _(UNKNOWN_LEARNER) % {"id": row["learner_external_id"]}
            )
        assessment = self.assessments.get(row["assessment_external_id"])
        if assessment is None and row.text("assessment_external_id", max_length=80, required=True):
            row.error(
                "assessment_external_id",
                _("évaluation inconnue « %(id)s » (importez d'abord les évaluations)")
                % {"id": row["assessment_external_id"]},
            )
        enrolment_id = None
        if learner_id is not None and assessment is not None:
            enrolment_id = self.enrolment_ids.get((learner_id, assessment[1]))
            if enrolment_id is None:
                row.error(
                    "learner_external_id",
                    _("l'apprenant « %(id)s » n'est pas inscrit à la session de l'évaluation")
                    % {"id": row["learner_external_id"]},
                )
        submitted_on = row.date("submitted_on")
        score = (
            row.decimal("score", max_digits=5, decimal_places=2, min_value=0, max_value=100)
            if row["score"]
            else None
        )
        if row.failed or assessment is None:
            return None
        return (assessment[0], enrolment_id, submitted_on, score)

    def describe(self, values: Values) -> str:
        return self.titles.get(values[0], "")
