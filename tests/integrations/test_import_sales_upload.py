"""Uploading a sales file by hand: administrators only, progress, cancel, rejected rows as xlsx."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import SalesDocument
from integrations.models import ImportJob
from integrations.services.sales_import import import_job_cancel
from tests.integrations.sales_files import row, write_xlsx

pytestmark = pytest.mark.django_db


def upload(client, path, **extra):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), **extra}
    return client.post(reverse("integrations:sales_upload"), data)


def test_an_admin_uploads_a_file_and_it_is_imported(admin_user, as_user, tmp_path, django_capture_on_commit_callbacks):
    client = as_user(admin_user)
    path = write_xlsx(tmp_path / "sales.xlsx", [row()])

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, path)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == "done" and job.created_by == admin_user
    assert SalesDocument.objects.count() == 1
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and b'data-testid="job-summary"' in page.content
    assert client.get(reverse("integrations:job_progress", args=[job.pk])).status_code == 200


def test_rejected_rows_are_listed_and_exported(admin_user, as_user, tmp_path, django_capture_on_commit_callbacks):
    client = as_user(admin_user)
    path = write_xlsx(tmp_path / "bad.xlsx", [row(qty="=1+1"), row(ext="S-2", date="вчера")])

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, path)

    job = ImportJob.objects.get()
    assert job.status == "failed" and job.error_count >= 2
    response = client.get(reverse("integrations:job_errors_xlsx", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]][:2] == [2, 3]
    assert all(not str(cell).startswith("=") for r in rows for cell in r if cell is not None)
    assert SalesDocument.objects.count() == 0


def test_a_dry_run_upload_writes_nothing(admin_user, as_user, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(admin_user), write_xlsx(tmp_path / "s.xlsx", [row()]), dry_run="on")

    assert ImportJob.objects.get().status == "done"
    assert SalesDocument.objects.count() == 0


def test_an_empty_upload_is_refused_by_the_form(admin_user, as_user):
    response = as_user(admin_user).post(
        reverse("integrations:sales_upload"), {"file": SimpleUploadedFile("e.xlsx", b"")}
    )

    assert response.status_code == 200 and ImportJob.objects.count() == 0


def test_a_queued_job_can_be_cancelled(admin_user, as_user):
    job = ImportJob.objects.create(kind="sales", original_name="x.xlsx", created_by=admin_user)

    response = as_user(admin_user).post(reverse("integrations:job_cancel", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_a_running_job_stops_before_writing_when_cancelled(admin_user, tmp_path):
    from integrations.services.sales_import import sales_file_import

    job = ImportJob.objects.create(kind="sales", original_name="s.xlsx", status="running", created_by=admin_user)
    import_job_cancel(job=job, by=admin_user)

    sales_file_import(path=write_xlsx(tmp_path / "s.xlsx", [row()]), job=job)

    job.refresh_from_db()
    assert job.status == "cancelled" and SalesDocument.objects.count() == 0


@pytest.mark.parametrize("who", ["manager", "head", "engineer"])
def test_import_pages_are_for_administrators_only(who, request, as_user, admin_user):
    job = ImportJob.objects.create(kind="sales", original_name="x.xlsx", created_by=admin_user)
    client = as_user(request.getfixturevalue(who))

    for url in (
        reverse("integrations:job_list"),
        reverse("integrations:sales_upload"),
        reverse("integrations:job_detail", args=[job.pk]),
        reverse("integrations:job_errors_xlsx", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403


def test_the_job_list_runs_constant_queries(admin_user, as_user, django_assert_max_num_queries):
    for n in range(20):
        ImportJob.objects.create(kind="sales", original_name=f"{n}.xlsx", created_by=admin_user)
    client = as_user(admin_user)
    client.get(reverse("integrations:job_list"))

    with django_assert_max_num_queries(7):
        response = client.get(reverse("integrations:job_list"))

    assert response.status_code == 200
