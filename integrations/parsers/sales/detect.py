"""Pick the right sales parser for a file by its content, not its name."""

from __future__ import annotations

import codecs
import os
from datetime import tzinfo
from pathlib import Path

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import FileKind, FileRejected, check_size, detect_kind

from ._common import DEFAULT_TZ
from .commerceml import parse_commerceml
from .odata import decode_json, is_odata_payload, parse_odata, parse_odata_bundle
from .tabular import AmountPolicy, parse_sales_table
from .types import ParseResult

__all__ = ["detect_and_parse"]

_SPREADSHEET_KINDS = frozenset({FileKind.XLSX, FileKind.XLSB, FileKind.XLS, FileKind.ODS, FileKind.CSV, FileKind.HTML})
_HEAD_BYTES = 1024


def detect_and_parse(
    path: str | os.PathLike[str],
    *,
    filename: str,
    max_bytes: int,
    amount_policy: AmountPolicy = "error",
    default_tz: tzinfo = DEFAULT_TZ,
) -> ParseResult:
    """Parse a sales file of any supported format.

    ``path`` may be an xlsx/xls/csv spreadsheet, a CommerceML XML file, a 1C OData
    JSON response, or a folder or zip holding OData documents with their
    catalogues. ``filename`` is the name shown in messages; ``max_bytes`` caps the
    file (for a zip, what it unpacks to). Raise :class:`FileRejected` with a
    user-facing message for an empty, oversized, broken or unsupported file.
    """
    source = Path(path)
    if source.is_dir():
        return parse_odata_bundle(source, max_bytes=max_bytes, default_tz=default_tz)
    check_size(source, filename=filename, max_bytes=max_bytes)
    if _looks_like_json(source):
        return _parse_json(source, filename=filename, default_tz=default_tz)
    kind = detect_kind(source, filename=filename)
    if kind is FileKind.XML:
        result = parse_commerceml(source.read_bytes(), filename=filename, default_tz=default_tz)
        if not result.rows:
            raise FileRejected(
                format_lazy(
                    _("“{name}” is a CommerceML file without sales documents (a catalogue or counterparty list?)."),
                    name=filename,
                )
            )
        return result
    if kind is FileKind.ZIP:
        return parse_odata_bundle(source, max_bytes=max_bytes, default_tz=default_tz)
    if kind in _SPREADSHEET_KINDS:
        return parse_sales_table(
            source, filename=filename, max_bytes=max_bytes, amount_policy=amount_policy, default_tz=default_tz
        )
    raise FileRejected(format_lazy(_("“{name}” is not a supported sales file."), name=filename))


def _looks_like_json(source: Path) -> bool:
    """Tell whether a file starts like a JSON object or array (after a BOM and blanks)."""
    with source.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    return head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"[")


def _parse_json(source: Path, *, filename: str, default_tz: tzinfo) -> ParseResult:
    """Parse a single OData JSON file holding sales documents."""
    payload = decode_json(source.read_bytes(), filename=filename)
    if not is_odata_payload(payload):
        raise FileRejected(format_lazy(_("“{name}” is JSON but not a 1C OData response."), name=filename))
    return parse_odata(payload, default_tz=default_tz, filename=filename)
