"""The entry point of the tender import: any uploaded file in, tenders and row errors out.

:func:`iter_tender_file` accepts a spreadsheet (xlsx, xls, ods, csv), a single EIS XML
file, or a zip archive of those (nested archives allowed to a small depth). Everything
that can make the whole file unusable (size, format, password, zip bomb, unsafe paths,
no recognisable columns, XML entities) is checked when it is called, before the caller
writes anything; problems with single rows or documents come out of the stream as
:class:`RowError` while the rest is imported.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import PurePosixPath
from typing import IO

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import (
    CellValue,
    FileKind,
    FileRejected,
    Sheet,
    Source,
    ZipLimits,
    check_size,
    check_zip_safety,
    detect_kind,
    read_table,
)
from integrations.parsers.tenders.columns import (
    HEADER_SCAN_ROWS,
    ColumnMapping,
    HeaderDetection,
    detect_header,
    mapping_from_profile,
)
from integrations.parsers.tenders.eis_xml import parse_eis_xml
from integrations.parsers.tenders.rows import group_tender_rows, iter_tender_rows
from integrations.parsers.tenders.types import ParsedTender, RowError, SkippedDocument
from integrations.parsers.values import ValueParseError

__all__ = ["ArchiveLimits", "SheetPlan", "TenderStream", "iter_tender_file"]

_SPREADSHEET_KINDS = frozenset({FileKind.XLSX, FileKind.XLSB, FileKind.XLS, FileKind.ODS, FileKind.CSV, FileKind.HTML})
# Archive members that are never data: macOS resource forks, Windows thumbnails.
_JUNK_PREFIXES = ("__MACOSX/",)
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_SPOOL_BYTES = 16 * 1024 * 1024

ProfileMapping = Mapping[str, str | int]


@dataclass(frozen=True)
class ArchiveLimits(ZipLimits):
    """Limits for zip archives of tender files, on top of the zip-bomb limits.

    ``max_member_bytes`` caps what is actually unpacked from one member, whatever its
    header claims; ``max_depth`` is how many archives may be nested in each other.
    """

    max_member_bytes: int = 200 * 1024 * 1024
    max_depth: int = 2


@dataclass
class SheetPlan:
    """A sheet of a spreadsheet and what was found in it, for the mapping screen of the UI.

    ``detection`` is ``None`` for a sheet without a recognisable header (it is skipped).
    """

    filename: str
    sheet: Sheet
    detection: HeaderDetection | None
    buffered: list[list[CellValue]] = field(default_factory=list)


TenderEvent = ParsedTender | RowError


class TenderStream(Iterator[TenderEvent]):
    """An iterator of :class:`ParsedTender` and :class:`RowError`, with progress counters.

    ``estimated_total`` counts spreadsheet rows plus XML documents; it is exact for a
    single spreadsheet or XML file and grows while an archive's spreadsheets are opened.
    ``processed`` counts the rows and documents read so far, so
    ``processed / estimated_total`` is the progress. ``skipped`` lists documents
    recognised but not imported; ``sheets`` tells which header was found where.
    """

    def __init__(self) -> None:
        self.estimated_total = 0
        self.processed = 0
        self.skipped: list[SkippedDocument] = []
        self.sheets: list[SheetPlan] = []
        self._parts: list[Iterator[TenderEvent]] = []
        self._events: Iterator[TenderEvent] | None = None

    def __next__(self) -> TenderEvent:
        if self._events is None:
            self._events = chain.from_iterable(self._parts)
        return next(self._events)

    @property
    def progress(self) -> float:
        """Return the share of the file read so far, between 0 and 1."""
        if not self.estimated_total:
            return 0.0
        return min(self.processed / self.estimated_total, 1.0)


def iter_tender_file(
    source: Source,
    *,
    filename: str,
    max_bytes: int,
    mapping: ProfileMapping | None = None,
    limits: ArchiveLimits | None = None,
) -> TenderStream:
    """Open an uploaded tender file and return a stream of tenders and row errors.

    ``source`` is a path or a seekable binary file object; ``filename`` is the uploaded
    name (used in messages); ``mapping`` is a saved profile ``{field: header text |
    column letter}`` that overrides the detected columns of every sheet. Raise
    :class:`FileRejected` at once when the file as a whole cannot be imported.
    """
    limits = limits or ArchiveLimits()
    stream = TenderStream()
    check_size(source, filename=filename, max_bytes=max_bytes)
    _plan(stream, source, filename=filename, mapping=mapping, limits=limits, depth=0)
    return stream


def _plan(
    stream: TenderStream,
    source: Source,
    *,
    filename: str,
    mapping: ProfileMapping | None,
    limits: ArchiveLimits,
    depth: int,
) -> None:
    """Check a file and add what it will yield to ``stream`` (recursing into archives)."""
    kind = detect_kind(source, filename=filename)
    if kind in _SPREADSHEET_KINDS:
        _plan_spreadsheet(stream, source, filename=filename, mapping=mapping, limits=limits)
    elif kind is FileKind.XML:
        _plan_xml(stream, source, filename=filename)
    elif kind is FileKind.ZIP:
        _plan_archive(stream, source, filename=filename, mapping=mapping, limits=limits, depth=depth)
    else:  # pragma: no cover - detect_kind covers every FileKind above
        raise FileRejected(format_lazy(_("“{name}” is not a supported file."), name=filename))


# --- spreadsheets ------------------------------------------------------------------------


def _plan_spreadsheet(
    stream: TenderStream,
    source: Source,
    *,
    filename: str,
    mapping: ProfileMapping | None,
    limits: ArchiveLimits,
) -> None:
    """Find the header of every visible sheet; refuse the file if no sheet has one."""
    plans = [
        _plan_sheet(sheet, filename=filename, mapping=mapping)
        for sheet in read_table(source, filename=filename, zip_limits=limits)
    ]
    stream.sheets.extend(plans)
    usable = [plan for plan in plans if plan.detection is not None]
    if not usable:
        raise FileRejected(
            format_lazy(
                _(
                    "No tender columns were recognised in “{name}”. The header should name columns "
                    "such as “Номер закупки”, “Заказчик”, “ИНН заказчика”, “Поставщик”, "
                    "“Наименование товара”, “Количество”, “Цена контракта”."
                ),
                name=filename,
            )
        )
    for plan in usable:
        stream.estimated_total += max((plan.sheet.estimated_rows or 0) - plan.detection.data_start, 0)  # type: ignore[union-attr]
        stream._parts.append(_sheet_events(stream, plan))


def _plan_sheet(sheet: Sheet, *, filename: str, mapping: ProfileMapping | None) -> SheetPlan:
    """Read the top rows of a sheet and find its header (and apply a saved mapping)."""
    buffered = list(islice(sheet.rows, HEADER_SCAN_ROWS))
    detection = detect_header(buffered, merged_ranges=sheet.merged_ranges)
    if mapping is not None:
        detection = _apply_profile(buffered, detection, mapping)
    return SheetPlan(filename=filename, sheet=sheet, detection=detection, buffered=buffered)


def _apply_profile(
    buffered: list[list[CellValue]],
    detection: HeaderDetection | None,
    mapping: ProfileMapping,
) -> HeaderDetection:
    """Replace the detected columns with a saved profile, keeping the detected header position.

    Without a detected header the first row is taken as the header.
    """
    header_row = detection.header_row if detection else 0
    header_rows = detection.header_rows if detection else 1
    texts = _header_texts(buffered, header_row, header_rows)
    columns: ColumnMapping = mapping_from_profile(mapping, header_texts=texts)
    return HeaderDetection(header_row=header_row, header_rows=header_rows, mapping=columns, confidence=1.0)


def _header_texts(buffered: list[list[CellValue]], header_row: int, header_rows: int) -> list[str]:
    """Return the raw header text of each column (joined over a two-row header)."""
    rows = buffered[header_row : header_row + header_rows]
    width = max((len(row) for row in rows), default=0)
    texts = []
    for column in range(width):
        parts = [str(row[column]).strip() for row in rows if column < len(row) and row[column] not in (None, "")]
        texts.append(" ".join(parts))
    return texts


def _sheet_events(stream: TenderStream, plan: SheetPlan) -> Iterator[TenderEvent]:
    """Yield the tenders and row errors of one sheet, counting rows for progress."""
    detection = plan.detection
    assert detection is not None
    data = chain(plan.buffered[detection.data_start :], plan.sheet.rows)
    counted = _count(stream, data)
    rows = iter_tender_rows(
        counted,
        mapping=detection.mapping,
        first_row_index=detection.data_start,
        filename=plan.filename,
        sheet=plan.sheet.name,
    )
    yield from group_tender_rows(rows, filename=plan.filename, sheet=plan.sheet.name)


def _count(stream: TenderStream, rows: Iterator[list[CellValue]]) -> Iterator[list[CellValue]]:
    """Pass rows through, counting them on the stream."""
    for row in rows:
        stream.processed += 1
        yield row


# --- XML -------------------------------------------------------------------------------


def _plan_xml(stream: TenderStream, source: Source, *, filename: str) -> None:
    """Parse a single XML file now, so an unsafe or foreign file is refused up front."""
    stream.estimated_total += 1
    events = list(_xml_events(stream, source, filename=filename, strict=True))
    stream._parts.append(iter(events))


def _xml_events(stream: TenderStream, source: Source, *, filename: str, strict: bool) -> Iterator[TenderEvent]:
    """Yield the tenders of one XML document, or a document-level error.

    ``strict`` re-raises :class:`FileRejected` (a single uploaded file); inside an
    archive a bad member becomes a :class:`RowError` and the rest is still imported.
    """
    xml_source: str | IO[bytes] = os.fspath(source) if isinstance(source, str | os.PathLike) else source
    try:
        result = parse_eis_xml(xml_source, filename=filename)
    except FileRejected as exc:
        if strict:
            raise
        stream.processed += 1
        yield RowError(row_number=None, reason=exc.message, filename=filename)
        return
    except ValueParseError as exc:
        stream.processed += 1
        yield RowError(row_number=None, reason=exc.message, filename=filename)
        return
    stream.processed += 1
    if isinstance(result, SkippedDocument):
        stream.skipped.append(result)
        return
    yield from result


# --- zip archives ----------------------------------------------------------------------


def _plan_archive(
    stream: TenderStream,
    source: Source,
    *,
    filename: str,
    mapping: ProfileMapping | None,
    limits: ArchiveLimits,
    depth: int,
) -> None:
    """Check an archive and plan its members: XML documents, spreadsheets, nested archives."""
    if depth >= limits.max_depth:
        raise FileRejected(
            format_lazy(_("“{name}” nests archives too deeply; unpack it and upload the files."), name=filename)
        )
    check_zip_safety(source, filename=filename, limits=limits)
    archive = _open_archive(source)
    try:
        xml_members = _plan_members(stream, archive, filename=filename, mapping=mapping, limits=limits, depth=depth)
    except BaseException:
        archive.close()
        raise
    stream.estimated_total += len(xml_members)
    if xml_members:
        stream._parts.append(_archive_xml_events(stream, archive, xml_members, filename=filename, limits=limits))
    else:
        archive.close()


def _plan_members(
    stream: TenderStream,
    archive: zipfile.ZipFile,
    *,
    filename: str,
    mapping: ProfileMapping | None,
    limits: ArchiveLimits,
    depth: int,
) -> list[zipfile.ZipInfo]:
    """Plan the spreadsheets and nested archives of an archive; return its XML members."""
    members = [info for info in archive.infolist() if not info.is_dir() and not _is_junk(info.filename)]
    for info in members:
        _check_member_path(info.filename, archive_name=filename)
    if not members:
        raise FileRejected(format_lazy(_("The archive “{name}” is empty."), name=filename))
    xml_members = []
    for info in members:
        member_name = f"{filename}/{info.filename}"
        if info.filename.lower().endswith(".xml"):
            xml_members.append(info)
            continue
        if not _looks_tabular_or_archive(info.filename):
            stream.skipped.append(
                SkippedDocument(filename=member_name, kind="file", reason=_("Not a spreadsheet, XML or zip file."))
            )
            continue
        spooled = _extract(archive, info, limits=limits, archive_name=filename)
        _plan(stream, spooled, filename=member_name, mapping=mapping, limits=limits, depth=depth + 1)
    return xml_members


def _archive_xml_events(
    stream: TenderStream,
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    *,
    filename: str,
    limits: ArchiveLimits,
) -> Iterator[TenderEvent]:
    """Yield the tenders of the XML members of an archive, one member at a time."""
    with archive:
        for info in members:
            member_name = f"{filename}/{info.filename}"
            try:
                data = _extract(archive, info, limits=limits, archive_name=filename)
            except FileRejected as exc:
                stream.processed += 1
                yield RowError(row_number=None, reason=exc.message, filename=member_name)
                continue
            with data:
                yield from _xml_events(stream, data, filename=member_name, strict=False)


def _open_archive(source: Source) -> zipfile.ZipFile:
    """Open a zip archive that :func:`check_zip_safety` has already accepted."""
    if not isinstance(source, str | os.PathLike):
        source.seek(0)
    return zipfile.ZipFile(source)


def _is_junk(name: str) -> bool:
    """Tell whether an archive member is operating-system clutter."""
    return name.startswith(_JUNK_PREFIXES) or PurePosixPath(name).name in _JUNK_NAMES


def _looks_tabular_or_archive(name: str) -> bool:
    """Tell by extension whether a member may be a spreadsheet or an archive (content decides later)."""
    return name.lower().rsplit(".", 1)[-1] in {"xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "txt", "zip"}


def _check_member_path(name: str, *, archive_name: str) -> None:
    """Refuse members with absolute paths or ``..``: a sign of a crafted archive.

    Members are never written to disk, but such names are never produced by honest
    tools, so the archive is refused rather than half-imported.
    """
    normalized = name.replace("\\", "/")
    parts = PurePosixPath(normalized).parts
    if normalized.startswith("/") or ".." in parts or (len(normalized) > 1 and normalized[1] == ":"):
        raise FileRejected(
            format_lazy(
                _("The archive “{name}” contains an unsafe path “{member}”; it was refused."),
                name=archive_name,
                member=posixpath.normpath(normalized),
            )
        )


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limits: ArchiveLimits, archive_name: str) -> IO[bytes]:
    """Unpack one member into a spooled temporary file, stopping at ``max_member_bytes``.

    The cap holds even when the member's header lies about its size.
    """
    spooled: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - returned open
    written = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(1024 * 1024):
                written += len(chunk)
                if written > limits.max_member_bytes:
                    raise FileRejected(
                        format_lazy(
                            _("“{member}” in “{name}” is larger than {limit} MB once unpacked; it was refused."),
                            member=info.filename,
                            name=archive_name,
                            limit=limits.max_member_bytes // (1024 * 1024),
                        )
                    )
                spooled.write(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
        # RuntimeError: an encrypted member; the others: a damaged one.
        spooled.close()
        raise FileRejected(
            format_lazy(_("“{member}” in “{name}” cannot be unpacked."), member=info.filename, name=archive_name)
        ) from exc
    except FileRejected:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled
