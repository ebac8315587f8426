"""Demo data of the sales side: the catalogue and two years of invoices, payments and shipments.

Called by `seed_demo` (crm.demo.seed) as `seed(ctx)`. Documents go through the same bulk
service as the file import (source "demo"), so the `equipment` and `funnel` apps get the
`sales_documents_posted` signal, create equipment from the shipments and move deals. Idempotent:
documents and products carry fixed external ids, a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from crm.models import Client, Product, ProductComponent
from crm.services.sales import sales_documents_import

# (sku, name, kind, equipment type, manufacturer, model, warranty months, maintenance months, life years, price)
CATALOGUE: list[tuple] = [
    (
        "US-DC70",
        "Ультразвуковая система Mindray DC-70",
        "equipment",
        "УЗИ-аппарат",
        "Mindray",
        "DC-70",
        24,
        12,
        8,
        4800000,
    ),
    (
        "US-EPIQ5",
        "Ультразвуковая система Philips EPIQ 5",
        "equipment",
        "УЗИ-аппарат",
        "Philips",
        "EPIQ 5",
        24,
        12,
        8,
        7900000,
    ),
    ("US-LOGIQ", "Ультразвуковой сканер GE LOGIQ P9", "equipment", "УЗИ-аппарат", "GE", "LOGIQ P9", 24, 12, 8, 5600000),
    (
        "MON-IPM12",
        "Монитор пациента Mindray iPM 12",
        "equipment",
        "Монитор пациента",
        "Mindray",
        "iPM 12",
        12,
        6,
        7,
        420000,
    ),
    (
        "MON-MX450",
        "Монитор пациента Philips IntelliVue MX450",
        "equipment",
        "Монитор пациента",
        "Philips",
        "MX450",
        12,
        6,
        7,
        690000,
    ),
    (
        "VENT-V300",
        "Аппарат ИВЛ Dräger Savina 300",
        "equipment",
        "Аппарат ИВЛ",
        "Dräger",
        "Savina 300",
        24,
        6,
        10,
        2900000,
    ),
    (
        "ANS-A7",
        "Наркозно-дыхательный аппарат Mindray A7",
        "equipment",
        "Наркозный аппарат",
        "Mindray",
        "A7",
        24,
        6,
        10,
        3700000,
    ),
    (
        "XR-MOBIL",
        "Рентгеновский аппарат Siemens Mobilett Elara Max",
        "equipment",
        "Рентген",
        "Siemens",
        "Mobilett Elara Max",
        24,
        12,
        10,
        9800000,
    ),
    (
        "CT-GO",
        "Компьютерный томограф Siemens SOMATOM go.Now",
        "equipment",
        "Компьютерный томограф",
        "Siemens",
        "SOMATOM go.Now",
        24,
        6,
        10,
        54000000,
    ),
    (
        "ECG-12",
        "Электрокардиограф Аксион ЭК12Т",
        "equipment",
        "Электрокардиограф",
        "Аксион",
        "ЭК12Т",
        12,
        12,
        7,
        145000,
    ),
    (
        "DEF-PRO",
        "Дефибриллятор Медплант ДКИ-Н-11",
        "equipment",
        "Дефибриллятор",
        "Медплант",
        "ДКИ-Н-11",
        12,
        12,
        7,
        310000,
    ),
    ("STER-75", "Стерилизатор паровой Тюмень ГК-75", "equipment", "Стерилизатор", "ТЗМОИ", "ГК-75", 12, 6, 10, 980000),
    ("PROBE-C5", "Датчик конвексный Mindray SC5-1", "accessory", "", "Mindray", "SC5-1", 12, None, None, 390000),
    ("PROBE-L12", "Датчик линейный Mindray L12-3E", "accessory", "", "Mindray", "L12-3E", 12, None, None, 350000),
    ("CUFF-A", "Манжета для НИАД взрослая", "accessory", "", "Mindray", "", None, None, None, 3200),
    ("SPO2-S", "Датчик SpO2 многоразовый", "accessory", "", "Philips", "", None, None, None, 9800),
    ("GEL-5", "Гель для УЗИ, канистра 5 л", "consumable", "", "Медиагель", "", None, None, None, 1450),
    ("ECG-PAPER", "Бумага для ЭКГ 210 мм", "consumable", "", "Аксион", "", None, None, None, 690),
    ("FILTER-HME", "Фильтр тепловлагообменный", "consumable", "", "Dräger", "", None, None, None, 210),
    ("CIRC-AD", "Дыхательный контур взрослый", "consumable", "", "Dräger", "", None, None, None, 1350),
    ("IND-STER", "Индикаторы стерилизации, 1000 шт.", "consumable", "", "Винар", "", None, None, None, 2900),
    ("BATT-MON", "Аккумулятор для монитора пациента", "spare_part", "", "Mindray", "", 6, None, None, 18500),
    ("O2-SENS", "Датчик кислорода для ИВЛ", "spare_part", "", "Dräger", "", 6, None, None, 27000),
    ("SVC-INST", "Монтаж и пусконаладка оборудования", "service", "", "", "", None, None, None, 45000),
    ("SVC-TO", "Техническое обслуживание (плановое)", "service", "", "", "", None, None, None, 28000),
    ("SVC-TRAIN", "Обучение персонала", "service", "", "", "", None, None, None, 15000),
]
# Kits: the ultrasound DC-70 kit holds two probes.
KITS = {"US-DC70": [("PROBE-C5", 1), ("PROBE-L12", 1)]}
# What goes with an equipment sale.
ADD_ONS = {
    "УЗИ-аппарат": ["GEL-5", "SVC-INST"],
    "Монитор пациента": ["CUFF-A", "SPO2-S"],
    "Аппарат ИВЛ": ["FILTER-HME", "CIRC-AD", "SVC-INST"],
    "Наркозный аппарат": ["CIRC-AD", "SVC-TRAIN"],
    "Электрокардиограф": ["ECG-PAPER"],
    "Стерилизатор": ["IND-STER", "SVC-INST"],
}


@dataclass
class _Party:
    external_id: str | None
    name: str
    inn: str | None
    full_name: str | None = None
    kpp: str | None = None
    region: str | None = None


@dataclass
class _Product:
    external_id: str | None
    sku: str | None
    name: str
    kind: str | None = None
    unit: str | None = "шт"
    okpd2: str | None = None


@dataclass
class _Line:
    line_no: int
    product: _Product
    quantity: Decimal
    price: Decimal
    amount: Decimal
    vat_amount: Decimal | None = None
    cost: Decimal | None = None
    serial_numbers: list[str] = field(default_factory=list)


@dataclass
class _Document:
    kind: str
    external_id: str
    version: str
    number: str
    date: Any
    posted: bool
    deleted: bool
    client: _Party
    manager: str | None
    lines: list[_Line]
    total: Decimal
    source_row: Any = None


def _catalogue() -> dict[str, Product]:
    products = [
        Product(
            sku=sku,
            name=name,
            kind=kind,
            equipment_type_name=type_name,
            manufacturer=maker,
            model_name=model,
            warranty_months=warranty,
            maintenance_interval_months=interval,
            service_life_years=life,
            unit="шт" if kind != "service" else "усл",
            external_id=f"DEMO-{sku}",
        )
        for sku, name, kind, type_name, maker, model, warranty, interval, life, _price in CATALOGUE
    ]
    Product.objects.bulk_create(products, ignore_conflicts=True)
    by_sku = {p.sku: p for p in Product.objects.filter(external_id__startswith="DEMO-")}
    components = [
        ProductComponent(kit=by_sku[kit], component=by_sku[part], quantity=qty)
        for kit, parts in KITS.items()
        for part, qty in parts
    ]
    ProductComponent.objects.bulk_create(components, ignore_conflicts=True)
    return by_sku


def _line(no: int, product: Product, quantity: int, price: int, *, rng, serials: list[str]) -> _Line:
    amount = Decimal(price) * quantity
    margin = Decimal(rng.randint(12, 35)) / 100
    return _Line(
        line_no=no,
        product=_Product(external_id=product.external_id, sku=product.sku, name=product.name, kind=product.kind),
        quantity=Decimal(quantity),
        price=Decimal(price),
        amount=amount,
        cost=(amount * (1 - margin)).quantize(Decimal("0.01")),
        serial_numbers=serials,
    )


def seed(ctx) -> None:
    """Fill the catalogue and two years of sales for about two thirds of the demo clients."""
    rng = ctx.rng
    products = _catalogue()
    from integrations.demo_tenders import seed_tenders

    seed_tenders(ctx)  # a finished tender import, matched against the catalogue above
    prices = {row[0]: row[-1] for row in CATALOGUE}
    equipment = [sku for sku, *_rest in CATALOGUE if products[sku].kind == "equipment"]
    consumables = [sku for sku, *_rest in CATALOGUE if products[sku].kind in ("consumable", "accessory", "spare_part")]
    clients = list(
        Client.objects.filter(pk__in=ctx.client_ids, kind__in=["customer", "prospect"]).values_list(
            "id", "name", "inn", "responsible__username", "region__name"
        )
    )
    documents: list[_Document] = []
    today = ctx.today
    serial = 0
    for client_id, name, inn, manager, region in clients:
        if rng.random() > 0.65:
            continue
        party = _Party(external_id=f"DEMO-C{client_id}", name=name, inn=inn or None, region=region)
        for deal in range(rng.randint(1, 5)):
            day = today - timedelta(days=rng.randint(20, 730))
            lines: list[_Line] = []
            if rng.random() < 0.55:
                sku = rng.choice(equipment)
                quantity = rng.choice([1, 1, 1, 2])
                serials = []
                for _unit in range(quantity):
                    serial += 1
                    serials.append(f"{sku.split('-')[0]}{day:%y}{serial:06d}")
                lines.append(_line(1, products[sku], quantity, prices[sku], rng=rng, serials=serials))
                for extra in ADD_ONS.get(products[sku].equipment_type_name, []):
                    lines.append(
                        _line(len(lines) + 1, products[extra], rng.randint(1, 4), prices[extra], rng=rng, serials=[])
                    )
            else:
                for sku in rng.sample(consumables, rng.randint(1, 3)):
                    lines.append(
                        _line(len(lines) + 1, products[sku], rng.randint(1, 20), prices[sku], rng=rng, serials=[])
                    )
            total = sum((line.amount for line in lines), Decimal(0))
            base = f"DEMO-{client_id}-{deal}"
            number = f"{day:%y}-{client_id:05d}{deal}"
            common = {"version": "1", "deleted": False, "client": party, "manager": manager, "total": total}
            documents.append(
                _Document(kind="invoice", external_id=base, number=number, date=day, posted=True, lines=lines, **common)
            )
            paid = day + timedelta(days=rng.randint(2, 20))
            if paid <= today and rng.random() < 0.9:
                documents.append(
                    _Document(
                        kind="payment",
                        external_id=f"{base}#payment",
                        number=number,
                        date=paid,
                        posted=True,
                        lines=[],
                        **common,
                    )
                )
                shipped = paid + timedelta(days=rng.randint(1, 15))
                if shipped <= today:
                    documents.append(
                        _Document(
                            kind="shipment",
                            external_id=f"{base}#shipment",
                            number=number,
                            date=shipped,
                            posted=True,
                            lines=lines,
                            **common,
                        )
                    )
    if not documents:
        return
    summary = sales_documents_import(documents=documents, source="demo")
    ctx.log(
        f"integrations: {summary.created} sales documents ({summary.lines} lines), "
        f"{summary.unchanged} already there; catalogue of {len(products)} products."
    )
