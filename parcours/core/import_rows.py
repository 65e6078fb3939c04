"""What an import reads, and how a file's rows are checked (DESIGN.md, "Exchange formats").

The columns of each kind of file, a row as it is parsed (typed accessors that note
errors instead of raising), the errors and the report, the importers and their registry;
then the checks of a file: its header, each row, the keys given twice. Writing what was
read is `parcours.core.imports`.
"""

import datetime as dt
import operator
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parcours.core.models import Organisation, User
from parcours.lib import tabular
from parcours.lib.tabular import CellError

PROGRESS_EVERY = 2000
MAX_REPORTED_ERRORS = 1000

Progress = Callable[[int, int, str], None]
Values = tuple[Any, ...]


def conflict_message() -> str:
    return _(
        "un autre import a modifié les mêmes lignes en même temps ; rien n'a été importé, "
        "relancez-le."
    )


def cli_label() -> str:
    """Who the journal names as the actor of an import run from the command line."""
    return _("ligne de commande (parcours import)")


@dataclass(frozen=True)
class Column:
    """A column of an exchange file, with the help shown on the upload page."""

    name: str
    help: str | Promise
    example: str = ""


@dataclass(frozen=True)
class RowError:
    """What is wrong, where: line 0 is the file as a whole, column "" the whole row."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.line and self.column:
            return _("ligne %(line)d, colonne %(column)s : %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        if self.line:
            return _("ligne %(line)d : %(message)s") % {"line": self.line, "message": self.message}
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    kind: str
    filename: str
    sha256: str = ""
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Rows imported as the file says, with a remark the user should read.
    warnings: list[RowError] = field(default_factory=list)
    # Another import wrote the same rows meanwhile: nothing was written, run it again.
    conflict: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One sentence, in French, of what was (or would be) done."""
        counts = {
            "kind": kind_label(self.kind),
            "filename": self.filename,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            return (
                ngettext(
                    "Vérification de « %(filename)s » (%(kind)s) : %(rows)d ligne valide ; "
                    "l'import créerait %(created)d, mettrait à jour %(updated)d et laisserait "
                    "%(unchanged)d inchangée(s). Rien n'a été écrit.",
                    "Vérification de « %(filename)s » (%(kind)s) : %(rows)d lignes valides ; "
                    "l'import créerait %(created)d, mettrait à jour %(updated)d et laisserait "
                    "%(unchanged)d inchangée(s). Rien n'a été écrit.",
                    self.rows,
                )
                % counts
            )
        return (
            ngettext(
                "Import de « %(filename)s » (%(kind)s) : %(rows)d ligne ; %(created)d créée(s), "
                "%(updated)d mise(s) à jour, %(unchanged)d inchangée(s).",
                "Import de « %(filename)s » (%(kind)s) : %(rows)d lignes ; %(created)d créée(s), "
                "%(updated)d mise(s) à jour, %(unchanged)d inchangée(s).",
                self.rows,
            )
            % counts
        )

    def error_summary(self) -> str:
        """Every error, one per line, after a sentence saying that nothing was written."""
        if self.conflict:
            return _("Import de « %(filename)s » interrompu : %(reason)s") % {
                "filename": self.filename,
                "reason": conflict_message(),
            }
        head = ngettext(
            "« %(filename)s » contient %(count)d erreur ; rien n'a été importé.",
            "« %(filename)s » contient %(count)d erreurs ; rien n'a été importé.",
            len(self.errors),
        ) % {"filename": self.filename, "count": len(self.errors)}
        return "\n".join([head, *(f"  {e}" for e in self.errors)])

    def warning_summary(self) -> str:
        """Every warning, one per line (empty when there is none)."""
        if not self.warnings:
            return ""
        head = ngettext(
            "%(count)d remarque :",
            "%(count)d remarques :",
            len(self.warnings),
        ) % {"count": len(self.warnings)}
        return "\n".join([head, *(f"  {w}" for w in self.warnings)])

    def as_result(self) -> dict[str, Any]:
        """What a background job keeps of the report (the first errors only)."""
        base = {"kind": self.kind, "filename": self.filename, "dry_run": self.dry_run}
        if not self.ok:
            return {
                **base,
                "ok": False,
                "conflict": self.conflict,
                "errors": [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]],
                "error_count": len(self.errors),
            }
        return {
            **base,
            "ok": True,
            "sha256": self.sha256,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": [w.as_dict() for w in self.warnings[:MAX_REPORTED_ERRORS]],
            "warning_count": len(self.warnings),
        }


class Row:
    """One data row as it is parsed: typed accessors that note errors instead of raising."""

    __slots__ = ("cells", "errors", "line", "warnings", "_before")

    def __init__(
        self,
        line: int,
        cells: dict[str, str],
        errors: list[RowError],
        warnings: list[RowError] | None = None,
    ) -> None:
        self.line = line
        self.cells = cells
        self.errors = errors
        self.warnings = [] if warnings is None else warnings
        self._before = len(errors)

    def __getitem__(self, column: str) -> str:
        return self.cells[column]

    @property
    def failed(self) -> bool:
        return len(self.errors) > self._before

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def warn(self, column: str, message: str) -> None:
        """A remark on a row that is imported all the same."""
        self.warnings.append(RowError(self.line, column, message))

    def _parse(self, column: str, parser: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return parser(self.cells[column], *args, **kwargs)
        except CellError as exc:
            self.error(column, exc.message)
            return None

    def text(self, column: str, *, max_length: int, required: bool = False) -> str:
        value: str | None = self._parse(
            column, tabular.parse_text, max_length=max_length, required=required
        )
        return value or ""

    def date(self, column: str) -> dt.date | None:
        return self._parse(column, tabular.parse_date)

    def optional_date(self, column: str) -> dt.date | None:
        return self._parse(column, tabular.parse_optional_date)

    def choice(self, column: str, choices: Sequence[str]) -> str | None:
        return self._parse(column, tabular.parse_choice, choices)

    def decimal(self, column: str, **bounds: Any) -> Any:
        return self._parse(column, tabular.parse_decimal, **bounds)

    def bool01(self, column: str) -> bool | None:
        return self._parse(column, tabular.parse_bool01)

    def email(self, column: str, *, max_length: int = 254) -> str:
        value: str | None = self._parse(column, tabular.parse_email, max_length=max_length)
        return value or ""


class Importer:
    """How one kind of file maps onto one model of the organisation.

    A subclass names its columns, the model fields an import sets (`fields`, in the
    order `parse` returns them) and those that identify a row (`key_fields`, which the
    file gives as `key_columns`). `parse` turns a row into a tuple of values, or notes
    its errors on the row and returns None.
    """

    kind: ClassVar[str]
    label: ClassVar[str | Promise]
    model: ClassVar[type[models.Model]]
    columns: ClassVar[tuple[Column, ...]]
    fields: ClassVar[tuple[str, ...]]
    key_fields: ClassVar[tuple[str, ...]]
    key_columns: ClassVar[tuple[str, ...]]
    do_not_call_in_templates = True  # templates show the class's label and columns

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.existing: dict[Hashable, tuple[int, Values]] = {}
        # A row's key: its value of the one key field, or the tuple of several.
        self.key: Callable[[Values], Hashable] = operator.itemgetter(
            *(self.fields.index(f) for f in self.key_fields)
        )

    def queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(organisation=self.organisation)

    def load(self) -> None:
        """What the organisation already holds, in one query: key → (pk, values)."""
        for pk, *values in self.queryset().values_list("pk", *self.fields).iterator(5000):
            self.existing[self.key(tuple(values))] = (pk, tuple(values))

    def pks(self) -> dict[Hashable, int]:
        """Every key of the organisation's objects → its primary key (one query)."""
        rows = self.queryset().values_list(*self.key_fields, "pk").iterator(5000)
        n = len(self.key_fields)
        return {(row[0] if n == 1 else row[:n]): row[n] for row in rows}

    def parse(self, row: Row) -> Values | None:
        raise NotImplementedError

    def describe(self, values: Values) -> str:
        """What the journal shows of the object (its `object_repr`)."""
        raise NotImplementedError

    def prepare(self, plan: "Plan", *, acting_user: User | None, label: str) -> None:
        """Inside the write transaction, before any row is written: create what the
        rows refer to and does not exist yet (the attendance import's new slots)."""


class StreamingImporter(Importer):
    """An importer of facts too many to plan in memory (millions of activity rows).

    `run_import` hands it the open table inside one transaction: `stage` reads every
    row once, notes the errors on the report and writes the valid rows somewhere
    temporary (a staging table); `apply` then writes the staged rows for good and fills
    the report's created, updated and unchanged counts. When the file has any error,
    or on a dry run (whose counts are then those of a real import), the transaction is
    rolled back: nothing is kept.
    Rows are not journaled one by one: the `import.completed` entry traces the file.
    """

    def stage(self, table: tabular.Table, names: list[str], report: ImportReport) -> None:
        raise NotImplementedError

    def apply(self, report: ImportReport) -> None:
        raise NotImplementedError

    def outside_transaction(self) -> AbstractContextManager[None]:
        """What to set up on the connection before the import's transaction opens."""
        return nullcontext()


IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Class decorator: make a kind of file importable (`parcours import KIND`, uploads)."""
    IMPORTERS[importer.kind] = importer
    return importer


def importer_for(kind: str) -> type[Importer]:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise LookupError(
            _("Type d'import inconnu « %(kind)s » (types possibles : %(kinds)s).")
            % {"kind": kind, "kinds": ", ".join(IMPORTERS)}
        ) from None


def kind_label(kind: str) -> str:
    importer = IMPORTERS.get(kind)
    return str(importer.label) if importer else kind


def template_table(kind: str) -> tuple[list[str], list[list[str]]]:
    """The kind's header and one example row, to fill in (CSV in the exchange format, or
    XLSX)."""
    columns = importer_for(kind).columns
    return [c.name for c in columns], [[c.example for c in columns]]


def check_header(header: list[str], importer: type[Importer]) -> tuple[list[str], list[RowError]]:
    """The header's column names (normalised), and what is wrong with it."""
    names = [h.strip().lower() for h in header]
    expected = [c.name for c in importer.columns]
    problems = []
    seen = set()
    for name, raw in zip(names, header, strict=True):
        if not name:
            problems.append(RowError(1, "", _("colonne sans nom dans l'en-tête")))
        elif name in seen:
            problems.append(RowError(1, raw, _("colonne en double")))
        elif name not in expected:
            problems.append(RowError(1, raw, _("colonne inconnue")))
        seen.add(name)
    problems += [RowError(1, name, _("colonne manquante")) for name in expected if name not in seen]
    if problems:
        expected_columns = _("colonnes attendues, dans cet ordre ou un autre : %(columns)s") % {
            "columns": ", ".join(expected)
        }
        problems.append(RowError(1, "", expected_columns))
    return names, problems


def records(
    table: tabular.Table,
    names: list[str],
    importer: Importer,
    report: ImportReport,
    progress: Progress | None,
) -> Iterator[tuple[int, Values]]:
    """The file's valid rows as (line, values); errors go to the report."""
    errors = report.errors
    width = len(names)
    seen: dict[Hashable, int] = {}
    key_label = ", ".join(importer.key_columns)
    total = table.estimated_rows
    count = 0
    for line, raw in table.rows:
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count, max(total, count), _("Vérification des lignes"))
        if len(raw) > width and any(c.strip() for c in raw[width:]):
            errors.append(
                RowError(
                    line,
                    "",
                    _("%(count)d valeurs pour %(width)d colonnes")
                    % {"count": len(raw), "width": width},
                )
            )
            continue
        cells = [c.strip() for c in raw[:width]]
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        row = Row(line, dict(zip(names, cells, strict=True)), errors, report.warnings)
        values = importer.parse(row)
        if values is None:
            continue
        key = importer.key(values)
        first = seen.setdefault(key, line)
        if first != line:
            errors.append(
                RowError(
                    line,
                    key_label,
                    _("identifiant en double : déjà présent ligne %(line)d") % {"line": first},
                )
            )
            continue
        yield line, values
    report.rows = count


@dataclass
class Plan:
    creates: list[Values] = field(default_factory=list)
    updates: list[tuple[int, Values, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: int = 0
