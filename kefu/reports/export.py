"""Write report tables as CSV (UTF-8 with a BOM, so Excel opens Chinese correctly) or Excel .xlsx."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# A text cell starting with one of these is a formula to a spreadsheet: it is written as text, never run.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"csat": {"average": 4}} → {"csat.average": 4}; lists (heatmap rows) become numbered columns."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out.update(flatten({str(i): v for i, v in enumerate(value)}, name + "."))
        else:
            out[name] = value
    return out


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The CSV file in pieces (a year of conversations streams without being held in memory)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    head = codecs.BOM_UTF8

    def take() -> bytes:
        data = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        return data

    for n, row in enumerate(rows, 1):
        writer.writerow([_text(row.get(c)) for c in columns])
        if n % 1000 == 0:
            yield head + take()
            head = b""
    yield head + take()


def xlsx_bytes(sheet_name: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    sheet.append(columns)
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, bool):
                value = "true" if value else "false"
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # text, never a formula
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
