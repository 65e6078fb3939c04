"""Every CSV and XLSX file the product writes, through one writer per format.

Two dialects, one writer:

- `PEOPLE`: files a person opens in a spreadsheet (every download offered by a page):
  semicolon-separated, decimal comma, UTF-8 with a byte order mark, CRLF line ends, so
  that French Excel opens them in columns, with accents, and numbers as numbers.
- `EXCHANGE`: the exchange formats of DESIGN.md, read by programs (`parcours risk
  --format csv`, the import templates, the demo's import files): comma-separated,
  decimal point, UTF-8 without a byte order mark, LF line ends.

Both neutralise formula injection: a text cell whose first character is `=`, `+`, `-`,
`@`, a tab or a carriage return is written with an apostrophe before it, so that no
spreadsheet runs it as a formula (OWASP's "CSV injection" advice). Numbers (int, float,
Decimal) are written as numbers, never altered: a negative number stays a number. The
XLSX writer applies the same neutralisation, and writes every text as a text cell,
never as a formula; characters that XML cannot hold (control characters) are dropped.

Callers pass typed values: text, numbers, dates, None (an empty cell). Dates and times
are written in ISO 8601, as the exchange formats say and as Excel reads them.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = frozenset("=+-@\t\r")
# Control characters that XML (so XLSX) cannot hold; tab, LF and CR it can (openpyxl's).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is laid out for its reader."""

    name: str
    delimiter: str
    decimal: str
    bom: bool
    lineterminator: str


PEOPLE = Dialect("people", delimiter=";", decimal=",", bom=True, lineterminator="\r\n")
EXCHANGE = Dialect("exchange", delimiter=",", decimal=".", bom=False, lineterminator="\n")


def neutralise(text: str) -> str:
    """A text that no spreadsheet will run as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _number(value: float | Decimal, decimal: str) -> str:
    text = str(value)
    if "e" in text or "E" in text:  # 1e-05: a spreadsheet wants plain digits
        text = format(Decimal(text), "f")
    return text.replace(".", decimal) if decimal != "." else text


def csv_cell(value: Any, dialect: Dialect) -> str:
    """One value as the text of a CSV cell in `dialect`."""
    if type(value) is str:
        return "'" + value if value[:1] in FORMULA_STARTS else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number(value, dialect.decimal)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(
    out: TextIO, header: Iterable[str], rows: Iterable[Iterable[Any]], *, dialect: Dialect
) -> None:
    """Write a header row and the rows to a text stream, in `dialect`."""
    if dialect.bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator=dialect.lineterminator)
    writer.writerow([csv_cell(h, dialect) for h in header])
    starts, cell = FORMULA_STARTS, csv_cell

    def cells(row: Iterable[Any]) -> list[str]:
        # Texts inline, the rest through csv_cell: 200,000 rows in about a second.
        return [
            ("'" + v if v[:1] in starts else v) if type(v) is str else cell(v, dialect) for v in row
        ]

    writer.writerows(map(cells, rows))


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], *, dialect: Dialect) -> str:
    """A whole CSV document as text (byte order mark included when the dialect has one)."""
    out = io.StringIO()
    write_csv(out, header, rows, dialect=dialect)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    if type(value) is str:
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the local wall-clock time is what a reader expects.
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


Sheet = tuple[str, Iterable[str], Iterable[Iterable[Any]]]


def xlsx_book(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook of (title, header, rows) sheets: a bold, frozen header row, then
    the rows; texts as text cells, neutralised."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        worksheet = workbook.create_sheet(title=(title or "Export")[:31])
        worksheet.freeze_panes = "A2"
        header_cells = []
        for name in header:
            cell = WriteOnlyCell(worksheet, value=_xlsx_value(name))
            cell.font = bold
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in rows:
            # Plain values: openpyxl writes a text as a text unless it starts with "=",
            # which a neutralised text never does.
            worksheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]], *, sheet: str = "") -> bytes:
    """A one-sheet XLSX workbook (see `xlsx_book`)."""
    return xlsx_book([(sheet, header, rows)])


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def csv_response(
    filename: str,
    header: Iterable[str],
    rows: Iterable[Iterable[Any]],
    *,
    dialect: Dialect = PEOPLE,
) -> HttpResponse:
    """A CSV download (`filename` ends in .csv), for people unless told otherwise."""
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    write_csv(response, header, rows, dialect=dialect)  # type: ignore[arg-type]
    return _attachment(response, filename)


def xlsx_response(
    filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]], *, sheet: str = ""
) -> HttpResponse:
    """An XLSX download (`filename` ends in .xlsx)."""
    response = HttpResponse(xlsx_bytes(header, rows, sheet=sheet), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, filename)


def table_response(
    fmt: str,
    stem: str,
    header: Iterable[str],
    rows: Iterable[Iterable[Any]],
    *,
    sheet: str = "",
    dialect: Dialect = PEOPLE,
) -> HttpResponse:
    """The download of a table as `stem.csv` or `stem.xlsx`, as `fmt` ("csv" or "xlsx") says."""
    if fmt == "xlsx":
        return xlsx_response(f"{stem}.xlsx", header, rows, sheet=sheet)
    return csv_response(f"{stem}.csv", header, rows, dialect=dialect)
