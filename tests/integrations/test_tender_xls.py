"""Legacy .xls workbooks (Excel 97–2003), as many procurement portals still export them."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from crm.models import Client, ClientKind
from integrations.models import ImportJob, ImportJobStatus, Tender
from tests.integrations.test_tender_import import CUSTOMER_INN, HEADER, WINNER_INN, tender_rows

pytestmark = pytest.mark.django_db


def xls(tmp_path: Path, rows, *, name="tenders.xls", title_rows=1, hidden_sheet=True) -> Path:
    """An .xls as portals write it: a title above the header, real Excel dates and numbers, a hidden sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Результаты")
    dates = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    line = 0
    for _ in range(title_rows):
        sheet.write(line, 0, "Выгрузка результатов торгов")
        line += 1
    for col, title in enumerate(HEADER):
        sheet.write(line, col, title)
    for row in rows:
        line += 1
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write(line, col, value, dates)
            else:
                sheet.write(line, col, value)
    if hidden_sheet:
        hidden = book.add_sheet("Служебный")
        hidden.write(0, 0, "Номер закупки")
        hidden.write(1, 0, "HIDDEN-1")
        hidden.visibility = 1
    path = tmp_path / name
    book.save(str(path))
    return path


def typed_rows(number: str):
    """Tender rows with the types an .xls holds: the date as a date, the INNs and sums as numbers."""
    rows = tender_rows(number, items=(("Аппарат УЗИ Mindray DC-70", 2), ("Датчик конвексный", 1)))
    rows[0][2] = int(CUSTOMER_INN)  # a number: a leading zero would be lost, the importer restores it
    rows[0][4] = int(WINNER_INN)
    rows[0][5] = dt.date(2025, 3, 15)
    for row in rows:
        row[10], row[11] = 1250000.5, 2500001.0
    rows[0][12] = 3750001.5
    return rows


def test_the_command_imports_an_xls_with_dates_numbers_and_a_hidden_sheet(tmp_path):
    out = StringIO()

    call_command("import_tenders", str(xls(tmp_path, typed_rows("XLS-1"))), stdout=out)

    tender = Tender.objects.get()
    assert tender.number == "XLS-1"
    assert tender.customer.inn == CUSTOMER_INN and tender.winner.inn == WINNER_INN
    assert tender.winner.kind == ClientKind.COMPETITOR
    assert tender.contract_date == dt.date(2025, 3, 15)
    assert tender.items.count() == 2
    assert not Tender.objects.filter(number="HIDDEN-1").exists()
    assert "Tenders: 1 created" in out.getvalue()


def test_an_xls_imported_twice_creates_nothing_twice(tmp_path):
    path = xls(tmp_path, typed_rows("XLS-2"))
    call_command("import_tenders", str(path), stdout=StringIO())
    counts = (Tender.objects.count(), Client.objects.count())

    call_command("import_tenders", str(path), stdout=StringIO())

    assert (Tender.objects.count(), Client.objects.count()) == counts


def test_an_xls_is_uploaded_mapped_and_imported_through_the_pages(
    as_user, admin_user, tmp_path, django_capture_on_commit_callbacks
):
    path = xls(tmp_path, typed_rows("XLS-3"))
    http = as_user(admin_user)

    response = http.post(
        reverse("integrations:tender_upload"), {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    )

    assert response.status_code == 302
    page = http.get(response.url)
    form = page.context["form"]
    assert form["map_customer_inn"].initial == "C"  # header found on line 2, under the title
    assert "XLS-3" in page.content.decode()
    data = {name: form[name].initial or "" for name in form.fields if name.startswith("map_")}
    with django_capture_on_commit_callbacks(execute=True):
        http.post(response.url, {**data, "start": "1"})
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.DONE and job.error_count == 0
    assert Tender.objects.get().number == "XLS-3"


def html_xls(rows, *, encoding="cp1251") -> bytes:
    """A portal's "Excel" export that is really a web page: a title table, then the data under a
    two-line header whose "Поставщик" group spans its name and INN columns."""
    top = [
        "Номер закупки",
        "Заказчик",
        "ИНН заказчика",
        None,
        None,
        "Дата контракта",
        "Наименование товара",
        "ОКПД2",
        "Количество",
        "Ед. изм.",
        "Цена за единицу",
        "Сумма позиции",
        "Цена контракта",
        "Регион",
    ]
    head = ['<tr><td colspan="14">Результаты торгов &laquo;Портал&raquo;</td></tr>']
    cells = []
    for title in top:
        if title is None:
            continue
        if title == "Дата контракта":
            cells.append('<th colspan="2">Поставщик</th>')
        cells.append(f'<th rowspan="2">{title}</th>')
    head.append("<tr>" + "".join(cells) + "</tr>")
    head.append("<tr><th>Наименование</th><th>ИНН</th></tr>")
    body = []
    for row in rows:
        body.append("<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in row) + "</tr>")
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}"></head><body>'
        "<table><tr><td>Выгрузка от 01.04.2025</td></tr></table>"
        f"<table>{''.join(head)}{''.join(body)}</table></body></html>"
    )
    return page.encode(encoding)


def test_a_web_page_saved_as_xls_is_read_like_a_workbook(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(html_xls(tender_rows("HTML-1", items=(("Аппарат УЗИ Mindray DC-70", 2), ("Датчик", 1)))))

    call_command("import_tenders", str(path), stdout=StringIO())

    tender = Tender.objects.get()
    assert tender.number == "HTML-1"
    assert tender.customer.name == "ГБУЗ «Больница № 1»"
    assert tender.winner.inn == WINNER_INN and tender.winner.name == "ООО «Конкурент»"
    assert tender.contract_date == dt.date(2025, 3, 15)
    assert [(i.name, i.quantity) for i in tender.items.order_by("pk")] == [
        ("Аппарат УЗИ Mindray DC-70", 2),
        ("Датчик", 1),
    ]


def test_a_web_page_without_tables_is_refused_with_a_clear_message(as_user, admin_user):
    page = "<!DOCTYPE html><html><body><p>Сервис временно недоступен</p></body></html>".encode()

    response = as_user(admin_user).post(
        reverse("integrations:tender_upload"), {"file": SimpleUploadedFile("export.xls", page)}
    )

    assert response.status_code == 200
    assert "is a web page without tables" in response.content.decode()
    assert not ImportJob.objects.exists() and not Tender.objects.exists()
