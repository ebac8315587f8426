"""Celery tasks of the equipment app: they take ids and call a service."""

from celery import shared_task

from crm.models import SalesDocument
from equipment.services.shipments import equipment_register_shipment


@shared_task
def equipment_register_shipment_task(document_id: int) -> int:
    """Register the equipment of a posted shipment again (idempotent: existing units are kept)."""
    document = SalesDocument.objects.filter(pk=document_id).first()
    return equipment_register_shipment(document=document) if document is not None else 0
