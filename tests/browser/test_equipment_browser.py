"""An engineer logs a competitor's machine from a phone; it shows on the client card and in the journal."""

import pytest

from equipment.models import Equipment
from tests.browser.conftest import log_in
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_engineer_logs_a_competitors_machine_on_a_phone(phone_page, manager, engineer):
    client = ClientFactory(responsible=manager, name="ООО «Завод Прогресс»")
    EquipmentFactory(client=client, service_responsible=engineer, model="OURS-1")
    EquipmentTypeFactory(name="Screw compressor")
    page = phone_page
    log_in(page, "engineer")

    page.goto("/equipment/new/")
    page.fill("[data-testid=client-search]", "Прогресс")
    page.click("[data-testid=client-option]")
    page.select_option("#id_equipment_type", label="Screw compressor")
    page.fill("#id_manufacturer", "Kaeser")
    page.fill("#id_model", "SK 22")
    page.fill("#id_serial_number", "KS-2201")
    page.fill("#id_production_year", "2016")
    page.fill("#id_competitor_name", "ООО «Чужие компрессоры»")
    page.click("[data-testid=equipment-save]")

    page.wait_for_selector("[data-testid=equipment-title]")
    assert "Kaeser SK 22" in page.inner_text("[data-testid=equipment-title]")
    unit = Equipment.objects.get(serial_number="KS-2201")
    assert unit.source == "visit" and unit.competitor.name == "ООО «Чужие компрессоры»"
    # Phone-sized: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.goto(f"/clients/{client.pk}/")
    page.click("[data-testid=tab-equipment]")
    page.wait_for_selector("[data-testid=client-equipment-table]")
    assert "SK 22" in page.inner_text("[data-testid=client-equipment-table]")
    assert "Screw compressor" in page.inner_text("[data-testid=share-of-wallet]")

    page.goto("/equipment/?manufacturer=Kaeser")
    assert "KS-2201" in page.inner_text("[data-testid=equipment-table]")
    page.wait_for_selector("[data-testid=equipment-summary]")
