"""The data the tender parsers hand over to the import job: plain, typed dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "Bid",
    "DocumentKind",
    "Law",
    "ParsedTender",
    "Party",
    "RowError",
    "SkippedDocument",
    "SourceRef",
    "TenderItemData",
]


class Law(StrEnum):
    """The procurement regime a tender ran under."""

    FZ44 = "44-fz"
    FZ223 = "223-fz"
    COMMERCIAL = "commercial"


class DocumentKind(StrEnum):
    """What a parsed record came from; a purchase usually appears in several of them."""

    CONTRACT = "contract"  # a signed contract (44-FZ or 223-FZ registry record)
    PROTOCOL = "protocol"  # an auction protocol listing bidders (fcsProtocolEF2/EF3)
    PLACEMENT_RESULT = "placement_result"  # fcsPlacementResult: the final ranking with prices
    CONTRACT_SIGN = "contract_sign"  # fcsContractSign: the winner signing the contract
    SPREADSHEET = "spreadsheet"  # rows of an uploaded xlsx/xls/csv export


@dataclass(frozen=True)
class Party:
    """A customer, supplier or bidder: a legal entity or an individual entrepreneur.

    ``inn`` is normalized to 10 or 12 digits; ``name`` of an individual entrepreneur
    reads "ИП Фамилия Имя Отчество". ``journal_number`` is not here: it belongs to a bid.
    """

    name: str | None
    inn: str | None = None
    kpp: str | None = None
    is_individual: bool = False


@dataclass(frozen=True)
class TenderItemData:
    """One line of a contract or tender result: what was bought, how much, at what price."""

    name: str | None
    okpd2: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    sum: Decimal | None = None


@dataclass(frozen=True)
class Bid:
    """One participant's application in an auction.

    ``price`` is the participant's own offer (the misnamed ``winnerPrice`` in EIS 2020
    protocols, the last offer in EF2, ``price`` in fcsPlacementResult); ``rating`` 1 is
    the winner. ``party`` is ``None`` when the document names only the journal number
    (EF2 and fcsPlacementResult hide who bid until the results protocol).
    """

    party: Party | None
    price: Decimal | None = None
    rating: int | None = None
    journal_number: str | None = None
    admitted: bool | None = None


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from, for error reports and idempotent upserts.

    ``filename`` is the member path inside an archive when the file was zipped
    (``archive.zip/contracts/contract_1.xml``); ``rows`` are 1-based spreadsheet row
    numbers as the user sees them in Excel; ``document_id`` is the EIS document id.
    """

    filename: str
    sheet: str | None = None
    rows: tuple[int, ...] = ()
    document_id: str | None = None


@dataclass
class ParsedTender:
    """A purchase (or one document about it) as read from a file, before any DB write.

    ``number`` is the purchase (notice) number when the file has one, so a protocol and
    the contract of the same purchase share it; ``registry_number`` is the contract's
    registry number and ``contract_number`` the number the parties gave the contract.
    ``winner`` is ``None`` when the file names no supplier (it still carries customer and
    items). ``bids`` lists every bidder with their price, from protocols.
    """

    kind: DocumentKind
    number: str | None
    law: Law | None
    customer: Party | None
    source: SourceRef
    winner: Party | None = None
    publish_date: date | None = None
    contract_date: date | None = None
    contract_sum: Decimal | None = None
    contract_number: str | None = None
    registry_number: str | None = None
    region: str | None = None
    items: list[TenderItemData] = field(default_factory=list)
    bids: list[Bid] = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    """A row (or a whole document) that could not be read, and why.

    ``row_number`` is 1-based as shown in Excel, ``None`` for a whole XML document.
    ``reason`` is a lazy translatable string: render it with ``str()`` under the
    user's active language.
    """

    row_number: int | None
    reason: Any
    filename: str = ""
    sheet: str | None = None


@dataclass(frozen=True)
class SkippedDocument:
    """A recognised document that carries nothing to import (e.g. a payment report)."""

    filename: str
    kind: str
    reason: Any
