"""Maintenance, warranty and end-of-life triggers: exactly one task per unit and date, catching up."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from crm.models import Task
from equipment.selectors import visit_contacts
from equipment.triggers import CATCH_UP_DAYS, end_of_life_trigger, maintenance_trigger, morning_of, warranty_trigger
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory, ProductFactory, make_shipment
from tests.factories import ClientFactory, ContactFactory, ContactPointFactory, UserFactory

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
    maint = EquipmentFactory(client=client, service_responsible=engineer, next_maintenance_on=dt.date(2027, 1, 10))
    warranty = EquipmentFactory(client=client, warranty_until=dt.date(2027, 1, 2))
    eol = EquipmentFactory(client=client, end_of_life_on=dt.date(2026, 12, 31))
    # A filter bought every 30 days: the next purchase is expected on 31.12, overdue from 01.01.
    toner = ProductFactory(kind="consumable", name="Filter cartridge")
    for number, bought in enumerate([dt.date(2026, 11, 1), dt.date(2026, 12, 1)]):
        make_shipment(client, [(toner, 1, [])], date=bought, number=f"toner-{number}")
    # First due days: warranty 03.12 (run), maintenance 11.12, end of life 31.12 and the
    # consumable 01.01 (all three skipped), besides every seventh day of the month.
    skipped = {dt.date(2026, 12, 11), dt.date(2026, 12, 31), dt.date(2027, 1, 1)}
    day = dt.date(2026, 11, 25)
    while day <= dt.date(2027, 2, 1):
        if day.day % 7 and day not in skipped:
            call_command("run_triggers", date=day.isoformat(), only=MINE, stdout=StringIO())
        day += dt.timedelta(days=1)

    created_by_run = {task.trigger_key: task.remind_at for task in Task.objects.all()}
    assert created_by_run == {
        f"warranty:{warranty.pk}:2027-01-02": morning_of(dt.date(2026, 12, 3)),
        f"maint:{maint.pk}:2027-01-10": morning_of(dt.date(2026, 12, 12)),
        f"eol:{eol.pk}:2026-12-31": morning_of(dt.date(2027, 1, 2)),
        f"consumable:{client.pk}:{toner.pk}:2026-12-31": morning_of(dt.date(2027, 1, 2)),
    }


def test_warranty_task_waits_for_the_types_lead_days(manager):
    client = ClientFactory(responsible=manager)
    short = EquipmentTypeFactory(name="Short warranty lead", warranty_lead_days=10, maintenance_lead_days=90)
    long = EquipmentTypeFactory(name="Long warranty lead", warranty_lead_days=90)
    soon = EquipmentFactory(client=client, equipment_type=short, warranty_until=DAY + dt.timedelta(days=20))
    later = EquipmentFactory(client=client, equipment_type=long, warranty_until=DAY + dt.timedelta(days=80))

    assert warranty_trigger(DAY) == 1
    assert Task.objects.get().subject == later
    assert warranty_trigger(DAY + dt.timedelta(days=9)) == 0
    assert warranty_trigger(DAY + dt.timedelta(days=10)) == 1
    assert Task.objects.latest("pk").subject == soon


def _run(trigger, first: dt.date, last: dt.date) -> list[int]:
    """Run `trigger` on every day from `first` to `last`; return what each run created."""
    return [trigger(first + dt.timedelta(days=n)) for n in range((last - first).days + 1)]


def test_warranty_catches_up_after_missed_days_once(manager):
    client = ClientFactory(responsible=manager)
    # First due on DAY - 20 (30 days before its end); the other ends during the outage.
    ending = EquipmentFactory(client=client, warranty_until=DAY + dt.timedelta(days=10))
    ended = EquipmentFactory(client=client, warranty_until=DAY - dt.timedelta(days=3))
    # Ended before even the first run could catch it up.
    EquipmentFactory(client=client, warranty_until=DAY - dt.timedelta(days=40 + CATCH_UP_DAYS + 1))

    assert _run(warranty_trigger, DAY - dt.timedelta(days=40), DAY - dt.timedelta(days=34)) == [0] * 7
    # No run from DAY - 33 to DAY - 1.
    assert warranty_trigger(DAY) == 2
    assert _run(warranty_trigger, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=20)) == [0] * 20

    tasks = {task.subject: task for task in Task.objects.all()}
    assert set(tasks) == {ending, ended}
    assert {task.remind_at for task in tasks.values()} == {morning_of(DAY)}
    assert tasks[ended].trigger_key == f"warranty:{ended.pk}:{ended.warranty_until.isoformat()}"


def test_end_of_life_catches_up_after_missed_days_once(manager):
    client = ClientFactory(responsible=manager)
    unit = EquipmentFactory(client=client, end_of_life_on=DAY - dt.timedelta(days=10))
    EquipmentFactory(client=client, end_of_life_on=DAY - dt.timedelta(days=15 + CATCH_UP_DAYS + 1))

    assert _run(end_of_life_trigger, DAY - dt.timedelta(days=15), DAY - dt.timedelta(days=11)) == [0] * 5
    # No run from DAY - 10 (its first due day) to DAY - 1.
    assert end_of_life_trigger(DAY) == 1
    assert _run(end_of_life_trigger, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=10)) == [0] * 10

    task = Task.objects.get()
    assert task.trigger_key == f"eol:{unit.pk}:{unit.end_of_life_on.isoformat()}"
    assert task.remind_at == morning_of(DAY)


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


def _named(people):
    return [(p.full_name, [phone.value for phone in p.phones]) for p in people]


def test_the_visit_is_agreed_with_the_units_contact_persons_with_their_phones(unit):
    first = ContactFactory(client=unit.client, last_name="Петров", first_name="Пётр", middle_name="")
    ContactPointFactory(contact=first, value="+7 495 000-00-01")
    ContactPointFactory(contact=first, value="+7 495 111-22-33", is_primary=True)
    second = ContactFactory(client=unit.client, last_name="Сидорова", first_name="Анна", middle_name="")
    gone = ContactFactory(client=unit.client, last_name="Уволенный", is_archived=True)
    ContactFactory(client=unit.client, last_name="Директор", is_decision_maker=True)
    unit.contacts.set([first, second, gone])

    assert _named(visit_contacts(unit)) == [
        ("Петров Пётр", ["+7 495 111-22-33", "+7 495 000-00-01"]),
        ("Сидорова Анна", []),
    ]


def test_without_contacts_on_the_unit_the_clients_decision_maker_is_named(unit):
    ContactFactory(client=unit.client, last_name="Первый", first_name="Олег", middle_name="")
    boss = ContactFactory(
        client=unit.client, last_name="Директор", first_name="Ирина", middle_name="Павловна", is_decision_maker=True
    )
    ContactPointFactory(contact=boss, value="+7 495 222-33-44")
    ContactFactory(client=ClientFactory(), last_name="Чужой", is_decision_maker=True)

    assert _named(visit_contacts(unit)) == [("Директор Ирина Павловна", ["+7 495 222-33-44"])]


def test_without_a_decision_maker_the_clients_first_contact_is_named(unit):
    ContactFactory(client=unit.client, last_name="Архивный", is_archived=True)
    ContactFactory(client=unit.client, last_name="Первый", first_name="Олег", middle_name="")
    ContactFactory(client=unit.client, last_name="Второй", first_name="Игорь", middle_name="")

    assert _named(visit_contacts(unit)) == [("Первый Олег", [])]


def test_a_client_without_contact_persons_names_nobody(unit):
    assert visit_contacts(unit) == []
