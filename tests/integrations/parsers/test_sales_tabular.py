"""Sales spreadsheets (xlsx and csv): grouping rows into documents and reporting errors by row."""

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from integrations.parsers.sales import COLUMNS, MissingColumns, columns_markdown, parse_sales_table
from integrations.parsers.sales.columns import header_key

RU_HEADER = [
    "Вид документа",
    "Внешний код",
    "Номер",
    "Дата",
    "ИНН клиента",
    "КПП клиента",
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
EN_HEADER = [
    "Document kind",
    "External ID",
    "Number",
    "Date",
    "Client INN",
    "Client KPP",
    "Client name",
    "Client region",
    "Manager",
    "SKU",
    "Product name",
    "Product kind",
    "Quantity",
    "Price",
    "Amount",
    "Serial numbers",
]
INVOICE = [
    "счёт",
    "INV-1",
    "С-17",
    "05.03.2024",
    "7707083893",
    "770701001",
    "ООО Ромашка",
    "Москва",
    "ivanov",
    "KX-100",
    "Котёл КХ-100",
    "оборудование",
    "2",
    "1 234 567,89",
    "2 469 135,78 ₽",
    "",
]


def row(**changes):
    """Return the invoice row with some columns (by English header key) replaced."""
    values = dict(zip(EN_HEADER, INVOICE, strict=True))
    values.update({header.replace("_", " "): value for header, value in changes.items()})
    return [values[header] for header in EN_HEADER]


def write_xlsx(path: Path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def write_csv(path: Path, rows, *, encoding="utf-8", delimiter=";"):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def parse(path, **options):
    return parse_sales_table(path, filename=path.name, **options)


def errors(result):
    return [(error.location, str(error.reason)) for error in result.errors]


def test_it_groups_an_xlsx_into_invoice_shipment_and_payment(tmp_path):
    path = write_xlsx(
        tmp_path / "sales.xlsx",
        [
            RU_HEADER,
            INVOICE,
            row(
                SKU="FL-1",
                Product_name="Фильтр",
                Product_kind="расходный материал",
                Quantity=3,
                Price=150.5,
                Amount=451.5,
            ),
            # A shipment without an external id: its rows are grouped by kind, number and date.
            row(
                Document_kind="отгрузка",
                External_ID="",
                Number="Р-5",
                Date=datetime(2024, 3, 7, 14, 30),
                Serial_numbers="SN-1; SN-2",
                Amount="2469135,78",
            ),
            row(
                Document_kind="реализация",
                External_ID="",
                Number="Р-5",
                Date=datetime(2024, 3, 7, 14, 30),
                Product_name="Монтаж",
                Product_kind="услуга",
                Quantity=1,
                Price=5000,
                Amount=5000,
            ),
            row(
                Document_kind="оплата",
                External_ID="PAY-9",
                Number="77",
                Date="07.03.2024",
                SKU="",
                Product_name="",
                Product_kind="",
                Quantity="",
                Price="",
                Amount="1 000 000,00",
            ),
        ],
    )

    result = parse(path)

    assert errors(result) == []
    assert result.rows == 5
    invoice, shipment, payment = result.documents
    assert (invoice.kind, invoice.external_id, invoice.number, invoice.date) == (
        "invoice",
        "INV-1",
        "С-17",
        date(2024, 3, 5),
    )
    assert invoice.client.inn == "7707083893"
    assert invoice.client.kpp == "770701001"
    assert invoice.client.region == "Москва"
    assert invoice.manager == "ivanov"
    assert invoice.posted is True
    assert invoice.source_row == 2
    assert [
        (line.line_no, line.product.sku, line.product.kind, line.quantity, line.price, line.amount)
        for line in invoice.lines
    ] == [
        (1, "KX-100", "equipment", Decimal(2), Decimal("1234567.89"), Decimal("2469135.78")),
        (2, "FL-1", "consumable", Decimal(3), Decimal("150.5"), Decimal("451.5")),
    ]
    assert invoice.total == Decimal("2469587.28")
    assert invoice.version.startswith("sha256:")
    assert shipment.external_id == "shipment:Р-5:2024-03-07"
    assert shipment.date == datetime(2024, 3, 7, 14, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    assert shipment.lines[0].serial_numbers == ["SN-1", "SN-2"]
    assert shipment.lines[1].product.kind == "service"
    assert (payment.kind, payment.total, payment.lines) == ("payment", Decimal("1000000.00"), [])


def test_it_reads_csv_in_cp1251_and_utf8_with_english_headers(tmp_path):
    # cp1251 has no ₽ sign; accountants write "руб." there.
    rows = [EN_HEADER, row(Client_INN="278012344", Date="2024-03-05", Amount="2 469 135,78 руб.")]
    for encoding in ("cp1251", "utf-8-sig"):
        path = write_csv(tmp_path / f"sales-{encoding}.csv", rows, encoding=encoding)

        result = parse(path)

        assert errors(result) == []
        [invoice] = result.documents
        assert invoice.client.name == "ООО Ромашка"
        # Excel dropped the leading zero of the INN.
        assert invoice.client.inn == "0278012344"
        assert invoice.lines[0].product.name == "Котёл КХ-100"


def test_it_gives_a_stable_version_that_changes_with_the_content(tmp_path):
    first = parse(write_csv(tmp_path / "a.csv", [RU_HEADER, INVOICE])).documents[0].version
    again = parse(write_csv(tmp_path / "b.csv", [RU_HEADER, INVOICE])).documents[0].version
    changed = parse(write_csv(tmp_path / "c.csv", [RU_HEADER, row(Quantity="1", Amount="1234567,89")]))

    assert first == again
    assert changed.documents[0].version != first


def test_it_refuses_a_file_with_wrong_columns_listing_them(tmp_path):
    path = write_xlsx(tmp_path / "wrong.xlsx", [["Вид документа", "Номер", "Дата", "Покупатель", "Что-то"], ["счёт"]])

    with pytest.raises(MissingColumns) as caught:
        parse(path)

    assert [spec.key for spec in caught.value.missing] == [
        "client_inn",
        "product_name",
        "quantity",
        "price",
        "amount",
    ]
    assert "ИНН клиента / Client INN" in str(caught.value)


def test_it_reports_broken_numbers_dates_and_kinds_by_row(tmp_path):
    path = write_xlsx(
        tmp_path / "broken.xlsx",
        [
            RU_HEADER,
            INVOICE,
            row(Quantity="два", Price="12,5 кг"),
            row(External_ID="INV-2", Date="31.02.2024"),
            row(External_ID="INV-3", Date="вчера", Product_kind="робот"),
            row(External_ID="INV-4", Document_kind="накладная", Client_INN="7707083894"),
        ],
    )

    result = parse(path)

    assert errors(result) == [
        (3, "Количество: “два” is not a number."),
        (3, "Цена: “12,5 кг” is not a number."),
        (4, "Дата: “31.02.2024” is not a valid date."),
        (5, "Дата: “вчера” is not a date."),
        (
            5,
            "Вид номенклатуры: unknown product kind “робот” (expected оборудование, расходный материал, "
            "аксессуар, запчасть or услуга)",
        ),
        (6, "Вид документа: unknown document kind “накладная” (expected счёт, оплата or отгрузка)"),
        (6, "ИНН клиента: INN 7707083894 has an invalid checksum"),
    ]
    # Nothing of a document with a broken row is returned; a caller applies all or nothing.
    assert result.documents == []
    assert result.ok is False


def test_it_checks_amount_against_quantity_times_price(tmp_path):
    rows = [RU_HEADER, row(Amount="2469135,79"), row(External_ID="INV-2", Amount="2000000")]
    path = write_csv(tmp_path / "amounts.csv", rows)

    strict = parse(path)
    lenient = parse(path, amount_policy="warning")

    # One kopeck is rounding; 469 135,78 is not.
    assert errors(strict) == [
        (3, "amount 2000000 does not match quantity 2 × price 1234567.89 = 2469135.78"),
    ]
    assert [document.external_id for document in strict.documents] == ["INV-1"]
    assert errors(lenient) == []
    assert [warning.location for warning in lenient.warnings] == [3]
    assert len(lenient.documents) == 2


def test_it_reports_rows_of_one_document_that_disagree(tmp_path):
    path = write_csv(tmp_path / "mixed.csv", [RU_HEADER, INVOICE, row(Number="С-18", Client_INN="500100732259")])

    result = parse(path)

    assert errors(result) == [
        (3, "Номер “С-18” differs from “С-17” in row 2 of the same document"),
        (3, "ИНН клиента “500100732259” differs from “7707083893” in row 2 of the same document"),
    ]
    assert result.documents == []


def test_it_finds_the_header_below_a_title_and_skips_blank_rows(tmp_path):
    path = write_xlsx(tmp_path / "titled.xlsx", [["Выгрузка продаж за март"], [], RU_HEADER, INVOICE, [], []])

    result = parse(path)

    assert errors(result) == []
    assert result.rows == 1
    assert result.documents[0].source_row == 4


def test_it_defines_each_header_once_and_keeps_columns_md_in_sync():
    owners = {}
    for spec in COLUMNS:
        for name in spec.headers:
            owners.setdefault(header_key(name), set()).add(spec.key)
    assert {header: keys for header, keys in owners.items() if len(keys) > 1} == {}
    columns_md = Path(__file__).resolve().parents[3] / "integrations/parsers/sales/COLUMNS.md"
    assert columns_md.read_text(encoding="utf-8") == columns_markdown()
    assert "| ИНН клиента | Client INN | yes |" in columns_markdown()
