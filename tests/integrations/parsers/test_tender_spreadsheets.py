"""Tender exports in xlsx/csv, however messy, become tenders with items, or row errors."""

import csv
from datetime import date, datetime
from decimal import Decimal

import pytest

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.tenders import (
    Field,
    Law,
    ParsedTender,
    RowError,
    detect_header,
    iter_tender_file,
)

MAX = 10 * 1024 * 1024

HEADER = [
    "Номер закупки",
    "Закон",
    "Заказчик",
    "ИНН заказчика",
    "Победитель",
    "ИНН победителя",
    "Дата контракта",
    "Цена контракта, руб.",
    "Наименование товара",
    "ОКПД2",
    "Кол-во",
    "Ед. изм.",
    "Цена за ед.",
    "Сумма",
]


def events(path, **kwargs):
    stream = iter_tender_file(path, filename=path.name, max_bytes=MAX, **kwargs)
    result = list(stream)
    tenders = [event for event in result if isinstance(event, ParsedTender)]
    errors = [event for event in result if isinstance(event, RowError)]
    return stream, tenders, errors


@pytest.fixture
def messy_rows():
    """A realistic export: title rows, tender columns only on the first item row, and mess."""
    return [
        ["Результаты закупок за 2024 год"],
        ["Выгрузка из Контур.Закупки от 01.02.2024"],
        [],
        HEADER,
        # tender 1: three items, tender columns only on its first row
        [
            "0131200001024005027",
            "44-ФЗ",
            "ГБУЗ «Областная больница №1»",
            278012345,  # INN stored as a number: lost its leading zero
            "ООО «Р-Лаб»",
            "6829057730",
            "14.03.2024 10:20",
            "1 207 680,35 ₽",
            "Анализатор  биохимический\nCobas C502",
            "26.51.53.140",
            "1",
            "шт",
            "1 000 000,00",
            "1 000 000,00 руб.",
        ],
        [None] * 8 + ["Реагент", "21.20.23.111", "7", "набор", "1 753,00", "12 271,00"],
        [],  # a blank row between items
        [None] * 8 + ["Реагент", "21.20.23.111", "7", "набор", "1 753,00", "12 271,00"],  # exact repeat
        [None] * 8 + ["Калибратор", "21.20.23.111", 15, "набор", 2629, 39435],
        # tender 2: 223-FZ, dates as an Excel serial and as a datetime, supplier INN of an ИП
        [
            "31806504639",
            "223-ФЗ",
            "АО «Газпром газораспределение Майкоп»",
            "0105018196",
            "ИП Иванов Иван Иванович",
            27801234567,  # a 12-digit INN that lost its zero
            45000,
            "1,234,567.89",
            "Пропан сжиженный",
            "19.20.31.110",
            "1.518971519E7",
            "л",
            0.46,
            "6 987 268,99",
        ],
        # tender 3: a bad number and a bad date are reported with the column name
        [
            "0131200001024009999",
            "44-ФЗ",
            "Школа №5",
            "3662006088",
            "",
            "",
            "31.02.2024",
            "много",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # tender 4: no supplier yet, one item
        [
            "0131200001024000001",
            "",
            "Школа №6",
            "3662006088",
            "",
            "",
            datetime(2024, 5, 6),
            "",
            "Парта",
            "",
            30,
            "шт",
            "",
            "",
        ],
        ["Итого", None, None, None, None, None, None, "1 000 000", None, None, None, None, None, "7 038 974,99"],
    ]


def test_it_imports_a_messy_export(make_xlsx, messy_rows):
    path = make_xlsx({"Закупки": messy_rows})
    stream, tenders, errors = events(path)

    assert [tender.number for tender in tenders] == ["0131200001024005027", "31806504639", "0131200001024000001"]
    first, second, third = tenders

    assert first.law is Law.FZ44
    assert first.customer.inn == "0278012345"
    assert first.customer.name == "ГБУЗ «Областная больница №1»"
    assert first.winner.inn == "6829057730"
    assert first.contract_date == date(2024, 3, 14)
    assert first.contract_sum == Decimal("1207680.35")
    assert [item.name for item in first.items] == ["Анализатор биохимический Cobas C502", "Реагент", "Калибратор"]
    assert first.items[0].unit_price == Decimal("1000000.00")
    assert first.items[1].quantity == Decimal("7")
    assert first.items[2].sum == Decimal("39435")
    assert first.source.rows == (5, 6, 9)  # row 8 repeated row 6, row 7 was blank

    assert second.law is Law.FZ223
    assert second.contract_date == date(2023, 3, 15)
    assert second.contract_sum == Decimal("1234567.89")
    assert second.winner.inn == "027801234567"
    assert second.winner.is_individual
    assert second.items[0].quantity == Decimal("15189715.19")

    assert third.winner is None
    assert third.law is Law.FZ44  # inferred from the 19-digit number
    assert third.contract_date == date(2024, 5, 6)
    assert third.items[0].quantity == Decimal("30")

    [error] = errors
    assert error.row_number == 11
    assert error.sheet == "Закупки"
    assert str(error.reason) == (
        "Дата контракта: “31.02.2024” is not a valid date.; Цена контракта, руб.: “много” is not a number."
    )
    assert stream.processed == stream.estimated_total == 9  # rows 5-13
    assert stream.progress == 1.0


def test_it_finds_columns_in_any_order_with_english_names(tmp_path):
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=",")
        writer.writerow(["Item", "Quantity", "Unit price", "Customer INN", "Customer", "Winner", "Tender number"])
        writer.writerow(["Printer", "2", "15,000.50", "7707083893", "Ministry", "Vendor LLC", "0373100056024000001"])
        writer.writerow(["Toner", "10", "1,200.00", "", "", "", ""])
    _stream, [tender], errors = events(path)
    assert errors == []
    assert tender.customer.inn == "7707083893"
    assert tender.winner.name == "Vendor LLC"
    assert [(item.name, item.quantity, item.unit_price) for item in tender.items] == [
        ("Printer", Decimal("2"), Decimal("15000.50")),
        ("Toner", Decimal("10"), Decimal("1200.00")),
    ]


def test_it_reads_a_header_split_over_merged_cells(make_xlsx):
    rows = [
        ["Номер закупки", "Заказчик", None, "Поставщик", None, "Сумма контракта"],
        [None, "ИНН", "Наименование", "ИНН", "Наименование", None],
        ["0131200001024005027", "3662006088", "Больница", "6829057730", "ООО Р-Лаб", "100,5"],
    ]
    merges = {"Data": ["A1:A2", "B1:C1", "D1:E1", "F1:F2"]}
    path = make_xlsx({"Data": rows}, merges=merges)
    stream, [tender], errors = events(path)
    assert errors == []
    detection = stream.sheets[0].detection
    assert (detection.header_row, detection.header_rows) == (0, 2)
    assert detection.mapping.get(Field.SUPPLIER_INN) == 3
    assert tender.customer.inn == "3662006088"
    assert tender.customer.name == "Больница"
    assert tender.winner.name == "ООО Р-Лаб"
    assert tender.contract_sum == Decimal("100.5")


def test_it_reads_a_split_header_without_merge_information():
    rows = [
        ["№ извещения", "Поставщик", "", "Цена контракта"],
        ["", "ИНН", "Наименование", ""],
    ]
    detection = detect_header(rows)
    assert detection.header_rows == 2
    assert detection.mapping.get(Field.SUPPLIER_INN) == 1
    assert detection.mapping.get(Field.SUPPLIER_NAME) == 2


def test_it_ignores_hidden_sheets(make_xlsx, messy_rows):
    hidden = [HEADER, ["0000000000000000001", "44", "Скрытый заказчик", "3662006088"] + [""] * 10]
    path = make_xlsx({"Видимый": messy_rows, "Служебный": hidden}, hidden=("Служебный",))
    _stream, tenders, _errors = events(path)
    assert "Скрытый заказчик" not in {tender.customer.name for tender in tenders}


def test_it_skips_sheets_without_tender_columns(make_xlsx, messy_rows):
    path = make_xlsx({"Инструкция": [["Как заполнять"], ["Ничего интересного"]], "Данные": messy_rows})
    stream, tenders, _errors = events(path)
    assert len(tenders) == 3
    assert [plan.detection is None for plan in stream.sheets] == [True, False]


def test_it_refuses_a_file_without_recognisable_columns(make_xlsx):
    path = make_xlsx({"Data": [["Фамилия", "Телефон"], ["Иванов", "+7 900 000-00-00"]]})
    with pytest.raises(FileRejected, match="No tender columns were recognised"):
        iter_tender_file(path, filename="people.xlsx", max_bytes=MAX)


def test_it_applies_a_saved_mapping_by_letter_or_header(make_xlsx):
    rows = [
        ["Код", "Контора", "Сколько", "Что"],
        ["A-1", "Больница", "3", "Стол"],
    ]
    path = make_xlsx({"Data": rows})
    profile = {"tender_number": "A", "customer_name": "Контора", "quantity": "C", "item_name": "что"}
    _stream, [tender], errors = events(path, mapping=profile)
    assert errors == []
    assert tender.number == "A-1"
    assert tender.customer.name == "Больница"
    assert tender.items[0].name == "Стол"
    assert tender.items[0].quantity == Decimal("3")


def test_it_reports_items_with_no_tender_above_them(make_xlsx):
    rows = [HEADER, [None] * 8 + ["Сирота", "", "1", "шт", "", ""]]
    path = make_xlsx({"Data": rows})
    _stream, tenders, [error] = events(path)
    assert tenders == []
    assert error.row_number == 2
    assert "no tender above it" in str(error.reason)


def test_it_keeps_the_same_item_row_under_two_tenders(make_xlsx):
    item = ["Бумага", "", "10", "пачка", "", ""]
    rows = [
        HEADER,
        ["1", "44", "Школа", "3662006088", "", "", "", "", *item],
        [None] * 8 + ["Ручки", "", "5", "шт", "", ""],
        [None] * 8 + item,
        ["2", "44", "Школа", "3662006088", "", "", "", "", "Ручки", "", "5", "шт", "", ""],
        [None] * 8 + item,
        [None] * 8 + item,  # a real copy-paste repeat within tender 2
    ]
    path = make_xlsx({"Data": rows})
    _stream, tenders, errors = events(path)
    assert errors == []
    assert [[item.name for item in tender.items] for tender in tenders] == [
        ["Бумага", "Ручки", "Бумага"],
        ["Ручки", "Бумага"],
    ]


def test_rows_of_spaces_and_totals_rows_are_skipped_silently(make_xlsx):
    rows = [
        HEADER,
        ["1", "44", "Школа", "3662006088", "", "", "", "", "Бумага", "", "10", "пачка", "", ""],
        ["   ", "\u00a0", None, "", None, None, None, None, None, None, None, None, None, None],
        [None] * 8 + ["Ручки", "", "5", "шт", "", ""],
        ["Всего", None, None, None, None, None, None, "1 000", None, None, None, None, None, "1 000"],
    ]
    path = make_xlsx({"Data": rows})
    _stream, [tender], errors = events(path)
    assert errors == []
    assert [item.name for item in tender.items] == ["Бумага", "Ручки"]
    assert tender.source.rows == (2, 4)
