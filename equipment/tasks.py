"""Celery tasks of the equipment app: they take ids and call a service."""

from celery import shared_task

from equipment.services.client_copies import equipment_client_copies_repair
from equipment.services.shipments import equipment_register_shipments


@shared_task
def equipment_register_shipments_task(document_ids: list[int]) -> int:
    """Register the equipment of posted shipments (idempotent: existing units are kept)."""
    return equipment_register_shipments(document_ids=document_ids)


@shared_task
def equipment_register_shipment_task(document_id: int) -> int:
    """Register the equipment of one posted shipment again (idempotent: existing units are kept)."""
    return equipment_register_shipments(document_ids=[document_id])


@shared_task
def equipment_client_copies_repair_task() -> int:
    """Re-copy clients' region and responsible onto units where they differ (nightly safety net)."""
    return equipment_client_copies_repair()
