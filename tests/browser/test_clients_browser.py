"""A manager creates a client in a real browser and is warned of duplicates; a second INN is refused."""

import pytest

from crm.models import Client
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def fill_client(page, *, name: str, inn: str = "", phone: str = "") -> None:
    page.goto("/clients/new/")
    page.fill("[data-testid=client-name]", name)
    if inn:
        page.fill("[data-testid=client-inn]", inn)
    if phone:
        page.fill("#id_points-0-value", phone)


def test_manager_creates_a_client_and_is_warned_of_duplicates(page, manager):
    log_in(page, "manager")

    fill_client(page, name="ООО «Ромашка»", inn="7707083893", phone="+7 495 123-45-67")
    page.click("[data-testid=client-save]")
    page.wait_for_url("**/clients/*/")
    assert page.locator("[data-testid=client-name]").inner_text() == "ООО «Ромашка»"
    assert "+7 495 123-45-67" in page.locator("[data-testid=client-contact-details]").inner_text()

    # A similar name: the live check warns while typing, and saving is held until confirmed.
    page.goto("/clients/new/")
    page.locator("[data-testid=client-name]").press_sequentially("Ромашка ООО", delay=20)
    page.locator("[data-testid=duplicate-warning]").wait_for()
    assert "ООО «Ромашка»" in page.locator("[data-testid=duplicate-warning]").inner_text()
    page.click("[data-testid=client-save]")
    page.locator("[data-testid=form-errors]").wait_for()
    assert Client.objects.count() == 1

    # The same phone under another name is a duplicate too.
    fill_client(page, name="Совсем другое имя", phone="8 (495) 123-45-67")
    page.click("[data-testid=client-save]")
    page.locator("[data-testid=duplicate-warning]").wait_for()
    assert "ООО «Ромашка»" in page.locator("[data-testid=duplicate-warning]").inner_text()
    page.check("#id_confirm_duplicates")
    page.click("[data-testid=client-save]")
    page.wait_for_url("**/clients/*/")
    assert Client.objects.count() == 2

    # The same INN is refused with the existing client's responsible named.
    fill_client(page, name="Третья", inn="7707083893")
    page.click("[data-testid=client-save]")
    error = page.locator("[data-testid=error-inn]")
    error.wait_for()
    assert "already exists" in error.inner_text()
    assert manager.display_name in error.inner_text()
    assert Client.objects.count() == 2


def test_global_search_shows_instant_results(page, manager):
    from tests.factories import ClientFactory

    client = ClientFactory(responsible=manager, name="ООО «Лютик»")
    log_in(page, "manager")
    page.goto("/clients/")
    page.locator("[data-testid=global-search-input]").press_sequentially("Лютик", delay=20)
    result = page.locator("[data-testid=search-client]").first
    result.wait_for()
    result.click()
    page.wait_for_url(f"**/clients/{client.pk}/")
