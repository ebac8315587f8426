"""Read sales documents from CommerceML 2.x/3.x exchange files (1C ↔ web shop / CRM).

One ``<Документ>`` may stand for several CRM documents. A customer order
(``ХозОперация`` «Заказ товара») is the invoice; when 1C has already taken the
money or shipped the goods it says so in requisites («Номер/Дата оплаты по 1С»,
«Номер/Дата отгрузки по 1С», «Отгружен»), and each of those becomes its own
payment or shipment with the external id ``<Ид>#payment`` / ``<Ид>#shipment``.
Documents whose operation is a shipment («Отпуск товара», «Реализация») are
shipments themselves.

Elements are matched by local name, so 2.0x without a namespace,
``urn:1C.ru:commerceml_2`` and ``urn:1C.ru:commerceml_3`` read alike.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, tostring

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.values import ValueParseError, clean_text, parse_decimal

from ._common import (
    DEFAULT_TZ,
    amount_mismatch,
    amount_mismatch_reason,
    clean_kpp,
    machine_inn,
    parse_bool,
    parse_moment,
)
from ._xml import child, children, descendants, load_xml, local_name, text_of
from .types import DocumentError, DocumentKind, ParseResult, PartyData, ProductData, SalesDocumentData, SalesLineData

__all__ = ["is_commerceml", "parse_commerceml", "parse_commerceml_counterparties"]

ROOT_TAG = "КоммерческаяИнформация"

# ХозОперация values, normalised by _key(). Orders and invoices are one CRM kind.
_OPERATION_KINDS: dict[str, DocumentKind] = {
    "заказ товара": "invoice",
    "заказ": "invoice",
    "счет на оплату": "invoice",
    "счет": "invoice",
    "отпуск товара": "shipment",
    "реализация": "shipment",
    "реализация товаров": "shipment",
    "реализация товаров и услуг": "shipment",
    "отгрузка": "shipment",
    "оплата": "payment",
    "оплата от покупателя": "payment",
    "получение наличных денег": "payment",
    "получение безналичных денег": "payment",
}
# Operations CommerceML defines that are not sales to a client: skipped with a warning.
_OTHER_OPERATIONS = frozenset(
    {
        "возврат товара",
        "возврат комиссионного товара",
        "передача на комиссию",
        "отпуск комиссионного товара",
        "выплата наличных денег",
        "выплата безналичных денег",
        "возврат наличных денег",
        "возврат безналичных денег",
        "перемещение товара",
        "списание товара",
        "прочие",
    }
)

_BUYER_ROLES = frozenset({"покупатель", "buyer", "плательщик"})
_SERVICE_WORDS = frozenset({"услуга", "услуги", "service"})
_SERIAL_SPLIT_RE = re.compile(r"[;,\n]+")

# Requisite names, normalised by _key().
_POSTED = "проведен"
_DELETED = "пометкаудаления"
_CANCELLED = "отменен"
_SHIPPED = "отгружен"
_NUMBER_1C = "номер по 1с"
_DATE_1C = "дата по 1с"
_PAYMENT_NUMBER = "номер оплаты по 1с"
_PAYMENT_DATE = "дата оплаты по 1с"
_SHIPMENT_NUMBER = "номер отгрузки по 1с"
_SHIPMENT_DATE = "дата отгрузки по 1с"
_MANAGER_KEYS = ("менеджер", "ответственный")
_SKU_KEYS = ("артикул", "свойствокорзины#artikul")
_SERIAL_KEYS = ("серийные номера", "серийный номер")
_KIND_KEYS = ("типноменклатуры", "видноменклатуры")


class _DocumentRejected(Exception):
    """A document cannot be read; carries the user-facing reason."""

    def __init__(self, reason: Any) -> None:
        super().__init__(reason)
        self.reason = reason


def is_commerceml(root: Element) -> bool:
    """Tell whether a parsed XML tree is a CommerceML exchange file."""
    return local_name(root.tag) == ROOT_TAG


def parse_commerceml(data: bytes, *, filename: str = "", default_tz: tzinfo = DEFAULT_TZ) -> ParseResult:
    """Read every ``<Документ>`` of a CommerceML file into sales documents.

    ``default_tz`` is the time zone of the 1C base (its dates carry no offset).
    Raise :class:`FileRejected` for XML that is broken, declares entities or is not
    CommerceML; problems inside one document end up in ``ParseResult.errors``.
    """
    root = load_xml(data, filename=filename)
    if not is_commerceml(root):
        raise FileRejected(format_lazy(_("“{name}” is XML but not a CommerceML exchange file."), name=filename))
    result = ParseResult()
    for position, element in enumerate(descendants(root, "Документ"), start=1):
        result.rows += 1
        _parse_into(element, position=position, tz=default_tz, result=result)
    return result


def parse_commerceml_counterparties(data: bytes, *, filename: str = "") -> list[PartyData]:
    """Read a CommerceML counterparty export (``<Контрагенты>`` at the top level).

    An INN that fails the checksum (foreign buyers are common) is returned as ``None``.
    """
    root = load_xml(data, filename=filename)
    if not is_commerceml(root):
        raise FileRejected(format_lazy(_("“{name}” is XML but not a CommerceML exchange file."), name=filename))
    containers = children(root, "Контрагенты") + [
        container for catalogue in children(root, "Классификатор") for container in children(catalogue, "Контрагенты")
    ]
    ignored: list[DocumentError] = []
    return [
        _party(element, location=str(position), warnings=ignored)
        for position, element in enumerate(
            (party for container in containers for party in children(container, "Контрагент")), start=1
        )
    ]


# --- one document ------------------------------------------------------------------


def _parse_into(element: Element, *, position: int, tz: tzinfo, result: ParseResult) -> None:
    """Append the documents (or the error) that one ``<Документ>`` yields to ``result``."""
    identifier = text_of(element, "Ид") or text_of(element, "Номер") or str(position)
    location = format_lazy(_("document {id}"), id=identifier)
    warnings: list[DocumentError] = []
    try:
        documents = _documents(element, identifier=identifier, location=location, tz=tz, warnings=warnings)
    except _DocumentRejected as exc:
        result.errors.append(DocumentError(location, exc.reason))
        return
    except ValueParseError as exc:
        result.errors.append(DocumentError(location, exc.message))
        return
    finally:
        result.warnings.extend(warnings)
    result.documents.extend(documents)


def _documents(
    element: Element, *, identifier: str, location: Any, tz: tzinfo, warnings: list[DocumentError]
) -> list[SalesDocumentData]:
    """Build the main document and the payment/shipment derived from its requisites."""
    requisites = _requisites(element)
    operation = text_of(element, "ХозОперация")
    kind = _operation_kind(operation)
    if kind is None:
        warnings.append(
            DocumentError(
                location,
                format_lazy(
                    _("operation “{operation}” is not a sale to a client; the document was skipped"),
                    operation=operation,
                ),
            )
        )
        return []
    buyer = _buyer(element)
    lines_elements = _items(element, "Товары", "Товар")
    if buyer is None and not lines_elements:
        # Web shops send bare status updates of orders they already have.
        warnings.append(DocumentError(location, _("no buyer and no goods (a status update?); skipped")))
        return []
    if buyer is None:
        raise _DocumentRejected(_("the document has no buyer (Контрагент with the role Покупатель)"))
    main = SalesDocumentData(
        kind=kind,
        external_id=identifier,
        version=text_of(element, "НомерВерсии") or _hash_element(element),
        number=_number(element, requisites),
        date=_main_date(element, requisites, tz=tz),
        posted=_flag(requisites.get(_POSTED)),
        deleted=_flag(text_of(element, "ПометкаУдаления") or requisites.get(_DELETED))
        # A cancelled order is void for the CRM, as if deleted in 1C.
        or _flag(requisites.get(_CANCELLED)),
        client=_party(buyer, location=location, warnings=warnings),
        manager=next((requisites[key] for key in _MANAGER_KEYS if requisites.get(key)), None),
        lines=[
            _line(item, line_no, location=location, warnings=warnings)
            for line_no, item in enumerate(lines_elements, start=1)
        ],
        total=Decimal(0),
        source_row=location,
    )
    main.total = _decimal(text_of(element, "Сумма"), _("document amount")) or sum(
        (line.amount for line in main.lines), Decimal(0)
    )
    return [main, *_derived(main, requisites, tz=tz)]


def _derived(main: SalesDocumentData, requisites: dict[str, str], *, tz: tzinfo) -> list[SalesDocumentData]:
    """Return the payment and shipment an order's requisites report as done in 1C."""
    derived: list[SalesDocumentData] = []
    if main.kind != "payment" and (requisites.get(_PAYMENT_NUMBER) or requisites.get(_PAYMENT_DATE)):
        # A payment has no goods lines: it settles the order's total.
        derived.append(
            _derive(main, "payment", requisites.get(_PAYMENT_NUMBER), requisites.get(_PAYMENT_DATE), tz=tz, lines=[])
        )
    shipped = _flag(requisites.get(_SHIPPED)) or requisites.get(_SHIPMENT_NUMBER) or requisites.get(_SHIPMENT_DATE)
    if main.kind == "invoice" and shipped:
        derived.append(
            _derive(
                main,
                "shipment",
                requisites.get(_SHIPMENT_NUMBER),
                requisites.get(_SHIPMENT_DATE),
                tz=tz,
                lines=main.lines,
            )
        )
    return derived


def _derive(
    main: SalesDocumentData,
    kind: DocumentKind,
    number: str | None,
    moment: str | None,
    *,
    tz: tzinfo,
    lines: list[SalesLineData],
) -> SalesDocumentData:
    """Copy an order into the payment or shipment 1C made from it."""
    when = parse_moment(moment, tz=tz) if moment else None
    return replace(
        main,
        kind=kind,
        external_id=f"{main.external_id}#{kind}",
        number=number or main.number,
        date=when or main.date,
        # 1C only reports a payment or shipment number once that document exists and is posted.
        posted=True,
        lines=list(lines),
    )


# --- fields --------------------------------------------------------------------------


def _operation_kind(operation: str | None) -> DocumentKind | None:
    """Map ``ХозОперация`` to a document kind; ``None`` for operations the CRM ignores."""
    if operation is None:
        raise _DocumentRejected(_("the document has no ХозОперация (operation)"))
    key = _key(operation)
    if key in _OPERATION_KINDS:
        return _OPERATION_KINDS[key]
    if key in _OTHER_OPERATIONS:
        return None
    raise _DocumentRejected(format_lazy(_("unknown operation “{operation}”"), operation=operation))


def _number(element: Element, requisites: dict[str, str]) -> str:
    """Prefer the 1C number (``Номер1С``, «Номер по 1С») over the web shop's ``Номер``."""
    number = text_of(element, "Номер1С") or requisites.get(_NUMBER_1C) or text_of(element, "Номер")
    if number is None:
        raise _DocumentRejected(_("the document has no number"))
    return number


def _main_date(element: Element, requisites: dict[str, str], *, tz: tzinfo) -> date | datetime:
    """Combine ``Дата``/``Дата1С`` with ``Время`` when there is one."""
    day = text_of(element, "Дата1С") or requisites.get(_DATE_1C) or text_of(element, "Дата")
    if day is None:
        raise _DocumentRejected(_("the document has no date"))
    clock = text_of(element, "Время")
    moment = parse_moment(f"{day[:10]}T{clock}" if clock and ":" not in day else day, tz=tz)
    if moment is None:
        raise _DocumentRejected(_("the document has no date"))
    return moment


def _buyer(element: Element) -> Element | None:
    """Return the buyer among the document's counterparties (the only one if roles are absent)."""
    parties = _items(element, "Контрагенты", "Контрагент")
    for party in parties:
        if _key(text_of(party, "Роль") or "") in _BUYER_ROLES:
            return party
    return parties[0] if len(parties) == 1 else None


def _party(element: Element, *, location: Any, warnings: list[DocumentError]) -> PartyData:
    """Read a ``<Контрагент>``; the name falls back to the person's name or the id's tail."""
    external_id = text_of(element, "Ид")
    full_name = text_of(element, "ОфициальноеНаименование", "ПолноеНаименование")
    person = " ".join(filter(None, (text_of(element, name) for name in ("Фамилия", "Имя", "Отчество"))))
    # Bitrix writes anonymous buyers as "<id>#<login>#<name>".
    id_tail = clean_text(external_id.rsplit("#", 1)[-1]) if external_id and "#" in external_id else None
    name = text_of(element, "Наименование") or full_name or person or id_tail or ""
    return PartyData(
        external_id=external_id,
        name=name,
        full_name=full_name,
        inn=machine_inn(text_of(element, "ИНН"), location=location, who=name, warnings=warnings),
        kpp=clean_kpp(text_of(element, "КПП")),
        region=_region(element),
    )


def _region(element: Element) -> str | None:
    """Return the «Регион» address field of the registration or postal address."""
    for address_name in ("АдресРегистрации", "Адрес", "ЮридическийАдрес"):
        address = child(element, address_name)
        if address is None:
            continue
        for field in children(address, "АдресноеПоле"):
            if _key(text_of(field, "Тип") or "") == "регион":
                return text_of(field, "Значение")
    return None


def _line(item: Element, line_no: int, *, location: Any, warnings: list[DocumentError]) -> SalesLineData:
    """Read one ``<Товар>`` line; missing price or amount is derived from the other."""
    requisites = _requisites(item)
    quantity = _decimal(text_of(item, "Количество"), _("quantity")) or Decimal(0)
    price = _decimal(text_of(item, "Цена", "ЦенаЗаЕдиницу"), _("price"))
    amount = _decimal(text_of(item, "Сумма"), _("amount"))
    if amount is None:
        amount = quantity * (price or Decimal(0))
    if price is None:
        price = amount / quantity if quantity else Decimal(0)
    elif amount_mismatch(quantity, price, amount):
        # 1C applies discounts to the amount only; report, do not reject.
        warnings.append(
            DocumentError(
                location,
                format_lazy(
                    _("line {line}: {reason}"), line=line_no, reason=amount_mismatch_reason(quantity, price, amount)
                ),
            )
        )
    return SalesLineData(
        line_no=line_no,
        product=_product(item, requisites),
        quantity=quantity,
        price=price,
        amount=amount,
        vat_amount=_vat(item),
        serial_numbers=_serials(item, requisites),
    )


def _product(item: Element, requisites: dict[str, str]) -> ProductData:
    """Read the product a line refers to."""
    kinds = {_key(requisites.get(key, "")) for key in _KIND_KEYS}
    unit = child(item, "Единица")
    return ProductData(
        external_id=text_of(item, "Ид"),
        sku=text_of(item, "Артикул") or next((requisites[key] for key in _SKU_KEYS if requisites.get(key)), None),
        name=text_of(item, "Наименование") or text_of(item, "Ид") or "",
        kind="service" if kinds & _SERVICE_WORDS else None,
        unit=text_of(unit, "НаименованиеКраткое") if unit is not None else _base_unit(item),
        okpd2=text_of(item, "ОКПД2") or requisites.get("окпд2"),
    )


def _base_unit(item: Element) -> str | None:
    """Read the 2.0x ``<БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</БазоваяЕдиница>``."""
    unit = child(item, "БазоваяЕдиница")
    if unit is None:
        return None
    return clean_text(unit.text) or text_of(unit, "НаименованиеПолное")


def _vat(item: Element) -> Decimal | None:
    """Return the line's VAT amount (``Налоги/Налог`` named НДС)."""
    for tax in _items(item, "Налоги", "Налог"):
        if _key(text_of(tax, "Наименование") or "") == "ндс":
            return _decimal(text_of(tax, "Сумма"), _("VAT amount"))
    return None


def _serials(item: Element, requisites: dict[str, str]) -> list[str]:
    """Collect serial numbers from ``СерийныеНомера/СерийныйНомер`` or a requisite list."""
    serials = [clean_text(node.text) for node in _items(item, "СерийныеНомера", "СерийныйНомер")]
    raw = next((requisites[key] for key in _SERIAL_KEYS if requisites.get(key)), "")
    serials.extend(clean_text(part) for part in _SERIAL_SPLIT_RE.split(raw))
    return [serial for serial in serials if serial]


# --- small helpers -------------------------------------------------------------------


def _items(element: Element, container: str, name: str) -> list[Element]:
    """Return ``container/name`` children (e.g. ``Товары/Товар``) in any namespace."""
    holder = child(element, container)
    return children(holder, name) if holder is not None else []


def _requisites(element: Element) -> dict[str, str]:
    """Return ``ЗначенияРеквизитов`` as {normalised name: value}; the first value wins."""
    values: dict[str, str] = {}
    for requisite in _items(element, "ЗначенияРеквизитов", "ЗначениеРеквизита"):
        name, value = text_of(requisite, "Наименование"), text_of(requisite, "Значение")
        if name and value is not None:
            values.setdefault(_key(name), value)
    return values


def _key(text: str) -> str:
    """Normalise a name for comparison: case, ё, repeated spaces."""
    return " ".join(text.casefold().replace("ё", "е").split())


def _flag(value: str | None) -> bool:
    """Read a CommerceML boolean, treating anything unreadable as false."""
    try:
        return bool(parse_bool(value))
    except ValueParseError:
        return False


def _decimal(value: str | None, what: Any) -> Decimal | None:
    """Parse a number, naming the field when it is broken."""
    try:
        return parse_decimal(value)
    except ValueParseError as exc:
        raise _DocumentRejected(format_lazy(_("{field}: {reason}"), field=what, reason=exc.message)) from exc


def _hash_element(element: Element) -> str:
    """Stand in for a missing ``НомерВерсии`` with a hash of the element's content."""
    return "sha256:" + hashlib.sha256(tostring(element, encoding="utf-8")).hexdigest()[:32]
