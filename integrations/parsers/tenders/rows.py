"""Turn the data rows of a tender spreadsheet into tenders, or row errors with a reason.

Exports list several items of one tender on consecutive rows and often fill the tender
columns (number, customer, winner, sum) only on its first row; blank rows separate
blocks, copy-paste leaves exact repeats, and a totals row closes the sheet. This module
carries tender columns forward, skips blanks, repeats and totals, and groups items of
consecutive rows into one :class:`ParsedTender`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import CellValue
from integrations.parsers.tenders.columns import ITEM_FIELDS, ColumnMapping, Field
from integrations.parsers.tenders.types import (
    DocumentKind,
    Law,
    ParsedTender,
    Party,
    RowError,
    SourceRef,
    TenderItemData,
)
from integrations.parsers.values import (
    ValueParseError,
    clean_text,
    normalize_inn,
    parse_date,
    parse_decimal,
)

__all__ = ["TenderRow", "group_tender_rows", "infer_law", "iter_tender_rows", "parse_law", "parse_okpd2"]

_TOTALS_RE = re.compile(r"^\s*(итого|всего|итог|total|grand total|subtotal)\b", re.IGNORECASE)
_OKPD2_RE = re.compile(r"\d{2}(?:\.\d{1,3}){0,3}")


@dataclass(frozen=True)
class TenderRow:
    """One data row after carry-forward: the tender it belongs to and its item, if any."""

    row_number: int
    tender_number: str | None
    contract_number: str | None
    law: Law | None
    publish_date: date | None
    contract_date: date | None
    customer: Party | None
    supplier: Party | None
    contract_sum: Decimal | None
    region: str | None
    item: TenderItemData | None

    def tender_key(self) -> tuple[Any, ...]:
        """Return what identifies the tender of this row, to group consecutive items."""
        return (
            self.tender_number,
            self.contract_number,
            self.law,
            self.publish_date,
            self.contract_date,
            self.customer,
            self.supplier,
            self.contract_sum,
            self.region,
        )


def parse_law(value: Any) -> Law | None:
    """Read a law column: "44-ФЗ", "223", "Коммерческая закупка", "commercial"."""
    text = clean_text(value)
    if text is None:
        return None
    lowered = text.lower()
    if "223" in lowered:
        return Law.FZ223
    if "44" in lowered:
        return Law.FZ44
    if "коммерч" in lowered or "commercial" in lowered or "private" in lowered:
        return Law.COMMERCIAL
    raise ValueParseError(format_lazy(_("“{value}” is not a known law (44-FZ, 223-FZ, commercial)."), value=text))


def infer_law(number: str | None) -> Law | None:
    """Guess the law from a purchase number: 19 digits is 44-FZ, 11 digits is 223-FZ."""
    if number and number.isdigit():
        if len(number) == 19:
            return Law.FZ44
        if len(number) == 11:
            return Law.FZ223
    return None


def parse_okpd2(value: Any) -> str | None:
    """Extract an OKPD2 code from "26.20.11.110", "26.20.11.110 Компьютеры" or a number cell."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # A code typed into a number cell loses its trailing zero: 26.2 was "26.20".
        whole, _dot, fraction = repr(value).partition(".")
        return f"{int(whole):02d}.{fraction.ljust(2, '0')}" if fraction != "0" else f"{int(whole):02d}"
    text = clean_text(value)
    if text is None:
        return None
    match = _OKPD2_RE.search(text)
    if match is None:
        raise ValueParseError(format_lazy(_("“{value}” is not an OKPD2 code."), value=text))
    return match.group(0)


def _parse_number(value: Any) -> str | None:
    """Read a purchase or contract number, which a number cell may have turned into a float."""
    return clean_text(value)


_PARSERS: dict[Field, Callable[[Any], Any]] = {
    Field.CUSTOMER_NAME: clean_text,
    Field.CUSTOMER_INN: normalize_inn,
    Field.SUPPLIER_NAME: clean_text,
    Field.SUPPLIER_INN: normalize_inn,
    Field.TENDER_NUMBER: _parse_number,
    Field.CONTRACT_NUMBER: _parse_number,
    Field.LAW: parse_law,
    Field.PUBLISH_DATE: parse_date,
    Field.CONTRACT_DATE: parse_date,
    Field.ITEM_NAME: clean_text,
    Field.OKPD2: parse_okpd2,
    Field.QUANTITY: parse_decimal,
    Field.UNIT: clean_text,
    Field.UNIT_PRICE: parse_decimal,
    Field.ITEM_SUM: parse_decimal,
    Field.CONTRACT_SUM: parse_decimal,
    Field.REGION: clean_text,
}


# Amounts are nearly all distinct; every other column repeats (the same customers, goods, dates).
_AMOUNT_FIELDS = frozenset({Field.QUANTITY, Field.UNIT_PRICE, Field.ITEM_SUM, Field.CONTRACT_SUM})
_MEMO_SIZE = 4096


def _memoized(parser: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap a cell parser with a bounded cache of the text cells it has read (errors are not cached)."""
    cache: dict[str, Any] = {}

    def parse(raw: Any) -> Any:
        if type(raw) is not str:
            return parser(raw)
        try:
            return cache[raw]
        except KeyError:
            pass
        value = parser(raw)
        if len(cache) >= _MEMO_SIZE:
            cache.clear()
        cache[raw] = value
        return value

    return parse


def iter_tender_rows(
    rows: Iterable[list[CellValue]],
    *,
    mapping: ColumnMapping,
    first_row_index: int,
    filename: str = "",
    sheet: str | None = None,
) -> Iterator[TenderRow | RowError]:
    """Parse data rows into :class:`TenderRow` or :class:`RowError`, one per non-skipped row.

    ``rows`` starts at the first data row, whose 0-based index in the sheet is
    ``first_row_index``. Blank rows, totals rows and exact repeats (after carry-forward)
    are skipped silently.
    """
    columns = [
        (
            name,
            index,
            _PARSERS[name] if name in _AMOUNT_FIELDS else _memoized(_PARSERS[name]),
            name not in ITEM_FIELDS,
        )
        for name, index in mapping.columns.items()
    ]
    has_number = Field.TENDER_NUMBER in mapping or Field.CONTRACT_NUMBER in mapping
    previous: TenderRow | None = None
    # The row that opened the current tender: an item row repeated under the same tender is
    # a copy-paste duplicate, the same item row under another tender is not.
    anchor: int | None = None
    seen: set[int] = set()
    for offset, row in enumerate(rows):
        row_number = first_row_index + offset + 1
        if _is_skipped(row):
            continue
        values, errors, has_tender_columns = _parse_cells(row, columns, mapping)
        if errors:
            yield _row_error(row_number, errors, filename, sheet)
            continue
        continuation = previous is not None and not has_tender_columns
        parsed = (
            _continuation_row(row_number, values, previous)  # type: ignore[arg-type]
            if continuation
            else _build_row(row_number, values, previous, has_number=has_number)
        )
        if isinstance(parsed, RowError):
            yield replace(parsed, filename=filename, sheet=sheet)
            continue
        fingerprint = hash((tuple(row), anchor if continuation else None))
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        if not continuation:
            anchor = row_number
        previous = parsed
        yield parsed


def group_tender_rows(
    rows: Iterable[TenderRow | RowError],
    *,
    filename: str,
    sheet: str | None = None,
) -> Iterator[ParsedTender | RowError]:
    """Merge consecutive rows of the same tender into one :class:`ParsedTender`; pass errors on.

    Errors are passed through as soon as they are met, so a tender spanning an error
    row is still yielded once, after its last row.
    """
    current: ParsedTender | None = None
    current_key: tuple[Any, ...] | None = None
    row_numbers: list[int] = []
    for row in rows:
        if isinstance(row, RowError):
            yield row
            continue
        key = row.tender_key()
        if current is not None and key == current_key:
            if row.item is not None:
                current.items.append(row.item)
            row_numbers.append(row.row_number)
            continue
        if current is not None:
            yield _finish(current, row_numbers)
        current, current_key = _start_tender(row, filename=filename, sheet=sheet), key
        row_numbers = [row.row_number]
    if current is not None:
        yield _finish(current, row_numbers)


def _finish(tender: ParsedTender, row_numbers: list[int]) -> ParsedTender:
    """Record the rows a tender was read from."""
    tender.source = replace(tender.source, rows=tuple(row_numbers))
    return tender


def _start_tender(row: TenderRow, *, filename: str, sheet: str | None) -> ParsedTender:
    """Open a tender from its first row."""
    number = row.tender_number or row.contract_number
    return ParsedTender(
        kind=DocumentKind.SPREADSHEET,
        number=number,
        law=row.law or infer_law(row.tender_number),
        customer=row.customer,
        source=SourceRef(filename=filename, sheet=sheet, rows=(row.row_number,)),
        winner=row.supplier,
        publish_date=row.publish_date,
        contract_date=row.contract_date,
        contract_sum=row.contract_sum,
        contract_number=row.contract_number,
        region=row.region,
        items=[row.item] if row.item is not None else [],
    )


def _is_skipped(row: list[CellValue]) -> bool:
    """Tell whether a row is blank (every cell empty or whitespace) or a totals line ("Итого", "Total")."""
    first = None
    for value in row:
        if value is None or value == "":
            continue
        if first is None:
            # Only the first filled cell tells a totals line: an item called "Всего понемногу" sits after a number.
            first = value
        if type(value) is str and not value.strip():
            continue
        return type(first) is str and _TOTALS_RE.match(first) is not None
    return True


def _parse_cells(
    row: list[CellValue],
    columns: list[tuple[Field, int, Callable[[Any], Any], bool]],
    mapping: ColumnMapping,
) -> tuple[dict[Field, Any], list[Any], bool]:
    """Parse every mapped cell of a row; collect a message per unreadable cell.

    Return the values, the messages and whether any tender (not item) column has a value.
    """
    values: dict[Field, Any] = {}
    errors: list[Any] = []
    has_tender_columns = False
    width = len(row)
    for name, index, parser, is_tender_column in columns:
        raw = row[index] if index < width else None
        if raw is None or raw == "":
            values[name] = None
            continue
        try:
            value = values[name] = parser(raw)
        except ValueParseError as exc:
            errors.append(format_lazy("{column}: {error}", column=mapping.header_of(name), error=exc.message))
            continue
        if is_tender_column and value is not None:
            has_tender_columns = True
    return values, errors, has_tender_columns


def _row_error(row_number: int, errors: list[Any], filename: str, sheet: str | None) -> RowError:
    """Build one error for a row from the messages of its bad cells."""
    reason = errors[0] if len(errors) == 1 else format_lazy("; ".join(["{}"] * len(errors)), *errors)
    return RowError(row_number=row_number, reason=reason, filename=filename, sheet=sheet)


def _build_row(
    row_number: int,
    values: dict[Field, Any],
    previous: TenderRow | None,
    *,
    has_number: bool,
) -> TenderRow | RowError:
    """Assemble a row, filling blank tender columns from the previous row of the same tender."""
    item = _item(values)
    row = TenderRow(
        row_number=row_number,
        tender_number=values.get(Field.TENDER_NUMBER),
        contract_number=values.get(Field.CONTRACT_NUMBER),
        law=values.get(Field.LAW),
        publish_date=values.get(Field.PUBLISH_DATE),
        contract_date=values.get(Field.CONTRACT_DATE),
        customer=_party(values.get(Field.CUSTOMER_NAME), values.get(Field.CUSTOMER_INN)),
        supplier=_party(values.get(Field.SUPPLIER_NAME), values.get(Field.SUPPLIER_INN)),
        contract_sum=values.get(Field.CONTRACT_SUM),
        region=values.get(Field.REGION),
        item=item,
    )
    if previous is not None and _continues(row, previous, has_number=has_number):
        row = _carry_forward(row, previous)
    if row.customer is None:
        if previous is None and item is not None:
            return RowError(
                row_number=row_number,
                reason=_("The row has goods but no tender above it to belong to (no customer and no number)."),
            )
        return RowError(row_number=row_number, reason=_("The customer (name or INN) is missing."))
    return row


def _continuation_row(row_number: int, values: dict[Field, Any], previous: TenderRow) -> TenderRow:
    """Build an item-only row on the tender of the previous row (the common, fast case)."""
    return TenderRow(
        row_number=row_number,
        tender_number=previous.tender_number,
        contract_number=previous.contract_number,
        law=previous.law,
        publish_date=previous.publish_date,
        contract_date=previous.contract_date,
        customer=previous.customer,
        supplier=previous.supplier,
        contract_sum=previous.contract_sum,
        region=previous.region,
        item=_item(values),
    )


def _continues(row: TenderRow, previous: TenderRow, *, has_number: bool) -> bool:
    """Tell whether a row belongs to the tender of the previous row.

    With a number column: the number is blank or the same. Without one: every tender
    column is blank, so only item columns are filled.
    """
    if has_number:
        if row.tender_number and row.tender_number != previous.tender_number:
            return False
        return not (row.contract_number and row.contract_number != previous.contract_number)
    return all(value is None for value in row.tender_key())


def _carry_forward(row: TenderRow, previous: TenderRow) -> TenderRow:
    """Fill the blank tender columns of ``row`` from ``previous``."""
    return replace(
        row,
        tender_number=row.tender_number or previous.tender_number,
        contract_number=row.contract_number or previous.contract_number,
        law=row.law or previous.law,
        publish_date=row.publish_date or previous.publish_date,
        contract_date=row.contract_date or previous.contract_date,
        customer=row.customer or previous.customer,
        supplier=row.supplier or previous.supplier,
        contract_sum=row.contract_sum if row.contract_sum is not None else previous.contract_sum,
        region=row.region or previous.region,
    )


def _party(name: str | None, inn: str | None) -> Party | None:
    """Build a party from its name and INN columns, or ``None`` if both are blank."""
    if name is None and inn is None:
        return None
    is_individual = inn is not None and len(inn) == 12
    return Party(name=name, inn=inn, is_individual=is_individual)


def _item(values: dict[Field, Any]) -> TenderItemData | None:
    """Build the item of a row, or ``None`` when no item column is filled."""
    get = values.get
    name, okpd2, quantity = get(Field.ITEM_NAME), get(Field.OKPD2), get(Field.QUANTITY)
    unit, unit_price, item_sum = get(Field.UNIT), get(Field.UNIT_PRICE), get(Field.ITEM_SUM)
    if name is None and okpd2 is None and quantity is None and unit is None and unit_price is None and item_sum is None:
        return None
    return TenderItemData(name=name, okpd2=okpd2, quantity=quantity, unit=unit, unit_price=unit_price, sum=item_sum)
