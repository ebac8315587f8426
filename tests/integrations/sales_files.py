"""Builders of sales files for the import tests (not a test module)."""

from pathlib import Path
from typing import Any

import openpyxl

HEADER = [
    "Вид документа",
    "Внешний код",
    "Версия",
    "Номер",
    "Дата",
    "Проведён",
    "ИНН клиента",
    "Клиент",
    "Регион",
    "Менеджер",
    "Артикул",
    "Номенклатура",
    "Вид номенклатуры",
    "Количество",
    "Цена",
    "Сумма",
    "Серийные номера",
]

# Valid INNs (checksums hold).
INN_1 = "7707083893"
INN_2 = "7728168971"
INN_3 = "500100732259"


def row(**values: Any) -> list[Any]:
    """One spreadsheet row; unspecified columns get sensible defaults."""
    defaults = {
        "Вид документа": "отгрузка",
        "Внешний код": "S-1",
        "Версия": "1",
        "Номер": "1",
        "Дата": "15.03.2026",
        "Проведён": "да",
        "ИНН клиента": INN_1,
        "Клиент": "ООО «Клиника»",
        "Регион": "",
        "Менеджер": "",
        "Артикул": "MR-100",
        "Номенклатура": "УЗИ аппарат Mindray DC-70",
        "Вид номенклатуры": "оборудование",
        "Количество": 1,
        "Цена": 1000,
        "Сумма": 1000,
        "Серийные номера": "SN-1",
    }
    mapping = {
        "kind": "Вид документа",
        "ext": "Внешний код",
        "version": "Версия",
        "number": "Номер",
        "date": "Дата",
        "posted": "Проведён",
        "inn": "ИНН клиента",
        "client": "Клиент",
        "region": "Регион",
        "manager": "Менеджер",
        "sku": "Артикул",
        "product": "Номенклатура",
        "product_kind": "Вид номенклатуры",
        "qty": "Количество",
        "price": "Цена",
        "amount": "Сумма",
        "serials": "Серийные номера",
    }
    for key, value in values.items():
        defaults[mapping[key]] = value
    return [defaults[column] for column in HEADER]


def write_xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Продажи")
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    lines = [";".join(header)] + [";".join("" if v is None else str(v) for v in values) for values in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
