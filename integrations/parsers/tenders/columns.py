"""Find the header of a tender spreadsheet and map its columns to canonical fields.

Exports from the EIS site, Kontur.Zakupki, Tenderplan, Seldon or a colleague's own
workbook name the same things differently, put a title above the header, and split
headers over two rows with merged cells ("Поставщик" over "ИНН" | "Наименование").
:func:`detect_header` scores the first rows against known Russian and English names;
:func:`mapping_from_profile` applies a mapping saved by an administrator instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import CellRange, CellValue, FileRejected

__all__ = [
    "ITEM_FIELDS",
    "ColumnMapping",
    "Field",
    "HeaderDetection",
    "column_index",
    "column_letter",
    "detect_header",
    "mapping_from_profile",
    "match_field",
    "normalize_header",
]

# How many rows from the top may hold titles before the header.
HEADER_SCAN_ROWS = 30


class Field(StrEnum):
    """Canonical fields a tender spreadsheet may carry."""

    CUSTOMER_NAME = "customer_name"
    CUSTOMER_INN = "customer_inn"
    SUPPLIER_NAME = "supplier_name"
    SUPPLIER_INN = "supplier_inn"
    TENDER_NUMBER = "tender_number"
    CONTRACT_NUMBER = "contract_number"
    LAW = "law"
    PUBLISH_DATE = "publish_date"
    CONTRACT_DATE = "contract_date"
    ITEM_NAME = "item_name"
    OKPD2 = "okpd2"
    QUANTITY = "quantity"
    UNIT = "unit"
    UNIT_PRICE = "unit_price"
    ITEM_SUM = "item_sum"
    CONTRACT_SUM = "contract_sum"
    REGION = "region"


# Fields describing one line of goods; every other field describes the whole tender and
# is carried forward to the following rows when left blank there.
ITEM_FIELDS = frozenset({Field.ITEM_NAME, Field.OKPD2, Field.QUANTITY, Field.UNIT, Field.UNIT_PRICE, Field.ITEM_SUM})

_CUSTOMER = r"(заказчик|покупател|customer|buyer|purchaser)"
_SUPPLIER = r"(поставщик|победител|исполнител|подрядчик|контрагент|winner|supplier|contractor|vendor)"
_INN = r"(\bинн\b|\binn\b|tax id|taxpayer)"
_NOT_NAME = r"(\bинн\b|\binn\b|\bкпп\b|\bkpp\b|\bогрн\b|адрес|address|телефон|phone|e ?mail|почт|регион|region|контакт)"

# (field, must match, must not match). Checked in order; the first rule that matches a
# header wins, so specific rules come before general ones ("цена контракта" before "цена").
_RULES: tuple[tuple[Field, str, str | None], ...] = (
    (Field.CUSTOMER_INN, rf"{_CUSTOMER}.*{_INN}|{_INN}.*{_CUSTOMER}", None),
    (Field.SUPPLIER_INN, rf"{_SUPPLIER}.*{_INN}|{_INN}.*{_SUPPLIER}", None),
    (Field.OKPD2, r"окпд|okpd", None),
    (Field.LAW, r"\bфз\b|закон|\blaw\b|44 ?/ ?223|тип торгов|regime", None),
    (Field.REGION, r"регион|субъект рф|субъект российской|\bregion\b|область поставки", None),
    (
        Field.CONTRACT_NUMBER,
        r"(номер|№|\bno\b|number|реестров).*(контракт|договор|contract)|(contract|agreement) (number|no|№|id)",
        None,
    ),
    (
        Field.TENDER_NUMBER,
        r"(номер|№|\bno\b|number|\bid\b)"
        r".*(закупк|извещени|тендер|торг|процедур|аукцион|purchase|tender|notice|notification|lot)"
        r"|(tender|purchase|notice|notification|lot|procurement) (number|no|№|id)"
        r"|реестров\w* номер|^номер$|^№$|^number$|^tender$|^закупка$",
        None,
    ),
    (
        Field.CONTRACT_DATE,
        r"дата.*(контракт|договор|заключени|подписани|итог)|(contract|sign\w*|award\w*) date|date of (contract|award)",
        None,
    ),
    (
        Field.PUBLISH_DATE,
        r"дата.*(публикац|размещени|извещени|объявлени|начал)"
        r"|(publish\w*|publication|posted|notice) date|^дата$|^date$",
        None,
    ),
    (Field.CUSTOMER_NAME, _CUSTOMER, _NOT_NAME),
    (Field.SUPPLIER_NAME, _SUPPLIER, _NOT_NAME),
    (Field.QUANTITY, r"кол\w*|qty|quantity|объем|объём", None),
    (
        Field.UNIT_PRICE,
        r"цена.*(\bед\b|единиц|шт)|unit price|price per|^цена( руб| ₽)?$|^price$",
        None,
    ),
    (Field.UNIT, r"\bед\b|единиц\w* измер|\bunit\b(?! price)|\buom\b|окей|okei|measure", r"цена|price|стоимость|сумма"),
    (
        Field.CONTRACT_SUM,
        r"(цена|сумма|стоимость|price|amount|value|sum).*(контракт|договор|победител|итог|contract|award)"
        r"|(контракт|договор|contract).*(цена|сумма|стоимость|price|amount|value)|предложени\w* победител",
        r"начальн|нмц|initial|max",
    ),
    (
        Field.ITEM_SUM,
        r"сумма|стоимость|\bsum\b|amount|total|line total",
        r"начальн|нмц|initial|ндс|vat",
    ),
    (
        Field.ITEM_NAME,
        r"наименование.*(товар|позици|продукц|объект|работ|услуг|предмет)|товар|позиция|продукция|предмет"
        r"|объект закупки|^наименование$|item|product|description|goods",
        r"поставщик|заказчик|победител|исполнител",
    ),
)
_COMPILED_RULES = tuple(
    (field_, re.compile(include), re.compile(exclude) if exclude else None) for field_, include, exclude in _RULES
)
# Groups of fields that make a sheet look like tender data; confidence is the share found.
_CORE_GROUPS: tuple[frozenset[Field], ...] = (
    frozenset({Field.CUSTOMER_NAME, Field.CUSTOMER_INN}),
    frozenset({Field.SUPPLIER_NAME, Field.SUPPLIER_INN}),
    frozenset({Field.TENDER_NUMBER, Field.CONTRACT_NUMBER}),
    frozenset({Field.ITEM_NAME}),
    frozenset({Field.CONTRACT_SUM, Field.ITEM_SUM, Field.UNIT_PRICE}),
    frozenset({Field.CONTRACT_DATE, Field.PUBLISH_DATE}),
)
_MIN_FIELDS = 3
_MIN_GROUPS = 2


@dataclass(frozen=True)
class ColumnMapping:
    """Canonical field -> 0-based column index, plus the header text of each column."""

    columns: Mapping[Field, int]
    headers: Mapping[int, str] = field(default_factory=dict)

    def __contains__(self, item: object) -> bool:
        return item in self.columns

    def get(self, name: Field) -> int | None:
        """Return the column of ``name`` or ``None`` when the sheet lacks it."""
        return self.columns.get(name)

    def header_of(self, name: Field) -> str:
        """Return the header text of a mapped field, for error messages."""
        index = self.columns[name]
        return self.headers.get(index) or column_letter(index)

    def as_profile(self) -> dict[str, str]:
        """Return the mapping as ``{field: column letter}``, ready to save as a profile."""
        return {str(name): column_letter(index) for name, index in self.columns.items()}


@dataclass(frozen=True)
class HeaderDetection:
    """The header found in a sheet: where it is, how many rows it spans, and the mapping.

    Data starts at ``data_start`` (0-based row index). ``confidence`` is between 0 and 1:
    the share of the core groups (customer, supplier, number, item, amount, date) found.
    ``unmapped`` lists the headers of columns that matched no field, for the UI.
    """

    header_row: int
    header_rows: int
    mapping: ColumnMapping
    confidence: float
    unmapped: tuple[str, ...] = ()

    @property
    def data_start(self) -> int:
        """Return the 0-based index of the first data row."""
        return self.header_row + self.header_rows


def normalize_header(value: Any) -> str:
    """Lower-case a header, unify ё/е and № and drop punctuation, so synonyms compare equal."""
    if value is None:
        return ""
    text = str(value).lower().replace("ё", "е")
    text = text.replace("n°", "№").replace("no.", "№ ")
    text = re.sub(r"[^\w№₽/]+", " ", text)
    return " ".join(text.split())


def match_field(header: str) -> Field | None:
    """Return the canonical field a normalized header names, if any."""
    if not header:
        return None
    for name, include, exclude in _COMPILED_RULES:
        if include.search(header) and not (exclude and exclude.search(header)):
            return name
    return None


def detect_header(
    rows: Sequence[Sequence[CellValue]],
    *,
    merged_ranges: Sequence[CellRange] = (),
) -> HeaderDetection | None:
    """Find the header among the first rows of a sheet; return ``None`` if there is none.

    Each row is tried alone and joined with the row below it (a two-row header); the
    candidate naming the most fields wins, ties going to the one-row header higher up.
    """
    limit = min(len(rows), HEADER_SCAN_ROWS)
    singles = [_score(_row_texts(rows[index]), header_row=index, header_rows=1) for index in range(limit)]
    candidates = list(singles)
    for index in range(limit - 1):
        double = _score(_two_row_texts(rows, index, merged_ranges), header_row=index, header_rows=2)
        # A title row above the header must not pass for the top half of a split header.
        if _rank(double) > max(_rank(singles[index]), _rank(singles[index + 1])):
            candidates.append(double)
    if not candidates:
        return None
    # max() keeps the first of equals: the highest single row wins a tie.
    best = max(candidates, key=_rank)
    fields_found, groups_found = _rank(best)
    if fields_found < _MIN_FIELDS or groups_found < _MIN_GROUPS:
        return None
    # Messages quote headers as the user typed them, not in their normalized form.
    raw = _raw_header_texts(rows, best.header_row, best.header_rows, merged_ranges)
    headers = {index: text for index, text in enumerate(raw) if text}
    return replace(best, mapping=ColumnMapping(columns=best.mapping.columns, headers=headers))


def _rank(detection: HeaderDetection) -> tuple[int, int]:
    """Order candidate headers: more fields first, then more core groups."""
    return len(detection.mapping.columns), _groups_found(detection.mapping)


def mapping_from_profile(
    profile: Mapping[str, str | int],
    *,
    header_texts: Sequence[str],
) -> ColumnMapping:
    """Build a mapping from a saved profile: ``{field: header text | column letter | index}``.

    A value is first looked up among the headers (ignoring case and punctuation), then
    read as a column letter ("C", "AB") or a 0-based index. Raise :class:`FileRejected`
    naming the field whose column cannot be found.
    """
    normalized = [normalize_header(text) for text in header_texts]
    columns: dict[Field, int] = {}
    for key, target in profile.items():
        try:
            name = Field(key)
        except ValueError as exc:
            raise FileRejected(format_lazy(_("Unknown field “{field}” in the column mapping."), field=key)) from exc
        index = _resolve_column(target, normalized)
        if index is None:
            raise FileRejected(
                format_lazy(_("The column “{column}” for “{field}” is not in the file."), column=target, field=key)
            )
        columns[name] = index
    headers = {index: str(text) for index, text in enumerate(header_texts) if text}
    return ColumnMapping(columns=columns, headers=headers)


def column_letter(index: int) -> str:
    """Turn a 0-based column index into an Excel letter: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_index(letter: str) -> int | None:
    """Turn an Excel column letter into a 0-based index; ``None`` if it is not a letter."""
    letter = letter.strip().upper()
    if not re.fullmatch(r"[A-Z]{1,3}", letter):
        return None
    index = 0
    for char in letter:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


def _resolve_column(target: str | int, normalized_headers: Sequence[str]) -> int | None:
    """Find the column a profile entry points at."""
    if isinstance(target, int):
        return target
    wanted = normalize_header(target)
    if wanted in normalized_headers:
        return normalized_headers.index(wanted)
    return column_index(target)


def _row_texts(row: Sequence[CellValue], *, normalize: bool = True) -> list[str]:
    """Return the header text of each cell of one row (normalized unless asked otherwise)."""
    if normalize:
        return [normalize_header(value) if isinstance(value, str) else "" for value in row]
    return [" ".join(value.split()) if isinstance(value, str) else "" for value in row]


def _two_row_texts(
    rows: Sequence[Sequence[CellValue]],
    index: int,
    merged_ranges: Sequence[CellRange],
    *,
    normalize: bool = True,
) -> list[str]:
    """Join a row with the row below it into one header per column.

    The upper row's text is spread over the columns its merged cell covers; without
    merge information (csv, some xls) it is spread rightwards over blank cells that have
    a sub-header below, which is how a merged "Поставщик" looks once unmerged.
    """
    upper = _row_texts(rows[index], normalize=normalize)
    lower = _row_texts(rows[index + 1], normalize=normalize)
    width = max(len(upper), len(lower))
    upper += [""] * (width - len(upper))
    lower += [""] * (width - len(lower))
    spread = _spread_merged(upper, index, merged_ranges)
    for column in range(1, width):
        continues_group = not spread[column] and lower[column] and spread[column - 1] and lower[column - 1]
        if continues_group and not _covered_by_merge(index, column, merged_ranges):
            spread[column] = spread[column - 1]
    return [" ".join(part for part in (top, bottom) if part) for top, bottom in zip(spread, lower, strict=True)]


def _raw_header_texts(
    rows: Sequence[Sequence[CellValue]], header_row: int, header_rows: int, merged_ranges: Sequence[CellRange]
) -> list[str]:
    """Return the header of each column as written in the file."""
    if header_rows == 2:
        return _two_row_texts(rows, header_row, merged_ranges, normalize=False)
    return _row_texts(rows[header_row], normalize=False)


def _spread_merged(upper: list[str], row: int, merged_ranges: Sequence[CellRange]) -> list[str]:
    """Copy the text of horizontally merged cells in ``row`` to every column they cover."""
    spread = list(upper)
    for (first_row, first_col), (last_row, last_col) in merged_ranges:
        if first_row <= row <= last_row and first_col < len(spread):
            text = upper[first_col] if first_row == row else ""
            for column in range(first_col, min(last_col + 1, len(spread))):
                spread[column] = spread[column] or text
    return spread


def _covered_by_merge(row: int, column: int, merged_ranges: Sequence[CellRange]) -> bool:
    """Tell whether a cell is part of a known merged range (then merges, not guesses, decide)."""
    return any(
        first_row <= row <= last_row and first_col <= column <= last_col
        for (first_row, first_col), (last_row, last_col) in merged_ranges
    )


def _score(texts: Sequence[str], *, header_row: int, header_rows: int) -> HeaderDetection:
    """Map the header texts of one candidate row and measure how convincing it is."""
    columns: dict[Field, int] = {}
    headers: dict[int, str] = {}
    unmapped: list[str] = []
    for index, text in enumerate(texts):
        if not text:
            continue
        headers[index] = text
        name = match_field(text)
        if name is None or name in columns:
            unmapped.append(text)
            continue
        columns[name] = index
    mapping = ColumnMapping(columns=columns, headers=headers)
    confidence = _groups_found(mapping) / len(_CORE_GROUPS)
    return HeaderDetection(
        header_row=header_row,
        header_rows=header_rows,
        mapping=mapping,
        confidence=round(confidence, 2),
        unmapped=tuple(unmapped),
    )


def _groups_found(mapping: ColumnMapping) -> int:
    """Count the core groups with at least one mapped field."""
    return sum(1 for group in _CORE_GROUPS if group & mapping.columns.keys())
