"""CommerceML 2.x/3.x sales documents: the real 1C samples, derived payments and shipments."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from integrations.parsers.sales import FileRejected, parse_commerceml, parse_commerceml_counterparties
from tests.samples import SAMPLES as SHARED_SAMPLES
from tests.samples import samples_required

# The real 1C samples in ../shared/samples (see its SOURCES.md).
SAMPLES = SHARED_SAMPLES / "shipments_1c" / "commerceml"
MSK = ZoneInfo("Europe/Moscow")

pytestmark = samples_required(SAMPLES)


def parse_sample(name):
    return parse_commerceml((SAMPLES / name).read_bytes(), filename=name)


def by_id(result):
    return {document.external_id: document for document in result.documents}


def test_it_reads_an_order_with_payment_and_shipment_as_three_documents():
    result = parse_sample("documents-example.xml")

    assert result.errors == []
    assert result.rows == 2
    documents = by_id(result)
    assert sorted(documents) == ["142", "142#payment", "142#shipment", "235", "235#payment"]
    order = documents["142"]
    assert order.kind == "invoice"
    assert order.number == "ТДЦУ-000001"
    assert order.date == datetime(2015, 6, 29, 15, 39, 10, tzinfo=MSK)
    assert order.version == "AAAAEAAAAAA="
    assert order.total == Decimal("8186.84")
    assert order.posted is True
    assert order.deleted is False
    assert order.client.name == "Kikinda (Сербия)"
    assert order.client.external_id == "4a65ecb6-8b1b-11df-be16-e0cb4ed5f70f"
    assert order.client.inn is None


def test_it_takes_shipment_number_and_date_from_requisites():
    shipment = by_id(parse_sample("documents-example.xml"))["142#shipment"]

    assert shipment.kind == "shipment"
    assert shipment.number == "ТДЦУ-000003"
    assert shipment.date == datetime(2015, 6, 29, 17, 32, 27, tzinfo=MSK)
    assert [line.amount for line in shipment.lines] == [Decimal("3338"), Decimal("3600")]
    assert shipment.version == "AAAAEAAAAAA="


def test_it_takes_payment_number_and_date_from_requisites():
    payment = by_id(parse_sample("documents-example.xml"))["235#payment"]

    assert payment.kind == "payment"
    assert payment.number == "ТДЦУ-000002"
    assert payment.date == datetime(2015, 6, 29, 16, 36, 25, tzinfo=MSK)
    assert payment.total == Decimal("4100")
    assert payment.lines == []


def test_it_reads_lines_with_units_vat_and_services():
    order = by_id(parse_sample("documents-example.xml"))["235"]

    assert [line.line_no for line in order.lines] == [1, 2]
    boots, delivery = order.lines
    assert boots.product.external_id == "bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802"
    assert boots.product.unit == "пар"
    assert boots.quantity == Decimal(1)
    assert boots.price == Decimal(3600)
    assert boots.vat_amount == Decimal("549.15")
    assert boots.product.kind is None
    assert delivery.product.name == "Доставка заказа"
    assert delivery.product.kind == "service"


def test_it_reads_commerceml_3_with_a_bom_and_detects_shipped_orders():
    result = parse_sample("documents.xml")

    assert (SAMPLES / "documents.xml").read_bytes().startswith(b"\xef\xbb\xbf")
    assert result.errors == []
    assert result.rows == 4
    assert [(d.external_id, d.kind, d.number) for d in result.documents] == [
        ("319", "invoice", "L319"),
        ("479", "invoice", "K479"),
        ("479#shipment", "shipment", "О0000000966"),
        ("480", "invoice", "K480"),
        ("481", "invoice", "K481"),
        ("481#shipment", "shipment", "О0000000974"),
    ]
    shipment = by_id(result)["479#shipment"]
    assert shipment.date == datetime(2017, 8, 2, 18, 36, 44, tzinfo=MSK)
    assert shipment.total == Decimal("1122")
    assert len(shipment.lines) == 1
    assert shipment.lines[0].product.sku == "KL1941ROBFR"
    assert shipment.lines[0].product.unit == "шт"


def test_it_reads_posted_flags_and_names_anonymous_buyers():
    documents = by_id(parse_sample("documents.xml"))

    assert documents["480"].posted is False
    assert documents["481"].posted is True
    # Bitrix writes "<id>#<login>#<name>" for a buyer without a name.
    assert documents["480"].client.name == "Еремеева Юлия"
    assert documents["480"].total == Decimal("1266.5")


def test_it_reads_the_old_2_03_order_and_skips_status_updates():
    result = parse_sample("orders.xml")

    assert result.errors == []
    assert result.rows == 3
    [order] = result.documents
    assert order.kind == "invoice"
    assert order.number == "36"
    assert order.date == datetime(2007, 10, 30, 15, 19, 27, tzinfo=MSK)
    assert order.total == Decimal("6734.47")
    assert order.posted is False
    assert order.version.startswith("sha256:")
    assert [line.product.unit for line in order.lines] == ["шт", "шт"]
    assert [line.price for line in order.lines] == [Decimal("340.00"), Decimal("6394.47")]
    assert [str(warning.location) for warning in result.warnings] == ["document 92", "document 93"]


def test_it_reads_a_counterparty_export_and_drops_foreign_inns():
    parties = parse_commerceml_counterparties((SAMPLES / "contractors-example.xml").read_bytes())

    assert [party.name for party in parties] == ['Удаленный отдел "Уют"', "Алтай ТОО", "ТД Уют", "Банк ТуранАлем ОАО"]
    assert parties[2].full_name == 'ТОО "ТД Уют"'
    assert parties[2].region == "Города Республиканского значения: Алматы"
    # Kazakh BINs fail the Russian INN checksum.
    assert all(party.inn is None for party in parties)


def commerceml(body, *, namespace="urn:1C.ru:commerceml_2"):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<КоммерческаяИнформация xmlns="{namespace}" ВерсияСхемы="2.10">{body}</КоммерческаяИнформация>'
    ).encode()


BUYER = """
<Контрагенты><Контрагент><Ид>c1</Ид><Наименование>ООО Ромашка</Наименование>
<Роль>Покупатель</Роль><ИНН>7707083893</ИНН><КПП>770701001</КПП></Контрагент></Контрагенты>
"""


def test_it_reads_a_shipment_operation_without_deriving_another():
    body = f"""<Документ><Ид>s1</Ид><Номер>Р-1</Номер><Дата>2024-03-01</Дата>
    <ХозОперация>Отпуск товара</ХозОперация><Сумма>200</Сумма>{BUYER}
    <Товары><Товар><Ид>p1</Ид><Наименование>Насос</Наименование><Количество>2</Количество>
    <Цена>100</Цена><Сумма>200</Сумма><СерийныеНомера><СерийныйНомер>SN1</СерийныйНомер>
    <СерийныйНомер>SN2</СерийныйНомер></СерийныеНомера></Товар></Товары></Документ>"""

    result = parse_commerceml(commerceml(body, namespace="urn:1C.ru:commerceml_3"))

    [shipment] = result.documents
    assert shipment.kind == "shipment"
    assert shipment.external_id == "s1"
    assert shipment.date.isoformat() == "2024-03-01"
    assert shipment.client.inn == "7707083893"
    assert shipment.client.kpp == "770701001"
    assert shipment.lines[0].serial_numbers == ["SN1", "SN2"]


def test_it_rejects_a_document_with_an_unknown_operation_or_broken_number():
    body = f"""<Документ><Ид>x1</Ид><Номер>1</Номер><Дата>2024-03-01</Дата>
    <ХозОперация>Телепортация</ХозОперация>{BUYER}</Документ>
    <Документ><Ид>x2</Ид><Номер>2</Номер><Дата>2024-03-01</Дата><ХозОперация>Заказ товара</ХозОперация>{BUYER}
    <Товары><Товар><Ид>p</Ид><Наименование>Насос</Наименование><Количество>два</Количество></Товар></Товары>
    </Документ>"""

    result = parse_commerceml(commerceml(body))

    assert result.documents == []
    assert [(str(error.location), str(error.reason)) for error in result.errors] == [
        ("document x1", "unknown operation “Телепортация”"),
        ("document x2", "quantity: “два” is not a number."),
    ]


def test_it_warns_about_an_invalid_inn_and_a_discounted_amount():
    buyer = BUYER.replace("7707083893", "7707083894")
    body = f"""<Документ><Ид>d1</Ид><Номер>1</Номер><Дата>2024-03-01</Дата>
    <ХозОперация>Заказ товара</ХозОперация>{buyer}<Товары><Товар><Ид>p</Ид><Наименование>Насос</Наименование>
    <Количество>2</Количество><Цена>100</Цена><Сумма>180</Сумма></Товар></Товары></Документ>"""

    result = parse_commerceml(commerceml(body))

    [order] = result.documents
    assert order.client.inn is None
    assert order.total == Decimal(180)
    assert [str(warning.reason) for warning in result.warnings] == [
        "buyer “ООО Ромашка”: INN 7707083894 fails the checksum; the INN is treated as unknown",
        "line 1: amount 180 does not match quantity 2 × price 100 = 200",
    ]


def test_it_refuses_xml_that_is_not_commerceml():
    with pytest.raises(FileRejected, match="not a CommerceML"):
        parse_commerceml(b"<root/>", filename="other.xml")
