"""Posted shipments of equipment products create each unit exactly once, with its dates."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import TestCase

from crm import signals
from crm.models import SalesDocument
from equipment.models import Equipment, EquipmentType
from equipment.services.shipments import equipment_register_shipment, equipment_register_shipments
from tests.equipment.factories import EquipmentFactory, ProductFactory, make_shipment
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _send(*documents, **kwargs):
    """Announce the documents as an import does: once for the batch, on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        signals.sales_documents_posted.send(sender=SalesDocument, documents=list(documents))


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


def test_a_client_without_an_engineer_gets_the_service_engineer_of_its_region(manager, engineer):
    from tests.factories import UserFactory

    region = manager.region
    region.service_engineer = engineer
    region.save()
    retired = UserFactory(role="engineer", is_active=False)
    newcomer = ClientFactory(responsible=manager, region=region)
    serviced = ClientFactory(responsible=manager, region=region)
    EquipmentFactory(client=serviced, service_responsible=retired)  # its only engineer has left
    elsewhere = ClientFactory(responsible=manager, region=None)
    documents = [
        make_shipment(client, [(ProductFactory(), 1, [])], number=str(n))
        for n, client in enumerate((newcomer, serviced, elsewhere))
    ]

    _send(*documents)

    engineers = {e.client_id: e.service_responsible for e in Equipment.objects.filter(shipment_document__in=documents)}
    assert engineers == {newcomer.pk: engineer, serviced.pk: engineer, elsewhere.pk: None}


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


def _shipments(count, manager, *, engineer=None):
    products = [ProductFactory(equipment_type_name=name) for name in ("Compressor", "Dryer", "")]
    documents = []
    for n in range(count):
        client = ClientFactory(responsible=manager)
        if engineer is not None:
            EquipmentFactory(client=client, service_responsible=engineer)
        lines = [(products[n % 3], 1 + n % 2, [f"S{n}"]), (ProductFactory(kind="consumable"), 5, [])]
        documents.append(make_shipment(client, lines, number=str(n)))
    return documents


def test_a_batch_of_documents_registers_each_unit_exactly_once(manager, engineer):
    documents = _shipments(6, manager, engineer=engineer)

    assert equipment_register_shipments(document_ids=[d.pk for d in documents]) == 9

    units = Equipment.objects.filter(source="shipment")
    assert units.count() == 9
    for n, document in enumerate(documents):
        mine = units.filter(shipment_document=document).order_by("unit_index")
        assert mine.count() == 1 + n % 2
        assert mine[0].serial_number == f"S{n}" and mine[0].client_id == document.client_id
        assert mine[0].shipment_line_id == document.lines.get(line_no=1).pk
    assert set(units.values_list("service_responsible", flat=True)) == {engineer.pk}
    assert sorted(EquipmentType.objects.values_list("name", flat=True)) == ["Compressor", "Dryer", "Other equipment"]


def test_resending_a_batch_changes_nothing(manager):
    documents = _shipments(4, manager)
    _send(*documents)
    before = list(Equipment.objects.order_by("pk").values())

    _send(*documents)
    assert equipment_register_shipments(document_ids=[d.pk for d in documents]) == 0

    assert list(Equipment.objects.order_by("pk").values()) == before


def test_the_batch_skips_invoices_and_unposted_documents(manager):
    shipment, draft = _shipments(2, manager)
    SalesDocument.objects.filter(pk=draft.pk).update(posted=False)

    assert equipment_register_shipments(document_ids=[shipment.pk, draft.pk, 10**9]) == 1

    assert set(Equipment.objects.values_list("shipment_document", flat=True)) == {shipment.pk}


# 20 documents make 30 units: one INSERT even on SQLite, which caps the rows of a bulk insert.
@pytest.mark.parametrize("count", [3, 20])
def test_the_batch_runs_the_same_queries_for_any_number_of_documents(
    count, manager, engineer, django_assert_max_num_queries
):
    documents = _shipments(count, manager, engineer=engineer)

    with django_assert_max_num_queries(11):
        equipment_register_shipments(document_ids=[d.pk for d in documents])

    assert Equipment.objects.filter(source="shipment").count() == sum(1 + n % 2 for n in range(count))


def test_an_import_queues_one_task_for_all_its_shipments(manager, monkeypatch):
    from equipment import tasks

    calls = []
    original = tasks.equipment_register_shipments_task.delay
    monkeypatch.setattr(
        tasks.equipment_register_shipments_task, "delay", lambda ids: calls.append(sorted(ids)) or original(ids)
    )
    documents = _shipments(5, manager)

    _send(*documents)

    assert calls == [sorted(d.pk for d in documents)]
    assert Equipment.objects.filter(source="shipment").count() == 7
