"""Read sales documents from a spreadsheet (xlsx, xls or csv): one row per document line.

The columns are described once in :mod:`.columns`. Rows with the same external id
(or, without one, the same kind, number and date) form one document. Every row is
validated on its own and every problem is reported with its row number, so a file
with any error can be shown back to the user as "errors by row, nothing applied".
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any, Literal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import CellValue, FileRejected, Sheet, read_table
from integrations.parsers.values import ValueParseError, clean_text, normalize_inn, parse_decimal

from ._common import (
    DEFAULT_TZ,
    amount_mismatch,
    amount_mismatch_reason,
    clean_kpp,
    parse_bool,
    parse_moment,
)
from .columns import COLUMNS, ColumnSpec, header_key, match_headers
from .inn import is_valid_inn, is_valid_kpp
from .types import (
    DocumentError,
    DocumentKind,
    ParseResult,
    PartyData,
    ProductData,
    ProductKind,
    SalesDocumentData,
    SalesLineData,
)

__all__ = ["MissingColumns", "parse_sales_table"]

# Title rows above the header are common in hand-made exports; look this far down.
_HEADER_SEARCH_ROWS = 20

_DOCUMENT_KIND_WORDS: dict[str, DocumentKind] = {
    **dict.fromkeys(
        ("счет", "счет на оплату", "invoice", "заказ", "заказ клиента", "заказ покупателя", "order"), "invoice"
    ),
    **dict.fromkeys(("оплата", "платеж", "поступление", "поступление оплаты", "payment"), "payment"),
    **dict.fromkeys(
        (
            "отгрузка",
            "реализация",
            "реализация товаров и услуг",
            "реализация товаров",
            "упд",
            "отпуск товара",
            "shipment",
        ),
        "shipment",
    ),
}
_PRODUCT_KIND_WORDS: dict[str, ProductKind] = {
    **dict.fromkeys(("оборудование", "equipment"), "equipment"),
    **dict.fromkeys(
        ("расходный материал", "расходные материалы", "расходник", "расходники", "consumable", "consumables"),
        "consumable",
    ),
    **dict.fromkeys(("аксессуар", "аксессуары", "accessory", "accessories"), "accessory"),
    **dict.fromkeys(
        ("запчасть", "запчасти", "запасная часть", "запасные части", "spare part", "spare parts", "spare_part"),
        "spare_part",
    ),
    **dict.fromkeys(("услуга", "услуги", "работа", "работы", "service", "services"), "service"),
}
_SERIAL_SPLIT_RE = re.compile(r"[,;\n]+")
# Names, managers and products repeat row after row; parsing each distinct cell once is cheaper.
# The same goes for kind words, INNs and KPPs (lru_caches below); a failed parse raises and is not cached.
_clean_text = lru_cache(maxsize=65536, typed=True)(clean_text)
# Quantities and prices repeat too; parsed Decimals are immutable, so sharing them is safe.
_decimal = lru_cache(maxsize=65536, typed=True)(parse_decimal)
_REQUIRED = frozenset(spec.key for spec in COLUMNS if spec.required)
_REQUIRED_FOR_PAYMENT = _REQUIRED - {"product_name", "quantity", "price"}
# Columns that must agree on every row of one document.
_DOCUMENT_COLUMNS = ("kind", "number", "date", "client_inn")

AmountPolicy = Literal["error", "warning"]


class MissingColumns(FileRejected):
    """The header row lacks required columns; the whole file is refused.

    ``missing`` lists the absent columns so a view can show them as a list.
    """

    def __init__(self, message: Any, missing: list[ColumnSpec]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(slots=True)
class _Row:
    """One validated spreadsheet row, before rows are grouped into documents."""

    number: int
    cells: list[CellValue]
    values: dict[str, Any]
    errors: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class _Group:
    """What one document keeps of its rows while the file is read.

    Rows are folded in as they come (a running hash of the raw cells, the built lines and
    the total), so memory holds one compact document per group instead of every raw row.
    """

    first: _Row
    digest: Any = field(default_factory=hashlib.sha256)
    lines: list[SalesLineData] = field(default_factory=list)
    total: Decimal = Decimal(0)
    broken: bool = False


def parse_sales_table(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str,
    max_bytes: int | None = None,
    amount_policy: AmountPolicy = "error",
    default_tz: tzinfo = DEFAULT_TZ,
) -> ParseResult:
    """Read a sales spreadsheet into documents, collecting every row error.

    ``amount_policy`` says whether an amount that is not quantity × price (beyond
    rounding) rejects the row or only warns (discounts kept in the amount).
    ``default_tz`` applies to date-times written without an offset.
    Raise :class:`FileRejected` when the file is not a readable spreadsheet, and
    :class:`MissingColumns` when required columns are absent.
    """
    headers, rows = _data_rows(source, filename=filename, max_bytes=max_bytes)
    result = ParseResult()
    groups: dict[tuple[str, ...], _Group] = {}
    parsers = _parsers(default_tz)
    for number, cells in rows:
        result.rows += 1
        row = _parse_row(number, cells, headers, parsers=parsers, amount_policy=amount_policy, result=result)
        _add_to_group(groups, row, result=result)
    for group in groups.values():
        if not group.broken:
            result.documents.append(_document(group))
    return result


# --- reading the sheet ------------------------------------------------------------------


@dataclass(slots=True)
class _Headers:
    """Where each known column sits, and the header text the user wrote for it."""

    positions: dict[str, int]
    titles: dict[str, str]
    keys: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # The columns present, in the order of COLUMNS, so row errors read left to right.
        self.keys = [spec.key for spec in COLUMNS if spec.key in self.positions]


def _data_rows(
    source: str | os.PathLike[str] | IO[bytes], *, filename: str, max_bytes: int | None
) -> tuple[_Headers, Iterator[tuple[int, list[CellValue]]]]:
    """Find the header row of the first sheet that has one; return it and the rows below."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for sheet in read_table(source, filename=filename, max_bytes=max_bytes):
        found = _find_header(sheet)
        if found is None:
            continue
        header_cells, positions, rows = found
        if all(spec.key in positions for spec in COLUMNS if spec.required):
            titles = {key: str(header_cells[index]).strip() for key, index in positions.items()}
            return _Headers(positions, titles), rows
        if len(positions) > best[0]:
            best = (len(positions), positions)
    missing = [spec for spec in COLUMNS if spec.required and spec.key not in best[1]]
    raise MissingColumns(
        format_lazy(
            _("“{name}” does not have the required columns: {columns}."),
            name=filename,
            columns="; ".join(f"{spec.ru} / {spec.en}" for spec in missing),
        ),
        missing,
    )


def _find_header(
    sheet: Sheet,
) -> tuple[list[CellValue], dict[str, int], Iterator[tuple[int, list[CellValue]]]] | None:
    """Return the header row (the best-matching of the first rows) and an iterator over the rows below."""
    head: list[tuple[int, list[CellValue]]] = []
    for index, cells in enumerate(sheet.rows):
        head.append((index, cells))
        if len(head) >= _HEADER_SEARCH_ROWS:
            break
    candidates = [(len(match_headers(cells)), position) for position, (_index, cells) in enumerate(head)]
    if not candidates or max(candidates)[0] == 0:
        return None
    # The earliest row among the best matches: a later row repeating a header word is data.
    score = max(candidates)[0]
    position = next(pos for count, pos in candidates if count == score)
    header_cells = head[position][1]

    def rows() -> Iterator[tuple[int, list[CellValue]]]:
        # Row numbers are 1-based, as the user sees them in Excel or a text editor.
        for index, cells in head[position + 1 :]:
            yield index + 1, cells
        for index, cells in enumerate(sheet.rows, start=len(head)):
            yield index + 1, cells

    return header_cells, match_headers(header_cells), _non_empty(rows())


def _non_empty(rows: Iterator[tuple[int, list[CellValue]]]) -> Iterator[tuple[int, list[CellValue]]]:
    """Skip rows with no value at all (spacer lines, trailing formatting)."""
    for number, cells in rows:
        if any(cell not in (None, "") and str(cell).strip() for cell in cells):
            yield number, cells


# --- one row ---------------------------------------------------------------------------


def _parse_row(
    number: int,
    cells: list[CellValue],
    headers: _Headers,
    *,
    parsers: dict[str, Callable[[Any], Any]],
    amount_policy: AmountPolicy,
    result: ParseResult,
) -> _Row:
    """Validate one row; every problem becomes an error (or warning) naming the row.

    This runs for every line of files with 100,000 lines, hence the plain loop.
    """
    row = _Row(number=number, cells=cells, values=dict.fromkeys(parsers))
    values, width = row.values, len(cells)
    broken: set[str] = set()
    for key in headers.keys:
        index = headers.positions[key]
        raw = cells[index] if index < width else None
        if raw is None or raw == "":
            continue
        try:
            values[key] = parsers[key](raw)
        except ValueParseError as exc:
            broken.add(key)
            row.errors.append(format_lazy(_("{column}: {reason}"), column=headers.titles[key], reason=exc.message))
    # A payment row may have no goods: it only carries the amount paid.
    required = _REQUIRED_FOR_PAYMENT if values["kind"] == "payment" else _REQUIRED
    for key in headers.keys:
        if key in required and values[key] is None and key not in broken:
            row.errors.append(format_lazy(_("{column}: the value is required"), column=headers.titles[key]))
    values["serial_numbers"] = values["serial_numbers"] or []
    _check_amount(row, amount_policy=amount_policy, result=result)
    result.errors.extend(DocumentError(number, reason) for reason in row.errors)
    return row


def _parsers(tz: tzinfo) -> dict[str, Callable[[Any], Any]]:
    """Return the parser of every column, by key (text columns are just cleaned)."""
    parsers: dict[str, Callable[[Any], Any]] = dict.fromkeys((spec.key for spec in COLUMNS), _clean_text)
    parsers.update(
        kind=_document_kind,
        date=_cached(lambda value: parse_moment(value, tz=tz)),
        posted=_cached(parse_bool),
        deleted=_cached(parse_bool),
        client_inn=_inn,
        client_kpp=_kpp,
        product_kind=_product_kind,
        quantity=_decimal,
        price=_decimal,
        amount=_decimal,
        vat_amount=_decimal,
        cost=_decimal,
        warranty_months=_term,
        maintenance_interval_months=_term,
        service_life_years=_term,
        serial_numbers=_serials,
    )
    return parsers


def _cached(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Memoise a cell parser; ``typed`` keeps 1, 1.0 and True apart. Failures raise and are not cached."""
    return lru_cache(maxsize=65536, typed=True)(parse)


@lru_cache(maxsize=4096)
def _document_kind(value: Any) -> DocumentKind | None:
    """Read счёт/оплата/отгрузка (or the English words)."""
    text = clean_text(value)
    if text is None:
        return None
    kind = _DOCUMENT_KIND_WORDS.get(header_key(text))
    if kind is None:
        raise ValueParseError(
            format_lazy(_("unknown document kind “{value}” (expected счёт, оплата or отгрузка)"), value=text)
        )
    return kind


@lru_cache(maxsize=4096)
def _product_kind(value: Any) -> ProductKind | None:
    """Read a product kind word; empty means unknown."""
    text = clean_text(value)
    if text is None:
        return None
    kind = _PRODUCT_KIND_WORDS.get(header_key(text))
    if kind is None:
        raise ValueParseError(
            format_lazy(
                _(
                    "unknown product kind “{value}” (expected оборудование, расходный материал, аксессуар, "
                    "запчасть or услуга)"
                ),
                value=text,
            )
        )
    return kind


# A term in months or years; a century of months is already more than any warranty.
_TERM_MAX = 1200


@lru_cache(maxsize=4096)
def _term(value: Any) -> int | None:
    """Read a whole number of months or years (12, "12", 12.0)."""
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value() or not 0 <= number <= _TERM_MAX:
        raise ValueParseError(
            format_lazy(_("“{value}” is not a whole number from 0 to {max}"), value=value, max=_TERM_MAX)
        )
    return int(number)


@lru_cache(maxsize=4096)
def _inn(value: Any) -> str | None:
    """Normalise an INN and insist on a valid checksum: a typo would attach sales to a stranger."""
    inn = normalize_inn(value)
    if inn is not None and not is_valid_inn(inn):
        raise ValueParseError(format_lazy(_("INN {inn} has an invalid checksum"), inn=inn))
    return inn


@lru_cache(maxsize=4096)
def _kpp(value: Any) -> str | None:
    """Normalise a KPP and check its shape."""
    kpp = clean_kpp(value)
    if kpp is not None and not is_valid_kpp(kpp):
        raise ValueParseError(format_lazy(_("“{value}” is not a KPP (9 characters)"), value=kpp))
    return kpp


def _serials(value: Any) -> list[str]:
    """Split a cell of serial numbers on commas, semicolons or line breaks."""
    if value is None:
        return []
    # A lone numeric serial comes back from Excel as 12345.0.
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return [part for part in map(str.strip, _SERIAL_SPLIT_RE.split(text)) if part]


def _check_amount(row: _Row, *, amount_policy: AmountPolicy, result: ParseResult) -> None:
    """Compare the amount with quantity × price, per ``amount_policy``."""
    values = row.values
    quantity, price, amount = values["quantity"], values["price"], values["amount"]
    if quantity is None or price is None or amount is None or not amount_mismatch(quantity, price, amount):
        return
    reason = amount_mismatch_reason(quantity, price, amount)
    if amount_policy == "error":
        row.errors.append(reason)
    else:
        result.warnings.append(DocumentError(row.number, reason))


# --- grouping --------------------------------------------------------------------------


def _group_key(values: dict[str, Any]) -> tuple[str, ...] | None:
    """Return the key that ties rows of one document together, if the row has one."""
    if values.get("external_id"):
        return ("id", values["external_id"])
    if values.get("kind") and values.get("number") and values.get("date"):
        return ("natural", values["kind"], values["number"], _day(values["date"]).isoformat())
    return None


def _add_to_group(groups: dict[tuple[str, ...], _Group], row: _Row, *, result: ParseResult) -> None:
    """Put a row into its document, checking it agrees with the document's first row."""
    key = _group_key(row.values)
    if key is None:
        return  # the row already has errors for its missing kind, number or date
    group = groups.get(key)
    if group is None:
        group = groups[key] = _Group(first=row)
    else:
        _check_consistent(group.first, row, result=result)
    group.broken = group.broken or bool(row.errors)
    if group.broken:
        group.lines.clear()  # the document will be left out: keep nothing of it
        return
    group.digest.update(repr(row.cells).encode("utf-8"))
    if row.values.get("amount") is not None:
        group.total += row.values["amount"]
    if row.values.get("product_name"):
        group.lines.append(_line(len(group.lines) + 1, row.values))
    row.cells = []  # hashed above; the first row's values describe the document


def _check_consistent(first: _Row, row: _Row, *, result: ParseResult) -> None:
    """Record an error for each document-level value that differs from the first row's."""
    for key in _DOCUMENT_COLUMNS:
        mine, theirs = row.values.get(key), first.values.get(key)
        if mine is not None and theirs is not None and mine != theirs:
            reason = format_lazy(
                _("{column} “{value}” differs from “{first}” in row {row} of the same document"),
                column=next(spec.ru for spec in COLUMNS if spec.key == key),
                value=mine,
                first=theirs,
                row=first.number,
            )
            row.errors.append(reason)
            result.errors.append(DocumentError(row.number, reason))


def _document(group: _Group) -> SalesDocumentData:
    """Build a document from its valid rows."""
    first = group.first.values
    lines = group.lines
    kind: DocumentKind = first["kind"]
    return SalesDocumentData(
        kind=kind,
        external_id=first["external_id"] or f"{kind}:{first['number']}:{_day(first['date']).isoformat()}",
        # Without a source version: sha256 over repr() of each row's raw cells, in order. Raw cells
        # hash cheaper than parsed values; a reformatted cell merely costs one needless re-import.
        version=first["version"] or "sha256:" + group.digest.hexdigest()[:32],
        number=first["number"],
        date=first["date"],
        posted=first["posted"] if first["posted"] is not None else True,
        deleted=bool(first["deleted"]),
        client=PartyData(
            external_id=None,
            name=first["client_name"],
            inn=first["client_inn"],
            kpp=first["client_kpp"],
            region=first["client_region"],
        ),
        manager=first["manager"],
        lines=lines,
        total=group.total,
        source_row=group.first.number,
    )


def _line(line_no: int, values: dict[str, Any]) -> SalesLineData:
    """Build a document line from a row's values."""
    return SalesLineData(
        line_no=line_no,
        product=ProductData(
            external_id=values["product_external_id"],
            sku=values["product_sku"],
            name=values["product_name"],
            kind=values["product_kind"],
            unit=values["unit"],
            okpd2=values["okpd2"],
            equipment_type_name=values["equipment_type"],
            manufacturer=values["manufacturer"],
            model=values["model"],
            warranty_months=values["warranty_months"],
            maintenance_interval_months=values["maintenance_interval_months"],
            service_life_years=values["service_life_years"],
        ),
        quantity=values["quantity"] if values["quantity"] is not None else Decimal(0),
        price=values["price"] if values["price"] is not None else Decimal(0),
        amount=values["amount"],
        vat_amount=values["vat_amount"],
        serial_numbers=values["serial_numbers"],
        cost=values["cost"],
    )


def _day(moment: date | datetime) -> date:
    """Return the calendar date of a date or date-time."""
    return moment.date() if isinstance(moment, datetime) else moment
