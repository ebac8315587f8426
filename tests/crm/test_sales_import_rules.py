"""What an import decides beyond parsing: older versions, unknown products, the region of new clients."""

import datetime as dt
from decimal import Decimal

import pytest

from crm.models import Client, Product, SalesDocument
from crm.services.sales import SalesImportError, sales_documents_import
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


def test_a_product_known_only_by_a_code_is_rejected_and_nothing_is_written(manager):
    unknown = ProductData(external_id="9f1c-guid", sku=None, name="")

    with pytest.raises(SalesImportError) as rejected:
        _import(_document(), _document(external_id="SHP-2", product=unknown))

    ((location, reason),) = rejected.value.errors
    assert location == 2 and "9f1c-guid" in str(reason)
    assert not SalesDocument.objects.exists() and not Client.objects.exists() and not Product.objects.exists()


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


def test_without_manager_or_user_the_configured_region_is_used(settings, region_b):
    settings.SALES_DEFAULT_REGION = "Region B"

    _import(_document(manager=None))

    assert Client.objects.get().region == region_b
