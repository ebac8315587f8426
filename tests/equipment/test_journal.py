"""The equipment journal: access, filters, sorting, summary, export, constant queries."""

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(manager):
    return EquipmentFactory(client=ClientFactory(responsible=manager), manufacturer="Atlas", model="GA-11")


def test_owner_head_and_admin_see_it_colleague_and_outsider_do_not(
    as_user, own, manager, colleague, outsider, head, admin_user
):
    for user, visible in ((manager, True), (head, True), (admin_user, True), (colleague, False), (outsider, False)):
        response = as_user(user).get("/equipment/")
        assert response.status_code == 200
        assert ("GA-11" in response.content.decode()) is visible, user.username


def test_an_engineer_sees_the_equipment_they_service(as_user, own, engineer):
    assert "GA-11" not in as_user(engineer).get("/equipment/").content.decode()
    own.service_responsible = engineer
    own.save()
    assert "GA-11" in as_user(engineer).get("/equipment/").content.decode()


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get("/equipment/").status_code == 302


def test_filters_narrow_the_rows(as_user, manager):
    client = ClientFactory(responsible=manager)
    pump = EquipmentTypeFactory(name="Pump")
    EquipmentFactory(client=client, equipment_type=pump, manufacturer="Grundfos", model="CR-1", production_year=2015)
    EquipmentFactory(client=client, manufacturer="Atlas", model="GA-2", production_year=2020, source="competitor")
    http = as_user(manager)
    assert "CR-1" not in http.get("/equipment/", {"manufacturer": "Atlas"}).content.decode()
    assert "GA-2" not in http.get("/equipment/", {"equipment_type": pump.pk}).content.decode()
    assert "CR-1" not in http.get("/equipment/", {"source": "competitor"}).content.decode()
    assert "GA-2" not in http.get("/equipment/", {"production_year": 2015}).content.decode()


@time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC))
def test_due_filters(as_user, manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(
        client=client, model="SOON", next_maintenance_on=dt.date(2026, 6, 20), warranty_until=dt.date(2026, 6, 10)
    )
    EquipmentFactory(client=client, model="LATE", next_maintenance_on=dt.date(2026, 5, 1))
    EquipmentFactory(
        client=client, model="FAR", next_maintenance_on=dt.date(2027, 1, 1), warranty_until=dt.date(2027, 1, 1)
    )
    http = as_user(manager)
    body = http.get("/equipment/", {"maintenance_within": 30}).content.decode()
    assert "SOON" in body and "LATE" in body and "FAR" not in body
    body = http.get("/equipment/", {"maintenance_overdue": "on"}).content.decode()
    assert "LATE" in body and "SOON" not in body
    body = http.get("/equipment/", {"warranty_within": 30}).content.decode()
    assert "SOON" in body and "FAR" not in body


def test_archived_equipment_is_hidden_unless_asked_for(as_user, manager):
    EquipmentFactory(client=ClientFactory(responsible=manager), model="OLD", is_archived=True)
    assert "OLD" not in as_user(manager).get("/equipment/").content.decode()
    assert "OLD" in as_user(manager).get("/equipment/", {"archived": "on"}).content.decode()


def test_sorting_by_planned_maintenance(as_user, manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, model="LATER", next_maintenance_on=dt.date(2027, 1, 1))
    EquipmentFactory(client=client, model="SOONER", next_maintenance_on=dt.date(2026, 1, 1))
    body = as_user(manager).get("/equipment/", {"sort": "maintenance"}).content.decode()
    assert body.index("SOONER") < body.index("LATER")


def test_the_page_runs_a_constant_number_of_queries(as_user, manager, django_assert_max_num_queries):
    client = ClientFactory(responsible=manager)
    http = as_user(manager)
    EquipmentFactory(client=client)
    with django_assert_max_num_queries(10):
        http.get("/equipment/")
    for _ in range(30):
        EquipmentFactory(client=ClientFactory(responsible=manager), competitor=ClientFactory(kind="competitor"))
    with django_assert_max_num_queries(10):
        response = http.get("/equipment/", {"sort": "client", "maintenance_within": 30})
    assert response.status_code == 200


def test_summary_counts_by_type_manufacturer_and_source(as_user, manager, django_assert_max_num_queries):
    client = ClientFactory(responsible=manager)
    EquipmentFactory.create_batch(2, client=client, manufacturer="Atlas")
    EquipmentFactory(client=client, manufacturer="Kaeser", source="competitor")
    EquipmentFactory(client=ClientFactory(), manufacturer="Hidden")
    http = as_user(manager)
    with django_assert_max_num_queries(8):
        body = http.get("/equipment/summary/").content.decode()
    assert "3 units" in body and "Kaeser" in body and "Hidden" not in body


def test_export_is_filtered_visible_only_and_formula_safe(as_user, manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, model='=HYPERLINK("x")', manufacturer="Atlas")
    EquipmentFactory(client=ClientFactory(), model="NOT-MINE")
    response = as_user(manager).get("/equipment/export/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("x")' in values
    assert "NOT-MINE" not in values


def test_engineers_may_not_export(as_user, engineer):
    assert as_user(engineer).get("/equipment/export/").status_code == 403


def test_output_is_escaped(as_user, manager):
    EquipmentFactory(client=ClientFactory(responsible=manager), model="<script>alert(1)</script>")
    body = as_user(manager).get("/equipment/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("sort", ["maintenance", "-maintenance", "client", "-id"])
def test_an_engineers_journal_is_sorted_like_everyone_elses(as_user, engineer, manager, sort):
    for i, day in enumerate([dt.date(2027, 1, 1), dt.date(2026, 1, 1), None]):
        client = ClientFactory(responsible=manager, name=f"Client {'CAB'[i]}")
        EquipmentFactory(client=client, model=f"UNIT-{i}", next_maintenance_on=day, service_responsible=engineer)
    order = lambda body: sorted(("UNIT-0", "UNIT-1", "UNIT-2"), key=body.index)  # noqa: E731
    assert order(as_user(engineer).get("/equipment/", {"sort": sort}).content.decode()) == order(
        as_user(manager).get("/equipment/", {"sort": sort}).content.decode()
    )


def test_head_and_engineer_pages_run_a_bounded_number_of_queries(
    as_user, head, engineer, manager, django_assert_max_num_queries
):
    for _ in range(20):
        EquipmentFactory(
            client=ClientFactory(responsible=manager),
            service_responsible=engineer,
            next_maintenance_on=dt.date.today(),
        )
    for user in (head, engineer):
        http = as_user(user)
        with django_assert_max_num_queries(10):
            response = http.get("/equipment/", {"sort": "client", "maintenance_within": 30})
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="equipment-row"') == 20


def test_the_type_filter_offers_types_created_after_the_list_was_cached(as_user, manager):
    from equipment.services.shipments import equipment_types_resolve

    http = as_user(manager)
    assert "Chiller" not in http.get("/equipment/").content.decode()
    EquipmentTypeFactory(name="Chiller")
    equipment_types_resolve(names={"Dryer"})  # as shipments create them: in bulk
    body = http.get("/equipment/").content.decode()
    assert ">Chiller</option>" in body and ">Dryer</option>" in body
