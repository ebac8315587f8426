"""Read uploaded tabular files (xlsx, xls, ods, csv) safely and as a stream of rows.

The format is decided by the file's content (magic bytes, zip members), not by its
name, and hostile files are refused with :class:`FileRejected` before any real
parsing starts: empty or oversized files, password-protected workbooks, zip bombs
and files that are not spreadsheets at all.

Typical use::

    for sheet in read_table(path, filename=upload.name, max_bytes=50 * 1024 * 1024):
        for row_index, row in enumerate(sheet.rows):
            ...

Row indices are 0-based positions in the sheet (Excel row number - 1) and column
indices are 0-based from column A, even when the data does not start at A1.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.html_table import html_encoding, looks_like_html, read_html_tables

__all__ = [
    "CellRange",
    "CellValue",
    "FileKind",
    "FileRejected",
    "Sheet",
    "Source",
    "ZipLimits",
    "check_size",
    "check_zip_safety",
    "detect_kind",
    "read_table",
]

CellValue = str | int | float | bool | date | datetime | time | timedelta | None
# ((first_row, first_col), (last_row, last_col)), 0-based and inclusive.
CellRange = tuple[tuple[int, int], tuple[int, int]]
Source = str | os.PathLike[str] | IO[bytes]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# The stream an Office "Encrypt with password" wraps the real xlsx into.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_SNIFF_BYTES = 64 * 1024
_CSV_DELIMITERS = ";,\t|"


class FileRejected(Exception):
    """The file cannot be imported at all; ``message`` is user-facing and translatable."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class FileKind(StrEnum):
    """What a file turned out to be, judged by its content."""

    XLSX = "xlsx"
    XLSB = "xlsb"
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"
    XML = "xml"
    ZIP = "zip"
    HTML = "html"  # a web page saved as .xls


@dataclass(frozen=True)
class ZipLimits:
    """Limits applied to a zip container (an xlsx is one) before anything is unpacked.

    Real xlsx files compress 5-30 times; a ratio of hundreds on a large member is a
    zip bomb.
    """

    max_members: int = 10_000
    max_unpacked_bytes: int = 1024 * 1024 * 1024
    max_ratio: int = 200
    # Tiny members compress absurdly well (a 5 KB run of spaces); judge the ratio only above this.
    ratio_floor_bytes: int = 1024 * 1024


@dataclass
class Sheet:
    """One visible worksheet of a workbook (a CSV file is a single sheet).

    ``rows`` is a one-shot iterator of rows; each row is a list of cell values where an
    empty cell is ``""`` or ``None``. ``estimated_rows`` is for progress bars only.
    """

    name: str
    index: int
    rows: Iterator[list[CellValue]]
    estimated_rows: int | None = None
    merged_ranges: tuple[CellRange, ...] = field(default_factory=tuple)


def read_table(
    source: Source,
    *,
    filename: str,
    max_bytes: int | None = None,
    zip_limits: ZipLimits | None = None,
) -> Iterator[Sheet]:
    """Yield the visible sheets of a spreadsheet file, each with a lazy row iterator.

    ``source`` is a path or a binary file object opened for reading (seekable);
    ``filename`` is the name the user uploaded, used in messages and as a hint only.
    Raise :class:`FileRejected` when the file is empty, larger than ``max_bytes``, not
    a spreadsheet, password-protected or a zip bomb.
    """
    check_size(source, filename=filename, max_bytes=max_bytes)
    kind = detect_kind(source, filename=filename)
    if kind in (FileKind.XLSX, FileKind.XLSB, FileKind.ODS):
        check_zip_safety(source, filename=filename, limits=zip_limits or ZipLimits())
        yield from _read_calamine(source, filename=filename)
    elif kind is FileKind.XLS:
        _reject_encrypted_ole(source, filename=filename)
        yield from _read_xls(source, filename=filename)
    elif kind is FileKind.CSV:
        yield _read_csv(source, filename=filename)
    elif kind is FileKind.HTML:
        yield from _read_html(source, filename=filename)
    else:
        raise FileRejected(format_lazy(_("“{name}” is not a spreadsheet (xlsx, xls or csv)."), name=filename))


def check_size(source: Source, *, filename: str, max_bytes: int | None) -> int:
    """Return the size of ``source`` in bytes; refuse an empty or oversized file."""
    size = _source_size(source)
    if size == 0:
        raise FileRejected(format_lazy(_("“{name}” is empty."), name=filename))
    if max_bytes is not None and size > max_bytes:
        raise FileRejected(
            format_lazy(
                _("“{name}” is too large: {size} MB, the limit is {limit} MB."),
                name=filename,
                size=_megabytes(size),
                limit=_megabytes(max_bytes),
            )
        )
    return size


def detect_kind(source: Source, *, filename: str) -> FileKind:
    """Tell what ``source`` is from its first bytes (and zip member names), not its name."""
    head = _read_head(source, _SNIFF_BYTES)
    if head.startswith(_OLE_MAGIC):
        if _ole_is_encrypted_package(source):
            raise FileRejected(_encrypted_message(filename))
        return FileKind.XLS
    if head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC):
        return _zip_kind(source, filename=filename)
    if looks_like_html(head):
        return FileKind.HTML
    if _looks_like_xml(head):
        return FileKind.XML
    if _looks_like_text(head):
        return FileKind.CSV
    raise FileRejected(format_lazy(_("“{name}” is not a spreadsheet (xlsx, xls or csv)."), name=filename))


def check_zip_safety(source: Source, *, filename: str, limits: ZipLimits) -> None:
    """Refuse a zip container whose declared member sizes betray a zip bomb.

    Only the central directory is read, so nothing is unpacked. Sizes in the
    directory can lie, which is why readers of members must still cap what they read
    (see ``integrations.parsers.tenders.files``).
    """
    bomb = FileRejected(
        format_lazy(
            _("“{name}” unpacks to far more data than a real file would (a zip bomb); it was refused."),
            name=filename,
        )
    )
    with _open_zip(source, filename=filename) as archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise bomb
        total = 0
        for member in members:
            total += member.file_size
            if total > limits.max_unpacked_bytes:
                raise bomb
            if member.file_size > limits.ratio_floor_bytes and member.file_size > limits.max_ratio * max(
                member.compress_size, 1
            ):
                raise bomb


# --- size and head -------------------------------------------------------------------


def _source_size(source: Source) -> int:
    """Return the size of a path or a seekable file object without reading it."""
    if isinstance(source, str | os.PathLike):
        return Path(source).stat().st_size
    position = source.tell()
    size = source.seek(0, io.SEEK_END)
    source.seek(position)
    return size


def _read_head(source: Source, size: int) -> bytes:
    """Read the first ``size`` bytes of ``source`` and rewind it."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read(size)
    source.seek(0)
    head = source.read(size)
    source.seek(0)
    return head


def _megabytes(size: int) -> str:
    """Format a byte count as megabytes with one decimal."""
    return f"{size / (1024 * 1024):.1f}"


def _encrypted_message(filename: str) -> Any:
    """Build the message for a password-protected workbook."""
    return format_lazy(
        _("“{name}” is protected with a password. Save it without a password and upload it again."),
        name=filename,
    )


# --- zip-based formats (xlsx, xlsb, ods) ---------------------------------------------


def _open_zip(source: Source, *, filename: str) -> zipfile.ZipFile:
    """Open ``source`` as a zip archive, turning a corrupt one into :class:`FileRejected`."""
    try:
        if not isinstance(source, str | os.PathLike):
            source.seek(0)
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(format_lazy(_("“{name}” is damaged and cannot be read."), name=filename)) from exc


def _zip_kind(source: Source, *, filename: str) -> FileKind:
    """Tell an xlsx/xlsb/ods workbook from any other zip archive by its member names."""
    with _open_zip(source, filename=filename) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            return FileKind.XLSX
        if "xl/workbook.bin" in names:
            return FileKind.XLSB
        if "mimetype" in names and "content.xml" in names:
            mimetype = archive.read("mimetype")[:100]
            if b"opendocument.spreadsheet" in mimetype:
                return FileKind.ODS
    if not isinstance(source, str | os.PathLike):
        source.seek(0)
    return FileKind.ZIP


def _read_calamine(source: Source, *, filename: str) -> Iterator[Sheet]:
    """Yield the visible worksheets of an xlsx/xlsb/ods/xls workbook via python-calamine."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        workbook = _open_calamine(source)
    except PasswordError as exc:
        raise FileRejected(_encrypted_message(filename)) from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected(format_lazy(_("“{name}” is damaged and cannot be read."), name=filename)) from exc
    assert isinstance(workbook, CalamineWorkbook)
    with workbook:
        for index, meta in enumerate(workbook.sheets_metadata):
            if not _is_visible_worksheet(meta):
                continue
            try:
                sheet = workbook.get_sheet_by_index(index)
            except PasswordError as exc:
                raise FileRejected(_encrypted_message(filename)) from exc
            except CalamineError as exc:
                raise FileRejected(
                    format_lazy(
                        _("Sheet “{sheet}” of “{name}” is damaged and cannot be read."),
                        sheet=meta.name,
                        name=filename,
                    )
                ) from exc
            yield Sheet(
                name=meta.name,
                index=index,
                rows=_calamine_rows(sheet),
                # iter_rows() starts at row 1 whatever the first used row, and ends at `end`.
                estimated_rows=sheet.end[0] + 1 if sheet.end else 0,
                merged_ranges=tuple(sheet.merged_cell_ranges or ()),
            )


def _open_calamine(source: Source) -> Any:
    """Open a workbook from a path or a file object."""
    from python_calamine import CalamineWorkbook

    if isinstance(source, str | os.PathLike):
        return CalamineWorkbook.from_path(os.fspath(source))
    source.seek(0)
    return CalamineWorkbook.from_filelike(source)


def _is_visible_worksheet(meta: Any) -> bool:
    """Tell whether a sheet is a visible worksheet (not hidden, not a chart sheet)."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    return meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet


def _calamine_rows(sheet: Any) -> Iterator[list[CellValue]]:
    """Yield the rows of a calamine sheet aligned to column A.

    calamine yields rows from row 1 but columns from the first used column, so a
    table starting at column C is padded back to keep column letters right.
    """
    start = sheet.start
    pad: list[CellValue] = [""] * start[1] if start else []
    if not pad:
        yield from sheet.iter_rows()
        return
    for row in sheet.iter_rows():
        yield pad + row


# --- xls (OLE compound files) --------------------------------------------------------


def _ole_is_encrypted_package(source: Source) -> bool:
    """Tell whether an OLE compound file is an encrypted OOXML package.

    Office saves a password-protected xlsx as an OLE file holding ``EncryptedPackage``
    and ``EncryptionInfo`` streams. Directory entries store names in UTF-16LE and may
    sit anywhere in the file, so the whole (size-checked) file is scanned in chunks.
    """
    chunks = _iter_chunks(source, overlap=len(_ENCRYPTED_STREAM))
    try:
        return any(_ENCRYPTED_STREAM in chunk for chunk in chunks)
    finally:
        chunks.close()  # rewinds the caller's file object


def _reject_encrypted_ole(source: Source, *, filename: str) -> None:
    """Refuse an OLE file that is an encrypted xlsx rather than an xls workbook."""
    if _ole_is_encrypted_package(source):
        raise FileRejected(_encrypted_message(filename))


def _iter_chunks(source: Source, *, overlap: int, size: int = 1024 * 1024) -> Iterator[bytes]:
    """Yield overlapping chunks of a file so a marker split between two reads is still found."""
    handle = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
    try:
        handle.seek(0)
        tail = b""
        while block := handle.read(size):
            yield tail + block
            tail = block[-overlap:]
    finally:
        if handle is not source:
            handle.close()
        else:
            source.seek(0)


def _read_xls(source: Source, *, filename: str) -> Iterator[Sheet]:
    """Yield the sheets of a legacy xls workbook: calamine first, xlrd when calamine cannot open it."""
    from python_calamine import PasswordError

    yielded = False
    try:
        for sheet in _read_calamine(source, filename=filename):
            yielded = True
            yield sheet
    except FileRejected as calamine_error:
        if yielded or isinstance(calamine_error.__cause__, PasswordError):
            raise
        yield from _read_xlrd(source, filename=filename, calamine_error=calamine_error)


def _read_xlrd(source: Source, *, filename: str, calamine_error: FileRejected) -> Iterator[Sheet]:
    """Read an xls workbook with xlrd, which copes with some files calamine does not."""
    import xlrd

    try:
        if isinstance(source, str | os.PathLike):
            book = xlrd.open_workbook(os.fspath(source), on_demand=True)
        else:
            source.seek(0)
            book = xlrd.open_workbook(file_contents=source.read(), on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise FileRejected(_encrypted_message(filename)) from exc
        raise calamine_error from exc
    except Exception as exc:  # xlrd raises assorted errors on garbage input
        raise calamine_error from exc
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        if sheet.visibility != 0:
            continue
        yield Sheet(
            name=sheet.name,
            index=index,
            rows=_xlrd_rows(sheet, book.datemode),
            estimated_rows=sheet.nrows,
            merged_ranges=tuple(((rlo, clo), (rhi - 1, chi - 1)) for rlo, rhi, clo, chi in sheet.merged_cells),
        )


def _xlrd_rows(sheet: Any, datemode: int) -> Iterator[list[CellValue]]:
    """Yield xlrd rows with date cells turned into datetimes."""
    import xlrd

    for row_index in range(sheet.nrows):
        row: list[CellValue] = []
        for cell in sheet.row(row_index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append("")
            else:
                row.append(cell.value)
        yield row


# --- csv -----------------------------------------------------------------------------


def _looks_like_xml(head: bytes) -> bool:
    """Tell whether the file starts like an XML document."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or (text.startswith(b"<") and not text.startswith(b"<!DOCTYPE html"))


def _looks_like_text(head: bytes) -> bool:
    """Tell whether the file is plain text in one of the encodings we read."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in head:
        return False
    try:
        _detect_encoding(head)
    except UnicodeDecodeError:
        return False
    # Binary files decode as cp1251 too; demand that nearly all bytes are printable text.
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return control <= len(head) // 100


def _detect_encoding(head: bytes) -> str:
    """Pick the encoding of a text file: a BOM, else UTF-8 if it decodes, else cp1251."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        head.decode("cp1251")
        return "cp1251"
    return "utf-8"


def _sniff_delimiter(sample: str) -> str:
    """Choose the delimiter that splits the first lines into the most, and most even, columns."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ";"
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        pass
    best, best_score = ";", -1
    for delimiter in _CSV_DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in lines]
        # Favour a delimiter that yields the same column count on most lines.
        score = max(counts.count(count) * (count - 1) for count in set(counts))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_html(source: Source, *, filename: str) -> Iterator[Sheet]:
    """Yield the tables of a web page saved as .xls, one sheet per table, cells as text."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            data = handle.read()
    else:
        source.seek(0)
        data = source.read()
        source.seek(0)
    head = data[:_SNIFF_BYTES]
    try:
        fallback = _detect_encoding(head)
    except UnicodeDecodeError:
        fallback = "utf-8"
    encoding = html_encoding(head, fallback=fallback)
    tables = read_html_tables(data.decode(encoding, errors="replace"))
    if not tables:
        raise FileRejected(format_lazy(_("“{name}” is a web page without tables, not a spreadsheet."), name=filename))
    stem = Path(filename).stem or filename
    for index, (rows, merged) in enumerate(tables):
        yield Sheet(
            name=stem if len(tables) == 1 else f"{stem} ({index + 1})",
            index=index,
            rows=iter(rows),
            estimated_rows=len(rows),
            merged_ranges=merged,
        )


def _read_csv(source: Source, *, filename: str) -> Sheet:
    """Return a CSV file as one sheet, decoded and split lazily."""
    head = _read_head(source, _SNIFF_BYTES)
    encoding = _detect_encoding(head)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    delimiter = _sniff_delimiter(sample)
    size = _source_size(source)
    lines_in_sample = max(sample.count("\n"), 1)
    estimate = lines_in_sample if len(head) >= size else int(size / len(head) * lines_in_sample)
    return Sheet(
        name=Path(filename).stem or filename,
        index=0,
        rows=_csv_rows(source, encoding=encoding, delimiter=delimiter, filename=filename),
        estimated_rows=estimate,
    )


def _csv_rows(source: Source, *, encoding: str, delimiter: str, filename: str) -> Iterator[list[CellValue]]:
    """Yield CSV rows as lists of strings, reading the file as a stream."""
    if isinstance(source, str | os.PathLike):
        binary: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed in finally
    else:
        binary = source
        binary.seek(0)
    # errors="replace": a stray byte in one cell must not fail the whole import.
    text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    try:
        yield from _split_csv(text, delimiter=delimiter, filename=filename)
    finally:
        if binary is source:
            text.detach()
        else:
            text.close()


def _split_csv(lines: Iterable[str], *, delimiter: str, filename: str) -> Iterator[list[CellValue]]:
    """Split decoded CSV lines into rows, refusing absurdly long fields."""
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        yield from reader  # type: ignore[misc]
    except csv.Error as exc:
        raise FileRejected(
            format_lazy(
                _("“{name}” is not a valid CSV file (line {line}): {error}"),
                name=filename,
                line=reader.line_num,
                error=str(exc),
            )
        ) from exc
