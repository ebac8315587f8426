"""Maintenance, warranty and end-of-life triggers: exactly one task per unit and date, catching up."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from crm.models import Task
from equipment.triggers import end_of_life_trigger, maintenance_trigger, warranty_trigger
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)
MINE = ["equipment_maintenance", "equipment_warranty", "equipment_end_of_life", "consumables"]


@pytest.fixture
def unit(manager, engineer):
    client = ClientFactory(responsible=manager)
    return EquipmentFactory(
        client=client,
        service_responsible=engineer,
        next_maintenance_on=DAY + dt.timedelta(days=30),
        warranty_until=DAY + dt.timedelta(days=30),
    )


def test_maintenance_task_goes_to_the_service_person_once(unit, engineer):
    assert maintenance_trigger(DAY) == 1
    assert maintenance_trigger(DAY) == 0
    assert maintenance_trigger(DAY + dt.timedelta(days=1)) == 0

    task = Task.objects.get()
    assert task.assignee == engineer
    assert task.client_id == unit.client_id
    assert task.trigger_key == f"maint:{unit.pk}:{unit.next_maintenance_on.isoformat()}"
    assert task.due_at.date() == unit.next_maintenance_on
    assert unit.manufacturer in task.title
    assert task.subject == unit


def test_maintenance_task_waits_for_the_types_lead_days(manager):
    short = EquipmentTypeFactory(name="Short lead", maintenance_lead_days=10)
    EquipmentFactory(
        client=ClientFactory(responsible=manager), equipment_type=short, next_maintenance_on=DAY + dt.timedelta(days=20)
    )
    assert maintenance_trigger(DAY) == 0
    assert maintenance_trigger(DAY + dt.timedelta(days=10)) == 1


def test_maintenance_task_falls_back_to_the_clients_manager(manager):
    EquipmentFactory(client=ClientFactory(responsible=manager), next_maintenance_on=DAY)
    maintenance_trigger(DAY)
    assert Task.objects.get().assignee == manager


def test_it_catches_up_after_missed_days_but_not_forever(manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, next_maintenance_on=DAY - dt.timedelta(days=5))
    EquipmentFactory(client=client, next_maintenance_on=DAY - dt.timedelta(days=200))
    assert maintenance_trigger(DAY) == 1


def test_a_done_maintenance_moves_the_key_to_the_next_date(unit):
    maintenance_trigger(DAY)
    unit.next_maintenance_on = DAY + dt.timedelta(days=200)
    unit.save()
    assert maintenance_trigger(DAY + dt.timedelta(days=180)) == 1
    assert Task.objects.count() == 2


def test_archived_decommissioned_or_ownerless_equipment_gets_no_task(manager):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, next_maintenance_on=DAY, is_archived=True)
    EquipmentFactory(client=client, next_maintenance_on=DAY, status="decommissioned")
    EquipmentFactory(client=ClientFactory(responsible=None, region=None), next_maintenance_on=DAY)
    assert maintenance_trigger(DAY) == 0


def test_warranty_task_goes_to_the_manager_once(unit, manager):
    assert warranty_trigger(DAY) == 1
    assert warranty_trigger(DAY + dt.timedelta(days=3)) == 0
    task = Task.objects.get(trigger_key__startswith="warranty:")
    assert task.assignee == manager
    assert task.trigger_key == f"warranty:{unit.pk}:{unit.warranty_until.isoformat()}"


def test_end_of_life_task_once_the_service_life_is_over(manager):
    unit = EquipmentFactory(client=ClientFactory(responsible=manager), end_of_life_on=DAY + dt.timedelta(days=1))
    assert end_of_life_trigger(DAY) == 0
    assert end_of_life_trigger(DAY + dt.timedelta(days=1)) == 1
    assert end_of_life_trigger(DAY + dt.timedelta(days=30)) == 0
    assert Task.objects.get().trigger_key == f"eol:{unit.pk}:{(DAY + dt.timedelta(days=1)).isoformat()}"


def test_daily_runs_across_a_year_end_create_each_task_once(manager, engineer):
    client = ClientFactory(responsible=manager)
    EquipmentFactory(client=client, service_responsible=engineer, next_maintenance_on=dt.date(2027, 1, 10))
    EquipmentFactory(client=client, warranty_until=dt.date(2027, 1, 2))
    EquipmentFactory(client=client, end_of_life_on=dt.date(2026, 12, 31))
    day = dt.date(2026, 11, 25)
    while day <= dt.date(2027, 2, 1):
        # Skip a few days to simulate downtime.
        if day.day % 7:
            call_command("run_triggers", date=day.isoformat(), only=MINE, stdout=StringIO())
        day += dt.timedelta(days=1)
    keys = sorted(Task.objects.values_list("trigger_key", flat=True))
    assert [k.split(":")[0] for k in keys] == ["eol", "maint", "warranty"]


def test_inactive_service_person_falls_back_to_the_manager(manager):
    gone = UserFactory(role="engineer", is_active=False)
    EquipmentFactory(client=ClientFactory(responsible=manager), service_responsible=gone, next_maintenance_on=DAY)
    maintenance_trigger(DAY)
    assert Task.objects.get().assignee == manager


@pytest.mark.django_db
def test_the_triggers_run_on_an_empty_database():
    from crm.services.triggers import run_triggers

    counts = run_triggers(date=dt.date(2026, 11, 23))
    assert counts["equipment_maintenance"] == 0
    assert counts["equipment_warranty"] == 0


def test_a_trigger_task_reminds_its_assignee_once_on_the_morning_of_the_run(unit, engineer, manager):
    from crm.models import Notification
    from crm.services.notifications import deliver_due_reminders
    from equipment.triggers import morning_of

    maintenance_trigger(DAY)
    warranty_trigger(DAY)

    tasks = {t.assignee: t for t in Task.objects.all()}
    assert {t.remind_at for t in tasks.values()} == {morning_of(DAY)}
    assert morning_of(DAY).hour == 9 and str(morning_of(DAY).tzinfo) == "Europe/Moscow"
    assert deliver_due_reminders(now=morning_of(DAY) - dt.timedelta(minutes=1)) == 0
    assert deliver_due_reminders(now=morning_of(DAY)) == 2
    assert deliver_due_reminders(now=morning_of(DAY) + dt.timedelta(hours=1)) == 0
    maintenance_trigger(DAY + dt.timedelta(days=1))  # a re-run: no new task, no new reminder
    assert deliver_due_reminders(now=morning_of(DAY + dt.timedelta(days=1))) == 0
    assert set(Notification.objects.values_list("recipient", flat=True)) == {engineer.pk, manager.pk}
