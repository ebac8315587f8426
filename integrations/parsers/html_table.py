"""Read the tables of a web page saved as .xls, as many portals and aggregators export "Excel".

Such a file is an HTML page (often Excel's own "Web page" format) with the data in
``<table>`` elements. Each table with rows becomes a sheet; ``colspan`` and ``rowspan``
become merged ranges, the same as merged cells of a real workbook, so a header split over
merged cells is found the same way. The standard library's HTML parser resolves only
character references: there are no entities to expand and nothing external is fetched.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")
_MAX_SPAN = 1000  # a span past this is garbage, not layout
_HEAD_TABLE_WINDOW = 64 * 1024


def looks_like_html(head: bytes) -> bool:
    """Tell whether a file starts like an HTML page (with or without a doctype)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()[:2048].lower()
    if text.startswith(b"<?xml"):  # an XML document (EIS, CommerceML) even if it has a <table> tag
        return False
    if text.startswith((b"<!doctype html", b"<html")):
        return True
    return text.startswith(b"<") and b"<table" in head[:_HEAD_TABLE_WINDOW].lower()


def html_encoding(head: bytes, fallback: str) -> str:
    """The page's declared charset (``<meta charset>``), else ``fallback``."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    match = _CHARSET_RE.search(head[:_HEAD_TABLE_WINDOW])
    if match:
        name = match.group(1).decode("ascii", "replace").lower()
        try:
            "".encode(name)
        except LookupError:
            return fallback
        return name
    return fallback


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[str | None]] = []
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
        # Columns still covered by a rowspan from above: column -> rows left.
        self.carry: dict[int, int] = {}
        self.row: list[str | None] | None = None

    def start_row(self) -> None:
        self.end_row()
        self.row = []

    def end_row(self) -> None:
        if self.row is None:
            return
        # Columns past the row's last cell still covered by a rowspan from above.
        for col in sorted(c for c in self.carry if c >= len(self.row)):
            self.row.extend([None] * (col - len(self.row)))
            self._take_carried(col)
        self.rows.append(self.row)
        self.row = None

    def _take_carried(self, col: int) -> bool:
        """Fill column `col` of the current row when a cell above spans down into it."""
        left = self.carry.get(col)
        if not left:
            return False
        self.row.append(None)
        if left <= 1:
            del self.carry[col]
        else:
            self.carry[col] = left - 1
        return True

    def add_cell(self, text: str, colspan: int, rowspan: int) -> None:
        if self.row is None:
            self.row = []
        while self._take_carried(len(self.row)):
            pass
        row_index, col = len(self.rows), len(self.row)
        self.row.append(text or None)
        self.row.extend([None] * (colspan - 1))
        if rowspan > 1:
            for offset in range(colspan):
                self.carry[col + offset] = rowspan - 1
        if colspan > 1 or rowspan > 1:
            self.merged.append(((row_index, col), (row_index + rowspan - 1, col + colspan - 1)))


class _TableCollector(HTMLParser):
    """Collect every table's rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self.stack: list[_Table] = []
        self.cell: list[str] | None = None
        self.spans = (1, 1)
        self.skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self._end_cell()
            table = _Table()
            self.tables.append(table)
            self.stack.append(table)
        elif not self.stack:
            return
        elif tag == "tr":
            self._end_cell()
            self.stack[-1].start_row()
        elif tag in ("td", "th"):
            self._end_cell()
            values = dict(attrs)
            self.cell = []
            self.spans = (_span(values.get("colspan")), _span(values.get("rowspan")))
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif not self.stack:
            return
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_cell()
            self.stack[-1].end_row()
        elif tag == "table":
            self._end_cell()
            self.stack.pop().end_row()

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def _end_cell(self) -> None:
        if self.cell is None or not self.stack:
            self.cell = None
            return
        text = _SPACES_RE.sub(" ", "".join(self.cell)).strip()
        self.cell = None
        colspan, rowspan = self.spans
        self.stack[-1].add_cell(text, colspan, rowspan)

    def close(self) -> None:
        super().close()
        self._end_cell()
        while self.stack:
            self.stack.pop().end_row()


def _span(value: Any) -> int:
    try:
        return min(max(int(str(value).strip()), 1), _MAX_SPAN)
    except (TypeError, ValueError):
        return 1


def read_html_tables(text: str) -> list[tuple[list[list[str | None]], tuple]]:
    """Return each non-empty table of an HTML page as (rows, merged ranges), in page order."""
    parser = _TableCollector()
    parser.feed(text)
    parser.close()
    tables = []
    for table in parser.tables:
        if any(any(cell for cell in row) for row in table.rows):
            tables.append((table.rows, tuple(table.merged)))
    return tables
