"""Uploaded tables are read by content, streamed row by row, and hostile files are refused."""

import csv
import io
import zipfile
from datetime import datetime

import pytest

from integrations.parsers.spreadsheet import (
    FileKind,
    FileRejected,
    ZipLimits,
    detect_kind,
    read_table,
)


def rows_of(path, **kwargs):
    return [(sheet.name, list(sheet.rows)) for sheet in read_table(path, filename=path.name, **kwargs)]


def test_it_reads_xlsx_with_types_and_column_positions(make_xlsx, tmp_path):
    path = make_xlsx({"Data": [["", "", "title"], [], ["a", 1.5, datetime(2020, 1, 2, 3, 4)]]})
    [(name, rows)] = rows_of(path)
    assert name == "Data"
    assert rows[0][2] == "title"
    assert rows[2] == ["a", 1.5, datetime(2020, 1, 2, 3, 4)]


def test_it_keeps_column_letters_when_data_starts_right_of_column_a(make_xlsx):
    path = make_xlsx({"Data": [[None, None, None, "x"], [None, None, 1, 2]]})
    [(_name, rows)] = rows_of(path)
    assert rows[0][3] == "x"
    assert rows[1][2:4] == [1, 2]


def test_it_skips_hidden_sheets(make_xlsx):
    path = make_xlsx({"Visible": [["a"]], "Secret": [["b"]]}, hidden=("Secret",))
    assert [name for name, _rows in rows_of(path)] == ["Visible"]


def test_it_ignores_a_misleading_extension(make_xlsx, tmp_path):
    real = make_xlsx({"Data": [["a"]]})
    disguised = tmp_path / "report.csv"
    disguised.write_bytes(real.read_bytes())
    assert detect_kind(disguised, filename="report.csv") is FileKind.XLSX
    assert rows_of(disguised) == [("Data", [["a"]])]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ";"), ("cp1251", ";"), ("utf-8", ","), ("cp1251", "\t")],
)
def test_it_reads_csv_in_any_encoding_and_delimiter(tmp_path, encoding, delimiter):
    path = tmp_path / "export.csv"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(
        [["Заказчик", "Сумма"], ["ГБУЗ «Больница №1»", "1 234,50"], ["ООО Ромашка", "7,00"]]
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    [(_name, rows)] = rows_of(path)
    assert rows == [["Заказчик", "Сумма"], ["ГБУЗ «Больница №1»", "1 234,50"], ["ООО Ромашка", "7,00"]]


def test_it_reads_csv_from_a_file_object(tmp_path):
    data = io.BytesIO("a;b\n1;2\n".encode("cp1251"))
    [sheet] = read_table(data, filename="upload.csv")
    assert list(sheet.rows) == [["a", "b"], ["1", "2"]]


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(FileRejected, match="is empty"):
        rows_of(path)


def test_it_refuses_a_file_over_the_size_limit(make_xlsx):
    path = make_xlsx({"Data": [["a"] * 50] * 50})
    with pytest.raises(FileRejected, match="too large"):
        rows_of(path, max_bytes=1024)


def test_it_refuses_a_file_that_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(FileRejected, match="not a spreadsheet"):
        rows_of(path)


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "docs.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileRejected, match="not a spreadsheet"):
        rows_of(path)


def test_it_refuses_a_password_protected_workbook(tmp_path):
    # Office saves an encrypted xlsx as an OLE compound file with an EncryptedPackage stream.
    path = tmp_path / "secret.xlsx"
    directory_entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000 + directory_entry + b"\x00" * 3000)
    with pytest.raises(FileRejected, match="protected with a password"):
        rows_of(path)


def test_it_refuses_a_zip_bomb_before_unpacking(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(FileRejected, match="zip bomb"):
        rows_of(path)


def test_it_refuses_a_workbook_unpacking_past_the_total_limit(make_xlsx):
    path = make_xlsx({"Data": [["a"]]})
    with pytest.raises(FileRejected, match="zip bomb"):
        rows_of(path, zip_limits=ZipLimits(max_unpacked_bytes=100))


def test_it_refuses_a_damaged_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not closed")
    with pytest.raises(FileRejected, match="damaged"):
        rows_of(path)


def test_a_web_page_saved_as_xls_reads_its_tables_with_spans_as_merged_ranges():
    import io

    from integrations.parsers.spreadsheet import read_table

    page = (
        "<html><body><script>var t = '<table>';</script>"
        "<table><tr><th rowspan=2>№</th><th colspan=2>Поставщик</th></tr>"
        "<tr><th>Имя</th><th>ИНН</th></tr>"
        "<tr><td>1</td><td>ООО &laquo;Альфа&raquo;<br>филиал</td><td> 7701234567 </td></tr></table>"
        "</body></html>"
    ).encode()

    sheets = list(read_table(io.BytesIO(page), filename="export.xls"))

    assert len(sheets) == 1
    assert list(sheets[0].rows) == [
        ["№", "Поставщик", None],
        [None, "Имя", "ИНН"],
        ["1", "ООО «Альфа» филиал", "7701234567"],
    ]
    assert set(sheets[0].merged_ranges) == {((0, 0), (1, 0)), ((0, 1), (0, 2))}


def test_an_xml_document_with_a_table_tag_is_not_taken_for_a_web_page():
    import io

    from integrations.parsers.spreadsheet import FileKind, detect_kind

    xml = b'<?xml version="1.0"?><root><table>1</table></root>'

    assert detect_kind(io.BytesIO(xml), filename="x.xml") is FileKind.XML
