"""The plain data every sales parser returns, whatever the source format.

The dataclasses are mutable on purpose: the importer fills in what a source
lacks (a client found by INN, a product matched by SKU) before writing.
Nothing here touches Django models or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "DOCUMENT_KINDS",
    "PRODUCT_KINDS",
    "DocumentError",
    "DocumentKind",
    "ParseResult",
    "PartyData",
    "ProductData",
    "ProductKind",
    "SalesDocumentData",
    "SalesLineData",
]

DocumentKind = Literal["invoice", "payment", "shipment"]
ProductKind = Literal["equipment", "consumable", "accessory", "spare_part", "service"]

DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("invoice", "payment", "shipment")
PRODUCT_KINDS: tuple[ProductKind, ...] = ("equipment", "consumable", "accessory", "spare_part", "service")


@dataclass(slots=True)
class PartyData:
    """A counterparty (the buyer) as the source describes it.

    ``inn`` is ``None`` when the source does not know it, e.g. a 1C OData document
    whose ``Контрагент_Key`` is missing from the counterparty catalogue; then
    ``external_id`` (the 1C GUID) is the only handle and the importer decides
    whether to match on it, create a client without INN or reject the document.
    """

    external_id: str | None
    name: str
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    region: str | None = None


@dataclass(slots=True)
class ProductData:
    """A catalogue item as a document line references it."""

    external_id: str | None
    sku: str | None
    name: str
    kind: ProductKind | None = None
    unit: str | None = None
    okpd2: str | None = None
    # What the CRM needs of equipment, when accounting keeps it: the unit's type and maker, and the
    # terms its dates come from. ``None`` leaves the catalogue's value as it is.
    equipment_type_name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    warranty_months: int | None = None
    maintenance_interval_months: int | None = None
    service_life_years: int | None = None


@dataclass(slots=True)
class SalesLineData:
    """One line of a sales document; ``amount`` is what the source says, not recomputed."""

    line_no: int
    product: ProductData
    quantity: Decimal
    price: Decimal
    amount: Decimal
    vat_amount: Decimal | None = None
    serial_numbers: list[str] = field(default_factory=list)
    # What the line cost the seller (gross profit = amount - cost), when accounting sends it.
    cost: Decimal | None = None


@dataclass(slots=True)
class SalesDocumentData:
    """An invoice (or customer order), a payment or a shipment mirrored from accounting.

    ``external_id`` is unique per document *kind* in the source: one CommerceML
    order may yield ``"142"`` (the order), ``"142#payment"`` and ``"142#shipment"``.
    ``version`` changes whenever the source document changes (1C ``DataVersion`` /
    ``НомерВерсии``, or a content hash), so an importer can skip unchanged documents.
    ``date`` is a ``date`` when the source has no time of day, else an aware datetime.
    ``source_row`` says where the document starts (spreadsheet row number, or the
    XML/JSON element) for error reports.
    """

    kind: DocumentKind
    external_id: str
    version: str
    number: str
    date: date | datetime
    posted: bool
    deleted: bool
    client: PartyData
    manager: str | None
    lines: list[SalesLineData]
    total: Decimal
    source_row: int | str | None = None


@dataclass(slots=True)
class DocumentError:
    """A problem tied to one place in the source.

    ``location`` is a spreadsheet row number (1-based, as the user sees it) or a
    textual pointer such as ``"document 142"``; ``reason`` is a lazy, translatable
    message in the user's language (call ``str()`` to render it).
    """

    location: int | str
    reason: Any

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass(slots=True)
class ParseResult:
    """Everything one source yielded.

    ``documents`` holds only documents without errors; ``errors`` name every
    rejected row or document. Callers that must apply all or nothing (a file
    uploaded by hand) check ``errors`` first; callers that may apply what is good
    (an inbox folder) can go on with ``documents``. ``warnings`` never reject a
    document: unresolved catalogue keys, skipped status-only records, etc.
    ``rows`` counts source rows (spreadsheet lines, or XML/JSON document records).
    """

    documents: list[SalesDocumentData] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    rows: int = 0
    warnings: list[DocumentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the source parsed without a single error."""
        return not self.errors
