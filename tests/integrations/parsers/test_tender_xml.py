"""Every real EIS sample file is parsed into the expected customer, winner, items and bids."""

from datetime import date
from decimal import Decimal

import pytest

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.tenders import DocumentKind, Law, Party, SkippedDocument, parse_eis_xml


def parse(samples, relative):
    path = samples / relative
    return parse_eis_xml(str(path), filename=path.name)


def test_it_parses_a_44fz_contract_of_schema_7(samples):
    [tender] = parse(samples, "eis44_contracts/contract_2366200608816001262_30400522.xml")
    assert tender.kind is DocumentKind.CONTRACT
    assert tender.law is Law.FZ44
    assert tender.number == "0131200001016005027"
    assert tender.registry_number == "2366200608816001262"
    assert tender.contract_number == "0969-5027"
    assert tender.customer.inn == "3662006088"
    assert tender.customer.kpp == "366201001"
    assert tender.winner == Party(
        name='ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "Р-ЛАБ"', inn="6829057730", kpp="682901001"
    )
    assert tender.contract_sum == Decimal("1207680.35")
    assert tender.contract_date == date(2016, 11, 21)
    assert len(tender.items) == 21
    first = tender.items[0]
    # the multi-line product name is collapsed to one line
    assert first.name.startswith("Щелочная Фосфотаза Фасовка: 400 тестов")
    assert "\n" not in first.name
    assert (first.okpd2, first.quantity, first.unit, first.unit_price, first.sum) == (
        "21.20.23.111",
        Decimal("7.0"),
        "НАБОР",
        Decimal("1753.00"),
        Decimal("12271.00"),
    )
    assert sum(item.sum for item in tender.items) == tender.contract_sum


def test_it_parses_the_largest_contract_with_250_lines(samples):
    [tender] = parse(samples, "eis44_contracts/contract_2381103776916000030_27318511.xml")
    assert tender.customer.inn == "3811037769"
    assert tender.winner.inn == "3810026179"
    assert len(tender.items) == 250
    assert tender.contract_sum == Decimal("1456000.00")


def test_it_reads_quantities_in_exponent_notation(samples):
    [tender] = parse(samples, "eis44_contracts/contract_3312100001816000003_25649142.xml")
    [item] = tender.items
    assert item.quantity == Decimal("15189715.19")
    assert item.sum == Decimal("6987268.99")
    assert tender.winner.inn == "6901067107"


def test_it_keeps_an_old_okpd_line_without_quantity_or_sum(samples):
    [tender] = parse(samples, "eis44_contracts/contract_3312601274715000015_25135446.xml")
    [item] = tender.items
    assert (item.okpd2, item.quantity, item.sum, item.unit_price) == ("40.21.10.216", None, None, Decimal("65000.00"))


def test_it_keeps_a_contract_with_no_products_and_no_supplier(samples):
    [tender] = parse(samples, "eis44_contracts/contract_2510205003117000004_31762298.xml")
    assert tender.winner is None
    assert tender.items == []
    assert tender.customer.inn == "5102050031"
    assert tender.contract_sum == Decimal("214562.64")


def test_it_parses_a_2025_contract_with_an_individual_entrepreneur(samples):
    [tender] = parse(
        samples,
        "eis44_contracts/notice_export_2025-11-17_contract_1770989550925003831_0_0199C9C7CE6B7520BFBAE7D2EDCD4D05.xml",
    )
    assert tender.number == "0858400000125000112"
    assert tender.customer.inn == "7709895509"
    assert tender.winner == Party(name="ИП Королева Ольга Ивановна", inn="920160915807", is_individual=True)
    assert tender.contract_sum == Decimal("667600.00")
    assert tender.contract_date == date(2025, 10, 7)
    assert len(tender.items) == 5
    assert tender.items[0].unit_price == Decimal("12894.50284174137")
    assert tender.items[0].unit == "М2"  # looked up from the classifier block by OKEI code


def test_it_skips_a_contract_execution_record(samples):
    result = parse(samples, "eis44_contracts/contractProcedure_1790000066217000002_77994386.xml")
    assert isinstance(result, SkippedDocument)
    assert result.kind == "contractprocedure"


def test_it_parses_223fz_contracts(samples):
    [tender] = parse(samples, "eis223_contracts/contract_test2.xml")
    assert tender.law is Law.FZ223
    assert tender.number == "31806504639"
    assert tender.contract_number == "АГ-1/0235/18"
    assert tender.customer.inn == "0105018196"
    assert tender.winner.inn == "2310140001"
    assert tender.contract_sum == Decimal("317962.72")
    assert tender.contract_date == date(2018, 5, 28)
    assert [(item.name, item.okpd2, item.unit_price) for item in tender.items] == [
        ("Пропан сжиженный", "19.20.31.110", None)
    ]


def test_it_keeps_a_223fz_contract_without_supplier(samples):
    [tender] = parse(samples, "eis223_contracts/contract_Adygeya_Resp_20191217_000000_20191217_235959_daily_001.xml")
    assert tender.winner is None
    assert tender.contract_sum == Decimal("1750000")
    assert tender.items[0].quantity == Decimal("102339.18129")


def test_it_reads_an_old_223fz_contract_with_okdp(samples):
    [tender] = parse(
        samples, "eis223_contracts/contract_Severnaia_Osetiya_Alaniia_Resp_20150101_000000_20150131_235959_001.xml"
    )
    assert tender.number == "51511012960150000010000"
    assert tender.winner.inn == "1513030845"
    assert tender.items[0].okpd2 is None  # OKDP is not OKPD2
    assert tender.items[0].quantity == Decimal("120.74")


def test_it_skips_a_223fz_performance_report(samples):
    assert isinstance(parse(samples, "eis223_contracts/contractCompleting_test.xml"), SkippedDocument)


def test_it_keeps_every_bidder_price_from_a_2020_protocol(samples):
    [tender] = parse(samples, "eis44_protocols/fcsProtocolEF3_0873500000820003425_30317356.xml")
    assert tender.kind is DocumentKind.PROTOCOL
    assert tender.number == "0873500000820003425"
    by_rating = {bid.rating: bid for bid in tender.bids}
    assert sorted(by_rating) == [1, 2, 3, 4, 5, 6]
    assert by_rating[1].party.inn == "9703009483"
    assert by_rating[1].price == Decimal("1840283.61")
    assert by_rating[2].price == Decimal("1960000.00")
    assert by_rating[4].party == Party(name="ИП Жуков Александр Александрович", inn="613303041597", is_individual=True)
    assert tender.winner == by_rating[1].party
    assert tender.contract_sum == Decimal("1840283.61")


def test_it_reads_bidders_of_a_2017_protocol(samples):
    [tender] = parse(samples, "eis44_protocols/fcsProtocolEF3_0111100000217000017_15585361.xml")
    assert [(bid.rating, bid.party.inn, bid.price) for bid in tender.bids] == [
        (1, "1660086239", None),
        (2, "1660075808", None),
    ]
    assert tender.winner.name == 'Общество с ограниченной ответственностью "Информфинанссервис"'
    assert tender.customer.name == "ГОСУДАРСТВЕННАЯ ИНСПЕКЦИЯ ТРУДА В РЕСПУБЛИКЕ ТАТАРСТАН"


def test_it_reads_a_2017_protocol_with_many_bidders(samples):
    [tender] = parse(samples, "eis44_protocols/fcsProtocolEF3_0111200000917000706_15317307.xml")
    assert len(tender.bids) == 6
    assert tender.winner.inn == "1655372820"
    assert tender.customer is None  # published by an authorised body, not by the customer


def test_it_reads_price_offers_from_a_second_parts_protocol(samples):
    [tender] = parse(samples, "eis44_protocols/fcsProtocolEF2_0111100000217000017_15528232.xml")
    assert [(bid.journal_number, bid.price) for bid in tender.bids] == [
        ("1", Decimal("190105.00")),
        ("2", Decimal("189140.00")),
    ]


def test_it_reads_the_placement_result(samples):
    [tender] = parse(samples, "eis44_protocols/fcsPlacementResult_0111100000217000017_7669755.xml")
    [bid] = tender.bids
    assert (bid.journal_number, bid.rating, bid.price) == ("2", 1, Decimal("189140"))
    assert tender.contract_sum == Decimal("189140")


def test_it_reads_the_contract_signing(samples):
    [tender] = parse(samples, "eis44_protocols/fcsContractSign_0111100000217000017_10907945.xml")
    assert tender.kind is DocumentKind.CONTRACT_SIGN
    assert tender.number == "0111100000217000017"
    assert tender.contract_date == date(2017, 11, 9)
    assert tender.contract_sum == Decimal("189140")
    # the organisation, not its contact person from contactInfo
    assert tender.winner.name == 'Общество с ограниченной ответственностью "Информфинанссервис"'
    assert tender.winner.inn == "1660086239"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<export><contract><regNum>&lol3;</regNum></contract></export>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE export [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<export><contract><regNum>&xxe;</regNum></contract></export>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_it_refuses_xml_with_entities(tmp_path, payload):
    path = tmp_path / "attack.xml"
    path.write_bytes(payload)
    with pytest.raises(FileRejected) as error:
        parse_eis_xml(str(path), filename="attack.xml")
    assert str(error.value) == "“attack.xml” declares a DTD or XML entities, which are refused for safety."


def test_it_refuses_xml_that_is_not_from_eis(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(b"<rss><channel/></rss>")
    with pytest.raises(FileRejected, match="not an EIS"):
        parse_eis_xml(str(path), filename="feed.xml")


def test_it_refuses_malformed_xml(tmp_path):
    path = tmp_path / "cut.xml"
    path.write_bytes(b"<export><contract><regNum>1</regNum>")
    with pytest.raises(FileRejected, match="not well-formed"):
        parse_eis_xml(str(path), filename="cut.xml")
