"""Messy cell values are read into Decimal, date and INN, or refused with a clear message."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from integrations.parsers.values import (
    ValueParseError,
    clean_text,
    inn_checksum_ok,
    normalize_inn,
    parse_date,
    parse_datetime,
    parse_decimal,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1 234 567,89", Decimal("1234567.89")),
        ("1 234 567,89 ₽", Decimal("1234567.89")),
        ("1\u00a0234\u202f567,89 руб.", Decimal("1234567.89")),
        ("1\u2009234,5 RUB", Decimal("1234.5")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("1.518971519E7", Decimal("15189715.19")),
        ("−12,5", Decimal("-12.5")),
        ("(100)", Decimal("-100")),
        (1234567, Decimal("1234567")),
        (0.1, Decimal("0.1")),
        (Decimal("5.50"), Decimal("5.50")),
        ("12894.50284174137", Decimal("12894.50284174137")),
        (1.5e-07, Decimal("1.5E-7")),
        (2.5e16, Decimal("25000000000000000")),
        ("-7", Decimal("-7")),
    ],
)
def test_it_parses_amounts_in_every_spelling(raw, expected):
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0"])
def test_it_reads_blank_amounts_as_none(raw):
    assert parse_decimal(raw) is None


@pytest.mark.parametrize("raw", [True, float("nan"), float("inf"), "двенадцать", date(2024, 1, 1)])
def test_it_refuses_what_is_not_a_number(raw):
    with pytest.raises(ValueParseError):
        parse_decimal(raw)


def test_it_refuses_text_that_is_not_a_number():
    with pytest.raises(ValueParseError) as error:
        parse_decimal("двенадцать")
    assert str(error.value) == "“двенадцать” is not a number."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14.03.2017", date(2017, 3, 14)),
        ("14.03.17", date(2017, 3, 14)),
        ("14.03.2017 10:20", date(2017, 3, 14)),
        ("14/03/2017 10:20:30", date(2017, 3, 14)),
        ("2017-10-16T10:50:41+03:00", date(2017, 10, 16)),
        ("2018-01-19+03:00", date(2018, 1, 19)),
        ("2017-10-19T23:55:14.416+10:00", date(2017, 10, 19)),
        (45000, date(2023, 3, 15)),
        (45000.75, date(2023, 3, 15)),
        ("45000", date(2023, 3, 15)),
        (datetime(2020, 1, 2, 3, 4), date(2020, 1, 2)),
        (date(2020, 1, 2), date(2020, 1, 2)),
        ("", None),
        (None, None),
    ],
)
def test_it_parses_dates_in_every_spelling(raw, expected):
    assert parse_date(raw) == expected


def test_it_keeps_time_and_offset_of_datetimes():
    assert parse_datetime("2017-10-16T10:50:41+08:00") == datetime(
        2017, 10, 16, 10, 50, 41, tzinfo=timezone(timedelta(hours=8))
    )
    assert parse_datetime(45000.5) == datetime(2023, 3, 15, 12, 0)
    assert parse_datetime("14.03.2017 10:20") == datetime(2017, 3, 14, 10, 20)


@pytest.mark.parametrize("raw", ["31.02.2024", "завтра", "2024", True])
def test_it_refuses_impossible_dates(raw):
    with pytest.raises(ValueParseError):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (278012345, "0278012345"),  # a 10-digit INN stored as a number lost its zero
        (27801234567, "027801234567"),  # a 12-digit one too
        ("7707 083 893", "7707083893"),
        (7707083893.0, "7707083893"),
        ("7.707083893E9", "7707083893"),
        ("ИНН 7707083893 / КПП 770701001", "7707083893"),
        ("", None),
        (None, None),
    ],
)
def test_it_normalizes_inns(raw, expected):
    assert normalize_inn(raw) == expected


def test_it_refuses_an_inn_of_the_wrong_length():
    with pytest.raises(ValueParseError) as error:
        normalize_inn("12345")
    assert "10 or 12 digits" in str(error.value)


def test_it_checks_inn_check_digits():
    assert inn_checksum_ok("7707083893")
    assert inn_checksum_ok("920160915807")
    assert not inn_checksum_ok("7707083894")


def test_it_collapses_whitespace_in_text():
    assert clean_text("  Щелочная\n  Фосфотаза\u00a0 Фасовка:\t400 ") == "Щелочная Фосфотаза Фасовка: 400"
    assert clean_text(12345.0) == "12345"
    assert clean_text(" \n ") is None
