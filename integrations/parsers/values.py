"""Parse the messy cell values found in spreadsheets and XML exports.

Every parser takes whatever a spreadsheet reader or an XML text node hands over
(``str``, ``int``, ``float``, ``Decimal``, ``date``, ``datetime`` or ``None``) and
returns a clean Python value, ``None`` when the cell is empty, or raises
:class:`ValueParseError` when the cell holds something that cannot be read.
Nothing here needs Django settings: messages are lazy translations.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ValueParseError",
    "clean_text",
    "inn_checksum_ok",
    "normalize_inn",
    "parse_date",
    "parse_datetime",
    "parse_decimal",
]


class ValueParseError(ValueError):
    """A value is present but cannot be parsed; ``message`` is user-facing and translatable."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# Spaces used as thousands separators: ordinary, no-break, narrow no-break, thin,
# figure space, and the apostrophe some locales use.
_SPACES_RE = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u200b']+")
_WHITESPACE_RE = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u200b\ufeff]+")
# Currency marks that accountants type after amounts; removed before parsing.
_CURRENCY_RE = re.compile(
    r"(₽|\$|€|руб(лей|ля|ль)?\.?|р\.|rub\.?|rur\.?|usd|eur)",
    re.IGNORECASE,
)
_PLAIN_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?\Z")
# "1 234 567,89" / "1\u00a0234,5" / "13,49": digits in groups of three, a decimal comma.
_GROUPED_NUMBER_RE = re.compile(r"(-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*|-?\d+),(\d+)\Z")
_THOUSANDS_RE = re.compile(r"[ \u00a0\u202f]")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)

# Excel stores dates as days since 1899-12-30 (the 1900 leap-year bug folded in).
_EXCEL_EPOCH = datetime(1899, 12, 30)
# 1 = 1900-01-01 … 2958465 = 9999-12-31.
_EXCEL_SERIAL_MAX = 2958465
# A bare number in a text cell is taken as an Excel serial only within 1954-2119,
# so that stray numbers such as "2024" are not silently turned into dates.
_TEXT_SERIAL_RANGE = (20000, 80000)

_DMY_RE = re.compile(
    r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?$"
)
_ISO_RE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def clean_text(value: Any) -> str | None:
    """Return ``value`` as one line of text with collapsed whitespace, or ``None`` if blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets hand codes like 12345 back as 12345.0.
        value = int(value)
    text = str(value)
    if "\u200b" in text or "\ufeff" in text:
        # Zero-width characters are not whitespace to str.split(), but are noise here.
        text = _WHITESPACE_RE.sub(" ", text)
    # str.split() splits on every Unicode space (no-break, thin…) and is much faster than a regex.
    return " ".join(text.split()) or None


def parse_decimal(value: Any) -> Decimal | None:
    """Parse an amount or quantity written in any of the usual ways.

    Accept ``1 234 567,89``, ``1 234 567,89 ₽``, ``1,234,567.89``, ``1.518971519E7``,
    ``-12,5 руб.``, ``(100)`` and numbers already typed by the spreadsheet reader.
    Return ``None`` for an empty value.
    """
    kind = type(value)
    if kind is not float and kind is not str:  # the common cells skip these checks
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValueParseError(format_lazy(_("“{value}” is not a number."), value=value))
        if isinstance(value, Decimal):
            return _finite(value, value)
        if isinstance(value, int):
            return Decimal(value)
    if isinstance(value, float):
        # repr() gives the shortest round-tripping form: 0.1 -> "0.1", not 0.1000000000000000055….
        text = repr(value)
        return _finite(Decimal(text), value) if "e" in text or "n" in text else Decimal(text)
    if isinstance(value, str):
        if _PLAIN_NUMBER_RE.match(value):
            # The common case, "1234.56" from a CSV or an XML node, skips the separator guessing.
            return Decimal(value)
        if match := _GROUPED_NUMBER_RE.match(value):
            # The next most common case, "1 234 567,89" with a decimal comma, skips the guessing too.
            return Decimal(_THOUSANDS_RE.sub("", match.group(1)) + "." + match.group(2))
    text = clean_text(value)
    if text is None:
        return None
    return _parse_decimal_text(text, original=value)


def _parse_decimal_text(text: str, *, original: Any) -> Decimal:
    """Parse a non-empty text amount, deciding which separator is the decimal one."""
    candidate = _CURRENCY_RE.sub("", text.lower())
    candidate = candidate.replace("\u2212", "-").replace("\u2013", "-")
    candidate = _SPACES_RE.sub("", candidate)
    negative = candidate.startswith("(") and candidate.endswith(")")
    if negative:
        candidate = candidate[1:-1]
    candidate = _normalize_separators(candidate)
    if not _NUMBER_RE.match(candidate):
        raise ValueParseError(format_lazy(_("“{value}” is not a number."), value=text))
    try:
        number = Decimal(candidate)
    except InvalidOperation as exc:  # pragma: no cover - the regex already vetted it
        raise ValueParseError(format_lazy(_("“{value}” is not a number."), value=text)) from exc
    number = _finite(number, original)
    return -number if negative else number


def _normalize_separators(candidate: str) -> str:
    """Turn ``1.234,5`` / ``1,234.5`` / ``1234,5`` into ``1234.5``.

    When both separators occur, the last one is the decimal separator. A single
    comma is a decimal comma (Russian convention); repeated commas or dots are
    thousands separators.
    """
    mantissa, exp_sep, exponent = _split_exponent(candidate)
    has_comma, has_dot = "," in mantissa, "." in mantissa
    if has_comma and has_dot:
        decimal_sep = "," if mantissa.rfind(",") > mantissa.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        mantissa = mantissa.replace(thousands_sep, "").replace(decimal_sep, ".")
    elif has_comma:
        mantissa = mantissa.replace(",", "") if mantissa.count(",") > 1 else mantissa.replace(",", ".")
    elif has_dot and mantissa.count(".") > 1:
        mantissa = mantissa.replace(".", "")
    return f"{mantissa}{exp_sep}{exponent}"


def _split_exponent(candidate: str) -> tuple[str, str, str]:
    """Split ``1,5e7`` into (``1,5``, ``e``, ``7``) so separators are judged on the mantissa only."""
    match = re.match(r"^(.*\d)(e)([+-]?\d+)$", candidate)
    if match:
        return match.group(1), match.group(2), match.group(3)
    return candidate, "", ""


def _finite(number: Decimal, original: Any) -> Decimal:
    """Reject NaN/Infinity and return ``number`` in plain (non-exponent) form."""
    if not number.is_finite():
        raise ValueParseError(format_lazy(_("“{value}” is not a number."), value=original))
    if number.as_tuple().exponent > 0:  # type: ignore[operator]
        # 1.518971519E+7 -> 15189715.19, so stored and shown values look normal.
        number = Decimal(format(number, "f"))
    return number


def parse_datetime(value: Any) -> datetime | None:
    """Parse a date-time; keep the offset when one is given, otherwise return a naive value.

    Accept ``datetime``/``date`` objects, Excel serial numbers (fractions are the time
    of day), ``dd.mm.yyyy [HH:MM[:SS]]``, ``dd.mm.yy``, ``dd/mm/yyyy`` and ISO 8601
    with or without an offset (``2017-10-16T10:50:41+03:00``, ``2018-01-19+03:00``).
    A date alone becomes midnight.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if isinstance(value, bool):
        raise ValueParseError(format_lazy(_("“{value}” is not a date."), value=value))
    if isinstance(value, int | float | Decimal):
        return _from_excel_serial(float(value), original=value)
    text = clean_text(value)
    if text is None:
        return None
    return _parse_datetime_text(text)


def parse_date(value: Any) -> date | None:
    """Parse a calendar date from anything :func:`parse_datetime` accepts, dropping the time.

    The date is the one written in the value (the customer's local date in EIS
    files), not converted to UTC.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    return parsed.date() if parsed is not None else None


def _parse_datetime_text(text: str) -> datetime:
    """Parse a non-empty text date, trying day-first, ISO, then an Excel serial in text form."""
    match = _DMY_RE.match(text)
    if match:
        year = int(match["y"])
        if len(match["y"]) == 2:
            # Two-digit years in tender exports are this century.
            year += 2000
        return _build_datetime(text, year, match["m"], match["d"], match["H"], match["M"], match["S"])
    match = _ISO_RE.match(text)
    if match:
        result = _build_datetime(text, int(match["y"]), match["m"], match["d"], match["H"], match["M"], match["S"])
        if match["f"]:
            result = result.replace(microsecond=int(match["f"][:6].ljust(6, "0")))
        if match["tz"]:
            result = result.replace(tzinfo=_parse_offset(match["tz"]))
        return result
    try:
        serial = float(text.replace(",", "."))
    except ValueError:
        serial = None
    if serial is not None and _TEXT_SERIAL_RANGE[0] <= serial <= _TEXT_SERIAL_RANGE[1]:
        return _from_excel_serial(serial, original=text)
    raise ValueParseError(format_lazy(_("“{value}” is not a date."), value=text))


def _build_datetime(
    text: str,
    year: int,
    month: str,
    day: str,
    hour: str | None,
    minute: str | None,
    second: str | None,
) -> datetime:
    """Build a datetime, turning an impossible date (31.02.2024) into a clear error."""
    try:
        return datetime(year, int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError as exc:
        raise ValueParseError(format_lazy(_("“{value}” is not a valid date."), value=text)) from exc


def _parse_offset(text: str) -> timezone:
    """Turn ``Z``, ``+03:00`` or ``+0300`` into a fixed-offset time zone."""
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _from_excel_serial(serial: float, *, original: Any) -> datetime:
    """Convert an Excel serial day number (1900 date system) to a naive datetime."""
    if not 1 <= serial <= _EXCEL_SERIAL_MAX:
        raise ValueParseError(format_lazy(_("“{value}” is not a date."), value=original))
    # Round to the second: serials carry float noise (0.999999 of a second).
    seconds = round(serial * 86400)
    return _EXCEL_EPOCH + timedelta(seconds=seconds)


def normalize_inn(value: Any) -> str | None:
    """Return an INN as its 10 or 12 digits, restoring a leading zero lost in a number cell.

    Spaces and other separators are dropped. A 9-digit value is padded to 10 and an
    11-digit one to 12, because a spreadsheet that stored the INN as a number drops
    the leading zero (``0278012345`` -> ``278012345``). The checksum is not enforced
    here (see :func:`inn_checksum_ok`): registries do contain INNs that fail it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueParseError(format_lazy(_("“{value}” is not an INN."), value=value))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueParseError(format_lazy(_("“{value}” is not an INN."), value=value))
        value = int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueParseError(format_lazy(_("“{value}” is not an INN."), value=value))
        value = int(value)
    text = clean_text(value)
    if text is None:
        return None
    digits = _inn_digits(text)
    if len(digits) in (9, 11):
        digits = "0" + digits
    if len(digits) not in (10, 12):
        raise ValueParseError(format_lazy(_("“{value}” is not an INN: it must have 10 or 12 digits."), value=text))
    return digits


def _inn_digits(text: str) -> str:
    """Extract the INN digits from text such as ``ИНН 7707 083 893`` or ``7.707083893E9``."""
    compact = _SPACES_RE.sub("", text)
    if re.fullmatch(r"\d+(\.0+)?", compact):
        return compact.split(".")[0]
    if re.fullmatch(r"\d(\.\d+)?e\+?\d+", compact, re.IGNORECASE):
        # A number cell exported as text in scientific notation.
        return str(int(Decimal(compact)))
    # "ИНН 7707083893 / КПП 770701001": the INN is the first group of digits.
    groups = re.findall(r"\d+", compact.replace("-", ""))
    if not groups:
        raise ValueParseError(format_lazy(_("“{value}” is not an INN."), value=text))
    return groups[0] if re.search(r"[/;|]", compact) else "".join(groups)


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_checksum_ok(inn: str) -> bool:
    """Tell whether a normalized 10- or 12-digit INN has valid check digits."""
    if not inn.isdigit():
        return False
    digits = [int(char) for char in inn]
    if len(digits) == 10:
        return _check_digit(digits, _INN10_WEIGHTS) == digits[9]
    if len(digits) == 12:
        return (
            _check_digit(digits, _INN12_WEIGHTS_1) == digits[10]
            and _check_digit(digits, _INN12_WEIGHTS_2) == digits[11]
        )
    return False


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    """Compute one INN check digit."""
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10
