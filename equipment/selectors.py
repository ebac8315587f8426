"""Reads of equipment with their joins: the journal, its summary, the client tab, selections."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.http import QueryDict

from crm.models import Client, Contact, ContactPoint
from equipment.filters import DEFAULT_SORT, SORTS, EquipmentFilter
from equipment.models import Equipment, EquipmentSource

if TYPE_CHECKING:
    from crm.models import User

JOURNAL_FIELDS = (
    "pk",
    "client_id",
    "client__name",
    "client__short_name",
    "equipment_type__name",
    "manufacturer",
    "model",
    "serial_number",
    "production_year",
    "source",
    "status",
    "next_maintenance_on",
    "warranty_until",
    "is_archived",
)


def equipment_filter(user: User, data: QueryDict | dict | None) -> EquipmentFilter:
    """The journal's filter over the equipment `user` may see."""
    return EquipmentFilter(data if data is not None else {}, queryset=Equipment.objects.visible_to(user), user=user)


def journal_rows(
    qs: QuerySet, *, sort: str, page: int, per_page: int, user: User | None = None
) -> tuple[list[Equipment], bool]:
    """One page of the journal (and whether there is a next one) without counting the whole table.

    The page's ids are picked first, by a query on equipment alone that its indexes answer (for a
    manager or an engineer without reading the table at all); then only those rows are read with
    their client, type and competitor.
    """
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    start = (page - 1) * per_page
    pick = order
    if user is not None and (user.is_engineer or user.is_manager):
        # A manager or an engineer sees the equipment of their few clients: read all of it from the
        # index that leads with them and sort it, never walk a whole-table date index hoping to meet
        # their units early (a sort key that is an expression, not a column, leaves the planner no
        # such plan; it would take it whenever the index-only read looks dearer, e.g. before a vacuum).
        pick = [_expression(key) for key in order]
    ids = qs.order_by(*pick).values("pk")[start : start + per_page + 1]
    rows = list(
        Equipment.objects.filter(pk__in=ids)
        .select_related("client", "equipment_type", "competitor")
        .only(
            *(f for f in JOURNAL_FIELDS if f != "pk"),
            "competitor__name",
            "competitor__short_name",
        )
        .order_by(*order)
    )
    return rows[:per_page], len(rows) > per_page


def _expression(key: str) -> OrderBy:
    """The same order as `key` ("-field" or "field"), as an expression no index matches."""
    name = key.lstrip("-")
    value = Coalesce(F(name), F(name))
    return value.desc() if key.startswith("-") else value.asc()


def journal_summary(qs: QuerySet) -> dict:
    """Counts of the filtered equipment: in total and by type, manufacturer and source."""
    qs = qs.order_by()
    by_type = list(qs.values("equipment_type_id", "equipment_type__name").annotate(n=Count("pk")).order_by("-n")[:20])
    by_manufacturer = list(qs.values("manufacturer").annotate(n=Count("pk")).order_by("-n")[:20])
    source_labels = dict(EquipmentSource.choices)
    by_source = [
        {**row, "label": source_labels.get(row["source"], row["source"])}
        for row in qs.values("source").annotate(n=Count("pk")).order_by("-n")
    ]
    return {
        "total": sum(row["n"] for row in by_source),
        "by_type": by_type,
        "by_manufacturer": by_manufacturer,
        "by_source": by_source,
    }


def equipment_selection_clients(params: dict, user: User) -> QuerySet:
    """Selection source "equipment": the clients owning equipment that matches the journal filter."""
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    flt = equipment_filter(user, data)
    if not flt.is_valid():
        return Client.objects.none()
    return Client.objects.filter(pk__in=flt.qs.values("client_id"))


def client_suggestions(user: User, query: str, *, limit: int = 10) -> list[Client]:
    """Clients `user` may see whose name or INN matches `query` (at least two characters), by name."""
    from crm.selectors.clients import search_clients_q

    query = query.strip()
    if len(query) < 2:
        return []
    return list(
        Client.objects.visible_to(user)
        .not_archived()
        .filter(search_clients_q(query))
        .only("pk", "name", "short_name", "inn")
        .order_by("name")[:limit]
    )


def client_equipment(client: Client, user: User) -> QuerySet:
    return (
        Equipment.objects.visible_to(user)
        .filter(client=client, is_archived=False)
        .select_related("equipment_type", "competitor", "product")
        .order_by("equipment_type__name", "-id")
    )


def share_of_wallet(client: Client) -> list[dict]:
    """Units per equipment type at the client: ours against competitors'."""
    ours = Q(source=EquipmentSource.SHIPMENT) | Q(product__isnull=False)
    rows = (
        Equipment.objects.filter(client=client, is_archived=False)
        .values("equipment_type__name")
        .annotate(ours=Count("pk", filter=ours), total=Count("pk"))
        .order_by("equipment_type__name")
    )
    result = []
    for row in rows:
        theirs = row["total"] - row["ours"]
        share = round(100 * row["ours"] / row["total"]) if row["total"] else 0
        result.append({"type": row["equipment_type__name"], "ours": row["ours"], "theirs": theirs, "share": share})
    return result


def timeline_data(equipment: list[Equipment]) -> list[dict]:
    """Warranty, maintenance and end-of-life dates per unit for the client tab's chart (JSON-safe)."""

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return [
        {
            "label": str(unit),
            "warranty": iso(unit.warranty_until),
            "maintenance": iso(unit.next_maintenance_on),
            "end_of_life": iso(unit.end_of_life_on),
        }
        for unit in equipment
    ]


def client_tab_context(request, client: Client) -> dict:
    """Context of the client card's Equipment tab: the table, the timeline and share of wallet."""
    from django.utils.translation import gettext

    user = request.user
    equipment = list(client_equipment(client, user))
    timeline = timeline_data(equipment)
    return {
        "equipment": equipment,
        "wallet": share_of_wallet(client) if equipment else [],
        "timeline": timeline if any(r["warranty"] or r["maintenance"] or r["end_of_life"] for r in timeline) else [],
        "timeline_labels": {
            "warranty": gettext("Warranty ends"),
            "maintenance": gettext("Planned maintenance"),
            "end_of_life": gettext("End of service life"),
        },
        "timeline_height": 80 + 28 * len(equipment),
        "can_add": user.has_perm("equipment.add_equipment"),
    }


def visit_contacts(equipment: Equipment) -> list[Contact]:
    """Whom to agree a visit to the unit with: its contact persons, else the client's decision maker, else
    the client's first contact person. Each comes with `phones` (the primary first); archived people are left out.
    """
    phones = Prefetch("contact_points", queryset=ContactPoint.objects.filter(kind="phone"), to_attr="phones")
    people = list(equipment.contacts.filter(is_archived=False).prefetch_related(phones).order_by("last_name", "pk"))
    if people:
        return people
    first = (
        Contact.objects.filter(client_id=equipment.client_id, is_archived=False)
        .prefetch_related(phones)
        .order_by("-is_decision_maker", "pk")
        .first()
    )
    return [first] if first is not None else []


def task_panel_context(request, equipment: Equipment) -> dict:
    """What a task about a unit shows of it (crm.cards.register_task_panel)."""
    return {"equipment": equipment, "visit_contacts": visit_contacts(equipment)}
