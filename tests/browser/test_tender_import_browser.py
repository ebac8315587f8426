"""An administrator uploads a tender export, fixes one column, watches the import finish, downloads the rejects."""

import openpyxl
import pytest

from integrations.models import ImportJob, Tender
from tests.browser.conftest import log_in
from tests.integrations.test_tender_import import tender_rows, xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_imports_a_tender_file_in_the_browser(page, admin_user, tmp_path):
    bad = tender_rows("BAD-1")[0]
    bad[8] = "много"
    path = xlsx(tmp_path, [*tender_rows("B-1", items=(("Монитор", 1), ("Кабель", 2))), bad, *tender_rows("B-2")])
    log_in(page, "admin")

    page.goto("/imports/tenders/")
    page.set_input_files("[data-testid=tender-file]", str(path))
    page.click("[data-testid=tender-upload-submit]")

    page.wait_for_selector("[data-testid=preview-table]")
    assert page.locator("[data-testid=map-customer_inn]").input_value() == "C"
    assert "много" in page.inner_text("[data-testid=preview-table]")
    page.select_option("[data-testid=map-region]", "")  # the user drops the region column
    page.click("[data-testid=preview-button]")
    page.wait_for_selector("[data-testid=preview-table]")
    assert page.locator("[data-testid=map-region]").input_value() == ""
    page.click("[data-testid=start-button]")

    bar = page.locator("[data-testid=tender-progress-bar]")
    bar.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=tender-progress-bar]').textContent.trim() === '100%'")
    assert "1 rejected" in page.inner_text("[data-testid=tender-progress-text]")
    assert page.locator("[data-testid=tender-summary]").is_visible()
    with page.expect_download() as download_info:
        page.click("[data-testid=tender-rejected-download]")
    target = tmp_path / "rejected.xlsx"
    download_info.value.save_as(target)

    rows = list(openpyxl.load_workbook(target).active.values)
    assert "много" in rows[1][2] and "BAD-1" in rows[1]
    assert sorted(Tender.objects.values_list("number", flat=True)) == ["B-1", "B-2"]
    assert set(Tender.objects.values_list("region_name", flat=True)) == {""}
    assert ImportJob.objects.get().created_by == admin_user
