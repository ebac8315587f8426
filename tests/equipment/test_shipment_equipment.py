"""Posted shipments of equipment products create each unit exactly once, with its dates."""

import datetime as dt

import pytest
from django.db import transaction

from crm import signals
from crm.models import SalesDocument
from equipment.models import Equipment, EquipmentType
from equipment.services.shipments import equipment_register_shipment
from tests.equipment.factories import EquipmentFactory, ProductFactory, make_shipment
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _send(document, **kwargs):
    signals.sales_document_posted.send(
        sender=SalesDocument, document=document, created=kwargs.get("created", True), became_posted=True
    )


def test_it_creates_one_unit_per_quantity_with_serials_where_known(manager):
    client = ClientFactory(responsible=manager)
    product = ProductFactory()
    document = make_shipment(client, [(product, 3, ["A-1", "B-2"])])

    _send(document)

    units = list(Equipment.objects.order_by("unit_index"))
    assert len(units) == 3
    assert [u.serial_number for u in units] == ["A-1", "B-2", ""]
    assert all(u.shipment_document_id == document.pk and u.source == "shipment" for u in units)
    assert units[0].shipment_line.line_no == 1


def test_it_creates_them_exactly_once_however_often_the_document_is_resent(manager):
    client = ClientFactory(responsible=manager)
    document = make_shipment(client, [(ProductFactory(), 2, [])])

    for _ in range(3):
        _send(document, created=False)
    assert equipment_register_shipment(document=document) == 0

    assert Equipment.objects.count() == 2


def test_it_survives_rewritten_lines_of_a_new_version(manager):
    client = ClientFactory(responsible=manager)
    product = ProductFactory()
    document = make_shipment(client, [(product, 2, ["X", "Y"])])
    _send(document)
    line = document.lines.get()
    line_values = {f: getattr(line, f) for f in ("line_no", "product", "quantity", "serial_numbers", "kind", "date")}
    line.delete()
    document.lines.create(**line_values, client=client, manager=manager)

    _send(document, created=False)

    assert Equipment.objects.count() == 2
    assert set(Equipment.objects.values_list("shipment_line_id", flat=True)) == {document.lines.get().pk}


def test_more_serials_than_quantity_make_one_unit_per_serial(manager):
    client = ClientFactory(responsible=manager)
    document = make_shipment(client, [(ProductFactory(), 1, ["A", "B"])])
    _send(document)
    assert Equipment.objects.count() == 2


def test_it_computes_the_dates_from_the_shipment_date(manager):
    client = ClientFactory(responsible=manager)
    product = ProductFactory(warranty_months=18, maintenance_interval_months=6, service_life_years=7)
    document = make_shipment(client, [(product, 1, [])], date=dt.date(2025, 8, 31))

    _send(document)

    unit = Equipment.objects.get()
    assert unit.shipped_on == dt.date(2025, 8, 31)
    assert unit.warranty_until == dt.date(2027, 2, 28)
    assert unit.next_maintenance_on == dt.date(2026, 2, 28)
    assert unit.end_of_life_on == dt.date(2032, 8, 31)
    assert unit.manufacturer == product.manufacturer and unit.model == product.model_name


def test_it_resolves_the_equipment_type_by_name_from_accounting(manager):
    EquipmentType.objects.create(name="Compressor")
    client = ClientFactory(responsible=manager)
    document = make_shipment(
        client,
        [
            (ProductFactory(equipment_type_name="compressor"), 1, []),
            (ProductFactory(equipment_type_name="Dryer"), 1, []),
        ],
    )

    _send(document)

    assert sorted(EquipmentType.objects.values_list("name", flat=True)) == ["Compressor", "Dryer"]
    assert Equipment.objects.filter(equipment_type__name="Compressor").count() == 1


def test_it_assigns_the_engineer_who_services_the_clients_other_equipment(manager, engineer):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, service_responsible=engineer)
    document = make_shipment(client, [(ProductFactory(), 1, [])])

    _send(document)

    assert Equipment.objects.get(shipment_document=document).service_responsible == engineer


def test_it_ignores_consumables_unposted_documents_and_invoices(manager):
    client = ClientFactory(responsible=manager)
    consumable = ProductFactory(kind="consumable")
    _send(make_shipment(client, [(consumable, 5, [])], number="1"))
    _send(make_shipment(client, [(ProductFactory(), 1, [])], number="2", posted=False))
    invoice = make_shipment(client, [(ProductFactory(), 1, [])], number="3")
    SalesDocument.objects.filter(pk=invoice.pk).update(kind="invoice")
    invoice.refresh_from_db()
    _send(invoice)

    assert Equipment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_registration_is_absorbed_by_the_constraint(manager):
    client = ClientFactory(responsible=manager)
    document = make_shipment(client, [(ProductFactory(), 2, [])])
    with transaction.atomic():
        equipment_register_shipment(document=document)
        equipment_register_shipment(document=document)
    assert Equipment.objects.count() == 2


def test_the_task_registers_a_shipment_by_id(manager):
    from equipment.tasks import equipment_register_shipment_task

    document = make_shipment(ClientFactory(responsible=manager), [(ProductFactory(), 2, [])])
    assert equipment_register_shipment_task.delay(document.pk).get() == 2
    assert equipment_register_shipment_task.delay(document.pk).get() == 0
