"""Equipment created from posted shipments of equipment products, set-based."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext

from crm.db import chunks
from crm.models import Client, SalesDocument, SalesDocumentLine
from equipment.dates import add_months, add_years
from equipment.models import Equipment, EquipmentSource, EquipmentStatus, EquipmentType
from equipment.reference import journal_filter_choices_invalidate

logger = logging.getLogger(__name__)

SHIPMENT = "shipment"
EQUIPMENT_PRODUCT = "equipment"
# Documents handled per round of the service (bounded IN lists and memory), and per Celery task.
CHUNK = 1000
TASK_BATCH = 2000

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
        found: dict[str, EquipmentType] = {}
        rows = EquipmentType.objects.annotate(key=Lower("name")).filter(key__in=list(wanted)).order_by("pk")
        for equipment_type in rows:
            found.setdefault(equipment_type.key, equipment_type)
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
    each unit exactly once: a unit is keyed by (document, line number, unit index) under a
    unique constraint and inserted with ON CONFLICT DO NOTHING. The work is set-based: a fixed
    number of queries per 1,000 documents, whatever their lines.
    """
    ids = sorted({int(pk) for pk in document_ids})
    created = 0
    for chunk in chunks(ids, CHUNK):
        created += _register_chunk(list(chunk))
    if created:
        logger.info("%s shipments created %s equipment records", len(ids), created)
    return created


def _register_chunk(document_ids: list[int]) -> int:
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
    units: list[Equipment] = []
    for line in lines:
        equipment_type = types[_type_name(line.product__equipment_type_name).lower()]
        serials = _serials(line.serial_numbers)
        shipped = line.document__date
        interval = line.product__maintenance_interval_months or equipment_type.maintenance_interval_months
        warranty = line.product__warranty_months
        life = line.product__service_life_years
        for index in range(_unit_count(line.quantity, serials)):
            units.append(
                Equipment(
                    client_id=line.document__client_id,
                    client_region_id=line.document__client__region_id,
                    client_responsible_id=line.document__client__responsible_id,
                    equipment_type=equipment_type,
                    product_id=line.product_id,
                    manufacturer=line.product__manufacturer,
                    model=line.product__model_name,
                    serial_number=serials[index] if index < len(serials) else "",
                    source=EquipmentSource.SHIPMENT,
                    shipment_document_id=line.document_id,
                    shipment_line_id=line.pk,
                    shipment_line_no=line.line_no,
                    unit_index=index,
                    shipped_on=shipped,
                    warranty_until=add_months(shipped, warranty) if warranty else None,
                    next_maintenance_on=add_months(shipped, interval) if interval else None,
                    end_of_life_on=add_years(shipped, life) if life else None,
                    status=EquipmentStatus.IN_OPERATION,
                    service_responsible_id=engineers.get(line.document__client_id),
                )
            )
    documents = Equipment.objects.filter(shipment_document_id__in=document_ids)
    before = documents.count()
    Equipment.objects.bulk_create(units, batch_size=1000, ignore_conflicts=True)
    # Lines are rewritten with each new version of a document: point the units at the current rows.
    current = SalesDocumentLine.objects.filter(
        document_id=OuterRef("shipment_document_id"),
        line_no=OuterRef("shipment_line_no"),
        product__kind=EQUIPMENT_PRODUCT,
    ).values("pk")[:1]
    (
        documents.alias(current_line=Subquery(current))
        .filter(current_line__isnull=False)
        .filter(Q(shipment_line__isnull=True) | ~Q(shipment_line_id=F("current_line")))
        .update(shipment_line_id=Subquery(current))
    )
    return documents.count() - before


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
