import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_logs_in_and_switches_the_language(page, manager):
    log_in(page, "manager")
    assert page.locator("[data-testid=user-menu]").is_visible()
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=lang-ru]")
    page.wait_for_load_state()
    manager.refresh_from_db()
    assert page.locator("html").get_attribute("lang") == "ru"
