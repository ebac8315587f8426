"""The client card's Equipment tab: the table, the timeline data, share of wallet, access."""

import datetime as dt
import json

import pytest

from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory, ProductFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_equipment(manager):
    client = ClientFactory(responsible=manager)
    compressor = EquipmentTypeFactory(name="Compressor")
    EquipmentFactory(
        client=client,
        equipment_type=compressor,
        product=ProductFactory(),
        source="shipment",
        model="OURS-1",
        warranty_until=dt.date(2027, 1, 1),
    )
    EquipmentFactory(client=client, equipment_type=compressor, source="competitor", model="THEIRS-1")
    EquipmentFactory(
        client=client,
        equipment_type=compressor,
        source="visit",
        model="THEIRS-2",
        next_maintenance_on=dt.date(2026, 9, 1),
    )
    return client


def _tab(http, client):
    return http.get(f"/clients/{client.pk}/tab/equipment/")


def test_the_tab_shows_the_equipment_timeline_and_share_of_wallet(as_user, manager, client_with_equipment):
    response = _tab(as_user(manager), client_with_equipment)
    assert response.status_code == 200
    body = response.content.decode()
    assert "OURS-1" in body and "THEIRS-2" in body
    assert response.context["wallet"] == [{"type": "Compressor", "ours": 1, "theirs": 2, "share": 33}]
    timeline = json.loads(body.split('id="equipment-timeline-data" type="application/json">')[1].split("</script>")[0])
    assert {"label", "warranty", "maintenance", "end_of_life"} <= set(timeline[0])
    assert "2027-01-01" in {row["warranty"] for row in timeline}


def test_tab_access(as_user, client_with_equipment, manager, colleague, outsider, head, admin_user):
    for user, status in ((manager, 200), (head, 200), (admin_user, 200), (colleague, 404), (outsider, 404)):
        assert _tab(as_user(user), client_with_equipment).status_code == status, user.username


def test_an_engineer_sees_the_tab_of_a_client_whose_equipment_they_service(as_user, engineer, client_with_equipment):
    assert _tab(as_user(engineer), client_with_equipment).status_code == 404
    unit = client_with_equipment.equipment.first()
    unit.service_responsible = engineer
    unit.save()
    assert _tab(as_user(engineer), client_with_equipment).status_code == 200


def test_user_data_in_the_timeline_is_escaped(as_user, manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, model="</script><script>alert(1)</script>", warranty_until=dt.date(2027, 1, 1))
    body = _tab(as_user(manager), client).content.decode()
    assert "<script>alert(1)</script>" not in body


def test_the_tab_runs_a_constant_number_of_queries(
    as_user, manager, client_with_equipment, django_assert_max_num_queries
):
    http = as_user(manager)
    with django_assert_max_num_queries(12):
        _tab(http, client_with_equipment)
    EquipmentFactory.create_batch(10, client=client_with_equipment, competitor=ClientFactory(kind="competitor"))
    with django_assert_max_num_queries(12):
        _tab(http, client_with_equipment)
