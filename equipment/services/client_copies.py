"""Each unit's copies of its client's region and responsible manager, kept in step with the client.

Equipment filters the clients' access rule on these copies (see EquipmentQuerySet.visible_to),
so they must follow every change: the model's save() fills them when a unit is created or moved
to another client, bulk inserts fill them from the client (see `client_copies_for`), and the
receivers below copy them again when crm reports that clients changed region or manager, were
transferred or merged. Every write is one set-based UPDATE ... FROM, however many clients.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection

from crm.db import chunks
from crm.models import Client
from equipment.models import Equipment

logger = logging.getLogger(__name__)

# Client ids per UPDATE: well under SQLite's limit of bound parameters.
CHUNK = 5000


def client_copies_for(client_ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
    """Return {client id: (region id, responsible id)} for bulk inserts of equipment (one query per 5,000)."""
    ids = sorted(set(client_ids))
    copies: dict[int, tuple[int | None, int | None]] = {}
    for chunk in chunks(ids, CHUNK):
        rows = Client.objects.filter(pk__in=chunk).values_list("pk", "region_id", "responsible_id")
        copies.update((pk, (region_id, responsible_id)) for pk, region_id, responsible_id in rows)
    return copies


def equipment_client_copies_sync(*, client_ids: Iterable[int] | None = None) -> int:
    """Copy the clients' region and responsible onto their equipment where they differ; return rows changed.

    `client_ids=None` checks every unit (the nightly repair); otherwise only these clients' units.
    """
    equipment = Equipment._meta.db_table
    client = Client._meta.db_table
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    sql = (
        f"UPDATE {equipment} SET client_region_id = c.region_id, client_responsible_id = c.responsible_id "  # noqa: S608
        f"FROM {client} c WHERE c.id = {equipment}.client_id "
        f"AND ({equipment}.client_region_id {differs} c.region_id "
        f"OR {equipment}.client_responsible_id {differs} c.responsible_id)"
    )
    changed = 0
    with connection.cursor() as cursor:
        if client_ids is None:
            cursor.execute(sql)
            return cursor.rowcount
        ids = sorted({int(pk) for pk in client_ids})
        for chunk in chunks(ids, CHUNK):
            cursor.execute(f"{sql} AND c.id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            changed += cursor.rowcount
    return changed


def on_client_changed(sender, client: Client, fields: Iterable[str] = (), **kwargs) -> None:
    if {"region", "responsible"} & set(fields):
        equipment_client_copies_sync(client_ids=[client.pk])


def on_clients_transferred(sender, client_ids: Iterable[int], **kwargs) -> None:
    equipment_client_copies_sync(client_ids=client_ids)


def on_clients_merged(sender, kept: Client, **kwargs) -> None:
    # The merged client's units now belong to the kept one, whose region may have been filled too.
    equipment_client_copies_sync(client_ids=[kept.pk])


def equipment_client_copies_repair() -> int:
    """Fix every unit whose copies differ from its client (nightly): a crash between a client's
    change and its event, or a write that bypassed the services, heals within a day."""
    changed = equipment_client_copies_sync()
    if changed:
        logger.warning("equipment: %s units had stale copies of their client's region or responsible", changed)
    return changed
