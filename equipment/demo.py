"""Demo data of the equipment app: types, equipment at customers (ours and competitors'), visits.

`seed(ctx)` is called by `seed_demo` after the core data; `ctx.options["equipment"]` sets how many
units (default: two per customer, at most 20,000). Idempotent: nothing happens when equipment exists.
"""

from __future__ import annotations

import datetime as dt

from crm.models import Client, Product
from equipment.dates import add_months, add_years
from equipment.models import Equipment, EquipmentType, ServiceVisit

TYPES = [
    # name, maintenance lead days, warranty lead days, maintenance interval months
    # (the types of the demo catalogue in integrations.demo, so shipped and logged units share them)
    ("УЗИ-аппарат", 30, 45, 12),
    ("Монитор пациента", 21, 30, 6),
    ("Аппарат ИВЛ", 30, 45, 6),
    ("Наркозный аппарат", 30, 45, 6),
    ("Рентген", 30, 60, 12),
    ("Компьютерный томограф", 45, 60, 6),
    ("Электрокардиограф", 14, 30, 12),
    ("Дефибриллятор", 14, 30, 12),
    ("Стерилизатор", 21, 30, 6),
]
# (type, manufacturer, model): what the dealer sells (installed before the CRM, entered by hand) ...
OURS = [
    ("УЗИ-аппарат", "Mindray", "DC-70"),
    ("УЗИ-аппарат", "Philips", "EPIQ 5"),
    ("Монитор пациента", "Mindray", "iPM 12"),
    ("Аппарат ИВЛ", "Dräger", "Savina 300"),
    ("Рентген", "Siemens", "Mobilett Elara Max"),
    ("Стерилизатор", "ТЗМОИ", "ГК-75"),
]
# ... and what competitors sold to the same hospitals.
THEIRS = [
    ("УЗИ-аппарат", "Samsung Medison", "HS40"),
    ("УЗИ-аппарат", "Canon", "Aplio a450"),
    ("Монитор пациента", "Nihon Kohden", "BSM-3000"),
    ("Монитор пациента", "Comen", "C60"),
    ("Аппарат ИВЛ", "Hamilton Medical", "C1"),
    ("Рентген", "Shimadzu", "MobileDaRt Evolution"),
    ("Электрокардиограф", "Schiller", "Cardiovit AT-102"),
    ("Дефибриллятор", "Nihon Kohden", "TEC-5600"),
    ("Стерилизатор", "Tuttnauer", "3870EL"),
]


def seed(ctx) -> None:
    if Equipment.objects.exists():
        ctx.log("equipment: demo data exists, skipped.")
        return
    types = {}
    for name, maintenance_lead, warranty_lead, interval in TYPES:
        equipment_type, _created = EquipmentType.objects.get_or_create(
            name=name,
            defaults={
                "maintenance_lead_days": maintenance_lead,
                "warranty_lead_days": warranty_lead,
                "maintenance_interval_months": interval,
            },
        )
        types[name] = equipment_type
    rng = ctx.rng
    copies = {
        pk: (region_id, responsible_id)
        for pk, region_id, responsible_id in Client.objects.filter(kind="customer")
        .order_by("pk")
        .values_list("pk", "region_id", "responsible_id")
    }
    customers = list(copies)
    if not customers:
        return
    wanted = ctx.options.get("equipment")
    count = int(wanted) if wanted is not None else min(2 * len(customers), 20_000)
    competitors = list(Client.objects.filter(kind="competitor").values_list("pk", flat=True)) or [None]
    products = {
        (manufacturer, model): pk
        for pk, manufacturer, model in Product.objects.filter(kind="equipment").values_list(
            "pk", "manufacturer", "model_name"
        )
    }
    engineers = [u for key, u in ctx.users.items() if getattr(u, "role", "") == "engineer"]
    today = ctx.today
    rows = []
    for _ in range(count):
        ours = rng.random() < 0.55
        type_name, manufacturer, model = rng.choice(OURS if ours else THEIRS)
        equipment_type = types[type_name]
        shipped = today - dt.timedelta(days=rng.randint(30, 365 * 12))
        interval = equipment_type.maintenance_interval_months or 12
        last_maintenance = shipped + dt.timedelta(days=rng.randint(0, max(1, (today - shipped).days)))
        client_id = rng.choice(customers)
        rows.append(
            {
                "client_id": client_id,
                "client_region_id": copies[client_id][0],
                "client_responsible_id": copies[client_id][1],
                "equipment_type_id": equipment_type.pk,
                "product_id": products.get((manufacturer, model)) if ours else None,
                "manufacturer": manufacturer,
                "model": model,
                "serial_number": f"{manufacturer[:2].upper()}{rng.randint(100000, 999999)}",
                "production_year": min(today.year, shipped.year - rng.randint(0, 1)),
                "source": "manual" if ours else rng.choice(["competitor", "visit", "tender"]),
                "competitor_id": None if ours else rng.choice(competitors),
                "source_note": "",
                "location": rng.choice(["Цех 1", "Цех 2", "Склад", "Котельная", ""]),
                "shipped_on": shipped if ours else None,
                "commissioned_on": shipped + dt.timedelta(days=rng.randint(3, 30)) if ours else None,
                "warranty_until": add_months(shipped, 24) if ours else None,
                "last_maintenance_on": last_maintenance,
                "next_maintenance_on": add_months(last_maintenance, interval),
                "end_of_life_on": add_years(shipped, 10),
                "status": rng.choices(["in_operation", "under_repair", "decommissioned"], [90, 5, 5])[0],
                "service_responsible_id": rng.choice(engineers).pk if engineers and rng.random() < 0.6 else None,
                "notes": "",
                "is_archived": False,
            }
        )
    if ctx.writer is not None:
        ctx.writer.insert(Equipment, rows)
    else:
        Equipment.objects.bulk_create([Equipment(**row) for row in rows], batch_size=2000)
    visits = []
    for unit in Equipment.objects.filter(last_maintenance_on__isnull=False).values("pk", "last_maintenance_on")[
        : min(count, 5000)
    ]:
        visits.append(
            ServiceVisit(
                equipment_id=unit["pk"],
                date=unit["last_maintenance_on"],
                kind="maintenance",
                engineer=rng.choice(engineers) if engineers else None,
                findings="Плановое ТО выполнено, замечаний нет.",
            )
        )
    ServiceVisit.objects.bulk_create(visits, batch_size=2000)
    ctx.log(f"equipment: {count} units, {len(visits)} visits.")
