"""Imports of the exchange formats (DESIGN.md, "Exchange formats"), all or nothing.

Each app registers an `Importer` per kind of file it owns (`programmes.importers`,
`learners.importers`...). `run_import` reads the file row by row, validates every row,
and either reports every bad row (line, column, reason) and writes nothing, or writes
the whole file in one transaction: rows are matched by external ids within the
organisation, new ones are created, changed ones updated, unchanged ones left alone,
and each write is journaled in that same transaction, with one `import.completed`
event carrying the file's name, SHA-256 and counts.

Writes are done in bulk so that 100,000 rows take seconds: what the organisation holds
is loaded in one query, rows are inserted and updated with `executemany` (see
`parcours.lib.bulk.BulkWriter`), and journal entries are appended by batch.
"""

import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import jobs, journal
from parcours.core.import_rows import (
    IMPORTERS,
    Column,
    Importer,
    ImportReport,
    Plan,
    Progress,
    Row,
    RowError,
    StreamingImporter,
    Values,
    check_header,
    cli_label,
    conflict_message,
    importer_for,
    kind_label,
    records,
    register,
    template_table,
)
from parcours.core.models import Job, JournalAction, Organisation, User, canonical
from parcours.lib import tabular
from parcours.lib.bulk import BulkWriter

__all__ = [
    "IMPORTERS",
    "Column",
    "ImportReport",
    "Importer",
    "Row",
    "RowError",
    "StreamingImporter",
    "Values",
    "cli_label",
    "importer_for",
    "kind_label",
    "register",
    "run_import",
    "start_import",
    "template_table",
]

JOB_KIND = "imports.run"
BATCH_SIZE = 2000
UPLOAD_DIR = "imports"


def _refused(report: ImportReport, exc: Exception) -> ImportReport:
    """The report of a write that the database refused; nothing was written."""
    report.created = report.updated = report.unchanged = 0
    if isinstance(exc, IntegrityError):
        # The file was valid and the rows new when read; another import (the same file,
        # sent twice) created them before this one could.
        report.conflict = True
        report.errors.append(RowError(0, "", conflict_message()))
    else:
        report.errors.append(
            RowError(
                0,
                "",
                _(
                    "une valeur du fichier a été refusée par la base de données ; rien n'a "
                    "été importé. Vérifiez que le fichier est un texte « CSV UTF-8 » ou un "
                    "XLSX enregistré par un tableur."
                ),
            )
        )
    return report


def _plan(importer: Importer, records: Iterable[tuple[int, Values]]) -> Plan:
    plan = Plan()
    fields = importer.fields
    for _line, values in records:
        found = importer.existing.get(importer.key(values))
        if found is None:
            plan.creates.append(values)
            continue
        pk, old = found
        if old == values:
            plan.unchanged += 1
            continue
        changes = {
            name: [canonical(before), canonical(after)]
            for name, before, after in zip(fields, old, values, strict=True)
            if before != after
        }
        plan.updates.append((pk, values, changes))
    return plan


_PLAIN = {str, int, bool}


def _created(fields: tuple[str, ...], values: Values) -> dict[str, list[Any]]:
    """A created object's journal changes: what `journal.diff({}, snapshot)` gives."""
    return {
        name: [None, value if type(value) in _PLAIN else canonical(value)]
        for name, value in zip(fields, values, strict=True)
        if value is not None and value != ""
    }


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _write(
    importer: Importer,
    plan: Plan,
    *,
    acting_user: User | None,
    label: str,
    progress: Progress | None,
) -> None:
    """Create and update in bulk, journaling each object, inside the caller's transaction."""
    model = importer.model
    object_type = journal.object_type(model)
    fields = importer.fields
    verb = f"import.{importer.kind}"
    org = importer.organisation
    now = timezone.now()
    writer = BulkWriter(
        model, fields, {"organisation_id": org.pk, "created_at": now, "updated_at": now}
    )
    total = len(plan.creates) + len(plan.updates)
    done = 0
    for batch in _batches(plan.creates):
        writer.insert(batch)
    pks = importer.pks() if plan.creates else {}
    for batch in _batches(plan.creates):
        drafts = [
            journal.Draft(
                action=JournalAction.CREATE,
                object_type=object_type,
                object_id=str(pks[importer.key(values)]),
                object_repr=importer.describe(values)[:200],
                changes=_created(fields, values),
                verb=verb,
            )
            for values in batch
        ]
        journal.append(drafts, organisation=org, acting_user=acting_user, label=label)
        done += len(batch)
        if progress:
            progress(done, total, _("Enregistrement"))
    for batch in _batches(plan.updates):
        writer.update((pk, values) for pk, values, _changes in batch)
        drafts = [
            journal.Draft(
                action=JournalAction.UPDATE,
                object_type=object_type,
                object_id=str(pk),
                object_repr=importer.describe(values)[:200],
                changes=changes,
                verb=verb,
            )
            for pk, values, changes in batch
        ]
        journal.append(drafts, organisation=org, acting_user=acting_user, label=label)
        done += len(batch)
        if progress:
            progress(done, total, _("Enregistrement"))


def run_import(
    kind: str,
    path: Path,
    *,
    organisation: Organisation,
    acting_user: User | None = None,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    label: str = "",
) -> ImportReport:
    """Import a CSV or XLSX file of `kind` into the organisation, all or nothing.

    The report lists every error (and nothing is written) or the counts of created,
    updated and unchanged rows. With dry_run, the counts are what an import would do.
    """
    importer = importer_for(kind)(organisation)
    filename = filename or path.name
    facts = tabular.file_facts(path)
    report = ImportReport(kind=kind, filename=filename, sha256=facts.sha256, dry_run=dry_run)
    try:
        table = tabular.open_table(
            path, fmt=tabular.format_of(filename), estimated_lines=facts.lines
        )
    except tabular.TableError as exc:
        report.errors.append(RowError(exc.line, exc.column, exc.message))
        return report
    with table:
        names, problems = check_header(table.header, type(importer))
        if problems:
            report.errors.extend(problems)
            return report
        if isinstance(importer, StreamingImporter):
            try:
                return _run_streaming(
                    importer, table, names, report, acting_user=acting_user, label=label
                )
            except (IntegrityError, DataError) as exc:
                return _refused(report, exc)
        if progress:
            progress(0, table.estimated_rows, _("Vérification des lignes"))
        importer.load()
        rows = records(table, names, importer, report, progress)
        plan = Plan()
        try:
            plan = _plan(importer, rows)
        except tabular.TableError as exc:
            report.errors.append(RowError(exc.line, exc.column, exc.message))
    if progress:
        progress(report.rows, report.rows, _("Vérification terminée"))
    if not report.errors and not report.rows:
        report.errors.append(
            RowError(0, "", _("Le fichier ne contient que l'en-tête : aucune ligne à importer."))
        )
    if report.errors:
        return report
    report.created, report.updated, report.unchanged = (
        len(plan.creates),
        len(plan.updates),
        plan.unchanged,
    )
    if dry_run:
        return report
    try:
        # (the driver's own errors too, raised by COPY, as Django's: IntegrityError...)
        with transaction.atomic(), connection.wrap_database_errors:
            importer.prepare(plan, acting_user=acting_user, label=label)
            _write(importer, plan, acting_user=acting_user, label=label, progress=progress)
            journal.record_event(
                "import.completed",
                organisation=organisation,
                acting_user=acting_user,
                data={
                    "kind": kind,
                    "filename": filename,
                    "sha256": facts.sha256,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
                label=label,
            )
    except (IntegrityError, DataError) as exc:
        return _refused(report, exc)
    if progress:
        progress(report.rows, report.rows, _("Terminé"))
    return report


def _run_streaming(
    importer: StreamingImporter,
    table: tabular.Table,
    names: list[str],
    report: ImportReport,
    *,
    acting_user: User | None,
    label: str,
) -> ImportReport:
    """Validate and stage in one pass, then write, all in one transaction."""
    with (
        importer.outside_transaction(),
        transaction.atomic(),
        connection.wrap_database_errors,
    ):
        try:
            importer.stage(table, names, report)
        except tabular.TableError as exc:
            report.errors.append(RowError(exc.line, exc.column, exc.message))
        if not report.errors and not report.rows:
            report.errors.append(
                RowError(
                    0, "", _("Le fichier ne contient que l'en-tête : aucune ligne à importer.")
                )
            )
        if not report.errors:
            importer.apply(report)
        if report.errors or report.dry_run:
            transaction.set_rollback(True)
            return report
        journal.record_event(
            "import.completed",
            organisation=importer.organisation,
            acting_user=acting_user,
            data={
                "kind": report.kind,
                "filename": report.filename,
                "sha256": report.sha256,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
            label=label,
        )
    return report


# Uploads, run in the background by `parcours worker`.


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def start_import(
    organisation: Organisation,
    *,
    acting_user: User,
    kind: str,
    upload: UploadedFile,
    dry_run: bool,
) -> Job:
    """Keep the uploaded file and queue its import; the job page follows its progress."""
    importer_for(kind)
    original = Path(upload.name or "").name
    fmt = tabular.format_of(original)
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{UPLOAD_DIR}/{uuid.uuid4().hex}.{fmt}"
    with (Path(settings.MEDIA_ROOT) / relative).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return jobs.enqueue(
        JOB_KIND,
        {
            "kind": kind,
            "path": relative,
            "filename": original,
            "dry_run": dry_run,
            "organisation_id": organisation.pk,
            "user_id": acting_user.pk,
        },
        organisation=organisation,
        created_by=acting_user,
        max_attempts=3,
    )


@jobs.handler(JOB_KIND)
def run_import_job(job: Job) -> dict[str, Any]:
    payload = job.payload
    organisation = Organisation.objects.get(pk=payload["organisation_id"])
    user = User.objects.filter(pk=payload.get("user_id")).first()
    path = Path(settings.MEDIA_ROOT) / payload["path"]

    def progress(done: int, total: int, label: str) -> None:
        jobs.report_progress(job, done, total, label)

    report = run_import(
        payload["kind"],
        path,
        organisation=organisation,
        acting_user=user,
        filename=payload.get("filename", ""),
        dry_run=bool(payload.get("dry_run")),
        progress=progress,
    )
    # The journal keeps the file's name and SHA-256; the upload itself is not kept.
    path.unlink(missing_ok=True)
    if report.conflict:
        # Not retried blindly: the user sees what happened and sends the file again.
        raise jobs.PermanentFailure(report.error_summary(), report.as_result())
    return report.as_result()
