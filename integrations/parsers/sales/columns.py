"""The columns of a sales spreadsheet, defined once as data.

The parser matches headers against this spec and the README table is generated
from it (:func:`columns_markdown`), so the two cannot drift apart. Headers are
compared case-insensitively, with ``ё`` read as ``е`` and punctuation ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["COLUMNS", "ColumnSpec", "columns_markdown", "header_key", "match_headers"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column: its key in the parser, the headers it is known by, and what it holds."""

    key: str
    ru: str
    en: str
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        """Return every header this column is recognised by."""
        return (self.ru, self.en, self.key, *self.aliases)


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "kind",
        "Вид документа",
        "Document kind",
        "`счёт`/`invoice` (also `заказ`/`order`), `оплата`/`payment`, `отгрузка`/`реализация`/`shipment`.",
        required=True,
        aliases=("Тип документа", "Document type"),
    ),
    ColumnSpec(
        "external_id",
        "Внешний код",
        "External ID",
        "The document's id in the accounting system (1C GUID). Rows with the same id form one document; "
        "when empty, rows are grouped by kind + number + date.",
        aliases=("Ид документа", "Идентификатор", "GUID", "ID"),
    ),
    ColumnSpec(
        "version",
        "Версия",
        "Version",
        "Changes whenever the document changes (1C `DataVersion`); when empty, a hash of the rows is used.",
        aliases=("Версия данных", "DataVersion"),
    ),
    ColumnSpec(
        "number",
        "Номер",
        "Number",
        "Document number.",
        required=True,
        aliases=("Номер документа", "№", "Document number"),
    ),
    ColumnSpec(
        "date",
        "Дата",
        "Date",
        "`дд.мм.гггг`, `дд.мм.гггг чч:мм`, ISO 8601 or an Excel date.",
        required=True,
        aliases=("Дата документа", "Document date"),
    ),
    ColumnSpec("posted", "Проведён", "Posted", "`да`/`нет` (default `да`).", aliases=("Проведен",)),
    ColumnSpec(
        "deleted",
        "Помечен на удаление",
        "Deleted",
        "`да`/`нет` (default `нет`).",
        aliases=("Удалён", "Удален", "Пометка удаления", "DeletionMark"),
    ),
    ColumnSpec(
        "client_inn",
        "ИНН клиента",
        "Client INN",
        "10 or 12 digits with a valid checksum; a leading zero lost by Excel is restored.",
        required=True,
        aliases=("ИНН", "INN", "ИНН контрагента"),
    ),
    ColumnSpec(
        "client_kpp",
        "КПП клиента",
        "Client KPP",
        "9 characters, for organisations.",
        aliases=("КПП", "KPP", "КПП контрагента"),
    ),
    ColumnSpec(
        "client_name",
        "Клиент",
        "Client name",
        "The buyer's name.",
        required=True,
        aliases=("Контрагент", "Наименование клиента", "Покупатель", "Client", "Customer"),
    ),
    ColumnSpec("client_region", "Регион", "Client region", "The buyer's region.", aliases=("Регион клиента", "Region")),
    ColumnSpec(
        "manager",
        "Менеджер",
        "Manager",
        "The responsible sales manager: login or full name.",
        aliases=("Ответственный", "Responsible"),
    ),
    ColumnSpec("product_sku", "Артикул", "SKU", "The product's article number.", aliases=("Product SKU", "Article")),
    ColumnSpec(
        "product_external_id",
        "Код номенклатуры",
        "Product external ID",
        "The product's id in the accounting system (1C GUID or code).",
        aliases=("Ид номенклатуры", "Код товара", "Product ID"),
    ),
    ColumnSpec(
        "product_name",
        "Номенклатура",
        "Product name",
        "The product or service; may be empty on payment rows.",
        required=True,
        aliases=("Товар", "Наименование товара", "Наименование", "Product"),
    ),
    ColumnSpec(
        "product_kind",
        "Вид номенклатуры",
        "Product kind",
        "`оборудование`/`equipment`, `расходный материал`/`consumable`, `аксессуар`/`accessory`, "
        "`запчасть`/`spare part`, `услуга`/`service`; empty if unknown.",
        aliases=("Тип номенклатуры", "Product type"),
    ),
    ColumnSpec("unit", "Ед. изм.", "Unit", "Unit of measure (`шт`).", aliases=("Единица", "Единица измерения")),
    ColumnSpec("okpd2", "ОКПД2", "OKPD2", "The product's OKPD2 code.", aliases=("Код ОКПД2",)),
    ColumnSpec(
        "equipment_type",
        "Тип оборудования",
        "Equipment type",
        "For equipment: its type (`Компрессор`); units of the product get it.",
        aliases=("Вид оборудования",),
    ),
    ColumnSpec(
        "manufacturer", "Производитель", "Manufacturer", "The product's manufacturer.", aliases=("Бренд", "Brand")
    ),
    ColumnSpec("model", "Модель", "Model", "The product's model.", aliases=("Модель оборудования",)),
    ColumnSpec(
        "warranty_months",
        "Гарантия, мес",
        "Warranty, months",
        "Warranty in months from shipment.",
        aliases=("Гарантия", "Гарантийный срок", "Warranty"),
    ),
    ColumnSpec(
        "maintenance_interval_months",
        "Интервал ТО, мес",
        "Maintenance interval, months",
        "Months between maintenance visits.",
        aliases=("Интервал ТО", "Периодичность ТО", "Maintenance interval"),
    ),
    ColumnSpec(
        "service_life_years",
        "Срок службы, лет",
        "Service life, years",
        "Expected service life in years.",
        aliases=("Срок службы", "Service life"),
    ),
    ColumnSpec(
        "quantity",
        "Количество",
        "Quantity",
        "A number; may be empty on payment rows.",
        required=True,
        aliases=("Кол-во", "Qty"),
    ),
    ColumnSpec(
        "price",
        "Цена",
        "Price",
        "Unit price in roubles; may be empty on payment rows.",
        required=True,
        aliases=("Unit price",),
    ),
    ColumnSpec(
        "amount",
        "Сумма",
        "Amount",
        "Line amount in roubles (`1 234 567,89 ₽` is fine); must equal quantity × price up to rounding. "
        "On a payment row: the amount paid.",
        required=True,
        aliases=("Сумма строки", "Line amount"),
    ),
    ColumnSpec("vat_amount", "Сумма НДС", "VAT amount", "VAT of the line, if known.", aliases=("НДС", "VAT")),
    ColumnSpec(
        "cost",
        "Себестоимость",
        "Cost",
        "What the line cost the seller (for ABC by gross profit), if known.",
        aliases=("Себестоимость строки", "Line cost"),
    ),
    ColumnSpec(
        "serial_numbers",
        "Серийные номера",
        "Serial numbers",
        "Serial numbers of the units on the line, separated by commas or semicolons.",
        aliases=("Серийный номер", "Serial number", "S/N"),
    ),
)

_PUNCTUATION_RE = re.compile(r"[^\w#№]+", re.UNICODE)


def header_key(text: str) -> str:
    """Normalise a header for matching: case, ``ё``, punctuation and spaces."""
    folded = text.casefold().replace("ё", "е").replace("*", "")
    return " ".join(_PUNCTUATION_RE.sub(" ", folded).split())


_BY_HEADER: dict[str, ColumnSpec] = {header_key(name): spec for spec in COLUMNS for name in spec.headers}


def match_headers(cells: list[object]) -> dict[str, int]:
    """Map column keys to their positions in a header row (the first occurrence wins)."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        spec = _BY_HEADER.get(header_key(str(cell))) if cell not in (None, "") else None
        if spec is not None:
            positions.setdefault(spec.key, index)
    return positions


def columns_markdown() -> str:
    """Return the column reference as a Markdown table for the README."""
    lines = [
        "| Колонка (RU) | Column (EN) | Required | What it holds |",
        "| --- | --- | --- | --- |",
    ]
    for spec in COLUMNS:
        required = "yes" if spec.required else ""
        lines.append(f"| {spec.ru} | {spec.en} | {required} | {spec.description} |")
    return "\n".join(lines) + "\n"
