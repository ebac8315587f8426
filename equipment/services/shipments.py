"""Equipment created from posted shipments of equipment products, set-based."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext

from crm.db import chunks
from crm.models import Client, ProductComponent, SalesDocument, SalesDocumentLine
from equipment.dates import add_months, add_years
from equipment.models import Equipment, EquipmentComponent, EquipmentSource, EquipmentStatus, EquipmentType
from equipment.reference import journal_filter_choices_invalidate

logger = logging.getLogger(__name__)

SHIPMENT = "shipment"
EQUIPMENT_PRODUCT = "equipment"
# Documents handled per round of the service (bounded IN lists and memory), and per Celery task.
CHUNK = 1000
TASK_BATCH = 2000
# A kit line that says 10,000 cables does not make 10,000 component rows per unit.
MAX_PIECES_PER_COMPONENT = 20

_LINE_FIELDS = (
    "pk",
    "line_no",
    "quantity",
    "serial_numbers",
    "product_id",
    "document_id",
    "document__date",
    "document__client_id",
    "document__client__region_id",
    "document__client__responsible_id",
    "product__equipment_type_name",
    "product__manufacturer",
    "product__model_name",
    "product__warranty_months",
    "product__maintenance_interval_months",
    "product__service_life_years",
)


def _unit_count(quantity, serials: list) -> int:
    """Units on a line: the quantity, or the serial numbers when accounting lists more of them."""
    try:
        count = int(quantity or 0)
    except (TypeError, ValueError):
        count = 0
    return max(count, len(serials), 0)


def _serials(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    return [str(s).strip()[:100] for s in value if str(s).strip()]


def _type_name(raw: str | None) -> str:
    name = (raw or "").strip()[:200]
    if name:
        return name
    with translation.override(None):
        return gettext("Other equipment")


def equipment_types_resolve(*, names: Iterable[str]) -> dict[str, EquipmentType]:
    """Return {lower-cased name: type} for `names`, creating the unknown ones (at most three queries).

    Accounting sends the type as text; a name matches a type case-insensitively, as
    `equipment_type_resolve` does for one name.
    """
    wanted = {name.lower(): name for name in names if name}
    if not wanted:
        return {}

    def lookup() -> dict[str, EquipmentType]:
        # Types are a short reference list: compared in Python, as SQLite's lower() leaves Cyrillic as it is.
        found: dict[str, EquipmentType] = {}
        for equipment_type in EquipmentType.objects.order_by("pk"):
            key = equipment_type.name.lower()
            if key in wanted:
                found.setdefault(key, equipment_type)
        return found

    types = lookup()
    missing = [EquipmentType(name=name) for key, name in wanted.items() if key not in types]
    if missing:
        EquipmentType.objects.bulk_create(missing, ignore_conflicts=True)
        journal_filter_choices_invalidate()  # bulk_create sends no post_save
        types = lookup()
    return types


def default_service_responsibles(*, client_ids: Iterable[int]) -> dict[int, int]:
    """Return {client id: engineer id}: who services most of each client's equipment, else the
    service engineer of the client's region (two queries)."""
    client_ids = list(client_ids)
    rows = (
        Equipment.objects.filter(client_id__in=client_ids, is_archived=False, service_responsible__is_active=True)
        .values("client_id", "service_responsible_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("client_id", "-n", "service_responsible_id")
    )
    engineers: dict[int, int] = {}
    for row in rows:
        engineers.setdefault(row["client_id"], row["service_responsible_id"])
    rest = [pk for pk in client_ids if pk not in engineers]
    if rest:
        engineers.update(
            Client.objects.filter(pk__in=rest, region__service_engineer__is_active=True).values_list(
                "pk", "region__service_engineer_id"
            )
        )
    return engineers


@transaction.atomic
def equipment_register_shipments(*, document_ids: Sequence[int]) -> int:
    """Create one equipment record per shipped unit of the equipment lines of these documents; return how many are new.

    Only posted, not deleted shipments count; other ids are skipped. Runs any number of times
    for the same documents (re-sent, re-posted, new versions with rewritten lines) and creates
    each unit exactly once: a unit already there is recognised by its serial number, else by
    its product (see `_register_chunk`), and the unique constraint on (document, line number,
    unit index) holds the rest. The work is set-based: a fixed number of queries per 1,000
    documents, whatever their lines.
    """
    ids = sorted({int(pk) for pk in document_ids})
    created = 0
    for chunk in chunks(ids, CHUNK):
        created += _register_chunk(list(chunk))
    if created:
        logger.info("%s shipments created %s equipment records", len(ids), created)
    return created


@dataclass
class _Known:
    """The units a document already has, to match the units of its current lines against."""

    by_serial: dict[str, int] = field(default_factory=dict)  # serial -> unit id
    by_product: dict[int | None, list[int]] = field(default_factory=dict)  # product -> unit ids, serial-less first
    slots: set[tuple[int, int]] = field(default_factory=set)  # (line number, unit index) taken
    line_of: dict[int, int | None] = field(default_factory=dict)  # unit id -> shipment line id
    serial_of: dict[int, str] = field(default_factory=dict)  # unit id -> serial number
    matched: set[int] = field(default_factory=set)

    def claim_serial(self, serial: str) -> int | None:
        unit_id = self.by_serial.get(serial) if serial else None
        if unit_id is None or unit_id in self.matched:
            return None
        self.matched.add(unit_id)
        return unit_id

    def claim_product(self, product_id: int | None) -> int | None:
        for unit_id in self.by_product.get(product_id, ()):
            if unit_id not in self.matched:
                self.matched.add(unit_id)
                return unit_id
        return None


def _known_units(document_ids: list[int]) -> dict[int, _Known]:
    known: dict[int, _Known] = {}
    rows = (
        Equipment.objects.filter(shipment_document_id__in=document_ids)
        .order_by("shipment_document_id", "shipment_line_no", "unit_index")
        .values_list(
            "pk",
            "shipment_document_id",
            "shipment_line_no",
            "unit_index",
            "product_id",
            "serial_number",
            "shipment_line_id",
        )
    )
    for pk, document_id, line_no, index, product_id, serial, line_id in rows:
        entry = known.setdefault(document_id, _Known())
        entry.slots.add((line_no, index))
        entry.line_of[pk] = line_id
        entry.serial_of[pk] = serial
        if serial:
            entry.by_serial.setdefault(serial, pk)
        entry.by_product.setdefault(product_id, []).append(pk)
    for entry in known.values():
        for units in entry.by_product.values():
            units.sort(key=lambda pk, entry=entry: bool(entry.serial_of[pk]))
    return known


def _free_index(slots: set[tuple[int, int]], line_no: int, index: int) -> int:
    while (line_no, index) in slots:
        index += 1
    return index


def _register_chunk(document_ids: list[int]) -> int:
    """Create the units of these documents' equipment lines that are not there yet.

    A unit already created from an earlier version of the document is recognised by its
    serial number, else (without one) by its product, whatever line number it has now: a
    new version that inserts, removes or reorders lines creates no second unit. The units
    it still has are pointed at their current line; a serial accounting learned since is
    written to a unit that had none.
    """
    lines = list(
        SalesDocumentLine.objects.filter(
            document_id__in=document_ids,
            document__kind=SHIPMENT,
            document__posted=True,
            document__is_deleted=False,
            product__kind=EQUIPMENT_PRODUCT,
        )
        .order_by("document_id", "line_no")
        .values_list(*_LINE_FIELDS, named=True)
    )
    if not lines:
        return 0
    types = equipment_types_resolve(names={_type_name(line.product__equipment_type_name) for line in lines})
    engineers = default_service_responsibles(client_ids={line.document__client_id for line in lines})
    # Registrations of the same documents (a re-sent shipment, two workers) take turns here.
    list(SalesDocument.objects.select_for_update().filter(pk__in=document_ids).order_by("pk").values_list("pk"))
    known = _known_units(document_ids)
    wanted = [
        (line, index, serials[index] if index < len(serials) else "")
        for line in lines
        for serials in [_serials(line.serial_numbers)]
        for index in range(_unit_count(line.quantity, serials))
    ]
    # First the units whose serial number is known, then the rest by product: a unit of the
    # same product that no current serial claims (no serial yet, or accounting corrected it).
    matches: dict[int, int] = {}
    for position, (line, _index, serial) in enumerate(wanted):
        unit_id = known.setdefault(line.document_id, _Known()).claim_serial(serial)
        if unit_id is not None:
            matches[position] = unit_id
    units: list[Equipment] = []
    repointed: dict[int, int] = {}  # unit id -> current line id
    learned: dict[int, str] = {}  # unit id -> serial number
    for position, (line, index, serial) in enumerate(wanted):
        entry = known[line.document_id]
        unit_id = matches.get(position)
        if unit_id is None:
            unit_id = entry.claim_product(line.product_id)
            if unit_id is not None and serial and entry.serial_of[unit_id] != serial:
                learned[unit_id] = serial
        if unit_id is not None:
            if entry.line_of[unit_id] != line.pk:
                repointed[unit_id] = line.pk
            continue
        slot = _free_index(entry.slots, line.line_no, index)
        entry.slots.add((line.line_no, slot))
        units.append(_new_unit(line, types, engineers, serial=serial, unit_index=slot))
    Equipment.objects.bulk_create(units, batch_size=1000)
    changed = [Equipment(pk=pk, shipment_line_id=line_id) for pk, line_id in repointed.items()]
    Equipment.objects.bulk_update(changed, ["shipment_line"], batch_size=1000)
    named = [Equipment(pk=pk, serial_number=serial) for pk, serial in learned.items()]
    Equipment.objects.bulk_update(named, ["serial_number"], batch_size=1000)
    _add_kit_components(units)
    return len(units)


def _new_unit(line, types: dict[str, EquipmentType], engineers: dict[int, int], *, serial: str, unit_index: int):
    equipment_type = types[_type_name(line.product__equipment_type_name).lower()]
    shipped = line.document__date
    interval = line.product__maintenance_interval_months or equipment_type.maintenance_interval_months
    warranty = line.product__warranty_months
    life = line.product__service_life_years
    return Equipment(
        client_id=line.document__client_id,
        client_region_id=line.document__client__region_id,
        client_responsible_id=line.document__client__responsible_id,
        equipment_type=equipment_type,
        product_id=line.product_id,
        manufacturer=line.product__manufacturer,
        model=line.product__model_name,
        serial_number=serial,
        source=EquipmentSource.SHIPMENT,
        shipment_document_id=line.document_id,
        shipment_line_id=line.pk,
        shipment_line_no=line.line_no,
        unit_index=unit_index,
        shipped_on=shipped,
        warranty_until=add_months(shipped, warranty) if warranty else None,
        next_maintenance_on=add_months(shipped, interval) if interval else None,
        end_of_life_on=add_years(shipped, life) if life else None,
        status=EquipmentStatus.IN_OPERATION,
        service_responsible_id=engineers.get(line.document__client_id),
    )


def _add_kit_components(units: list[Equipment]) -> None:
    """Give each new unit of a kit its components, one row per piece, for the engineer to fill in serials."""
    kits = {unit.product_id for unit in units if unit.product_id}
    if not kits:
        return
    parts: dict[int, list[tuple[int, str, int]]] = {}
    rows = (
        ProductComponent.objects.filter(kit_id__in=kits)
        .order_by("kit_id", "pk")
        .values_list("kit_id", "component_id", "component__name", "quantity")
    )
    for kit_id, component_id, name, quantity in rows:
        parts.setdefault(kit_id, []).append((component_id, name, max(int(quantity or 0), 1)))
    if not parts:
        return
    components = [
        EquipmentComponent(equipment_id=unit.pk, product_id=component_id, name=name[:255])
        for unit in units
        for component_id, name, count in parts.get(unit.product_id, ())
        for _piece in range(min(count, MAX_PIECES_PER_COMPONENT))
    ]
    EquipmentComponent.objects.bulk_create(components, batch_size=1000)


def equipment_register_shipment(*, document: SalesDocument) -> int:
    """Register the equipment of one shipment (see :func:`equipment_register_shipments`)."""
    return equipment_register_shipments(document_ids=[document.pk])


def on_sales_documents_posted(sender, documents: Sequence[SalesDocument], **kwargs) -> None:
    """Receiver of crm.signals.sales_documents_posted (sent on commit, once per import).

    Queue one Celery task per batch of posted shipments instead of working inline per document.
    """
    ids = [doc.pk for doc in documents if doc.kind == SHIPMENT and doc.posted and not doc.is_deleted]
    from equipment.tasks import equipment_register_shipments_task

    for chunk in chunks(ids, TASK_BATCH):
        batch = list(chunk)
        transaction.on_commit(lambda batch=batch: equipment_register_shipments_task.delay(batch))
