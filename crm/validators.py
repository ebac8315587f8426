"""Validators of Russian identifiers and contact details."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(inn: str) -> bool:
    """Check an INN of a legal entity (10 digits) or of a person (12 digits) by its checksum."""
    if not inn.isdigit() or inn == "0" * len(inn):
        return False
    if len(inn) == 10:
        return _check_digit(inn, _INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return _check_digit(inn, _INN12_WEIGHTS_1) == int(inn[10]) and _check_digit(inn, _INN12_WEIGHTS_2) == int(
            inn[11]
        )
    return False


def validate_inn(value: str) -> None:
    if not value:
        return
    if not value.isdigit() or len(value) not in (10, 12):
        raise ValidationError(_("INN must be 10 digits (organization) or 12 digits (individual)."), code="inn_format")
    if not is_valid_inn(value):
        raise ValidationError(_("INN %(value)s has a wrong check digit."), code="inn_checksum", params={"value": value})


def validate_kpp(value: str) -> None:
    if not value:
        return
    if len(value) != 9 or not value[:4].isdigit() or not value[6:].isdigit() or not value[4:6].isalnum():
        raise ValidationError(_("KPP must be 9 characters: 4 digits, 2 digits or letters, 3 digits."), code="kpp")
