"""INN and KPP checks for the sales parsers.

Kept private to this package and small; the check digits themselves come from
:mod:`integrations.parsers.values` so there is one algorithm in the parsers
(the core ``crm.validators`` may replace both later).
"""

from __future__ import annotations

import re

from integrations.parsers.values import inn_checksum_ok

__all__ = ["is_valid_inn", "is_valid_kpp"]

# KPP: tax office (4 digits), reason code (2 digits or capital Latin letters), number (3 digits).
_KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def is_valid_inn(inn: str) -> bool:
    """Tell whether ``inn`` is 10 digits (organisation) or 12 digits (person) with valid check digits."""
    return len(inn) in (10, 12) and inn_checksum_ok(inn)


def is_valid_kpp(kpp: str) -> bool:
    """Tell whether ``kpp`` has the 9-character KPP shape."""
    return bool(_KPP_RE.match(kpp))
