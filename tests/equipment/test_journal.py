"""The equipment journal: access, filters, sorting, summary, export, constant queries."""

import datetime as dt
import re
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


def _models(response) -> set[str]:
    return {row.model for row in response.context["rows"]}


def test_the_client_filter_is_a_visible_box_taking_a_name_an_inn_or_an_id(as_user, manager):
    romashka = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    EquipmentFactory(client=romashka, model="ROM-1")
    EquipmentFactory(client=ClientFactory(responsible=manager, name="АО «Василёк»"), model="VAS-1")
    http = as_user(manager)

    page = http.get("/equipment/").content.decode()

    assert re.search(r'<input type="text" name="client"[^>]* list="journal-client-options"', page)
    assert '<label class="form-label small mb-0" for="id_client">Client (name, INN or id)' in page
    for value in ("Ромашка", "7707083893", str(romashka.pk)):
        assert _models(http.get("/equipment/", {"client": value})) == {"ROM-1"}, value
    assert _models(http.get("/equipment/", {"client": "Нет такого"})) == set()


def test_the_client_filter_finds_nothing_outside_the_users_scope(as_user, manager, colleague):
    theirs = ClientFactory(responsible=colleague, name="ООО «Чужой»", inn="7707083893")
    EquipmentFactory(client=theirs, model="THEIRS")
    http = as_user(manager)
    for value in ("Чужой", "7707083893", str(theirs.pk)):
        assert _models(http.get("/equipment/", {"client": value})) == set(), value


def test_client_suggestions_offer_only_visible_clients(as_user, manager, colleague):
    ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    ClientFactory(responsible=colleague, name="ООО «Ромашка-2»")
    body = as_user(manager).get("/equipment/clients/options/", {"client": "Ромаш"}).content.decode()
    assert '<option value="7707083893"' in body and "Ромашка-2" not in body
    assert as_user(manager).get("/equipment/clients/options/", {"client": "Р"}).content.decode().strip() == ""


def test_the_region_filter(as_user, admin_user, region_a, region_b):
    EquipmentFactory(client=ClientFactory(region=region_a, responsible=None), model="IN-A")
    EquipmentFactory(client=ClientFactory(region=region_b, responsible=None), model="IN-B")
    http = as_user(admin_user)
    assert _models(http.get("/equipment/", {"region": region_a.pk})) == {"IN-A"}
    assert _models(http.get("/equipment/", {"region": region_b.pk})) == {"IN-B"}


def test_the_competitor_filter_takes_a_name_an_inn_or_an_id(as_user, manager):
    client = ClientFactory(responsible=manager)
    rival = ClientFactory(kind="competitor", name="ООО «Конкурент»", inn="7707083893", responsible=None)
    other = ClientFactory(kind="competitor", name="ООО «Другой»", responsible=None)
    EquipmentFactory(client=client, competitor=rival, model="RIVAL")
    EquipmentFactory(client=client, competitor=other, model="OTHER")
    EquipmentFactory(client=client, model="NONE")
    http = as_user(manager)
    for value in ("Конкурент", "7707083893", str(rival.pk)):
        assert _models(http.get("/equipment/", {"competitor": value})) == {"RIVAL"}, value


def test_the_status_filter(as_user, manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, model="WORKS", status="in_operation")
    EquipmentFactory(client=client, model="BROKEN", status="under_repair")
    EquipmentFactory(client=client, model="GONE", status="decommissioned")
    http = as_user(manager)
    assert _models(http.get("/equipment/", {"status": "under_repair"})) == {"BROKEN"}
    assert _models(http.get("/equipment/", {"status": "decommissioned"})) == {"GONE"}
    assert http.get("/equipment/", {"status": "nonsense"}).context["rows"] == []


def test_the_export_applies_the_filters(as_user, manager):
    romashka = ClientFactory(responsible=manager, name="ООО «Ромашка»")
    rival = ClientFactory(kind="competitor", name="ООО «Конкурент»", responsible=None)
    EquipmentFactory(client=romashka, competitor=rival, model="KEEP", status="under_repair")
    EquipmentFactory(client=romashka, competitor=rival, model="OTHER-STATUS", status="in_operation")
    EquipmentFactory(client=romashka, model="NO-RIVAL", status="under_repair")
    EquipmentFactory(client=ClientFactory(responsible=manager), competitor=rival, model="OTHER-CLIENT")

    response = as_user(manager).get(
        "/equipment/export/", {"client": "Ромашка", "competitor": "Конкурент", "status": "under_repair"}
    )

    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[4] for row in rows[1:]] == ["KEEP"]


def test_filtering_in_place_updates_the_export_link_the_selection_and_the_summary(as_user, manager):
    EquipmentFactory(client=ClientFactory(responsible=manager, name="ООО «Ромашка»"), model="ROM-1")
    http = as_user(manager)

    filtered = http.get(
        "/equipment/", {"client": "Ромашка"}, headers={"HX-Request": "true", "HX-Trigger": "equipment-filter"}
    ).content.decode()
    paged = http.get(
        "/equipment/", {"client": "Ромашка", "sort": "client"}, headers={"HX-Request": "true"}
    ).content.decode()

    assert "<html" not in filtered
    assert 'id="journal-export"' in filtered and "client=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0" in filtered
    assert 'id="journal-selection-query"' in filtered and 'id="journal-summary"' in filtered
    assert 'id="journal-export"' in paged and "sort=client" in paged
    assert 'id="journal-summary"' not in paged  # another page or order: the same summary


def test_the_page_filtered_by_client_runs_a_bounded_number_of_queries(
    as_user, manager, engineer, head, django_assert_max_num_queries
):
    client = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    for _ in range(20):
        EquipmentFactory(client=client, service_responsible=engineer)
    for user in (manager, engineer, head):
        http = as_user(user)
        for value in ("Ромашка", "7707083893", str(client.pk)):
            with django_assert_max_num_queries(12):
                response = http.get("/equipment/", {"client": value, "sort": "client"})
            assert response.content.decode().count('data-testid="equipment-row"') == 20, (user.username, value)
