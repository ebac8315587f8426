"""Importing sales files: every format, all or nothing, idempotent, row-level errors."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from crm.models import Client, Product, SalesDocument, SalesDocumentLine
from crm.signals import sales_document_posted
from integrations.models import ImportJob
from integrations.services.sales_import import sales_file_import
from tests.factories import RegionFactory, UserFactory
from tests.integrations.sales_files import HEADER, INN_1, INN_2, row, write_csv, write_xlsx
from tests.samples import SAMPLES as SHARED_SAMPLES
from tests.samples import samples_required

pytestmark = pytest.mark.django_db

SAMPLES = SHARED_SAMPLES / "shipments_1c"


def counts() -> tuple[int, int, int, int]:
    return (
        SalesDocument.objects.count(),
        SalesDocumentLine.objects.count(),
        Client.objects.count(),
        Product.objects.count(),
    )


def invoice_and_shipment() -> list[list]:
    return [
        row(kind="счёт", ext="INV-1", number="101", qty=2, price=500, amount=1000, serials=""),
        row(
            kind="счёт",
            ext="INV-1",
            number="101",
            sku="CN-1",
            product="Гель для УЗИ",
            product_kind="расходный материал",
            qty=10,
            price=50,
            amount=500,
            serials="",
        ),
        row(kind="отгрузка", ext="SHP-1", number="201", qty=2, price=500, amount=1000, serials="SN-1; SN-2"),
    ]


def test_it_imports_an_xlsx_file(tmp_path, region_a):
    path = write_xlsx(tmp_path / "sales.xlsx", invoice_and_shipment())

    job = sales_file_import(path=path)

    assert job.status == "done", list(job.row_errors.values_list("location", "reason"))
    assert job.summary["created"] == 2
    invoice = SalesDocument.objects.get(kind="invoice", external_id="INV-1")
    assert invoice.total == Decimal("1500.00")
    assert invoice.lines.count() == 2
    shipment = SalesDocument.objects.get(kind="shipment", external_id="SHP-1")
    line = shipment.lines.get()
    assert line.serial_numbers == ["SN-1", "SN-2"]
    assert line.client_id == shipment.client_id and line.date == shipment.date and line.is_effective
    client = Client.objects.get(inn=INN_1)
    assert client.kind == "customer"
    assert Product.objects.get(sku="MR-100").kind == "equipment"
    assert Product.objects.get(sku="CN-1").kind == "consumable"


def test_it_imports_a_csv_file(tmp_path):
    path = write_csv(tmp_path / "sales.csv", invoice_and_shipment())

    job = sales_file_import(path=path)

    assert job.status == "done", list(job.row_errors.values_list("location", "reason"))
    assert counts()[:2] == (2, 3)


def test_the_same_file_twice_changes_nothing(tmp_path):
    path = write_xlsx(tmp_path / "sales.xlsx", invoice_and_shipment())
    sales_file_import(path=path)
    before = counts()
    stamps = list(SalesDocument.objects.order_by("pk").values_list("updated_at", flat=True))

    job = sales_file_import(path=path)

    assert job.summary["unchanged"] == 2 and job.summary["created"] == 0
    assert counts() == before
    assert list(SalesDocument.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_a_new_version_updates_the_document_and_its_lines(tmp_path):
    sales_file_import(path=write_xlsx(tmp_path / "v1.xlsx", invoice_and_shipment()))
    line_id = SalesDocumentLine.objects.get(document__external_id="SHP-1").pk
    rows = [
        row(
            kind="отгрузка",
            ext="SHP-1",
            version="2",
            number="201",
            qty=3,
            price=500,
            amount=1500,
            serials="SN-1, SN-2, SN-3",
        )
    ]

    job = sales_file_import(path=write_xlsx(tmp_path / "v2.xlsx", rows))

    assert job.summary["updated"] == 1
    shipment = SalesDocument.objects.get(external_id="SHP-1")
    assert shipment.version == "2" and shipment.total == Decimal("1500.00")
    line = shipment.lines.get()
    assert line.pk == line_id and line.quantity == 3 and line.serial_numbers == ["SN-1", "SN-2", "SN-3"]
    assert SalesDocument.objects.count() == 2


def test_a_file_with_errors_is_rejected_by_row_and_writes_nothing(tmp_path):
    rows = [
        *invoice_and_shipment(),
        row(ext="SHP-2", number="202", qty="два", amount=1000),
        row(ext="SHP-3", number="203", date="31.02.2026"),
        row(ext="SHP-4", number="204", inn="1234567890"),
        # A product the catalogue does not have, known by a code alone.
        row(ext="SHP-5", number="205", sku="UNKNOWN-9", product=""),
        row(ext="SHP-6", number="206", product_kind="робот"),
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    job = sales_file_import(path=path)

    assert job.status == "failed"
    rows_with_errors = set(job.row_errors.values_list("row_number", flat=True))
    assert {5, 6, 7, 8, 9} <= rows_with_errors
    assert counts() == (0, 0, 0, 0)


def test_wrong_columns_are_rejected(tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [["x", "y"]], header=["Колонка", "Другая"])

    job = sales_file_import(path=path)

    assert job.status == "failed" and job.error_count == 1
    assert "column" in job.row_errors.get().reason
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.xlsx", b""), ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100), ("notes.pdf", b"%PDF-1.4 hello")],
)
def test_empty_and_foreign_files_are_rejected(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)

    job = sales_file_import(path=path)

    assert job.status == "failed" and job.error_count == 1
    assert counts() == (0, 0, 0, 0)


def test_a_too_large_file_is_rejected(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1000
    path = write_xlsx(tmp_path / "sales.xlsx", invoice_and_shipment() * 20)

    job = sales_file_import(path=path)

    assert job.status == "failed"
    assert counts() == (0, 0, 0, 0)


def test_unknown_clients_are_created_in_the_named_region_with_the_named_manager(tmp_path, region_a):
    region_b = RegionFactory(name="Новосибирская область")
    manager = UserFactory(username="petrov", last_name="Петров", first_name="Пётр", region=region_a)
    rows = [
        row(ext="S-1", inn=INN_1, region="Новосибирская область", manager="Петров Пётр"),
        row(ext="S-2", inn=INN_2, client="ООО «Вектор»", manager="Unknown Person"),
    ]
    admin = UserFactory(username="boss", role="admin", region=region_a)

    job = sales_file_import(path=write_xlsx(tmp_path / "sales.xlsx", rows), by=admin)

    assert job.status == "done", list(job.row_errors.values_list("reason", flat=True))
    first = Client.objects.get(inn=INN_1)
    assert first.region == region_b and first.responsible == manager
    assert SalesDocument.objects.get(external_id="S-1").manager == manager
    second = Client.objects.get(inn=INN_2)
    assert second.region == region_a and second.responsible is None
    assert SalesDocument.objects.get(external_id="S-2").manager_name == "Unknown Person"


def test_known_clients_are_matched_by_inn(tmp_path):
    from tests.factories import ClientFactory

    client = ClientFactory(inn=INN_1, kind="prospect")

    sales_file_import(path=write_xlsx(tmp_path / "sales.xlsx", [row()]))

    assert Client.objects.count() == 1
    assert SalesDocument.objects.get().client == client
    client.refresh_from_db()
    assert client.kind == "customer"


def test_the_posted_signal_is_sent_once_on_commit_and_not_on_a_resend(tmp_path, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, document, created, became_posted, **kwargs):
        received.append((document.kind, document.external_id, created, became_posted))

    sales_document_posted.connect(receiver, dispatch_uid="test-posted")
    try:
        path = write_xlsx(tmp_path / "sales.xlsx", invoice_and_shipment())
        with django_capture_on_commit_callbacks(execute=True):
            sales_file_import(path=path)
        with django_capture_on_commit_callbacks(execute=True):
            sales_file_import(path=path)
    finally:
        sales_document_posted.disconnect(dispatch_uid="test-posted")

    assert sorted(received) == [("invoice", "INV-1", True, True), ("shipment", "SHP-1", True, True)]


def test_an_unposted_shipment_is_announced_when_it_becomes_posted(tmp_path, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, document, created, became_posted, **kwargs):
        received.append((document.external_id, created, became_posted))

    sales_document_posted.connect(receiver, dispatch_uid="test-posted")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sales_file_import(path=write_xlsx(tmp_path / "a.xlsx", [row(posted="нет")]))
        assert received == []
        with django_capture_on_commit_callbacks(execute=True):
            sales_file_import(path=write_xlsx(tmp_path / "b.xlsx", [row(version="2")]))
    finally:
        sales_document_posted.disconnect(dispatch_uid="test-posted")

    assert received == [("S-1", False, True)]


def test_a_dry_run_writes_nothing(tmp_path):
    job = sales_file_import(path=write_xlsx(tmp_path / "sales.xlsx", invoice_and_shipment()), dry_run=True)

    assert job.status == "done" and job.summary["created"] == 2
    assert counts() == (0, 0, 0, 0)


def test_payments_and_shipments_link_to_their_invoice(tmp_path):
    path = SAMPLES / "commerceml" / "documents-example.xml"
    if not path.exists():
        pytest.skip("shared samples missing")

    job = sales_file_import(path=path)

    assert job.status == "done", list(job.row_errors.values_list("reason", flat=True))
    invoice = SalesDocument.objects.get(kind="invoice", external_id="142")
    assert set(invoice.children.values_list("kind", flat=True)) == {"payment", "shipment"}


@samples_required(SAMPLES)
@pytest.mark.parametrize(
    "relative",
    [
        "commerceml/documents-example.xml",
        "commerceml/documents.xml",
        "commerceml/orders.xml",
        "odata",
        "odata/Document_RealizatsiyaTovarovUslug.odata.json",
    ],
)
def test_the_real_accounting_samples_import_and_reimport_idempotently(relative):
    path = SAMPLES / relative
    first = sales_file_import(path=path)
    after_first = counts()
    second = sales_file_import(path=path)

    assert first.status == "done", list(first.row_errors.values_list("reason", flat=True))
    assert first.summary["created"] > 0
    assert second.summary["created"] == 0 and second.summary["updated"] == 0
    assert counts() == after_first


def test_a_counterparty_list_is_not_a_sales_file():
    path = SAMPLES / "commerceml" / "contractors-example.xml"
    if not path.exists():
        pytest.skip("shared samples missing")

    job = sales_file_import(path=path)

    assert job.status == "failed" and counts() == (0, 0, 0, 0)


def test_the_command_imports_and_fails_with_a_non_zero_exit_on_a_bad_file(tmp_path, capsys):
    good = write_xlsx(tmp_path / "good.xlsx", invoice_and_shipment())
    bad = write_xlsx(tmp_path / "bad.xlsx", [row(qty="много")])

    call_command("import_sales", str(good))
    with pytest.raises(CommandError):
        call_command("import_sales", str(bad))

    assert "2 created" in capsys.readouterr().out
    assert ImportJob.objects.filter(status="failed").count() == 1
    assert SalesDocument.objects.count() == 2


def test_the_command_dry_run_writes_nothing(tmp_path):
    call_command("import_sales", str(write_xlsx(tmp_path / "good.xlsx", invoice_and_shipment())), "--dry-run")

    assert SalesDocument.objects.count() == 0


TERMS_HEADER = [
    *HEADER,
    "Тип оборудования",
    "Производитель",
    "Модель",
    "Гарантия, мес.",
    "Интервал ТО, мес.",
    "Себестоимость",
]


def test_a_file_states_the_equipment_terms_and_the_units_get_their_dates(tmp_path, django_capture_on_commit_callbacks):
    from equipment.models import Equipment

    rows = [[*row(date="15.03.2026"), "УЗИ-сканер", "Mindray", "DC-70", "24", 12.0, 700]]
    path = write_xlsx(tmp_path / "terms.xlsx", rows, header=TERMS_HEADER)

    with django_capture_on_commit_callbacks(execute=True):
        job = sales_file_import(path=path)

    assert job.status == "done", list(job.row_errors.values_list("reason", flat=True))
    product = Product.objects.get()
    assert (product.equipment_type_name, product.manufacturer, product.model_name) == ("УЗИ-сканер", "Mindray", "DC-70")
    assert (product.warranty_months, product.maintenance_interval_months) == (24, 12)
    assert SalesDocumentLine.objects.get().cost == Decimal(700)
    unit = Equipment.objects.get()
    assert unit.equipment_type.name == "УЗИ-сканер" and unit.model == "DC-70"
    assert str(unit.warranty_until) == "2028-03-15" and str(unit.next_maintenance_on) == "2027-03-15"


def test_a_term_that_is_not_a_whole_number_is_a_row_error(tmp_path):
    rows = [[*row(), "УЗИ-сканер", "Mindray", "DC-70", "два года", 12.5, ""]]
    path = write_xlsx(tmp_path / "terms.xlsx", rows, header=TERMS_HEADER)

    job = sales_file_import(path=path)

    assert job.status == "failed"
    reasons = list(job.row_errors.filter(row_number=2).values_list("reason", flat=True))
    assert any("Гарантия" in reason or "Warranty" in reason for reason in reasons)
    assert any("ТО" in reason or "Maintenance" in reason for reason in reasons)
    assert counts() == (0, 0, 0, 0)
