"""Tender import pages: upload, columns check, progress, rejected rows, competitor and client pages."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import ClientKind
from integrations.models import ImportJob, ImportJobStatus, MappingProfile, Tender
from integrations.services.tender_import import tender_file_import
from tests.factories import ClientFactory
from tests.integrations.test_tender_import import CUSTOMER_INN, WINNER_INN, tender_rows, xlsx

UPLOAD = reverse("integrations:tender_upload")


def bad_row():
    row = tender_rows("BAD-1")[0]
    row[8] = "много"  # quantity that is not a number
    return row


@pytest.fixture
def tender_file(tmp_path):
    return xlsx(tmp_path, [*tender_rows("V-1"), bad_row(), *tender_rows("V-2")])


def post_file(http, path):
    return http.post(UPLOAD, {"file": SimpleUploadedFile(path.name, path.read_bytes())})


def test_only_the_import_permission_sees_the_upload_page(as_user, admin_user, manager, head, engineer):
    assert as_user(admin_user).get(UPLOAD).status_code == 200
    for user in (manager, head, engineer):
        assert as_user(user).get(UPLOAD).status_code == 403


def test_a_manager_cannot_upload(as_user, manager, tender_file):
    response = post_file(as_user(manager), tender_file)

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_upload_shows_the_detected_columns_and_a_preview(as_user, admin_user, tender_file):
    http = as_user(admin_user)

    response = post_file(http, tender_file)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("integrations:tender_job", args=[job.pk])
    page = http.get(response.url)
    content = page.content.decode()
    assert page.context["form"]["map_customer_inn"].initial == "C"
    assert "V-1" in content and "много" in content  # the bad row is shown with its problem
    assert not Tender.objects.exists()  # nothing written before the start


def test_a_bad_file_is_refused_on_upload_with_a_clear_message(as_user, admin_user):
    response = as_user(admin_user).post(UPLOAD, {"file": SimpleUploadedFile("x.csv", b"a;b\n1;2\n")})

    assert response.status_code == 200
    assert "No tender columns were recognised" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_fixing_a_column_and_starting_imports_with_that_mapping(
    as_user, admin_user, tender_file, django_capture_on_commit_callbacks
):
    http = as_user(admin_user)
    job_url = post_file(http, tender_file).url
    form = http.get(job_url).context["form"]
    data = {name: form[name].initial or "" for name in form.fields if name.startswith("map_")}
    data["map_region"] = ""  # the user drops the region column
    data["profile_name"] = "Portal X"

    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(job_url, {**data, "start": "1"})

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.DONE
    assert sorted(Tender.objects.values_list("number", flat=True)) == ["V-1", "V-2"]
    assert set(Tender.objects.values_list("region_name", flat=True)) == {""}
    assert MappingProfile.objects.get(name="Portal X").mapping["customer_inn"] == "C"
    assert job.error_count == 1
    page = http.get(job_url).content.decode()
    assert 'data-testid="tender-summary"' in page


def test_the_same_column_for_two_fields_is_an_error(as_user, admin_user, tender_file):
    http = as_user(admin_user)
    job_url = post_file(http, tender_file).url
    form = http.get(job_url).context["form"]
    data = {name: form[name].initial or "" for name in form.fields if name.startswith("map_")}
    data["map_region"] = data["map_customer_name"]

    response = http.post(job_url, {**data, "start": "1"})

    assert response.status_code == 200
    assert "is chosen for both" in response.content.decode()
    assert not Tender.objects.exists()


def test_progress_partial_and_rejected_rows_download(
    as_user, admin_user, tender_file, django_capture_on_commit_callbacks
):
    http = as_user(admin_user)
    job_url = post_file(http, tender_file).url
    form = http.get(job_url).context["form"]
    data = {name: form[name].initial or "" for name in form.fields if name.startswith("map_")}
    with django_capture_on_commit_callbacks(execute=True):
        http.post(job_url, {**data, "start": "1"})
    job = ImportJob.objects.get()

    progress = http.get(reverse("integrations:tender_progress", args=[job.pk])).content.decode()
    download = http.get(reverse("integrations:tender_rejected_xlsx", args=[job.pk]))

    assert "100%" in progress
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.values)
    assert rows[1][0] == 3  # header + 2 rows of V-1 (1 item) -> the bad row is row 3
    assert "много" in rows[1][2]
    assert "BAD-1" in rows[1]  # the original cells come back


def test_the_rejected_rows_file_is_safe_from_formulas(as_user, admin_user, tmp_path):
    row = tender_rows("=HYPERLINK(1)")[0]
    row[8] = "=1+1"
    path = xlsx(tmp_path, [row])
    job = ImportJob.objects.create(kind="tenders", original_name=path.name, created_by=admin_user)
    job.file.save(path.name, io.BytesIO(path.read_bytes()))
    tender_file_import(source=path, filename=path.name, by=admin_user, job=job)

    download = as_user(admin_user).get(reverse("integrations:tender_rejected_xlsx", args=[job.pk]))

    values = [v for row in openpyxl.load_workbook(io.BytesIO(download.content)).active.values for v in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_a_manager_cannot_see_a_tender_job(as_user, admin_user, manager, tender_file):
    post_file(as_user(admin_user), tender_file)
    job = ImportJob.objects.get()

    assert as_user(manager).get(reverse("integrations:tender_job", args=[job.pk])).status_code == 403
    assert as_user(manager).get(reverse("integrations:tender_progress", args=[job.pk])).status_code == 403


def test_the_demo_file_can_be_downloaded_and_imported(as_user, admin_user, tmp_path):
    response = as_user(admin_user).get(reverse("integrations:tender_demo_file"))

    path = tmp_path / "demo.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    result = tender_file_import(source=path, filename=path.name, by=admin_user)
    assert result.as_summary()["tenders"]["created"] == 40
    assert result.errors == 0


# --- competitor and client pages ----------------------------------------------------------------


@pytest.fixture
def imported(tmp_path, admin_user, manager, outsider):
    """Two tenders won by one competitor: one for the manager's client, one for the outsider's."""
    ours = ClientFactory(name="Наша больница", inn=CUSTOMER_INN, kind=ClientKind.CUSTOMER, responsible=manager)
    theirs = ClientFactory(name="Чужая больница", inn="0274062111", kind=ClientKind.CUSTOMER, responsible=outsider)
    competitor = ClientFactory(name="Конкурент", inn=WINNER_INN, kind=ClientKind.COMPETITOR, responsible=manager)
    rows = tender_rows("OUR-1") + tender_rows("THEIR-1", customer_inn="0274062111")
    tender_file_import(source=xlsx(tmp_path, rows), filename="t.xlsx", by=admin_user)
    return ours, theirs, competitor


def test_a_competitor_page_shows_only_tenders_of_visible_customers(as_user, manager, imported):
    _ours, _theirs, competitor = imported

    response = as_user(manager).get(reverse("integrations:tender_competitor", args=[competitor.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "OUR-1" in content and "THEIR-1" not in content


def test_an_out_of_scope_competitor_is_404(as_user, colleague, imported):
    _ours, _theirs, competitor = imported

    assert as_user(colleague).get(reverse("integrations:tender_competitor", args=[competitor.pk])).status_code == 404


def test_the_client_tenders_tab_lists_tenders_and_winners(
    as_user, manager, outsider, imported, django_assert_max_num_queries
):
    ours, theirs, _competitor = imported
    http = as_user(manager)

    with django_assert_max_num_queries(12):
        response = http.get(reverse("integrations:tender_client", args=[ours.pk]), HTTP_HX_REQUEST="true")

    assert "OUR-1" in response.content.decode() and "Конкурент" in response.content.decode()
    assert http.get(reverse("integrations:tender_client", args=[theirs.pk])).status_code == 404


def test_equipment_rules_page_adds_a_rule(as_user, admin_user, manager):
    http = as_user(admin_user)
    url = reverse("integrations:tender_rules")

    response = http.post(url, {"name": "Мониторы", "pattern": "монитор", "priority": 10, "is_active": "on"})

    assert response.status_code == 302
    assert as_user(manager).get(url).status_code == 403
    bad = http.post(url, {"name": "Bad", "pattern": "(", "priority": 10})
    assert "not a valid regular expression" in bad.content.decode()


def test_pages_run_a_constant_number_of_queries(as_user, admin_user, manager, imported, django_assert_max_num_queries):
    _ours, _theirs, competitor = imported
    http = as_user(admin_user)

    with django_assert_max_num_queries(14):
        assert http.get(reverse("integrations:tender_competitor", args=[competitor.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert http.get(UPLOAD).status_code == 200
