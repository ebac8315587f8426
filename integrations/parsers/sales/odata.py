"""Read sales documents from the 1C standard OData interface (JSON).

The main entity is ``Document_РеализацияТоваровУслуг`` (a shipment, with goods in
``Товары`` and services in ``Услуги``); ``Document_СчетНаОплатуПокупателю`` and the
incoming-payment documents are read the same way. Documents only carry GUIDs of
the counterparty and the products, so ``Catalog_Контрагенты`` and
``Catalog_Номенклатура`` responses are used to resolve them when given.

A GUID missing from its catalogue is not an error: the counterparty then comes
back with ``external_id`` set and ``inn=None`` (the product with its GUID and an
empty name), and a warning names it; the importer decides what to do.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.values import ValueParseError, clean_text, parse_decimal

from ._common import DEFAULT_TZ, amount_mismatch, amount_mismatch_reason, clean_kpp, machine_inn, parse_moment
from .types import DocumentError, DocumentKind, ParseResult, PartyData, ProductData, SalesDocumentData, SalesLineData

__all__ = [
    "JsonInput",
    "OdataBundle",
    "decode_json",
    "is_odata_payload",
    "load_odata_bundle",
    "parse_odata",
    "parse_odata_bundle",
]

JsonInput = bytes | str | Mapping[str, Any] | list[Any]

# Document entities and the CRM kind they mirror.
_DOCUMENT_KINDS: dict[str, DocumentKind] = {
    "Document_РеализацияТоваровУслуг": "shipment",
    "Document_СчетНаОплатуПокупателю": "invoice",
    "Document_ЗаказКлиента": "invoice",
    "Document_ПоступлениеНаРасчетныйСчет": "payment",
    "Document_ПриходныйКассовыйОрдер": "payment",
}
_COUNTERPARTIES = "Catalog_Контрагенты"
_PRODUCTS = "Catalog_Номенклатура"
# Tabular parts holding goods and services, in the order lines are numbered.
_LINE_PARTS = (("Товары", False), ("Услуги", True))
# 1C writes "empty" references and dates as these instead of null.
_EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
_EMPTY_DATE_PREFIX = "0001-01-01"


@dataclass(slots=True)
class _Catalogues:
    """Catalogue entries by ``Ref_Key``, and the keys documents used that were not found."""

    counterparties: dict[str, Mapping[str, Any]]
    products: dict[str, Mapping[str, Any]]
    missing_counterparties: dict[str, Any] = field(default_factory=dict)
    missing_products: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class OdataBundle:
    """The decoded JSON payloads found in a folder or zip, sorted by what they hold."""

    documents: list[Any] = field(default_factory=list)
    counterparties: list[Any] = field(default_factory=list)
    products: list[Any] = field(default_factory=list)


def is_odata_payload(payload: Any) -> bool:
    """Tell whether decoded JSON is a 1C OData response or a single 1C object."""
    return isinstance(payload, Mapping) and ("odata.metadata" in payload or "Ref_Key" in payload)


def parse_odata(
    documents_json: JsonInput | Iterable[JsonInput],
    *,
    counterparties_json: JsonInput | Iterable[JsonInput] | None = None,
    products_json: JsonInput | Iterable[JsonInput] | None = None,
    default_tz: tzinfo = DEFAULT_TZ,
    filename: str = "",
) -> ParseResult:
    """Read 1C OData sales documents, resolving counterparties and products from catalogues.

    Each argument is the JSON text (``bytes``/``str``), an already decoded object,
    or a list of those (several pages of one entity). The entity of the documents
    comes from ``odata.metadata``. ``default_tz`` is the 1C base's time zone.
    Raise :class:`FileRejected` for broken JSON or an entity that is not a sales document.
    """
    catalogues = _Catalogues(
        counterparties=_index(_records_of(counterparties_json, filename=filename)),
        products=_index(_records_of(products_json, filename=filename)),
    )
    result = ParseResult()
    for payload in _payloads(documents_json, filename=filename):
        kind = _document_kind(payload, filename=filename)
        for record in _records(payload):
            result.rows += 1
            _parse_into(record, kind=kind, catalogues=catalogues, tz=default_tz, result=result)
    _warn_unresolved(catalogues, result)
    return result


def parse_odata_bundle(
    path: str | os.PathLike[str], *, max_bytes: int | None = None, default_tz: tzinfo = DEFAULT_TZ
) -> ParseResult:
    """Read a folder or zip holding OData documents and, optionally, the two catalogues."""
    bundle = load_odata_bundle(path, max_bytes=max_bytes)
    if not bundle.documents:
        raise FileRejected(format_lazy(_("“{name}” holds no 1C OData sales documents."), name=Path(path).name))
    return parse_odata(
        bundle.documents,
        counterparties_json=bundle.counterparties,
        products_json=bundle.products,
        default_tz=default_tz,
        filename=Path(path).name,
    )


def load_odata_bundle(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> OdataBundle:
    """Decode every ``*.json`` in a folder or zip and sort it into documents and catalogues.

    Files are told apart by ``odata.metadata`` (``…#Document_…``, ``…#Catalog_…``) or,
    for a single object saved without it, by its fields (``ИНН`` → counterparty,
    ``Артикул`` → product). Other JSON files are ignored. ``max_bytes`` caps the total
    unpacked size, so a zip bomb is refused before it is inflated.
    """
    bundle = OdataBundle()
    for name, data in _bundle_files(Path(path), max_bytes=max_bytes):
        payload = decode_json(data, filename=name)
        target = _bundle_slot(payload)
        if target is not None:
            getattr(bundle, target).append(payload)
    return bundle


# --- one document --------------------------------------------------------------------


def _parse_into(
    record: Mapping[str, Any],
    *,
    kind: DocumentKind,
    catalogues: _Catalogues,
    tz: tzinfo,
    result: ParseResult,
) -> None:
    """Append the document one OData record yields (or its error) to ``result``."""
    number = clean_text(record.get("Number")) or clean_text(record.get("Ref_Key")) or str(result.rows)
    location = format_lazy(_("document {id}"), id=number)
    try:
        document = _document(
            record, kind=kind, location=location, catalogues=catalogues, tz=tz, warnings=result.warnings
        )
    except ValueParseError as exc:
        result.errors.append(DocumentError(location, exc.message))
        return
    result.documents.append(document)


def _document(
    record: Mapping[str, Any],
    *,
    kind: DocumentKind,
    location: Any,
    catalogues: _Catalogues,
    tz: tzinfo,
    warnings: list[DocumentError],
) -> SalesDocumentData:
    """Build one document; raise :class:`ValueParseError` on a missing key field."""
    external_id = _required(record, "Ref_Key")
    lines = _lines(record, catalogues=catalogues, location=location, warnings=warnings)
    total = _number(record.get("СуммаДокумента"), _("document amount"))
    return SalesDocumentData(
        kind=kind,
        external_id=external_id,
        version=clean_text(record.get("DataVersion")) or "",
        number=_required(record, "Number"),
        date=_date(record.get("Date"), tz=tz),
        posted=bool(record.get("Posted")),
        deleted=bool(record.get("DeletionMark")),
        client=_party(_guid(record.get("Контрагент_Key")), catalogues, location=location, warnings=warnings),
        # Ответственный_Key is a 1C user GUID, not a name or login the CRM could match.
        manager=None,
        lines=lines,
        total=total if total is not None else sum((line.amount for line in lines), Decimal(0)),
        source_row=location,
    )


def _lines(
    record: Mapping[str, Any],
    *,
    catalogues: _Catalogues,
    location: Any,
    warnings: list[DocumentError],
) -> list[SalesLineData]:
    """Read goods then services, numbering lines on from one part to the next."""
    lines: list[SalesLineData] = []
    for part, is_service in _LINE_PARTS:
        for row in record.get(part) or []:
            line_no = len(lines) + 1
            quantity = _number(row.get("Количество"), _("quantity")) or Decimal(0)
            price = _number(row.get("Цена"), _("price")) or Decimal(0)
            amount = _number(row.get("Сумма"), _("amount"))
            if amount is None:
                amount = quantity * price
            elif amount_mismatch(quantity, price, amount):
                warnings.append(
                    DocumentError(
                        location,
                        format_lazy(
                            _("line {line}: {reason}"),
                            line=line_no,
                            reason=amount_mismatch_reason(quantity, price, amount),
                        ),
                    )
                )
            lines.append(
                SalesLineData(
                    line_no=line_no,
                    product=_product(row, catalogues, is_service=is_service, location=location),
                    quantity=quantity,
                    price=price,
                    amount=amount,
                    vat_amount=_number(row.get("СуммаНДС"), _("VAT amount")),
                )
            )
    return lines


def _party(
    key: str | None,
    catalogues: _Catalogues,
    *,
    location: Any,
    warnings: list[DocumentError],
) -> PartyData:
    """Resolve ``Контрагент_Key`` in the catalogue, or return the bare GUID with an unknown INN."""
    if key is None:
        raise ValueParseError(_("Контрагент_Key is missing"))
    entry = catalogues.counterparties.get(key)
    if entry is None:
        catalogues.missing_counterparties.setdefault(key, location)
        return PartyData(external_id=key, name="")
    name = clean_text(entry.get("Description")) or clean_text(entry.get("НаименованиеПолное")) or ""
    return PartyData(
        external_id=key,
        name=name,
        full_name=clean_text(entry.get("НаименованиеПолное")),
        inn=machine_inn(entry.get("ИНН"), location=location, who=name, warnings=warnings),
        kpp=clean_kpp(entry.get("КПП")),
    )


def _product(row: Mapping[str, Any], catalogues: _Catalogues, *, is_service: bool, location: Any) -> ProductData:
    """Resolve ``Номенклатура_Key``; an unknown one keeps its GUID and the line's text as name."""
    key = _guid(row.get("Номенклатура_Key"))
    entry = catalogues.products.get(key or "")
    content = clean_text(row.get("Содержание"))
    if entry is None:
        if key is not None:
            catalogues.missing_products.setdefault(key, location)
        return ProductData(external_id=key, sku=None, name=content or "", kind="service" if is_service else None)
    return ProductData(
        external_id=key,
        sku=clean_text(entry.get("Артикул")),
        name=clean_text(entry.get("Description")) or clean_text(entry.get("НаименованиеПолное")) or content or "",
        kind="service" if is_service or entry.get("Услуга") is True else None,
    )


def _warn_unresolved(catalogues: _Catalogues, result: ParseResult) -> None:
    """Warn once per counterparty or product GUID the catalogues did not resolve."""
    for guid, location in catalogues.missing_counterparties.items():
        result.warnings.append(
            DocumentError(
                location,
                format_lazy(_("counterparty {guid} is not in Catalog_Контрагенты: its INN is unknown"), guid=guid),
            )
        )
    for guid, location in catalogues.missing_products.items():
        result.warnings.append(
            DocumentError(location, format_lazy(_("product {guid} is not in Catalog_Номенклатура"), guid=guid))
        )


# --- values --------------------------------------------------------------------------


def _required(record: Mapping[str, Any], name: str) -> str:
    """Return a mandatory text field or raise :class:`ValueParseError` naming it."""
    value = clean_text(record.get(name))
    if value is None:
        raise ValueParseError(format_lazy(_("{field} is missing"), field=name))
    return value


def _guid(value: Any) -> str | None:
    """Return a reference GUID, or ``None`` for 1C's empty reference."""
    text = clean_text(value)
    return None if text in (None, _EMPTY_GUID) else text


def _date(value: Any, *, tz: tzinfo) -> date | datetime:
    """Parse a document date; 1C's ``0001-01-01T00:00:00`` means there is none."""
    text = clean_text(value)
    if text is None or text.startswith(_EMPTY_DATE_PREFIX):
        raise ValueParseError(_("Date is missing"))
    moment = parse_moment(text, tz=tz)
    if moment is None:
        raise ValueParseError(_("Date is missing"))
    return moment


def _number(value: Any, what: Any) -> Decimal | None:
    """Parse a JSON number (or numeric text), naming the field when it is broken."""
    if isinstance(value, float):
        # json gives floats for 22729.17; go through text to keep the written digits.
        value = repr(value)
    try:
        return parse_decimal(value)
    except ValueParseError as exc:
        raise ValueParseError(format_lazy(_("{field}: {reason}"), field=what, reason=exc.message)) from exc


# --- payloads ------------------------------------------------------------------------


def decode_json(data: JsonInput, *, filename: str) -> Any:
    """Decode JSON text (bytes may carry a UTF-8 BOM); pass decoded objects through."""
    if not isinstance(data, bytes | str):
        return data
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8-sig")
        return json.loads(data.lstrip("\ufeff"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileRejected(
            format_lazy(_("“{name}” is not valid JSON: {error}"), name=filename or "JSON", error=str(exc))
        ) from exc


def _payloads(value: JsonInput | Iterable[JsonInput] | None, *, filename: str) -> list[Any]:
    """Normalise one payload or a list of payloads to a list of decoded payloads."""
    if value is None:
        return []
    if isinstance(value, bytes | str | Mapping):
        return [decode_json(value, filename=filename)]
    items = list(value)
    # A bare JSON array of 1C objects is one payload, not many.
    if items and all(isinstance(item, Mapping) and "Ref_Key" in item for item in items):
        return [items]
    return [decode_json(item, filename=filename) for item in items]


def _records(payload: Any) -> list[Mapping[str, Any]]:
    """Return the objects of a payload: ``{"value": [...]}``, a bare list, or one object."""
    if isinstance(payload, Mapping):
        values = payload.get("value")
        if isinstance(values, list):
            return [item for item in values if isinstance(item, Mapping)]
        return [payload]
    if isinstance(payload, list):
        return [item for item in payload if isinstance(item, Mapping)]
    return []


def _records_of(value: JsonInput | Iterable[JsonInput] | None, *, filename: str) -> list[Mapping[str, Any]]:
    """Return every object of one or several catalogue payloads."""
    return [record for payload in _payloads(value, filename=filename) for record in _records(payload)]


def _index(records: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Index catalogue objects by ``Ref_Key``."""
    return {str(record["Ref_Key"]): record for record in records if record.get("Ref_Key")}


def _entity(payload: Any) -> str | None:
    """Return the entity name from ``odata.metadata`` (``…/$metadata#Document_X[/@Element]``)."""
    if not isinstance(payload, Mapping):
        return None
    metadata = payload.get("odata.metadata")
    if not isinstance(metadata, str) or "#" not in metadata:
        return None
    return metadata.split("#", 1)[1].split("/", 1)[0].split("(", 1)[0]


def _document_kind(payload: Any, *, filename: str) -> DocumentKind:
    """Tell the CRM kind of a document payload from its entity name."""
    entity = _entity(payload)
    if entity in _DOCUMENT_KINDS:
        return _DOCUMENT_KINDS[entity]
    raise FileRejected(
        format_lazy(
            _("“{name}” is not a supported 1C sales document list (entity {entity})."),
            name=filename or "JSON",
            entity=entity or "?",
        )
    )


def _bundle_slot(payload: Any) -> str | None:
    """Tell which bundle list a decoded JSON file belongs to, if any."""
    entity = _entity(payload)
    if entity in _DOCUMENT_KINDS:
        return "documents"
    if entity == _COUNTERPARTIES:
        return "counterparties"
    if entity == _PRODUCTS:
        return "products"
    records = _records(payload) if entity is None else []
    if records and all("ИНН" in record for record in records):
        return "counterparties"
    if records and all("Артикул" in record for record in records):
        return "products"
    return None


def _bundle_files(path: Path, *, max_bytes: int | None) -> list[tuple[str, bytes]]:
    """Return (name, content) of the JSON files in a folder or zip, at most ``max_bytes`` in total."""
    budget = _Budget(limit=max_bytes, name=path.name)
    if path.is_dir():
        return [
            (member.name, budget.take(member.open("rb")))
            for member in sorted(path.iterdir())
            if member.is_file() and member.suffix.lower() == ".json"
        ]
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(format_lazy(_("“{name}” is damaged and cannot be read."), name=path.name)) from exc
    with archive:
        return [
            (Path(info.filename).name, budget.take(archive.open(info)))
            for info in archive.infolist()
            if not info.is_dir() and info.filename.lower().endswith(".json")
        ]


@dataclass(slots=True)
class _Budget:
    """Bytes still allowed to be read from a bundle; refuses the file once they run out."""

    limit: int | None
    name: str

    def take(self, handle: IO[bytes]) -> bytes:
        """Read ``handle`` to the end (and close it) unless that exceeds what is left."""
        with handle:
            if self.limit is None:
                return handle.read()
            # Read one byte past the budget rather than trusting sizes a zip declares.
            data = handle.read(self.limit + 1)
        if len(data) > self.limit:
            raise FileRejected(format_lazy(_("“{name}” unpacks to more data than allowed."), name=self.name))
        self.limit -= len(data)
        return data
