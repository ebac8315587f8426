"""`manage.py import_tenders` and the demo tender import."""

import random
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from equipment.models import Equipment
from integrations.demo_tenders import seed_tenders
from integrations.models import ImportJob, ImportJobStatus, MappingProfile, Tender
from tests.integrations.test_tender_import import tender_rows, xlsx
from tests.samples import SAMPLES


def test_it_imports_a_file_and_prints_the_summary(tmp_path, db):
    out = StringIO()

    call_command("import_tenders", str(xlsx(tmp_path, tender_rows("CMD-1"))), stdout=out)

    assert "Tenders: 1 created, 0 matched" in out.getvalue()
    assert Tender.objects.get().number == "CMD-1"
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.DONE and job.source == "command"


def test_it_imports_a_single_eis_xml(db):
    path = next((SAMPLES / "tenders" / "eis223_contracts").glob("contract_Adygeya_*.xml"))

    call_command("import_tenders", str(path), stdout=StringIO())

    assert Tender.objects.filter(law="223-fz").exists()


def test_a_dry_run_prints_the_summary_and_writes_nothing(tmp_path, db):
    out = StringIO()

    call_command("import_tenders", str(xlsx(tmp_path, tender_rows())), "--dry-run", stdout=out)

    assert "Dry run" in out.getvalue() and "Tenders: 1 created" in out.getvalue()
    assert not Tender.objects.exists() and not ImportJob.objects.exists()


def test_a_profile_is_applied_by_name(tmp_path, db):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["c1", "c2", "c3"])
    workbook.active.append(["PR-1", "Больница", "Аппарат"])
    path = tmp_path / "odd.xlsx"
    workbook.save(path)
    MappingProfile.objects.create(name="Odd", mapping={"tender_number": "A", "customer_name": "B", "item_name": "C"})

    call_command("import_tenders", str(path), "--profile", "Odd", stdout=StringIO())

    assert Tender.objects.get().number == "PR-1"


@pytest.mark.parametrize("content", [b"", b"just some text that is not a table", b"PK\x03\x04broken"])
def test_a_bad_file_exits_non_zero_with_the_reason(tmp_path, db, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)

    with pytest.raises(CommandError) as failed:
        call_command("import_tenders", str(path), stdout=StringIO())

    assert str(failed.value)
    assert not ImportJob.objects.exists() and not Tender.objects.exists()


def test_an_unknown_profile_is_an_error(tmp_path, db):
    with pytest.raises(CommandError, match="No mapping profile"):
        call_command("import_tenders", str(xlsx(tmp_path, tender_rows())), "--profile", "Nope")


def test_the_demo_import_leaves_a_finished_job_with_competitors_tenders_and_equipment(admin_user):
    ctx = SimpleNamespace(rng=random.Random(1), users={"admin": admin_user}, log=lambda message: None)

    seed_tenders(ctx)
    seed_tenders(ctx)  # idempotent

    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.DONE and job.error_count == 0
    assert job.summary["tenders"]["created"] == 40
    assert job.summary["competitors"]["created"] > 0
    assert Equipment.objects.filter(source="tender").count() == job.summary["equipment"]["created"] > 0
