"""A table of plain values written as CSV or XLSX bytes. Knows nothing of HTTP or the database.

Every text cell is neutralised first: a spreadsheet program would run a cell beginning with
`=`, `+`, `-` or `@` (or a tab or carriage return that hides one) as a formula, so such text
gets a leading apostrophe and is shown as typed (OWASP's advice on CSV injection). So do their
full-width and small look-alikes (`＝`, `＋`, `－`, `＠`), which Excel reads as the real thing, and
a starter behind spaces, which an import that trims them would uncover.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_STARTERS = ("=", "+", "-", "@")
XLSX_CELL_MAX = 32_767  # the most characters a spreadsheet cell holds
DATE_FORMAT = "dd/mm/yyyy"  # as dates are written in Wales
SHEET_NAME_MAX = 31


@dataclass
class Table:
    """What an export holds: a title (the sheet's name), headers, and rows of plain values
    (text, whole numbers, dates or None)."""

    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    widths: list[int] | None = None  # column widths in characters, for XLSX


def neutralise(value):
    """Text that a spreadsheet would take for a formula, made inert; other values unchanged."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_PREFIXES) or _starts_formula(value.lstrip())
    ):
        return "'" + value
    return value


def _starts_formula(text: str) -> bool:
    # NFKC folds the full-width and small forms (U+FF1D, U+FE66, ...) to the ASCII starter.
    return unicodedata.normalize("NFKC", text[:1]).startswith(FORMULA_STARTERS)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()  # unambiguous whatever the reader's locale
    return neutralise(str(value))


def csv_chunks(headers: list, rows: Iterable[list], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """Headers and rows as CSV bytes, a few hundred rows at a time, for a file too long to
    build whole: UTF-8 with a byte-order mark, so Excel reads ŵ and ŷ correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([_csv_value(h) for h in headers])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if number % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark, so Excel reads ŵ and ŷ correctly."""
    return b"".join(csv_chunks(table.headers, table.rows))


def _sheet_name(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip("' ")
    return (cleaned or "Export")[:SHEET_NAME_MAX]


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        # Control characters are not allowed in the file format; a narrative pasted from
        # elsewhere may hold one, and it must not stop the export.
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))[:XLSX_CELL_MAX]
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # always text: never read back as a formula
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def to_xlsx(table: Table) -> bytes:
    """The table as an Excel workbook of one sheet: bold headers that stay in view and filter,
    whole numbers as numbers and dates as dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.title))
    for index, width in enumerate(table.widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    if table.headers:
        last = get_column_letter(len(table.headers))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    header_font, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    headers = []
    for header in table.headers:
        cell = _xlsx_cell(sheet, str(header))
        cell.font, cell.alignment = header_font, wrap
        headers.append(cell)
    sheet.append(headers)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.properties.title = table.title
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
