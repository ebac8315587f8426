"""1C OData JSON: Реализация documents, catalogue resolution, folders and zips."""

import json
import zipfile
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from integrations.parsers.sales import FileRejected, parse_odata, parse_odata_bundle
from tests.samples import SAMPLES as SHARED_SAMPLES
from tests.samples import samples_required

# The real 1C samples in ../shared/samples (see its SOURCES.md).
SAMPLES = SHARED_SAMPLES / "shipments_1c" / "odata"
DOCUMENTS = SAMPLES / "Document_RealizatsiyaTovarovUslug.odata.json"
COUNTERPARTIES = SAMPLES / "Catalog_Kontragenty.odata.json"
PRODUCTS = SAMPLES / "Catalog_Nomenklatura.odata.json"
GOODS_CLIENT = "b7569bcd-f670-11ea-8591-000c29b45b09"
SERVICE_PRODUCT = "f02ce7b6-e3b3-11eb-b4ad-000c29b45b09"

pytestmark = samples_required(SAMPLES)


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_it_reads_the_goods_and_services_shipments():
    result = parse_odata(DOCUMENTS.read_bytes())

    assert result.errors == []
    assert result.rows == 2
    goods, services = result.documents
    assert goods.kind == services.kind == "shipment"
    assert goods.external_id == "8b9660f6-6332-11ec-ad72-000c29b45b09"
    assert goods.version == "AAAACgAAAAA="
    assert goods.number == "0000-000001"
    assert goods.date == datetime(2021, 12, 22, 17, 22, 8, tzinfo=ZoneInfo("Europe/Moscow"))
    assert goods.posted is False
    assert goods.deleted is False
    assert goods.total == Decimal(150129)
    assert [(line.line_no, line.quantity, line.price, line.amount, line.vat_amount) for line in goods.lines] == [
        (1, Decimal(25), Decimal(5455), Decimal(136375), Decimal("22729.17")),
        (2, Decimal(2), Decimal(6877), Decimal(13754), Decimal("2292.33")),
    ]
    assert services.number == "0000-000002"
    assert services.total == Decimal(108554)
    assert [line.product.kind for line in services.lines] == ["service", "service"]
    assert [line.vat_amount for line in services.lines] == [Decimal(8685), Decimal("9407.33")]
    assert services.lines[0].product.name == "сборка каркаса мойки"


def test_it_keeps_the_guid_of_a_counterparty_from_another_base_and_warns():
    # The sample catalogue comes from a different 1C base: none of its keys match.
    result = parse_odata(
        DOCUMENTS.read_bytes(), counterparties_json=COUNTERPARTIES.read_bytes(), products_json=PRODUCTS.read_bytes()
    )

    client = result.documents[0].client
    assert client.external_id == GOODS_CLIENT
    assert client.inn is None
    assert client.name == ""
    assert f"counterparty {GOODS_CLIENT} is not in Catalog_Контрагенты: its INN is unknown" in [
        str(warning.reason) for warning in result.warnings
    ]
    assert result.errors == []


def test_it_resolves_counterparties_and_products_from_the_catalogues():
    counterparty = load(COUNTERPARTIES) | {"Ref_Key": GOODS_CLIENT}
    products = load(PRODUCTS)
    products["value"][0] |= {"Ref_Key": SERVICE_PRODUCT, "Артикул": "MOI-1"}

    result = parse_odata(load(DOCUMENTS), counterparties_json=counterparty, products_json=products)

    client = result.documents[0].client
    assert (client.inn, client.kpp, client.name, client.full_name) == (
        "5024089920",
        "501701001",
        "ТЕХНО-ЛОГИСТИК ООО",
        'ООО "ТЕХНО-ЛОГИСТИК"',
    )
    product = result.documents[1].lines[0].product
    assert (product.external_id, product.sku, product.name, product.kind) == (
        SERVICE_PRODUCT,
        "MOI-1",
        "Мойка",
        "service",
    )
    unresolved = result.documents[1].lines[1].product
    assert (unresolved.sku, unresolved.name) == (None, "сборка каркаса мойки")


def test_it_reads_a_folder_with_the_three_files():
    result = parse_odata_bundle(SAMPLES)

    assert len(result.documents) == 2
    assert result.documents[0].client.external_id == GOODS_CLIENT


def test_it_reads_a_zip_and_refuses_one_that_unpacks_too_far(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in (DOCUMENTS, COUNTERPARTIES, PRODUCTS):
            handle.write(path, f"1c/{path.name}")

    assert len(parse_odata_bundle(archive).documents) == 2
    with pytest.raises(FileRejected, match="unpacks to more data"):
        parse_odata_bundle(archive, max_bytes=10_000)


def test_it_rejects_a_document_without_a_date_but_keeps_the_others():
    payload = load(DOCUMENTS)
    payload["value"][0]["Date"] = "0001-01-01T00:00:00"

    result = parse_odata(payload)

    assert [str(error) for error in result.errors] == ["document 0000-000001: Date is missing"]
    assert [document.number for document in result.documents] == ["0000-000002"]


def test_it_refuses_broken_json_and_catalogues_passed_as_documents():
    with pytest.raises(FileRejected, match="not valid JSON"):
        parse_odata(b'{"value": [', filename="broken.json")
    with pytest.raises(FileRejected, match="Catalog_Номенклатура"):
        parse_odata(PRODUCTS.read_bytes(), filename="products.json")
