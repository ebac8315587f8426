"""Normalization of names, phones and emails for search and duplicate detection."""

import re

import phonenumbers
from django.conf import settings

# Legal forms, longest first so "ПАО" is not read as "АО" plus "П".
_LEGAL_FORMS = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "непубличное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "федеральное государственное бюджетное учреждение",
    "государственное бюджетное учреждение здравоохранения",
    "государственное бюджетное учреждение",
    "государственное автономное учреждение",
    "муниципальное бюджетное учреждение",
    "муниципальное унитарное предприятие",
    "государственное унитарное предприятие",
    "ooo",
    "ооо",
    "пао",
    "нао",
    "зао",
    "оао",
    "ао",
    "ип",
    "фгбу",
    "гбуз",
    "гбу",
    "гау",
    "мбу",
    "муп",
    "гуп",
    "llc",
    "ltd",
    "inc",
    "jsc",
    "pjsc",
    "gmbh",
)
_FORMS_RE = re.compile(r"(?<![\w])(" + "|".join(re.escape(f) for f in _LEGAL_FORMS) + r")(?![\w])")
_NON_WORD_RE = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """Reduce a company name to what identifies it: "ООО «Ромашка»" and "Ромашка ООО" give "ромашка"."""
    text = (name or "").lower().replace("ё", "е")
    text = _NON_WORD_RE.sub(" ", text)
    text = _FORMS_RE.sub(" ", text)
    return " ".join(text.split())


def normalize_phone(value: str, region: str | None = None) -> str | None:
    """Return the phone in E.164 (default region RU), or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(value, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show an E.164 phone the way people write it: +7 495 123-45-67."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


def normalize_search_phone(query: str) -> str | None:
    """Turn a search query that looks like a phone into its E.164 form."""
    digits = re.sub(r"\D", "", query)
    if len(digits) < 6 or len(digits) > 15:
        return None
    return normalize_phone(query)
