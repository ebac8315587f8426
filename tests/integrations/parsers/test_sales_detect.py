"""detect_and_parse: the format is chosen by content, and hostile or broken files are refused."""

import shutil
from pathlib import Path

import openpyxl
import pytest

from integrations.parsers.sales import FileRejected, MissingColumns, detect_and_parse, is_valid_inn, is_valid_kpp
from tests.samples import SAMPLES as SHARED_SAMPLES
from tests.samples import samples_required

# The real 1C samples in ../shared/samples (see its SOURCES.md).
SAMPLES = SHARED_SAMPLES / "shipments_1c"
MAX_BYTES = 5 * 1024 * 1024

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<КоммерческаяИнформация><Документ><Номер>&lol9;</Номер></Документ></КоммерческаяИнформация>""".encode()

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<КоммерческаяИнформация><Документ><Номер>&secret;</Номер></Документ></КоммерческаяИнформация>""".encode()

needs_samples = samples_required(SAMPLES)


def detect(path, **options):
    return detect_and_parse(path, filename=path.name, max_bytes=options.pop("max_bytes", MAX_BYTES), **options)


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@needs_samples
@pytest.mark.parametrize(
    ("name", "documents"),
    [
        ("commerceml/documents-example.xml", 5),
        ("commerceml/documents.xml", 6),
        ("commerceml/orders.xml", 1),
        ("odata/Document_RealizatsiyaTovarovUslug.odata.json", 2),
    ],
)
def test_it_recognises_the_real_samples(name, documents):
    assert len(detect(SAMPLES / name).documents) == documents


@needs_samples
def test_it_recognises_odata_folders_and_zips_whatever_their_names(tmp_path):
    folder = tmp_path / "outbox"
    shutil.copytree(SAMPLES / "odata", folder)
    archive = Path(shutil.make_archive(str(tmp_path / "export"), "zip", folder))
    renamed = archive.rename(tmp_path / "export.bin")

    assert len(detect(folder).documents) == 2
    assert [document.number for document in detect(renamed).documents] == ["0000-000001", "0000-000002"]


def test_it_recognises_an_xlsx_named_like_anything(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Вид документа", "Номер"])
    workbook.save(tmp_path / "sales.dat")

    with pytest.raises(MissingColumns):
        detect(tmp_path / "sales.dat")


def test_it_refuses_an_empty_file(tmp_path):
    with pytest.raises(FileRejected, match="is empty"):
        detect(write(tmp_path, "empty.xlsx", b""))


def test_it_refuses_a_file_that_is_too_large(tmp_path):
    with pytest.raises(FileRejected, match="too large"):
        detect(write(tmp_path, "big.csv", b"a;b\n" * 1000), max_bytes=1000)


def test_it_refuses_a_file_that_is_not_a_spreadsheet(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

    with pytest.raises(FileRejected, match="not a spreadsheet"):
        detect(write(tmp_path, "photo.xlsx", png))


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_it_refuses_xml_with_entity_declarations(tmp_path, payload):
    with pytest.raises(FileRejected, match="declares a DTD or entities"):
        detect(write(tmp_path, "documents.xml", payload))


def test_it_refuses_broken_xml_and_json(tmp_path):
    with pytest.raises(FileRejected, match="not well-formed XML"):
        detect(write(tmp_path, "a.xml", "<КоммерческаяИнформация><Документ>".encode()))
    with pytest.raises(FileRejected, match="not valid JSON"):
        detect(write(tmp_path, "a.json", b'\xef\xbb\xbf{"odata.metadata": "x#Document_'))
    with pytest.raises(FileRejected, match="not a 1C OData response"):
        detect(write(tmp_path, "b.json", b'{"hello": "world"}'))


@needs_samples
def test_it_refuses_commerceml_without_documents(tmp_path):
    with pytest.raises(FileRejected, match="without sales documents"):
        detect(SAMPLES / "commerceml/contractors-example.xml")


def test_it_validates_inn_and_kpp():
    assert is_valid_inn("7707083893")
    assert is_valid_inn("500100732259")
    assert not is_valid_inn("7707083894")
    assert not is_valid_inn("500100732258")
    assert not is_valid_inn("770708389")
    assert is_valid_kpp("770701001")
    assert is_valid_kpp("7707AB001")
    assert not is_valid_kpp("77070100")
