"""The inbox folder: files picked up by beat, moved to done/ or failed/, idempotent."""

import os
import time

import pytest

from crm.models import SalesDocument
from integrations.models import ImportJob
from integrations.services.sales_import import sales_inbox_pickup
from integrations.tasks import sales_inbox_pickup_task
from tests.integrations.sales_files import row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(tmp_path, settings):
    folder = tmp_path / "inbox"
    folder.mkdir()
    settings.SALES_INBOX_DIR = folder
    return folder


def test_a_good_file_is_imported_and_moved_to_done(inbox):
    write_xlsx(inbox / "sales.xlsx", [row()])

    report = sales_inbox_pickup(inbox=inbox, min_age=0)

    assert report.done == ["sales.xlsx"]
    assert (inbox / "done" / "sales.xlsx").exists() and not (inbox / "sales.xlsx").exists()
    document = SalesDocument.objects.get()
    assert document.source == "inbox"


def test_a_bad_file_goes_to_failed_with_an_error_report_and_writes_nothing(inbox):
    write_xlsx(inbox / "bad.xlsx", [row(), row(ext="S-2", qty="x")])

    report = sales_inbox_pickup(inbox=inbox, min_age=0)

    assert report.failed == ["bad.xlsx"]
    errors = (inbox / "failed" / "bad.xlsx.errors.txt").read_text()
    assert "3:" in errors
    assert SalesDocument.objects.count() == 0


def test_the_same_file_twice_changes_nothing(inbox, tmp_path):
    original = write_xlsx(tmp_path / "sales.xlsx", [row()])
    (inbox / "sales.xlsx").write_bytes(original.read_bytes())
    sales_inbox_pickup(inbox=inbox, min_age=0)
    (inbox / "sales.xlsx").write_bytes(original.read_bytes())

    report = sales_inbox_pickup(inbox=inbox, min_age=0)

    assert report.skipped == ["sales.xlsx"]
    assert SalesDocument.objects.count() == 1
    assert ImportJob.objects.count() == 1
    assert len(list((inbox / "done").iterdir())) == 2


def test_files_still_being_copied_wait(inbox):
    path = write_xlsx(inbox / "sales.xlsx", [row()])
    now = time.time()
    os.utime(path, (now, now))

    report = sales_inbox_pickup(inbox=inbox, min_age=60)

    assert report.done == [] and path.exists()


def test_the_beat_task_picks_up_the_inbox(inbox):
    path = write_xlsx(inbox / "sales.xlsx", [row()])
    old = time.time() - 3600
    os.utime(path, (old, old))

    sales_inbox_pickup_task.delay()

    assert SalesDocument.objects.count() == 1


def test_jobs_whose_worker_died_are_failed_by_the_beat_task(inbox):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        stale = ImportJob.objects.create(kind="sales", status="running", heartbeat_at=dt.datetime.now(dt.UTC))
        fresh = ImportJob.objects.create(kind="sales", status="running", heartbeat_at=dt.datetime.now(dt.UTC))
    ImportJob.objects.filter(pk=fresh.pk).update(heartbeat_at=dt.datetime.now(dt.UTC))

    sales_inbox_pickup_task.delay()

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("failed", "running")
