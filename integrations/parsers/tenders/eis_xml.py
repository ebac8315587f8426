"""Parse EIS (zakupki.gov.ru) open-data XML: 44-FZ and 223-FZ contracts and 44-FZ results.

Supported documents (matched on local tag names, since namespace prefixes vary):

* 44-FZ ``contract`` (schema 7.x, 2015-2017, and 15.x, 2025);
* 223-FZ ``contract`` (TFF schemas), possibly several ``body/item`` in one daily file;
* 44-FZ results: ``fcsProtocolEF3`` (2017 and 2020 schemas) and other ``fcsProtocol*`` /
  ``epProtocol*`` with applications, ``fcsProtocolEF2`` (price offers by journal number),
  ``fcsPlacementResult`` (ranking and prices), ``fcsContractSign``.

``contractProcedure`` (44-FZ execution) and ``performanceContract`` (223-FZ payments) are
recognised and skipped. Files are parsed with defusedxml with DTDs forbidden, which
shuts out entity expansion (billion laughs) and external entities.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.tenders.rows import infer_law
from integrations.parsers.tenders.types import (
    Bid,
    DocumentKind,
    Law,
    ParsedTender,
    Party,
    SkippedDocument,
    SourceRef,
    TenderItemData,
)
from integrations.parsers.values import (
    clean_text,
    normalize_inn,
    parse_date,
    parse_decimal,
)

__all__ = ["parse_eis_xml"]

# Subtrees that hold base64 signatures, print forms and attachment lists: dropped as soon
# as they are read so they never pile up in memory.
_BLOB_TAGS = frozenset({"signature", "printform", "cryptosigns", "attachments", "scandocuments"})
# Subtrees of a party that carry other people's names or unrelated "name" tags.
_NOT_PARTY_TAGS = frozenset(
    {
        "contactinfo",
        "contactpersoninfo",
        "legalform",
        "oktmo",
        "okopf",
        "address",
        "country",
        "postaddressinfo",
        "statusinfo",
        "supplieraccountsdetails",
        "bankdetails",
        "admissionresults",
        "commission",
    }
)

EisResult = list[ParsedTender] | SkippedDocument


def parse_eis_xml(source: str | IO[bytes], *, filename: str) -> EisResult:
    """Parse one EIS XML file into tenders, or say why it carries nothing to import.

    ``source`` is a path or a binary file object. Raise :class:`FileRejected` for XML
    that is malformed, declares a DTD or entities, or is not an EIS document; raise
    :class:`~integrations.parsers.values.ValueParseError` for an unreadable value.
    """
    root = _load(source, filename=filename)
    document = root[0] if root.tag == "export" and len(root) else root
    handler = _handler_for(document)
    if handler is None:
        if root.tag == "export":
            return SkippedDocument(
                filename=filename,
                kind=document.tag,
                reason=_("This EIS document type holds no contract or tender results."),
            )
        raise FileRejected(
            format_lazy(_("“{name}” is not an EIS (zakupki.gov.ru) contract or protocol file."), name=filename)
        )
    return handler(document, filename)


def _load(source: str | IO[bytes], *, filename: str) -> Element:
    """Parse the XML safely, lower-casing local tag names and dropping blob subtrees."""
    try:
        events = iterparse(source, events=("end",), forbid_dtd=True)
        for _event, element in events:
            tag = element.tag.rpartition("}")[2].lower()
            element.tag = tag
            if tag in _BLOB_TAGS:
                element.clear()
        return events.root  # type: ignore[attr-defined,no-any-return]
    except DefusedXmlException as exc:
        raise FileRejected(
            format_lazy(_("“{name}” declares a DTD or XML entities, which are refused for safety."), name=filename)
        ) from exc
    except ParseError as exc:
        raise FileRejected(
            format_lazy(_("“{name}” is not well-formed XML: {error}"), name=filename, error=str(exc))
        ) from exc


def _handler_for(document: Element) -> Callable[[Element, str], EisResult] | None:
    """Choose the parser for a document by its (lower-cased) tag."""
    tag = document.tag
    if tag == "contract":
        return _parse_223_contracts if document.find("body") is not None else _parse_44_contract
    if tag in ("contractprocedure", "performancecontract"):
        return _skip_execution_report
    if tag == "fcsplacementresult":
        return _parse_placement_result
    if tag == "fcscontractsign":
        return _parse_contract_sign
    if tag.startswith(("fcsprotocol", "epprotocol")):
        return _parse_protocol
    return None


# --- small helpers -------------------------------------------------------------------


def _text(element: Element | None, path: str) -> str | None:
    """Return the cleaned text at ``path`` under ``element``, or ``None``."""
    if element is None:
        return None
    found = element.find(path)
    return clean_text(found.text) if found is not None else None


def _first_text(element: Element | None, *paths: str) -> str | None:
    """Return the first non-empty text among ``paths``."""
    for path in paths:
        value = _text(element, path)
        if value is not None:
            return value
    return None


def _find_outside(element: Element, tag: str) -> Element | None:
    """Find the first descendant ``tag`` that is not inside a contact, address or form block."""
    for child in element:
        if child.tag in _NOT_PARTY_TAGS:
            continue
        if child.tag == tag:
            return child
        found = _find_outside(child, tag)
        if found is not None:
            return found
    return None


def _party_text(element: Element, *tags: str) -> str | None:
    """Return the text of the first of ``tags`` found in the party's own data."""
    for tag in tags:
        found = _find_outside(element, tag)
        if found is not None and (text := clean_text(found.text)) is not None:
            return text
    return None


def _has_tag(element: Element, prefix: str) -> bool:
    """Tell whether ``element`` or any descendant has a tag starting with ``prefix``."""
    return any(node.tag.startswith(prefix) for node in element.iter())


def _person_name(element: Element) -> str | None:
    """Build "Фамилия Имя Отчество" from the person's own name tags."""
    parts = [_party_text(element, tag) for tag in ("lastname", "firstname", "middlename")]
    name = " ".join(part for part in parts if part)
    if not name:
        return None
    # EGRIP stores names in capitals; "Королева Ольга Ивановна" reads better in a CRM.
    return name.title() if name.isupper() else name


def _party(element: Element | None) -> Party | None:
    """Read a supplier, bidder or customer block of any schema into a :class:`Party`.

    Legal entities carry ``fullName``/``organizationName``/``name``; individuals carry
    ``lastName``/``firstName``/``middleName``, and an individual entrepreneur (a
    ``…IndEntr`` block, ``isIP``=true or 223-FZ type "P" with a 12-digit INN) is named
    "ИП Фамилия Имя Отчество".
    """
    if element is None or not len(element):
        return None
    inn = normalize_inn(_party_text(element, "inn"))
    kpp = _party_text(element, "kpp")
    person = _has_tag(element, "individualperson") or _find_outside(element, "lastname") is not None
    if person:
        return _individual(element, inn=inn)
    name = _party_text(element, "fullname", "organizationname", "name", "shortname")
    if name is None and inn is None:
        return None
    individual = _text(element, "type") == "P" and inn is not None and len(inn) == 12
    return Party(name=name, inn=inn, kpp=kpp, is_individual=individual)


def _individual(element: Element, *, inn: str | None) -> Party:
    """Read an individual (entrepreneur or not) into a :class:`Party`."""
    name = _person_name(element)
    is_ip = (
        _has_tag(element, "individualpersonrfindentr")
        or _has_tag(element, "individualpersonforeignstateindentr")
        or (_party_text(element, "isip") or "").lower() == "true"
    )
    if is_ip and name:
        name = f"ИП {name}"
    return Party(name=name, inn=inn, kpp=None, is_individual=True)


def _decimal(element: Element | None, *paths: str) -> Any:
    """Return the first decimal found among ``paths``."""
    return parse_decimal(_first_text(element, *paths))


def _rating(value: str | None) -> int | None:
    """Parse an application rating ("1", "1.0")."""
    number = parse_decimal(value)
    return int(number) if number is not None else None


def _bool(value: str | None) -> bool | None:
    """Parse an XML boolean."""
    return None if value is None else value.lower() in ("true", "1")


# --- 44-FZ contract --------------------------------------------------------------------


def _parse_44_contract(document: Element, filename: str) -> EisResult:
    """Parse a 44-FZ contract registry record (schema 7.x or 15.x)."""
    purchase_number = _first_text(
        document,
        "foundation/fcsorder/order/notificationnumber",
        "foundation/order/notificationnumber",
        "foundation/order/purchasenumber",
        ".//notificationnumber",
    )
    registry_number = _text(document, "regnum")
    suppliers = document.find("suppliers")
    if suppliers is None:
        suppliers = document.find("suppliersinfo")
    winner_block = suppliers[0] if suppliers is not None and len(suppliers) else None
    tender = ParsedTender(
        kind=DocumentKind.CONTRACT,
        number=purchase_number or registry_number,
        law=Law.FZ44,
        customer=_customer_44(document.find("customer")),
        source=SourceRef(filename=filename, document_id=_text(document, "id")),
        winner=_party(winner_block),
        publish_date=parse_date(_text(document, "publishdate")),
        contract_date=parse_date(_text(document, "signdate")),
        contract_sum=_decimal(document, "priceinfo/price", "price", "priceinfo/pricerur"),
        contract_number=_text(document, "number"),
        registry_number=registry_number,
        items=_items_44(document),
    )
    return [tender]


def _customer_44(element: Element | None) -> Party | None:
    """Read the ``customer`` block of a 44-FZ document (INN may be missing in protocols)."""
    if element is None:
        return None
    name = _first_text(element, "fullname", "shortname")
    inn = normalize_inn(_text(element, "inn"))
    if name is None and inn is None:
        return None
    return Party(name=name, inn=inn, kpp=_text(element, "kpp"))


def _okei_names(document: Element) -> dict[str, str]:
    """Collect OKEI code -> short unit name from every OKEI block in the document.

    The 2025 schema gives products only ``OKEI/code`` and lists names once in
    ``addInformationFromClassifiers``.
    """
    names: dict[str, str] = {}
    for okei in document.iter("okei"):
        code = _text(okei, "code")
        name = _first_text(okei, "nationalcode", "truenationalcode", "fullname", "name")
        if code and name:
            names.setdefault(code, name)
    return names


def _items_44(document: Element) -> list[TenderItemData]:
    """Read ``products/product`` lines; quantity and sum may be missing in old records."""
    products = document.find("products")
    if products is None:
        return []
    units = _okei_names(document)
    items = []
    for product in products.findall("product"):
        okei_code = _text(product, "okei/code")
        items.append(
            TenderItemData(
                name=_text(product, "name"),
                okpd2=_first_text(product, "okpd2/code", "okpd/code", "ktru/code"),
                quantity=_decimal(product, "quantity/value", "quantity"),
                unit=_first_text(product, "okei/nationalcode", "okei/fullname", "okei/name")
                or units.get(okei_code or "")
                or okei_code,
                unit_price=_decimal(product, "price", "pricerur"),
                sum=_decimal(product, "sum", "sumrur"),
            )
        )
    return items


# --- 223-FZ contract -------------------------------------------------------------------


def _parse_223_contracts(document: Element, filename: str) -> EisResult:
    """Parse every ``body/item/contractData`` of a 223-FZ contract file."""
    tenders = []
    for data in document.iterfind("body/item/contractdata"):
        registry_number = _first_text(data, "contractregnumber", "registrationnumber")
        number = _first_text(data, "purchasenoticeinfo/purchasenoticenumber") or registry_number
        tenders.append(
            ParsedTender(
                kind=DocumentKind.CONTRACT,
                number=number,
                law=Law.FZ223,
                customer=_party(data.find("customer/maininfo")),
                source=SourceRef(filename=filename, document_id=_text(data, "guid")),
                winner=_party(data.find("supplierinfo")),
                publish_date=parse_date(_text(data, "publicationdate")),
                contract_date=parse_date(_text(data, "contractdate")),
                contract_sum=_decimal(data, "price", "rubprice"),
                contract_number=_text(data, "name"),
                registry_number=registry_number,
                items=_items_223(data),
            )
        )
    return tenders


def _items_223(data: Element) -> list[TenderItemData]:
    """Read ``contractPositions``; 223-FZ lines carry no price, and old ones OKDP, not OKPD2."""
    return [
        TenderItemData(
            name=_text(position, "name"),
            okpd2=_text(position, "okpd2/code"),
            quantity=_decimal(position, "qty"),
            unit=_first_text(position, "okei/name", "okei/code"),
        )
        for position in data.iterfind("contractpositions/contractposition")
    ]


# --- 44-FZ results -----------------------------------------------------------------------


def _parse_protocol(document: Element, filename: str) -> EisResult:
    """Parse an auction protocol: every application with its participant, price and rating."""
    bids = [_bid(application) for application in document.iter("application")]
    return [_results_tender(document, filename, bids=bids, kind=DocumentKind.PROTOCOL)]


def _bid(application: Element) -> Bid:
    """Read one application of a protocol in the 2017, 2020 or EF2 shape."""
    participant = application.find("appparticipantinfo")
    if participant is None:
        participant = application.find("appparticipant")
    return Bid(
        party=_party(participant),
        # winnerPrice is each bidder's own offer despite its name; EF2 has price offers.
        price=_decimal(application, "winnerprice", "priceoffers/lastoffer/price", "price", "offerprice"),
        rating=_rating(_first_text(application, "apprating", "rating")),
        journal_number=_text(application, "journalnumber"),
        admitted=_bool(_text(application, "admitted")),
    )


def _parse_placement_result(document: Element, filename: str) -> EisResult:
    """Parse fcsPlacementResult: the ranking and prices by journal number."""
    bids = [_bid(application) for application in document.iterfind("applications/application")]
    return [_results_tender(document, filename, bids=bids, kind=DocumentKind.PLACEMENT_RESULT)]


def _results_tender(document: Element, filename: str, *, bids: list[Bid], kind: DocumentKind) -> ParsedTender:
    """Build the tender a results document describes; rating 1 is the winner."""
    winning = next((bid for bid in bids if bid.rating == 1), None)
    number = _text(document, "purchasenumber")
    return ParsedTender(
        kind=kind,
        number=number,
        law=infer_law(number) or Law.FZ44,
        customer=_protocol_customer(document),
        source=SourceRef(filename=filename, document_id=_first_text(document, "id", "protocolnumber")),
        winner=winning.party if winning else None,
        publish_date=parse_date(_first_text(document, "publishdate", "createdate", "protocoldate")),
        contract_sum=winning.price if winning else None,
        bids=bids,
    )


def _protocol_customer(document: Element) -> Party | None:
    """Return the publisher as the customer when it published as the customer itself (role CU).

    Protocols carry no INN, and an authorised body (RA/AI) is not the customer.
    """
    if _text(document, "protocolpublisher/publisherrole") != "CU":
        return None
    name = _text(document, "protocolpublisher/publisherorg/fullname")
    return Party(name=name) if name else None


def _parse_contract_sign(document: Element, filename: str) -> EisResult:
    """Parse fcsContractSign: who signed the contract, when, for how much."""
    number = _first_text(document, "foundation/order/purchasenumber", "foundation/order/notificationnumber")
    suppliers = document.find("suppliers")
    winner_block = suppliers[0] if suppliers is not None and len(suppliers) else None
    return [
        ParsedTender(
            kind=DocumentKind.CONTRACT_SIGN,
            number=number,
            law=infer_law(number) or Law.FZ44,
            customer=_customer_44(document.find("customer")),
            source=SourceRef(filename=filename, document_id=_text(document, "id")),
            winner=_party(winner_block),
            contract_date=parse_date(_text(document, "signdate")),
            contract_sum=_decimal(document, "price", "pricerur"),
            contract_number=_text(document, "number"),
        )
    ]


def _skip_execution_report(document: Element, filename: str) -> EisResult:
    """Recognise an execution or payment report and skip it: it adds no tender data."""
    return SkippedDocument(
        filename=filename,
        kind=document.tag,
        reason=_("Contract execution and payment reports are not imported."),
    )
