"""The tender import service: real EIS samples, messy spreadsheets, idempotency, refusals, jobs."""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import Client, ClientKind
from equipment.models import Equipment, EquipmentSource, EquipmentType
from integrations.models import (
    EquipmentRule,
    ImportJob,
    ImportJobKind,
    ImportJobStatus,
    ImportRowError,
    Tender,
    TenderBid,
    TenderItem,
)
from integrations.parsers.spreadsheet import FileRejected
from integrations.services import tender_import
from integrations.services.tender_import import (
    tender_file_import,
    tender_import_job_run,
    tender_job_create,
    tender_job_start,
    tender_jobs_recover_stale,
)
from tests.factories import ClientFactory
from tests.samples import SAMPLES

TENDERS = SAMPLES / "tenders"
HEADER = [
    "Номер закупки",
    "Заказчик",
    "ИНН заказчика",
    "Поставщик",
    "ИНН поставщика",
    "Дата контракта",
    "Наименование товара",
    "ОКПД2",
    "Количество",
    "Ед. изм.",
    "Цена за ед.",
    "Сумма",
    "Цена контракта",
    "Регион",
]
CUSTOMER_INN = "7707083893"
WINNER_INN = "7728168971"
OTHER_INN = "0274062111"  # a leading zero that spreadsheets drop


def xlsx(tmp_path: Path, rows, *, name="tenders.xlsx", title_rows=0, hidden_sheet=False) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for _ in range(title_rows):
        sheet.append(["Выгрузка результатов"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    if hidden_sheet:
        hidden = workbook.create_sheet("Hidden")
        hidden.append(HEADER)
        hidden.append(["999", "Скрытый заказчик", CUSTOMER_INN, "Скрыт", WINNER_INN, "01.01.2025", "Товар"])
        hidden.sheet_state = "hidden"
    path = tmp_path / name
    workbook.save(path)
    return path


def tender_rows(number="0373100000125000001", *, items=(("Аппарат УЗИ Mindray DC-70", 2),), customer_inn=CUSTOMER_INN):
    rows = []
    for index, (name, quantity) in enumerate(items):
        first = index == 0
        rows.append(
            [
                number if first else None,
                "ГБУЗ «Больница № 1»" if first else None,
                customer_inn if first else None,
                "ООО «Конкурент»" if first else None,
                WINNER_INN if first else None,
                "15.03.2025" if first else None,
                name,
                "26.60.12.132",
                quantity,
                "шт",
                "1 250 000,50",
                "2 500 001,00",
                "2 500 001,00" if first else None,
                "Region A" if first else None,
            ]
        )
    return rows


@pytest.fixture
def ultrasound(db):
    equipment_type = EquipmentType.objects.create(name="Аппарат УЗИ")
    EquipmentRule.objects.create(name="УЗИ", pattern=r"узи|ультразвук", equipment_type=equipment_type)
    return equipment_type


def run(path: Path, by=None, **kwargs):
    return tender_file_import(source=path, filename=path.name, by=by, **kwargs)


# --- spreadsheets -----------------------------------------------------------------------------


def test_it_turns_a_spreadsheet_into_parties_tenders_items_and_equipment(tmp_path, admin_user, region_a, ultrasound):
    rows = tender_rows(items=(("Аппарат УЗИ Mindray DC-70", 2), ("Перчатки нитриловые", 100)))
    result = run(xlsx(tmp_path, rows), by=admin_user)

    tender = Tender.objects.get()
    assert tender.number == "0373100000125000001"
    assert tender.law == "44-fz"
    assert tender.customer.inn == CUSTOMER_INN and tender.customer.kind == ClientKind.CUSTOMER
    assert tender.customer.region == region_a
    assert tender.winner.inn == WINNER_INN and tender.winner.kind == ClientKind.COMPETITOR
    assert tender.contract_sum == Decimal("2500001.00")
    assert tender.contract_date.isoformat() == "2025-03-15"
    assert [i.name for i in tender.items.all()] == ["Аппарат УЗИ Mindray DC-70", "Перчатки нитриловые"]
    ultrasound_item = tender.items.get(position=1)
    assert ultrasound_item.unit_price == Decimal("1250000.50")
    assert ultrasound_item.equipment_type == ultrasound
    assert ultrasound_item.manufacturer == "Mindray"
    equipment = list(Equipment.objects.all())
    assert len(equipment) == 2  # one record per unit, gloves are not equipment
    assert {e.source for e in equipment} == {EquipmentSource.TENDER}
    assert {e.competitor_id for e in equipment} == {tender.winner_id}
    assert {e.client_id for e in equipment} == {tender.customer_id}
    assert equipment[0].manufacturer == "Mindray" and equipment[0].model == "DC-70"
    assert result.as_summary()["tenders"] == {"created": 1, "matched": 0}
    assert result.as_summary()["equipment"] == {"created": 2}


def test_a_known_make_keeps_the_model_after_it_on_later_imports(tmp_path, admin_user, region_a, ultrasound):
    """Once a make is known (from equipment already in the CRM), the model after it is still read."""
    run(xlsx(tmp_path, tender_rows("MK-1", items=(("Аппарат УЗИ Mindray DC-70", 1),))), by=admin_user)

    run(
        xlsx(tmp_path, tender_rows("MK-2", items=(("Аппарат УЗИ Mindray Resona 7, в комплекте", 1),)), name="b.xlsx"),
        by=admin_user,
    )

    later = Equipment.objects.get(source_note__endswith="MK-2")
    assert (later.manufacturer, later.model) == ("Mindray", "Resona 7")


def test_units_carry_their_customers_region_and_manager(tmp_path, admin_user, manager, ultrasound):
    customer = ClientFactory(inn=CUSTOMER_INN, responsible=manager)
    run(xlsx(tmp_path, tender_rows(items=(("Аппарат УЗИ Mindray DC-70", 3),))), by=admin_user)

    assert set(Equipment.objects.values_list("client_id", "client_region_id", "client_responsible_id")) == {
        (customer.pk, manager.region_id, manager.pk)
    }


def test_importing_the_same_file_twice_creates_nothing_twice(tmp_path, admin_user, ultrasound):
    path = xlsx(tmp_path, tender_rows(items=(("Аппарат УЗИ", 3), ("Гель для УЗИ", 10))))
    run(path, by=admin_user)
    counts = (Client.objects.count(), Tender.objects.count(), TenderItem.objects.count(), Equipment.objects.count())

    result = run(path, by=admin_user)

    assert (
        Client.objects.count(),
        Tender.objects.count(),
        TenderItem.objects.count(),
        Equipment.objects.count(),
    ) == counts
    summary = result.as_summary()
    assert summary["tenders"] == {"created": 0, "matched": 1}
    assert summary["competitors"] == {"created": 0, "matched": 1}
    assert summary["customers"] == {"created": 0, "matched": 1}
    assert summary["items"] == {"created": 0} and summary["equipment"] == {"created": 0}


def test_rows_a_concurrent_import_wrote_meanwhile_are_skipped_not_duplicated(
    tmp_path, admin_user, ultrasound, monkeypatch
):
    path = xlsx(tmp_path, tender_rows("A-1", items=(("Аппарат УЗИ", 2),)) + tender_rows("A-2"))
    run(path, by=admin_user)
    counts = (Tender.objects.count(), TenderItem.objects.count(), Equipment.objects.count())
    # Another import writes the same tenders between this one's look-up and its insert.
    looked_up = []
    targets = tender_import._Writer._targets

    def blind_first_look_up(merged, match_keys):
        looked_up.append(match_keys)
        return {} if len(looked_up) == 1 else targets(merged, match_keys)

    monkeypatch.setattr(tender_import._Writer, "_targets", staticmethod(blind_first_look_up))

    result = run(path, by=admin_user)

    assert (Tender.objects.count(), TenderItem.objects.count(), Equipment.objects.count()) == counts
    assert result.as_summary()["items"] == {"created": 0} and result.as_summary()["equipment"] == {"created": 0}


def test_items_a_concurrent_import_wrote_meanwhile_are_skipped_not_duplicated(
    tmp_path, admin_user, ultrasound, monkeypatch
):
    path = xlsx(tmp_path, tender_rows("A-1", items=(("Аппарат УЗИ", 2), ("Гель", 1))))
    run(path, by=admin_user)
    counts = (TenderItem.objects.count(), Equipment.objects.count())
    upsert = tender_import._Writer._upsert_tenders

    def forget_known_tenders(self, merged):
        tenders = upsert(self, merged)
        self.known_tenders = set()  # as if the items were written after the look-up
        return tenders

    monkeypatch.setattr(tender_import._Writer, "_upsert_tenders", forget_known_tenders)

    result = run(path, by=admin_user)

    assert (TenderItem.objects.count(), Equipment.objects.count()) == counts
    assert result.as_summary()["equipment"] == {"created": 0}


def test_parties_are_resolved_once_per_file_not_per_batch(tmp_path, admin_user, django_assert_max_num_queries):
    rows = [row for n in range(12) for row in tender_rows(f"B-{n}")]
    path = xlsx(tmp_path, rows)
    calls = []
    resolve = tender_import.resolve_parties

    def counting(wanted, **kwargs):
        calls.append(set(wanted))
        return resolve(wanted, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tender_import, "resolve_parties", counting)
        result = run(path, by=admin_user, batch_rows=2)

    assert Tender.objects.count() == 12
    assert result.as_summary()["customers"] == {"created": 1, "matched": 0}
    assert [wanted for wanted in calls if wanted] == [{f"inn:{CUSTOMER_INN}", f"inn:{WINNER_INN}"}]


def test_an_overlapping_file_adds_only_what_is_new(tmp_path, admin_user):
    first = xlsx(tmp_path, tender_rows("A-1") + tender_rows("A-2"), name="first.xlsx")
    second = xlsx(tmp_path, tender_rows("A-2") + tender_rows("A-3"), name="second.xlsx")
    run(first, by=admin_user)

    result = run(second, by=admin_user)

    assert sorted(Tender.objects.values_list("number", flat=True)) == ["A-1", "A-2", "A-3"]
    assert result.as_summary()["tenders"] == {"created": 1, "matched": 1}
    assert TenderItem.objects.count() == 3


def test_it_matches_existing_clients_by_inn_then_by_name(tmp_path, admin_user):
    by_inn = ClientFactory(name="Заказчик по ИНН", inn=CUSTOMER_INN, kind=ClientKind.CUSTOMER)
    by_name = ClientFactory(name="Конкурент ООО", inn="", kind=ClientKind.COMPETITOR)
    rows = tender_rows()
    rows[0][4] = None  # the winner has no INN in this file

    run(xlsx(tmp_path, rows), by=admin_user)

    tender = Tender.objects.get()
    assert tender.customer == by_inn
    assert tender.winner == by_name
    assert Client.objects.count() == 2


def test_a_name_match_learns_the_inn(tmp_path, admin_user):
    known = ClientFactory(name="ООО Конкурент", inn="", kind=ClientKind.COMPETITOR)

    run(xlsx(tmp_path, tender_rows()), by=admin_user)

    known.refresh_from_db()
    assert known.inn == WINNER_INN
    assert Tender.objects.get().winner == known


def test_messy_rows_are_cleaned_or_reported_by_row(tmp_path, admin_user):
    rows = [
        *tender_rows("M-1", items=(("Монитор", 1), ("Кабель", 2))),
        [None] * len(HEADER),  # a blank row
        tender_rows("M-1", items=(("Кабель", 2),))[0][:0]
        + [None] * 6
        + ["Кабель", "26.60.12.132", 2, "шт", "1 250 000,50", "2 500 001,00", None, None],  # a repeated item row
        [
            "M-2",
            "ГБУЗ «Больница № 2»",
            OTHER_INN.lstrip("0"),
            "ООО «Другой»",
            WINNER_INN,
            45735,
            "Шприц",
            None,
            "много",
            "шт",
            "10",
            "10",
            "10",
            None,
        ],
        [
            "M-3",
            "ГБУЗ «Больница № 3»",
            "7707083893",
            "ООО «Третий»",
            WINNER_INN,
            "31.12.2024",
            "Бинт",
            None,
            "5",
            "шт",
            "1,5",
            "7,5",
            "7,5",
            None,
        ],
        ["Итого", None, None, None, None, None, None, None, None, None, None, "5 000 002", None, None],
    ]
    path = xlsx(tmp_path, rows, title_rows=2, hidden_sheet=True)
    job = ImportJob.objects.create(kind=ImportJobKind.TENDERS, original_name=path.name, created_by=admin_user)

    result = run(path, by=admin_user, job=job)

    assert sorted(Tender.objects.values_list("number", flat=True)) == ["M-1", "M-3"]  # hidden sheet ignored
    assert Tender.objects.get(number="M-1").items.count() == 2  # repeated row skipped
    assert Tender.objects.get(number="M-3").items.get().unit_price == Decimal("1.5")
    error = ImportRowError.objects.get(job=job)
    assert error.row_number == 8  # 2 title rows + header + 5th data row
    assert "много" in error.reason
    assert result.errors == 1


def test_an_inn_that_lost_its_leading_zero_is_restored(tmp_path, admin_user):
    rows = tender_rows(customer_inn=int(OTHER_INN))

    run(xlsx(tmp_path, rows), by=admin_user)

    assert Tender.objects.get().customer.inn == OTHER_INN


def test_a_csv_export_with_semicolons_is_read(tmp_path, admin_user):
    lines = [";".join(HEADER)]
    for row in tender_rows("C-1"):
        lines.append(";".join("" if v is None else str(v) for v in row))
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines), encoding="cp1251")

    run(path, by=admin_user)

    assert Tender.objects.get().number == "C-1"


def test_a_mapping_profile_overrides_detection(tmp_path, admin_user):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Колонка 1", "Колонка 2", "Колонка 3", "Колонка 4"])
    sheet.append(["P-1", "Больница", CUSTOMER_INN, "Аппарат"])
    path = tmp_path / "odd.xlsx"
    workbook.save(path)
    with pytest.raises(FileRejected):
        run(path, by=admin_user)

    run(
        path, by=admin_user, mapping={"tender_number": "A", "customer_name": "B", "customer_inn": "C", "item_name": "D"}
    )

    assert Tender.objects.get().items.get().name == "Аппарат"


def test_a_dry_run_writes_nothing(tmp_path, admin_user):
    result = run(xlsx(tmp_path, tender_rows()), by=admin_user, dry_run=True)

    assert result.as_summary()["tenders"]["created"] == 1
    assert not Tender.objects.exists() and not Client.objects.exists()


# --- EIS open data ----------------------------------------------------------------------------


def test_real_eis_contracts_and_protocols_are_imported(admin_user, tmp_path):
    archive = tmp_path / "eis.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(TENDERS.rglob("*.xml")):
            bundle.write(path, f"{path.parent.name}/{path.name}")

    result = run(archive, by=admin_user)

    assert result.errors == 0
    assert Tender.objects.filter(law="44-fz").exists() and Tender.objects.filter(law="223-fz").exists()
    # The protocol and the contract of purchase 0111100000217000017 are one tender.
    tender = Tender.objects.get(number="0111100000217000017")
    assert tender.customer is not None
    assert tender.winner is not None
    bids = list(tender.bids.order_by("rating"))
    assert [b.rating for b in bids] == [1, 2]
    assert all(b.price for b in bids)
    # Every bidder of an auction protocol is kept with the price they offered.
    protocol = Tender.objects.get(number="0873500000820003425")
    assert protocol.bids.count() == 6
    assert protocol.bids.get(rating=1).participant == protocol.winner
    assert TenderBid.objects.filter(participant__isnull=False, price__isnull=False).count() >= 6
    # A 223-FZ contract without a supplier is kept with its customer and items.
    assert Tender.objects.filter(winner__isnull=True, customer__isnull=False, items__isnull=False).exists()

    again = run(archive, by=admin_user)
    assert again.as_summary()["tenders"]["created"] == 0
    assert again.as_summary()["bids"]["created"] == 0


def test_a_single_eis_contract_xml_is_imported(admin_user):
    path = next((TENDERS / "eis44_contracts").glob("contract_2366200608816001262_*.xml"))

    run(path, by=admin_user)

    tender = Tender.objects.get()
    assert tender.items.exists() and tender.customer.inn


def test_a_protocol_and_the_contract_of_its_purchase_are_one_tender(admin_user):
    protocol = next((TENDERS / "eis44_protocols").glob("fcsProtocolEF3_0111100000217000017_*.xml"))
    sign = next((TENDERS / "eis44_protocols").glob("fcsContractSign_0111100000217000017_*.xml"))

    run(protocol, by=admin_user)
    run(sign, by=admin_user)

    tender = Tender.objects.get()
    assert tender.customer is not None and tender.winner is not None
    assert tender.bids.count() == 2


def test_a_protocol_without_a_customer_is_adopted_by_the_contract_of_its_number(admin_user, tmp_path):
    protocol = next((TENDERS / "eis44_protocols").glob("fcsProtocolEF3_0873500000820003425_*.xml"))
    run(protocol, by=admin_user)
    assert Tender.objects.get().customer is None
    assert not Tender.objects.visible_to(admin_user).exclude(customer__isnull=True).exists()

    run(xlsx(tmp_path, tender_rows("0873500000820003425")), by=admin_user)

    tender = Tender.objects.get()
    assert tender.customer.inn == CUSTOMER_INN
    assert tender.bids.count() == 6 and tender.items.count() == 1


# --- refusals ---------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("huge.xml", b"0" * (300 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.xlsx", bytes(range(256)) * 8, ""),
        ("secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ""),
        ("empty.csv", b"", ""),
        ("nothing.csv", "Имя;Фамилия\nИван;Петров\n".encode(), "No tender columns"),
        ("evil.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', ""),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_written(admin_user, name, content, message):
    with pytest.raises(FileRejected) as refused:
        tender_job_create(upload=upload(name, content), by=admin_user)

    assert message in str(refused.value)
    assert not ImportJob.objects.exists()
    assert not Tender.objects.exists() and not Client.objects.exists()


def test_a_zip_bomb_is_refused(admin_user):
    with pytest.raises(FileRejected):
        tender_job_create(upload=upload("bomb.zip", _zip_bomb()), by=admin_user)
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(admin_user, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 1000
    content = xlsx(tmp_path, tender_rows() * 20).read_bytes()

    with pytest.raises(FileRejected, match="larger"):
        tender_job_create(upload=upload("big.xlsx", content), by=admin_user)
    assert not ImportJob.objects.exists()


def test_only_the_import_permission_creates_jobs(manager, tmp_path):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tender_job_create(upload=upload("t.xlsx", xlsx(tmp_path, tender_rows()).read_bytes()), by=manager)


# --- jobs: progress, cancel, crash and resume -------------------------------------------------


def queued_job(tmp_path, admin_user, rows) -> ImportJob:
    job = tender_job_create(upload=upload("t.xlsx", xlsx(tmp_path, rows).read_bytes()), by=admin_user)
    assert job.summary.get("awaiting_start")
    return job


def test_a_started_job_runs_in_the_worker_and_reports_progress(
    tmp_path, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tender_import, "READ_AHEAD_EVENTS", 1)
    monkeypatch.setattr(tender_import, "BATCH_ROWS", 2)
    rows = [r for n in range(5) for r in tender_rows(f"P-{n}", items=(("Монитор", 1), ("Кабель", 1)))]
    job = queued_job(tmp_path, admin_user, rows)
    seen = []
    original = tender_import._progress

    def spy(job, stream, result):
        seen.append(stream.processed)
        return original(job, stream, result)

    monkeypatch.setattr(tender_import, "_progress", spy)
    with django_capture_on_commit_callbacks(execute=True):
        tender_job_start(job=job, by=admin_user)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert job.processed_rows == job.total_rows == 10
    assert job.progress_percent == 100
    assert seen == sorted(seen) and len(seen) >= 3  # counters after every batch
    assert job.summary["tenders"] == {"created": 5, "matched": 0}


def test_a_draft_job_is_not_run_by_the_worker(tmp_path, admin_user):
    job = queued_job(tmp_path, admin_user, tender_rows())

    assert tender_import_job_run(job_id=job.pk) is None
    assert not Tender.objects.exists()


def test_a_job_is_claimed_once(tmp_path, admin_user, django_capture_on_commit_callbacks):
    job = queued_job(tmp_path, admin_user, tender_rows())
    with django_capture_on_commit_callbacks(execute=True):
        tender_job_start(job=job, by=admin_user)

    assert tender_import_job_run(job_id=job.pk) is None  # already done: a second delivery does nothing
    assert Tender.objects.count() == 1


def test_cancel_stops_between_batches(tmp_path, admin_user, monkeypatch):
    monkeypatch.setattr(tender_import, "READ_AHEAD_EVENTS", 1)
    monkeypatch.setattr(tender_import, "BATCH_ROWS", 1)
    rows = [r for n in range(5) for r in tender_rows(f"X-{n}")]
    job = queued_job(tmp_path, admin_user, rows)
    job.summary.pop("awaiting_start")
    job.save()
    original = tender_import._progress

    def cancel_after_first(job, stream, result):
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        return original(job, stream, result)

    monkeypatch.setattr(tender_import, "_progress", cancel_after_first)

    tender_import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.CANCELLED
    assert 1 <= Tender.objects.count() < 5


def test_a_job_whose_worker_died_is_restarted_without_duplicates(
    tmp_path, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tender_import, "READ_AHEAD_EVENTS", 1)
    monkeypatch.setattr(tender_import, "BATCH_ROWS", 2)
    rows = [r for n in range(6) for r in tender_rows(f"K-{n}", items=(("Аппарат УЗИ", 1),))]
    job = queued_job(tmp_path, admin_user, rows)
    job.summary.pop("awaiting_start")
    job.save()
    EquipmentRule.objects.create(name="УЗИ", pattern="узи", equipment_type=EquipmentType.objects.create(name="УЗИ"))
    original = tender_import._Writer.write
    calls = {"n": 0}

    def killed_after_two_batches(self, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")  # not an Exception: the job is left "running"
        return original(self, batch)

    monkeypatch.setattr(tender_import._Writer, "write", killed_after_two_batches)
    with pytest.raises(SystemExit):
        tender_import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.RUNNING
    assert 0 < Tender.objects.count() < 6
    monkeypatch.setattr(tender_import._Writer, "write", original)

    with (
        time_machine.travel(timezone.now() + timedelta(minutes=6)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tender_jobs_recover_stale() == 1

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert Tender.objects.count() == 6
    assert TenderItem.objects.count() == 6
    assert Equipment.objects.count() == 6
    assert job.summary["attempts"] == 2


def test_a_job_that_keeps_dying_is_failed_not_left_running(tmp_path, admin_user):
    job = ImportJob.objects.create(
        kind=ImportJobKind.TENDERS,
        status=ImportJobStatus.RUNNING,
        heartbeat_at=timezone.now() - timedelta(hours=1),
        summary={"attempts": 3},
        created_by=admin_user,
    )

    tender_jobs_recover_stale()

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.message


def test_a_header_split_over_merged_cells_below_a_title_is_found(tmp_path, admin_user):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Результаты торгов за март"])
    sheet.append([])
    sheet.append(["Номер закупки", "Заказчик", None, "Поставщик", None, "Дата контракта", "Наименование товара"])
    sheet.append([None, "Наименование", "ИНН", "Наименование", "ИНН", None, None])
    sheet.merge_cells("B3:C3")
    sheet.merge_cells("D3:E3")
    sheet.append(["S-1", "Больница", CUSTOMER_INN, "Конкурент", WINNER_INN, 45735, "Монитор"])  # an Excel serial date
    path = tmp_path / "merged.xlsx"
    workbook.save(path)

    run(path, by=admin_user)

    tender = Tender.objects.get()
    assert tender.customer.inn == CUSTOMER_INN and tender.winner.inn == WINNER_INN
    assert tender.contract_date.isoformat() == "2025-03-19"


@pytest.mark.django_db
def test_the_sales_stale_job_sweep_leaves_tender_jobs_to_their_recovery():
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import ImportJob, ImportJobKind, ImportJobStatus
    from integrations.services.sales_import import import_jobs_fail_stale
    from tests.factories import UserFactory

    old = timezone.now() - timedelta(hours=1)
    job = ImportJob.objects.create(
        kind=ImportJobKind.TENDERS,
        status=ImportJobStatus.RUNNING,
        original_name="t.xlsx",
        created_by=UserFactory(),
        heartbeat_at=old,
    )
    import_jobs_fail_stale()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.RUNNING


def test_the_import_leaves_the_interpreter_settings_as_it_found_them(tmp_path, admin_user, monkeypatch):
    import gc
    import sys

    seen = {}
    run_batches = tender_import._run_batches

    def watching(*args, **kwargs):
        seen["during"] = (sys.getswitchinterval(), gc.get_threshold()[0])
        return run_batches(*args, **kwargs)

    monkeypatch.setattr(tender_import, "_run_batches", watching)
    before = (sys.getswitchinterval(), gc.get_threshold())

    run(xlsx(tmp_path, tender_rows()), by=admin_user)

    assert seen["during"] == (tender_import.SWITCH_INTERVAL, tender_import.GC_THRESHOLD)
    assert (sys.getswitchinterval(), gc.get_threshold()) == before


@pytest.mark.django_db(transaction=True)  # each batch commits, as in the worker
def test_the_reader_waits_while_a_batch_is_written_and_reads_while_it_commits(tmp_path, admin_user, monkeypatch):
    import time

    rows = [row for n in range(8) for row in tender_rows(f"R-{n}")]
    path = xlsx(tmp_path, rows)
    stream = tender_import.tender_stream_open(path, filename=path.name)
    prepare = tender_import._Preparer.__call__

    def slow_prepare(self, parsed):
        time.sleep(0.01)  # a slow reader: it would get on with the file while the writer works
        return prepare(self, parsed)

    read_while_writing = []
    write = tender_import._Writer._write

    def watched_write(self, docs):
        before = stream.processed
        time.sleep(0.05)
        write(self, docs)
        read_while_writing.append(stream.processed - before)

    monkeypatch.setattr(tender_import._Preparer, "__call__", slow_prepare)
    monkeypatch.setattr(tender_import._Writer, "_write", watched_write)
    monkeypatch.setattr(tender_import, "READ_AHEAD_EVENTS", 1)

    tender_file_import(source=path, filename=path.name, by=admin_user, batch_rows=2, stream=stream)

    assert Tender.objects.count() == 8
    assert len(read_while_writing) > 1 and set(read_while_writing) == {0}
