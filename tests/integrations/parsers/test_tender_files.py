"""iter_tender_file takes any upload (spreadsheet, XML, zip) and refuses hostile archives."""

import io
import zipfile

import pytest

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.tenders import ArchiveLimits, ParsedTender, RowError, iter_tender_file

MAX = 50 * 1024 * 1024
PROTOCOLS = "eis44_protocols"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_it_follows_one_purchase_through_an_archive_of_xml(samples, tmp_path):
    members = {
        f"{PROTOCOLS}/{path.name}": path.read_bytes() for path in (samples / PROTOCOLS).glob("*0111100000217000017*")
    }
    members["readme.pdf"] = b"%PDF-1.4"
    members["__MACOSX/._junk.xml"] = b"junk"
    path = tmp_path / "purchase.zip"
    path.write_bytes(zip_bytes(members))

    stream = iter_tender_file(path, filename="purchase.zip", max_bytes=MAX)
    tenders = list(stream)

    assert {tender.number for tender in tenders} == {"0111100000217000017"}
    assert sorted(tender.kind for tender in tenders) == ["contract_sign", "placement_result", "protocol", "protocol"]
    assert [skipped.filename for skipped in stream.skipped] == ["purchase.zip/readme.pdf"]
    assert stream.processed == stream.estimated_total == 4


def test_it_reads_a_single_xml_file(samples):
    path = samples / "eis44_contracts" / "contract_2366200608816001262_30400522.xml"
    stream = iter_tender_file(path, filename=path.name, max_bytes=MAX)
    [tender] = list(stream)
    assert isinstance(tender, ParsedTender)
    assert stream.progress == 1.0


def test_it_reads_spreadsheets_and_nested_archives_inside_an_archive(samples, make_xlsx, tmp_path):
    book = make_xlsx(
        {"Data": [["Номер закупки", "ИНН заказчика", "Заказчик", "Товар"], ["1", "3662006088", "Больница", "Стол"]]}
    )
    inner = zip_bytes({"c.xml": (samples / "eis223_contracts" / "contract_test2.xml").read_bytes()})
    path = tmp_path / "mixed.zip"
    path.write_bytes(zip_bytes({"book.xlsx": book.read_bytes(), "inner.zip": inner}))
    tenders = list(iter_tender_file(path, filename="mixed.zip", max_bytes=MAX))
    assert sorted(tender.source.filename for tender in tenders) == ["mixed.zip/book.xlsx", "mixed.zip/inner.zip/c.xml"]


def test_it_reports_a_bad_document_in_an_archive_and_imports_the_rest(samples, tmp_path):
    good = (samples / PROTOCOLS / "fcsPlacementResult_0111100000217000017_7669755.xml").read_bytes()
    path = tmp_path / "batch.zip"
    path.write_bytes(zip_bytes({"good.xml": good, "bad.xml": b"<export><contract>"}))
    events = list(iter_tender_file(path, filename="batch.zip", max_bytes=MAX))
    errors = [event for event in events if isinstance(event, RowError)]
    assert [error.filename for error in errors] == ["batch.zip/bad.xml"]
    assert "not well-formed" in str(errors[0].reason)
    assert sum(isinstance(event, ParsedTender) for event in events) == 1


def test_it_refuses_a_zip_bomb(tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bytes({"huge.xml": b" " * (30 * 1024 * 1024)}))
    with pytest.raises(FileRejected, match="zip bomb"):
        iter_tender_file(path, filename="bomb.zip", max_bytes=MAX)


def test_it_stops_unpacking_a_member_larger_than_allowed(samples, tmp_path):
    path = tmp_path / "big.zip"
    path.write_bytes(zip_bytes({"big.xlsx": b"PK" + b"x" * 5000}))
    with pytest.raises(FileRejected, match="larger than 0 MB"):
        iter_tender_file(path, filename="big.zip", max_bytes=MAX, limits=ArchiveLimits(max_member_bytes=1000))


def test_it_refuses_archives_nested_too_deep(tmp_path):
    deepest = zip_bytes({"a.xml": b"<export/>"})
    path = tmp_path / "deep.zip"
    path.write_bytes(zip_bytes({"1.zip": zip_bytes({"2.zip": deepest})}))
    with pytest.raises(FileRejected, match="nests archives too deeply"):
        iter_tender_file(path, filename="deep.zip", max_bytes=MAX)


def test_it_refuses_path_traversal_in_an_archive(tmp_path):
    path = tmp_path / "evil.zip"
    path.write_bytes(zip_bytes({"../../etc/cron.d/evil.xml": b"<export/>"}))
    with pytest.raises(FileRejected, match="unsafe path"):
        iter_tender_file(path, filename="evil.zip", max_bytes=MAX)


def test_it_refuses_an_oversized_upload(samples):
    path = samples / "eis44_contracts" / "contract_2381103776916000030_27318511.xml"
    with pytest.raises(FileRejected, match="too large"):
        iter_tender_file(path, filename=path.name, max_bytes=1024)


def test_it_refuses_a_single_xml_with_entities_up_front(tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://example.com/">]><export>&e;</export>')
    with pytest.raises(FileRejected, match="DTD or XML entities"):
        iter_tender_file(path, filename="x.xml", max_bytes=MAX)


def test_it_refuses_an_empty_archive(tmp_path):
    path = tmp_path / "empty.zip"
    path.write_bytes(zip_bytes({}))
    with pytest.raises(FileRejected, match="empty"):
        iter_tender_file(path, filename="empty.zip", max_bytes=MAX)
