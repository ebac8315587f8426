"""Factories of equipment, and of the catalogue and shipments it comes from."""

import datetime as dt
from decimal import Decimal

import factory

from crm.models import Product, SalesDocument, SalesDocumentLine
from equipment.models import Equipment, EquipmentType
from tests.factories import ClientFactory


class EquipmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquipmentType
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Type {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    kind = "equipment"
    equipment_type_name = "Compressor"
    manufacturer = "Atlas"
    model_name = factory.Sequence(lambda n: f"GA-{n}")
    warranty_months = 12
    maintenance_interval_months = 6
    service_life_years = 10


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    client = factory.SubFactory(ClientFactory)
    equipment_type = factory.SubFactory(EquipmentTypeFactory, name="Compressor")
    manufacturer = "Atlas"
    model = factory.Sequence(lambda n: f"GA-{n}")
    serial_number = factory.Sequence(lambda n: f"SN{n:05d}")
    source = "manual"


def make_shipment(client, lines, *, date=dt.date(2026, 3, 10), number="1", posted=True):
    """Create a shipment with lines [(product, quantity, serials)]; return the document."""
    document = SalesDocument.objects.create(
        kind="shipment",
        number=number,
        date=date,
        client=client,
        manager=client.responsible,
        posted=posted,
        external_id=f"ship-{number}",
    )
    for no, (product, quantity, serials) in enumerate(lines, start=1):
        SalesDocumentLine.objects.create(
            document=document,
            line_no=no,
            product=product,
            quantity=Decimal(quantity),
            price=Decimal(100),
            amount=Decimal(100) * Decimal(quantity),
            serial_numbers=serials,
            kind=document.kind,
            date=document.date,
            client=client,
            manager=client.responsible,
            is_effective=posted,
        )
    return document
