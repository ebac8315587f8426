"""What an import decides beyond parsing: older versions, unknown products, the region of new clients."""

import datetime as dt
from decimal import Decimal

import pytest

from crm.models import Client, Product, SalesDocument
from crm.services.sales import sales_documents_import
from integrations.parsers.sales.types import PartyData, ProductData, SalesDocumentData, SalesLineData
from tests.factories import UserFactory
from tests.integrations.sales_files import INN_1

pytestmark = pytest.mark.django_db


def _document(*, version="1", quantity="1", product=None, client=None, manager="manager", external_id="SHP-1"):
    product = product or ProductData(external_id=None, sku="MR-1", name="Монитор Mindray", kind="equipment")
    return SalesDocumentData(
        kind="shipment",
        external_id=external_id,
        version=version,
        number="1",
        date=dt.date(2026, 3, 15),
        posted=True,
        deleted=False,
        client=client or PartyData(external_id=None, name="ООО «Клиника»", inn=INN_1),
        manager=manager,
        lines=[
            SalesLineData(
                line_no=1,
                product=product,
                quantity=Decimal(quantity),
                price=Decimal(100),
                amount=Decimal(100) * Decimal(quantity),
            )
        ],
        total=Decimal(100) * Decimal(quantity),
        source_row=2,
    )


def _import(*documents, by=None):
    return sales_documents_import(documents=list(documents), by=by, source="file")


def test_an_older_numbered_version_does_not_undo_a_newer_one(manager):
    _import(_document(version="1", quantity="1"))
    _import(_document(version="2", quantity="3"))

    summary = _import(_document(version="1", quantity="1"))

    assert (summary.updated, summary.outdated) == (0, 1)
    document = SalesDocument.objects.get()
    assert document.version == "2" and document.lines.get().quantity == 3


def test_versions_without_an_order_are_taken_as_sent(manager):
    _import(_document(version="AAAAAgAAAAA="))

    summary = _import(_document(version="AAAAAQAAAAA=", quantity="2"))

    assert summary.updated == 1
    assert SalesDocument.objects.get().lines.get().quantity == 2


def test_a_product_the_catalogue_lacks_known_only_by_its_code_is_added_under_it(manager):
    # 1C OData documents name their goods by GUID; a GUID missing from Catalog_Номенклатура is
    # warned about by the parser, and the sale is still recorded.
    _import(_document(product=ProductData(external_id="9f1c-guid", sku=None, name="")))

    product = SalesDocument.objects.get().lines.get().product
    assert (product.external_id, product.name) == ("9f1c-guid", "9f1c-guid")


def test_a_product_the_catalogue_has_may_be_referenced_by_its_code_alone(manager):
    Product.objects.create(external_id="9f1c-guid", name="Компрессор", kind="equipment")

    _import(_document(product=ProductData(external_id="9f1c-guid", sku=None, name="")))

    assert SalesDocument.objects.get().lines.get().product.name == "Компрессор"


def test_a_new_client_takes_the_region_the_source_names(manager, region_b):
    _import(_document(client=PartyData(external_id=None, name="ООО «Клиника»", inn=INN_1, region="region b")))

    assert Client.objects.get().region == region_b


def test_without_a_named_region_a_new_client_takes_its_managers(manager, region_b):
    admin = UserFactory(role="admin", region=region_b)

    _import(_document(), by=admin)

    client = Client.objects.get()
    assert client.responsible == manager and client.region == manager.region


def test_accounting_states_the_equipment_terms_of_new_and_known_products(manager):
    Product.objects.create(sku="MR-1", name="Монитор", kind="equipment", warranty_months=6, manufacturer="Old")
    stated = ProductData(
        external_id=None,
        sku="MR-1",
        name="Монитор Mindray",
        kind="equipment",
        equipment_type_name="Монитор пациента",
        manufacturer="Mindray",
        model="uMEC 12",
        warranty_months=24,
        maintenance_interval_months=12,
        service_life_years=None,
    )
    new = ProductData(external_id=None, sku="CP-1", name="Компрессор", kind="equipment", service_life_years=10)

    _import(_document(product=stated), _document(external_id="SHP-2", product=new))

    known = Product.objects.get(sku="MR-1")
    assert (known.equipment_type_name, known.manufacturer, known.model_name) == (
        "Монитор пациента",
        "Mindray",
        "uMEC 12",
    )
    assert (known.warranty_months, known.maintenance_interval_months, known.service_life_years) == (24, 12, None)
    assert Product.objects.get(sku="CP-1").service_life_years == 10


def test_without_manager_or_user_the_configured_region_is_used(settings, region_b):
    settings.SALES_DEFAULT_REGION = "Region B"

    _import(_document(manager=None))

    assert Client.objects.get().region == region_b
