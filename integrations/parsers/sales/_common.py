"""Helpers shared by the sales parsers: time zones, amounts, versions, messages."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.values import ValueParseError, clean_text, normalize_inn, parse_datetime

from .inn import is_valid_inn
from .types import DocumentError

# 1C writes local time without an offset; the accounting base of a Russian
# company is almost always kept in Moscow time, so that is the default reading.
DEFAULT_TZ: tzinfo = ZoneInfo("Europe/Moscow")

# An amount may differ from quantity × price by the rounding of the unit price to
# kopecks (half a kopeck per unit), and never by less than one kopeck.
_HALF_KOPECK = Decimal("0.005")
_KOPECK = Decimal("0.01")

_TRUE_WORDS = frozenset({"true", "1", "да", "yes", "y", "истина", "+", "д"})
_FALSE_WORDS = frozenset({"false", "0", "нет", "no", "n", "ложь", "-", "н"})


def make_aware(value: datetime, tz: tzinfo) -> datetime:
    """Attach ``tz`` to a naive datetime; keep an aware one as it is."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value
    return value.replace(tzinfo=tz)


def parse_moment(value: Any, *, tz: tzinfo) -> date | datetime | None:
    """Parse a date or date-time value: midnight-free dates stay dates, times become aware.

    Raise :class:`ValueParseError` for text that is not a date.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None and parsed.time() == datetime.min.time() and not _has_time_part(value):
        return parsed.date()
    return make_aware(parsed, tz)


def _has_time_part(value: Any) -> bool:
    """Tell whether the raw value spelled out a time of day (even 00:00)."""
    if isinstance(value, datetime):
        # Spreadsheet readers hand back date cells as midnight datetimes.
        return value.time() != datetime.min.time()
    if isinstance(value, int | float | Decimal):
        return not float(value).is_integer()
    return ":" in str(value)


def parse_bool(value: Any) -> bool | None:
    """Read true/false, да/нет, 1/0; return ``None`` for empty, raise ``ValueParseError`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    if text is None:
        return None
    word = text.casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueParseError(format_lazy(_("“{value}” is neither yes nor no."), value=text))


def amount_mismatch(quantity: Decimal, price: Decimal, amount: Decimal) -> bool:
    """Tell whether ``amount`` differs from ``quantity × price`` by more than rounding."""
    tolerance = max(_KOPECK, abs(quantity) * _HALF_KOPECK)
    return abs(quantity * price - amount) > tolerance


def amount_mismatch_reason(quantity: Decimal, price: Decimal, amount: Decimal) -> Any:
    """Explain an amount that does not match quantity × price."""
    return format_lazy(
        _("amount {amount} does not match quantity {quantity} × price {price} = {expected}"),
        amount=amount,
        quantity=quantity,
        price=price,
        expected=quantity * price,
    )


def machine_inn(raw: Any, *, location: str, who: str, warnings: list[DocumentError]) -> str | None:
    """Normalise an INN sent by an accounting system; on a bad one, warn and return ``None``.

    Accounting systems hold foreign buyers (Kazakh BINs, Belarusian UNPs) in the
    INN field, so a failed checksum there is not a typo to reject the whole file
    for: the INN is dropped as unknown and the importer decides, as it does for
    a counterparty missing from the catalogue.
    """
    try:
        inn = normalize_inn(raw)
    except ValueParseError as exc:
        warnings.append(
            DocumentError(
                location,
                format_lazy(_("buyer “{who}”: {reason}; the INN is treated as unknown"), who=who, reason=exc.message),
            )
        )
        return None
    if inn is not None and not is_valid_inn(inn):
        warnings.append(
            DocumentError(
                location,
                format_lazy(
                    _("buyer “{who}”: INN {inn} fails the checksum; the INN is treated as unknown"), who=who, inn=inn
                ),
            )
        )
        return None
    return inn


def clean_kpp(raw: Any) -> str | None:
    """Return a KPP as text without spaces, or ``None`` when blank."""
    text = clean_text(raw)
    if text is None:
        return None
    if text.isdigit() and len(text) == 8:
        # A number cell lost the leading zero, as with INNs.
        text = "0" + text
    return text.replace(" ", "").upper()
