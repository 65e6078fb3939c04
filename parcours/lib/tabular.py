"""Reading CSV and XLSX files row by row, and parsing their cells, with French messages.

A table is read in one pass, never loaded whole: CSV through the `csv` module (UTF-8,
with or without a byte order mark, comma-separated), XLSX through openpyxl in read-only
mode. Each row comes with its line number as the user sees it in the file (the header is
line 1). XLSX cells are turned into the text a CSV would hold (a date cell becomes
``AAAA-MM-JJ``), so that one set of parsers serves both formats.

The parsers take a cell's text and return a Python value, or raise `CellError` whose
message says, in French, what is wrong and what was expected. No domain logic here.
"""

import csv
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")


class TableError(Exception):
    """The file as a whole cannot be read (format, encoding, empty...)."""

    def __init__(self, message: str, line: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class CellError(ValueError):
    """A cell's value is not what the column expects; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    lines: int  # an estimate of the number of lines, for progress bars


def file_facts(path: Path) -> FileFacts:
    """The file's SHA-256 and an estimate of its line count, in one pass over its bytes."""
    digest = hashlib.sha256()
    size = newlines = 0
    last = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    lines = newlines + (1 if size and last != b"\n" else 0)
    return FileFacts(digest.hexdigest(), size, lines)


def format_of(name: str) -> str:
    """'csv' or 'xlsx' from a file name, or TableError."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise TableError(
            _("Format de fichier non pris en charge « %(suffix)s » : CSV ou XLSX attendu.")
            % {"suffix": Path(name).suffix or name}
        )
    return suffix


@dataclass
class Table:
    """An open table: its header, then its data rows as (line number, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    estimated_rows: int = 0
    _closers: list[Any] = field(default_factory=list, repr=False)

    def __enter__(self) -> "Table":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self._closers.clear()


def open_table(path: Path, *, fmt: str | None = None, estimated_lines: int = 0) -> Table:
    """Open a CSV or XLSX file (by its extension unless `fmt` is given) for reading."""
    fmt = fmt or format_of(path.name)
    if fmt == "csv":
        return _open_csv(path, estimated_lines)
    return _open_xlsx(path)


def _open_csv(path: Path, estimated_lines: int) -> Table:
    f = path.open("r", encoding="utf-8-sig", newline="")
    try:
        first = f.readline()
        while first and not first.strip():
            first = f.readline()
    except UnicodeDecodeError:
        f.close()
        raise TableError(_not_utf8(), line=1) from None
    if not first.strip():
        f.close()
        raise TableError(_("Le fichier est vide : la première ligne doit nommer les colonnes."))
    # The exchange format is comma-separated; a file saved by a French spreadsheet uses
    # semicolons, which is accepted when the header shows it unambiguously.
    delimiter = ";" if ";" in first and "," not in first else ","
    f.seek(0)
    # Strict: a quote opened and never closed is an error, not the rest of the file
    # swallowed into one cell (and the row then short of values).
    nul: list[int] = []
    reader = csv.reader(_watch_nul(f, nul), delimiter=delimiter, strict=True)
    rows = _csv_rows(reader, nul)
    try:
        header_line, header = next(rows, (0, []))
    except TableError:
        f.close()
        raise
    rows = _no_nul_after_header(rows, header)
    table = Table(
        header=_header(header), rows=rows, estimated_rows=max(estimated_lines - header_line, 0)
    )
    table._closers.append(f.close)
    return table


def _header(cells: list[str]) -> list[str]:
    """The header's names; empty cells at its end (a trailing comma, a spreadsheet's
    formatted but empty columns) are not columns."""
    names = [c.strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    return names


def _not_utf8() -> str:
    return _(
        "Le fichier n'est pas encodé en UTF-8 : enregistrez-le au format « CSV UTF-8 » "
        "(ou XLSX) puis recommencez."
    )


def _watch_nul(lines: Iterable[str], seen: list[int]) -> Iterator[str]:
    """The file's lines, noting in `seen` that one holds a NUL character (cheaper than
    looking into every cell of every row)."""
    for text in lines:
        if "\x00" in text:
            seen.append(1)
        yield text


def _nul_message() -> str:
    return _(
        "caractère nul (octet 0) dans la valeur : le fichier est sans doute endommagé ou "
        "n'est pas un fichier texte ; enregistrez-le de nouveau au format « CSV UTF-8 »"
    )


def _csv_rows(reader: Any, nul: list[int]) -> Iterator[tuple[int, list[str]]]:
    """Rows with the number of the line each starts on, skipping blank lines.

    A row holding a NUL character raises TableError with its line; its column is the
    position of the cell (1 for the first), turned into a name once the header is known.
    """
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if nul:
                for position, cell in enumerate(cells, start=1):
                    if "\x00" in cell:
                        raise TableError(_nul_message(), line=start, column=str(position))
            if cells and any(c.strip() for c in cells):
                yield start, cells
    except UnicodeDecodeError:
        raise TableError(_not_utf8(), line=line) from None
    except csv.Error as exc:
        raise TableError(*_csv_error(str(exc), start=line, at=reader.line_num)) from None


def _csv_error(error: str, *, start: int, at: int) -> tuple[str, int]:
    """The csv module's (English) error as a French message, and the line to show: the
    line where the row began (for a quote never closed, where the quote opened)."""
    if error.startswith("field larger than field limit"):
        limit = f"{csv.field_size_limit():,}".replace(",", "\u202f")
        return (
            _(
                "valeur de plus de %(limit)s caractères dans la ligne qui commence ici : un "
                "guillemet (\") ouvert sur cette ligne n'est sans doute jamais refermé"
            )
            % {"limit": limit},
            start,
        )
    if error == "unexpected end of data":
        return (
            _(
                'guillemet (") ouvert sur cette ligne et jamais refermé : la fin du fichier '
                'est atteinte dans la valeur ; fermez le guillemet, ou doublez-le ("") s\'il '
                "fait partie du texte"
            ),
            start,
        )
    if "expected after" in error:
        return (
            _(
                "caractère inattendu après un guillemet fermant : une valeur entre "
                "guillemets doit être suivie d'un séparateur ; un guillemet dans le texte "
                's\'écrit doublé ("")'
            ),
            at,
        )
    return (
        _(
            "fichier CSV illisible à cette ligne : enregistrez-le de nouveau au format « CSV UTF-8 »"
        ),
        at,
    )


def _no_nul_after_header(
    rows: Iterator[tuple[int, list[str]]], header: list[str]
) -> Iterator[tuple[int, list[str]]]:
    """The data rows; a NUL error names its column as the header does."""
    try:
        yield from rows
    except TableError as exc:
        if exc.column.isdigit():
            position = int(exc.column)
            name = header[position - 1].strip() if position <= len(header) else ""
            exc.column = name or exc.column
        raise


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise TableError(
            _("Fichier XLSX illisible : enregistrez-le depuis votre tableur au format XLSX.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        estimated = max((sheet.max_row or 1) - 1, 0)
        rows = _xlsx_rows(sheet.iter_rows(values_only=True))
        header_line, header = next(rows, (0, []))
    except Exception:
        workbook.close()
        raise
    if not header_line:
        workbook.close()
        raise TableError(_("Le fichier est vide : la première ligne doit nommer les colonnes."))
    table = Table(header=_header(header), rows=rows, estimated_rows=estimated)
    table._closers.append(workbook.close)
    return table


def _xlsx_rows(values: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
    for line, row in enumerate(values, start=1):
        cells = [cell_text(v) for v in row]
        if any(cells):
            yield line, cells


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


# Cell parsers: each takes the cell's text (already stripped) and returns a value or
# raises CellError.


def parse_text(value: str, *, max_length: int, required: bool = False) -> str:
    if not value:
        if required:
            raise CellError(_("valeur obligatoire"))
        return ""
    if len(value) > max_length:
        raise CellError(
            _("texte trop long (%(length)d caractères, %(max)d au plus)")
            % {"length": len(value), "max": max_length}
        )
    return value


def parse_date(value: str) -> dt.date:
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    if not value:
        raise CellError(_("date obligatoire (format attendu AAAA-MM-JJ)"))
    raise CellError(_("date invalide « %(value)s » (format attendu AAAA-MM-JJ)") % {"value": value})


def parse_optional_date(value: str) -> dt.date | None:
    return parse_date(value) if value else None


def parse_datetime(
    value: str, *, tz: dt.tzinfo | None = None, allow_date: bool = False
) -> dt.datetime:
    """An ISO 8601 date and time; without an offset, the time is local to `tz`.

    With allow_date, a bare date means midnight of that day in `tz`.
    """
    tz = tz or timezone.get_current_timezone()
    if allow_date and len(value) == 10:
        day = parse_date(value)
        return dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    moment = None
    if len(value) >= 16 and value[10] in "T ":
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        expected = (
            _("format attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM[:SS][+HH:MM]")
            if allow_date
            else _("format attendu AAAA-MM-JJTHH:MM[:SS][+HH:MM]")
        )
        if not value:
            raise CellError(_("date et heure obligatoires (%(expected)s)") % {"expected": expected})
        raise CellError(
            _("date et heure invalides « %(value)s » (%(expected)s)")
            % {"value": value, "expected": expected}
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def parse_decimal(
    value: str,
    *,
    max_digits: int,
    decimal_places: int,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
) -> Decimal:
    """A decimal number ("12.5" or "12,5"), to `decimal_places` (more decimals are refused)."""
    if not value:
        raise CellError(_("nombre obligatoire"))
    try:
        number = Decimal(value.replace(",", ".", 1).replace(" ", "").replace("\u202f", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CellError(_("nombre invalide « %(value)s »") % {"value": value})
    if number.adjusted() >= max_digits - decimal_places:
        raise CellError(_("nombre trop grand « %(value)s »") % {"value": value})
    rounded = number.quantize(Decimal(1).scaleb(-decimal_places))
    if rounded != number:
        raise CellError(
            _("nombre invalide « %(value)s » (%(places)d décimales au plus)")
            % {"value": value, "places": decimal_places}
        )
    if min_value is not None and rounded < min_value:
        raise CellError(
            _("nombre trop petit « %(value)s » (minimum %(min)s)")
            % {"value": value, "min": min_value}
        )
    if max_value is not None and rounded > max_value:
        raise CellError(
            _("nombre trop grand « %(value)s » (maximum %(max)s)")
            % {"value": value, "max": max_value}
        )
    return rounded


def parse_int(value: str, *, min_value: int | None = None, max_value: int | None = None) -> int:
    if not value:
        raise CellError(_("nombre entier obligatoire"))
    try:
        number = int(value)
    except ValueError:
        raise CellError(_("nombre entier invalide « %(value)s »") % {"value": value}) from None
    if min_value is not None and number < min_value:
        raise CellError(
            _("nombre trop petit « %(value)s » (minimum %(min)d)")
            % {"value": value, "min": min_value}
        )
    if max_value is not None and number > max_value:
        raise CellError(
            _("nombre trop grand « %(value)s » (maximum %(max)d)")
            % {"value": value, "max": max_value}
        )
    return number


def parse_bool01(value: str) -> bool:
    if value == "1":
        return True
    if value == "0":
        return False
    if not value:
        raise CellError(_("valeur obligatoire (0 ou 1)"))
    raise CellError(_("valeur invalide « %(value)s » (attendu 0 ou 1)") % {"value": value})


def parse_choice(value: str, choices: Sequence[str]) -> str:
    """One of the allowed codes, matched without regard to case."""
    if value in choices:
        return value
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    listed = ", ".join(choices)
    if not value:
        raise CellError(
            _("valeur obligatoire (valeurs possibles : %(choices)s)") % {"choices": listed}
        )
    raise CellError(
        _("valeur inconnue « %(value)s » (valeurs possibles : %(choices)s)")
        % {"value": value, "choices": listed}
    )


# The common case, checked fast; anything else goes through Django's full validator.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
PLAIN_EMAIL = re.compile(rf"[A-Za-z0-9._%+-]{{1,64}}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}\Z")


def parse_email(value: str, *, max_length: int = 254) -> str:
    """An e-mail address, or "" when the cell is empty."""
    if not value:
        return ""
    if len(value) > max_length:
        raise CellError(_("adresse e-mail trop longue « %(value)s »") % {"value": value})
    if PLAIN_EMAIL.match(value):
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(_("adresse e-mail invalide « %(value)s »") % {"value": value}) from None
    return value
