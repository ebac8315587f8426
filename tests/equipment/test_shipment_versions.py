"""New versions of a shipment (lines added, removed, reordered, serials learned) never duplicate a unit."""

from decimal import Decimal

import pytest

from crm.models import ProductComponent, SalesDocumentLine
from equipment.models import Equipment, EquipmentComponent
from equipment.services.shipments import equipment_register_shipment
from tests.equipment.factories import ProductFactory, make_shipment
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _rewrite(document, lines):
    """Replace the document's lines as an import of a new version does: [(product, quantity, serials)]."""
    document.lines.all().delete()
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
            client=document.client,
            manager=document.manager,
        )


def _units(document):
    return sorted(
        (unit.product_id, unit.serial_number, unit.shipment_line.line_no if unit.shipment_line else None)
        for unit in Equipment.objects.filter(shipment_document=document).select_related("shipment_line")
    )


@pytest.fixture
def client(manager):
    return ClientFactory(responsible=manager)


def test_a_line_inserted_before_the_equipment_creates_no_second_unit(client):
    compressor = ProductFactory()
    document = make_shipment(client, [(compressor, 1, ["SN-A"])])
    assert equipment_register_shipment(document=document) == 1

    _rewrite(document, [(ProductFactory(kind="consumable"), 5, []), (compressor, 1, ["SN-A"])])

    assert equipment_register_shipment(document=document) == 0
    assert _units(document) == [(compressor.pk, "SN-A", 2)]


def test_reordered_lines_keep_each_unit_on_its_own_line(client):
    first, second = ProductFactory(), ProductFactory()
    document = make_shipment(client, [(first, 1, []), (second, 1, [])])
    equipment_register_shipment(document=document)

    _rewrite(document, [(second, 1, []), (first, 1, [])])

    assert equipment_register_shipment(document=document) == 0
    assert _units(document) == sorted([(first.pk, "", 2), (second.pk, "", 1)])


def test_a_new_product_on_a_taken_line_number_still_gets_its_unit(client):
    old, new = ProductFactory(), ProductFactory()
    document = make_shipment(client, [(old, 1, ["OLD-1"])])
    equipment_register_shipment(document=document)

    _rewrite(document, [(new, 1, ["NEW-1"]), (old, 1, ["OLD-1"])])

    assert equipment_register_shipment(document=document) == 1
    assert _units(document) == sorted([(old.pk, "OLD-1", 2), (new.pk, "NEW-1", 1)])
    assert equipment_register_shipment(document=document) == 0


def test_a_serial_sent_later_is_written_to_the_unit_that_had_none(client):
    compressor = ProductFactory()
    document = make_shipment(client, [(compressor, 2, [])])
    equipment_register_shipment(document=document)

    _rewrite(document, [(compressor, 2, ["SN-1", "SN-2"])])

    assert equipment_register_shipment(document=document) == 0
    assert _units(document) == [(compressor.pk, "SN-1", 1), (compressor.pk, "SN-2", 1)]


def test_a_corrected_serial_replaces_the_old_one_on_the_same_unit(client):
    compressor = ProductFactory()
    document = make_shipment(client, [(compressor, 1, ["SN-1O"])])
    equipment_register_shipment(document=document)

    _rewrite(document, [(compressor, 1, ["SN-10"])])

    assert equipment_register_shipment(document=document) == 0
    assert _units(document) == [(compressor.pk, "SN-10", 1)]


def test_a_removed_line_leaves_its_unit_in_place(client):
    first, second = ProductFactory(), ProductFactory()
    document = make_shipment(client, [(first, 1, []), (second, 1, [])])
    equipment_register_shipment(document=document)

    _rewrite(document, [(second, 1, [])])

    assert equipment_register_shipment(document=document) == 0
    # Nothing the CRM knows is thrown away: the unit stays, without a line to point at.
    assert _units(document) == sorted([(first.pk, "", None), (second.pk, "", 1)])


def test_a_kit_unit_gets_a_component_row_per_piece_once(client):
    kit = ProductFactory(name="Station")
    dryer = ProductFactory(name="Dryer", kind="spare_part")
    filter_ = ProductFactory(name="Filter", kind="consumable")
    ProductComponent.objects.create(kit=kit, component=dryer, quantity=1)
    ProductComponent.objects.create(kit=kit, component=filter_, quantity=2)
    document = make_shipment(client, [(kit, 2, ["K-1", "K-2"])])

    assert equipment_register_shipment(document=document) == 2
    assert equipment_register_shipment(document=document) == 0

    for unit in Equipment.objects.filter(shipment_document=document):
        assert sorted(unit.components.values_list("name", "serial_number")) == [
            ("Dryer", ""),
            ("Filter", ""),
            ("Filter", ""),
        ]
    assert EquipmentComponent.objects.count() == 6
