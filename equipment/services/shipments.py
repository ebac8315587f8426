"""Equipment created from posted shipments of equipment products."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from crm.models import SalesDocument
from equipment.dates import add_months, add_years
from equipment.models import Equipment, EquipmentSource, EquipmentStatus
from equipment.services.equipment import default_service_responsible, equipment_type_resolve

logger = logging.getLogger(__name__)

SHIPMENT = "shipment"
EQUIPMENT_PRODUCT = "equipment"


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


@transaction.atomic
def equipment_register_shipment(*, document: SalesDocument) -> int:
    """Create one equipment record per shipped unit of every equipment line; return how many were new.

    Runs any number of times for the same document (re-sent, re-posted, new versions with
    rewritten lines) and creates each unit exactly once: a unit is keyed by (document,
    line number, unit index) under a unique constraint, and inserted with ON CONFLICT DO NOTHING.
    """
    if document.kind != SHIPMENT or not document.posted or getattr(document, "is_deleted", False):
        return 0
    lines = list(document.lines.filter(product__kind=EQUIPMENT_PRODUCT).select_related("product").order_by("line_no"))
    if not lines:
        return 0
    engineer = default_service_responsible(document.client)
    types: dict[str, object] = {}
    units: list[Equipment] = []
    for line in lines:
        product = line.product
        serials = _serials(line.serial_numbers)
        type_name = (product.equipment_type_name or "").strip()
        if not type_name:
            with translation.override(None):
                type_name = gettext("Other equipment")
        if type_name.lower() not in types:
            types[type_name.lower()] = equipment_type_resolve(name=type_name)
        equipment_type = types[type_name.lower()]
        shipped = document.date
        warranty = add_months(shipped, product.warranty_months) if product.warranty_months else None
        interval = product.maintenance_interval_months or equipment_type.maintenance_interval_months
        planned = add_months(shipped, interval) if interval else None
        end_of_life = add_years(shipped, product.service_life_years) if product.service_life_years else None
        for index in range(_unit_count(line.quantity, serials)):
            units.append(
                Equipment(
                    client_id=document.client_id,
                    equipment_type=equipment_type,
                    product=product,
                    manufacturer=product.manufacturer,
                    model=product.model_name,
                    serial_number=serials[index] if index < len(serials) else "",
                    source=EquipmentSource.SHIPMENT,
                    shipment_document=document,
                    shipment_line=line,
                    shipment_line_no=line.line_no,
                    unit_index=index,
                    shipped_on=shipped,
                    warranty_until=warranty,
                    next_maintenance_on=planned,
                    end_of_life_on=end_of_life,
                    status=EquipmentStatus.IN_OPERATION,
                    service_responsible=engineer,
                )
            )
    before = Equipment.objects.filter(shipment_document=document).count()
    Equipment.objects.bulk_create(units, batch_size=500, ignore_conflicts=True)
    # Lines are rewritten with each new version of the document: point the units at the current rows.
    for line in lines:
        Equipment.objects.filter(shipment_document=document, shipment_line_no=line.line_no).exclude(
            shipment_line=line
        ).update(shipment_line=line)
    created = Equipment.objects.filter(shipment_document=document).count() - before
    if created:
        logger.info("Shipment %s created %s equipment records", document.pk, created)
    return created


def on_sales_document_posted(sender, document: SalesDocument, **kwargs) -> None:
    """Receiver of crm.signals.sales_document_posted: register the shipped equipment."""
    if document.kind == SHIPMENT and document.posted:
        equipment_register_shipment(document=document)
