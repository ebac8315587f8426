"""Money shows as "1 234 567,89 ₽" in Russian (non-breaking spaces) and "1,234,567.89 ₽" in English."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from crm.templatetags.crm_format import NBSP, format_money

RU = {
    Decimal("1234567.89"): "1 234 567,89 ₽",
    Decimal("0"): "0,00 ₽",
    Decimal("999.5"): "999,50 ₽",
    Decimal("1000"): "1 000,00 ₽",
    Decimal("-1234.5"): "-1 234,50 ₽",
    Decimal("1234567890.12"): "1 234 567 890,12 ₽",
    # Rounded half up, to the kopeck, away from zero for negatives too.
    Decimal("0.005"): "0,01 ₽",
    Decimal("2.675"): "2,68 ₽",
    Decimal("-2.675"): "-2,68 ₽",
    Decimal("999999.995"): "1 000 000,00 ₽",
    # Less than half a kopeck below zero is zero, without a sign.
    Decimal("-0.004"): "0,00 ₽",
}
EN = {
    Decimal("1234567.89"): "1,234,567.89 ₽",
    Decimal("0"): "0.00 ₽",
    Decimal("-1234.5"): "-1,234.50 ₽",
    Decimal("999999.995"): "1,000,000.00 ₽",
}


def nbsp(text: str) -> str:
    return text.replace(" ", NBSP)


@pytest.mark.parametrize(("value", "expected"), RU.items())
def test_it_formats_roubles_in_russian(value, expected):
    with translation.override("ru"):
        assert format_money(value) == nbsp(expected)


@pytest.mark.parametrize(("value", "expected"), EN.items())
def test_it_formats_roubles_in_english(value, expected):
    with translation.override("en"):
        assert format_money(value) == nbsp(expected)


def test_the_spaces_are_non_breaking():
    with translation.override("ru"):
        text = format_money(Decimal("1234567.89"))
    assert " " not in text
    assert text.count("\u00a0") == 3


@pytest.mark.parametrize("value", [1234567.89, "1234567.89", 1234567, Decimal("1234567.890")])
def test_it_takes_numbers_and_strings(value):
    expected = "1 234 567,89 ₽" if value != 1234567 else "1 234 567,00 ₽"
    with translation.override("ru"):
        assert format_money(value) == nbsp(expected)


@pytest.mark.parametrize(("value", "expected"), [(None, ""), ("", ""), ("n/a", "n/a")])
def test_it_leaves_empty_and_unreadable_values(value, expected):
    assert format_money(value) == expected


def test_the_filters_in_a_template():
    template = Template("{% load crm_format %}{{ value|money }}|{{ value|amount }}")
    with translation.override("ru"):
        rendered = template.render(Context({"value": Decimal("-1234567.891")}))
    assert rendered == nbsp("-1 234 567,89 ₽|-1 234 567,89")
    with translation.override("en"):
        assert template.render(Context({"value": Decimal("1500")})) == nbsp("1,500.00 ₽|1,500.00")
