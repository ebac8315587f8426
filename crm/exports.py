"""xlsx exports, safe from formula injection; reusable by every app's lists.

A cell that starts with = + - @ or a tab/carriage return would be read by a spreadsheet as a
formula (CSV/DDE injection): such text is written with a leading apostrophe, so it stays text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# openpyxl refuses control characters that XML 1.0 cannot hold.
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def safe_cell_value(value: Any) -> Any:
    """Return a value openpyxl may write and no spreadsheet will run: text never becomes a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    text = str(value).translate(_ILLEGAL)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Export") -> bytes:
    """Build an xlsx file (streamed row by row with a write-only workbook)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Export")
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell_value(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            safe = safe_cell_value(value)
            cell = WriteOnlyCell(sheet, value=safe)
            if isinstance(safe, dt.datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(safe, dt.date):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Export"
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(headers, rows, sheet_title=sheet_title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
