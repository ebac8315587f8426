"""`seed_demo` with every app: a catalogue, two years of sales documents and the installed base they made."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Max, Min

from crm.demo.seed import seed_demo
from crm.models import Product, ProductComponent, SalesDocument
from equipment.demo import OURS, THEIRS
from equipment.models import Equipment, EquipmentComponent, ServiceVisit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def test_the_demo_fills_the_catalogue_sales_and_the_installed_base_they_made(django_capture_on_commit_callbacks):
    # One seeding for all the checks: every app's seeder runs (a few seconds); what imports do on
    # commit (equipment from shipments) runs too.
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        seed_demo(clients=12, seed=3, options={"equipment": 40}, log=lambda _message: None)

    # The catalogue carries the terms the units' dates come from.
    equipment = Product.objects.filter(kind="equipment")
    assert equipment.count() >= 10
    assert not equipment.filter(warranty_months__isnull=True).exists()
    assert not equipment.filter(maintenance_interval_months__isnull=True).exists()
    assert Product.objects.filter(kind="consumable").exists()

    # Two years of invoices, payments and shipments.
    assert set(SalesDocument.objects.values_list("kind", flat=True)) == {"invoice", "payment", "shipment"}
    span = SalesDocument.objects.aggregate(first=Min("date"), last=Max("date"))
    assert (span["last"] - span["first"]).days > 365

    # Posted shipments made their units, with dates; the catalogue has kits (their units get components).
    shipped = Equipment.objects.filter(source="shipment")
    assert shipped.exists()
    assert not shipped.filter(shipment_document__isnull=True).exists()
    assert not shipped.filter(warranty_until__isnull=True).exists()
    assert ProductComponent.objects.exists()
    kits = shipped.filter(product__components__isnull=False).distinct()
    assert set(kits) <= {component.equipment for component in EquipmentComponent.objects.select_related("equipment")}

    # --equipment N: units logged by hand and learned about competitors, of the same kinds of equipment.
    logged = Equipment.objects.filter(source__in=["manual", "competitor", "visit"])
    theirs = logged.exclude(source="manual")
    assert theirs.exists() and not theirs.filter(competitor__isnull=True).exists()
    assert {(u.manufacturer, u.model) for u in theirs} <= {(m, model) for _t, m, model in THEIRS}
    ours = logged.filter(source="manual")
    assert {(u.manufacturer, u.model) for u in ours} <= {(m, model) for _t, m, model in OURS}
    catalogue_types = set(equipment.values_list("equipment_type_name", flat=True))
    assert set(logged.values_list("equipment_type__name", flat=True)) <= catalogue_types

    # And a service history.
    assert ServiceVisit.objects.filter(kind="maintenance").exists()
