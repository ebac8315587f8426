"""Each unit keeps copies of its client's region and responsible manager (the journal filters on them).

Every way a client changes hands or a unit changes client keeps the copies true, so the journal
shows a unit to exactly the people who may see its client.
"""

import pytest

from crm.models import Client
from crm.services.clients import client_update
from crm.services.merge import client_merge
from crm.services.transfer import client_transfer
from equipment.models import Equipment
from equipment.services.client_copies import equipment_client_copies_sync, on_clients_transferred
from equipment.services.equipment import equipment_create, equipment_update
from equipment.services.shipments import equipment_register_shipments
from equipment.tasks import equipment_client_copies_repair_task
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory, ProductFactory, make_shipment
from tests.factories import ClientFactory, TaskFactory

pytestmark = pytest.mark.django_db


def copies(unit: Equipment) -> tuple[int | None, int | None]:
    unit.refresh_from_db()
    return unit.client_region_id, unit.client_responsible_id


def journal(as_user, user, **params) -> str:
    return as_user(user).get("/equipment/", params).content.decode()


def test_a_new_unit_takes_its_clients_region_and_manager(manager):
    client = ClientFactory(responsible=manager)
    unit = equipment_create(by=manager, client=client, equipment_type=EquipmentTypeFactory())
    assert copies(unit) == (manager.region_id, manager.pk)


def test_a_unit_moved_to_another_client_takes_that_clients_copies(as_user, admin_user, manager, outsider):
    unit = EquipmentFactory(client=ClientFactory(responsible=manager), model="MOVED")
    other = ClientFactory(responsible=outsider)

    equipment_update(equipment=Equipment.objects.get(pk=unit.pk), by=admin_user, client=other)

    assert copies(unit) == (outsider.region_id, outsider.pk)
    assert "MOVED" in journal(as_user, outsider)
    assert "MOVED" not in journal(as_user, manager)


def test_editing_a_clients_region_and_manager_moves_its_units(
    as_user, admin_user, manager, outsider, head, region_b, django_capture_on_commit_callbacks
):
    client = ClientFactory(responsible=manager)
    units = [EquipmentFactory(client=client, model=f"EDITED-{i}") for i in range(2)]
    bystander = EquipmentFactory(client=ClientFactory(responsible=manager))

    with django_capture_on_commit_callbacks(execute=True):
        client_update(client=client, fields={"region": region_b, "responsible": outsider}, by=admin_user)

    assert {copies(unit) for unit in units} == {(region_b.pk, outsider.pk)}
    assert copies(bystander) == (manager.region_id, manager.pk)
    assert "EDITED-0" in journal(as_user, outsider)
    assert "EDITED-0" not in journal(as_user, manager)
    assert "EDITED-0" not in journal(as_user, head)  # the head of the old region


def test_a_client_changed_in_memory_by_its_form_still_moves_its_units(
    admin_user, manager, region_b, django_capture_on_commit_callbacks
):
    client = ClientFactory(responsible=manager)
    unit = EquipmentFactory(client=client)
    client.region = region_b  # a ModelForm bound to the instance changes it before the service runs

    with django_capture_on_commit_callbacks(execute=True):
        client_update(client=client, fields={"region": region_b}, by=admin_user)

    assert copies(unit) == (region_b.pk, manager.pk)


def test_a_transfer_hands_the_units_to_the_new_manager(
    as_user, head, manager, colleague, django_capture_on_commit_callbacks
):
    clients = ClientFactory.create_batch(3, responsible=manager)
    units = [EquipmentFactory(client=client, model=f"HANDED-{i}") for i, client in enumerate(clients)]

    with django_capture_on_commit_callbacks(execute=True):
        client_transfer(from_user=manager, to_user=colleague, by=head)

    assert {copies(unit) for unit in units} == {(manager.region_id, colleague.pk)}
    assert "HANDED-2" in journal(as_user, colleague)
    assert "HANDED-2" not in journal(as_user, manager)


def test_a_transfer_of_many_clients_is_one_update(manager, colleague, django_assert_num_queries):
    clients = ClientFactory.create_batch(30, responsible=manager)
    for client in clients:
        EquipmentFactory(client=client)
    Client.objects.filter(pk__in=[c.pk for c in clients]).update(responsible=colleague)

    with django_assert_num_queries(1):
        on_clients_transferred(sender=Client, client_ids=[c.pk for c in clients])

    assert set(Equipment.objects.values_list("client_responsible_id", flat=True)) == {colleague.pk}


def test_a_merge_gives_the_merged_clients_units_the_kept_clients_copies(
    as_user, admin_user, manager, outsider, region_b, django_capture_on_commit_callbacks
):
    kept = ClientFactory(responsible=outsider, inn="")
    merged = ClientFactory(responsible=manager)
    unit = EquipmentFactory(client=merged, model="MERGED")

    with django_capture_on_commit_callbacks(execute=True):
        client_merge(kept=kept, merged=merged, by=admin_user)

    assert copies(unit) == (region_b.pk, outsider.pk)
    assert "MERGED" in journal(as_user, outsider)
    assert "MERGED" not in journal(as_user, manager)


def test_a_kept_client_without_a_region_takes_the_merged_ones_and_so_do_its_units(
    admin_user, manager, region_a, django_capture_on_commit_callbacks
):
    kept = ClientFactory(responsible=manager, region=None, inn="")
    own = EquipmentFactory(client=kept)
    assert copies(own) == (None, manager.pk)
    merged = ClientFactory(responsible=manager, region=region_a)

    with django_capture_on_commit_callbacks(execute=True):
        client_merge(kept=kept, merged=merged, by=admin_user)

    assert copies(own) == (region_a.pk, manager.pk)


def test_units_from_a_shipment_carry_the_clients_copies(manager):
    client = ClientFactory(responsible=manager)
    document = make_shipment(client, [(ProductFactory(), 2, [])])

    assert equipment_register_shipments(document_ids=[document.pk]) == 2

    assert set(Equipment.objects.values_list("client_region_id", "client_responsible_id")) == {
        (manager.region_id, manager.pk)
    }


def test_the_nightly_repair_fixes_units_whose_copies_went_stale(manager, outsider):
    unit = EquipmentFactory(client=ClientFactory(responsible=manager))
    untouched = EquipmentFactory(client=ClientFactory(responsible=manager))
    # A write that bypassed the services (or a crash before the event was handled).
    Client.objects.filter(pk=unit.client_id).update(responsible=outsider, region=outsider.region)

    assert equipment_client_copies_repair_task() == 1

    assert copies(unit) == (outsider.region_id, outsider.pk)
    assert copies(untouched) == (manager.region_id, manager.pk)
    assert equipment_client_copies_sync() == 0


def test_a_head_sees_units_of_clients_they_own_outside_their_regions(as_user, head, region_b, colleague):
    EquipmentFactory(client=ClientFactory(responsible=head, region=region_b), model="AWAY")
    EquipmentFactory(client=ClientFactory(responsible=colleague), model="HOME")
    body = journal(as_user, head)
    assert "AWAY" in body and "HOME" in body


def test_a_head_sees_the_units_of_the_regions_they_manage(as_user, head, outsider, region_b):
    EquipmentFactory(client=ClientFactory(responsible=outsider), model="MANAGED")
    assert "MANAGED" not in journal(as_user, head)
    head.managed_regions.add(region_b)
    assert "MANAGED" in journal(as_user, head)


def test_an_engineer_sees_the_units_of_clients_they_have_tasks_for(as_user, engineer, manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, model="TASKED")
    assert "TASKED" not in journal(as_user, engineer)
    TaskFactory(client=client, assignee=engineer)
    assert "TASKED" in journal(as_user, engineer)
