"""On a phone (390×844) the clients list, a client card and My tasks fit the width, and the menu opens."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.models import ContactPoint
from tests.browser.conftest import log_in
from tests.factories import ClientFactory, ContactFactory, InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 390
# A mobile browser zooms out to show a page wider than the screen, and window.innerWidth grows
# with it: the page's width is compared with the layout viewport (the <html> element's client
# width), and the screen must not have been zoomed out.
WIDTHS = "[document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]"


def assert_no_sideways_scroll(page, path: str) -> None:
    scroll, client, inner = page.evaluate(WIDTHS)
    assert scroll <= client == inner == PHONE_WIDTH, (path, scroll, client, inner)


@pytest.fixture
def workday(manager):
    """A manager's clients with long names, a contact, calls and tasks overdue, today and later."""
    clients = [
        ClientFactory(
            responsible=manager,
            name=f"Общество с ограниченной ответственностью «Научно-производственное объединение Компрессормаш-{n}»",
            short_name=f"НПО «Компрессорное оборудование и сервисное обслуживание-{n}»",
        )
        for n in range(3)
    ]
    card = clients[0]
    contact = ContactFactory(client=card, position="Заместитель генерального директора по капитальному строительству")
    ContactPoint.objects.create(client=card, kind="email", value="zakupki-kompressornoe-oborudovanie@example.com")
    ContactPoint.objects.create(contact=contact, kind="phone", value="+7 495 123-45-67", normalized="+74951234567")
    for n in range(3):
        InteractionFactory(client=card, contact=contact, author=manager, subject=f"Обсуждение поставки {n}" * 3)
    now = timezone.now()
    for days in (-3, 0, 5):
        TaskFactory(
            client=card,
            assignee=manager,
            author=manager,
            title="Перезвонить главному инженеру по поводу технического обслуживания",
            due_at=now + dt.timedelta(days=days, minutes=5),
        )
    return card


def assert_fits_and_the_menu_opens(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    assert_no_sideways_scroll(page, path)
    menu = page.locator("#mainNav")
    assert not menu.is_visible()  # collapsed behind the toggler on a phone
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    menu.locator("a[href='/tasks/']").wait_for(state="visible")
    assert menu.locator("a[href='/clients/']").is_visible()
    assert_no_sideways_scroll(page, path)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_main_pages_fit_a_phone(phone_page, manager, workday, language):
    manager.language = language
    manager.save(update_fields=["language"])
    log_in(phone_page, "manager")
    for path in ("/clients/", f"/clients/{workday.pk}/", "/tasks/"):
        assert_fits_and_the_menu_opens(phone_page, path)
    # The menu leads somewhere: from the card to My tasks.
    phone_page.locator("#mainNav a[href='/tasks/']").click()
    phone_page.wait_for_url("**/tasks/")
    assert phone_page.locator("[data-testid=task-row]").count() == 3
