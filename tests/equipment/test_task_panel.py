"""A trigger's task about a unit shows the unit and whom to agree the visit with, read when it is opened."""

import datetime as dt

import pytest

from crm.models import Task
from crm.services.triggers import birthday_trigger
from equipment.triggers import maintenance_trigger
from tests.equipment.factories import EquipmentFactory
from tests.factories import ClientFactory, ContactFactory, ContactPointFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def unit(manager, engineer):
    return EquipmentFactory(
        client=ClientFactory(responsible=manager),
        service_responsible=engineer,
        next_maintenance_on=DAY + dt.timedelta(days=10),
        manufacturer="Mindray",
        model="DC-70",
    )


def test_the_maintenance_task_links_the_unit_and_names_its_contact_persons(unit, engineer, as_user):
    person = ContactFactory(client=unit.client, last_name="Петров", first_name="Пётр", middle_name="")
    ContactPointFactory(contact=person, value="+7 495 111-22-33")
    unit.contacts.set([person])
    maintenance_trigger(DAY)
    task = Task.objects.get()

    body = as_user(engineer).get(task.get_absolute_url()).content.decode()

    assert f'href="{unit.get_absolute_url()}"' in body
    assert "Agree the visit with" in body and "Петров Пётр" in body and "+7 495 111-22-33" in body


def test_contacts_changed_after_the_task_was_made_are_shown_as_they_are_now(unit, engineer, as_user):
    maintenance_trigger(DAY)
    task = Task.objects.get()
    assert "The client has no contact persons yet." in as_user(engineer).get(task.get_absolute_url()).content.decode()

    ContactFactory(client=unit.client, last_name="Новикова", first_name="Анна", is_decision_maker=True)

    assert "Новикова Анна" in as_user(engineer).get(task.get_absolute_url()).content.decode()


def test_a_task_about_another_kind_of_object_links_it_without_a_panel(manager, as_user):
    contact = ContactFactory(client=ClientFactory(responsible=manager), birthday=dt.date(1980, 6, 3))
    birthday_trigger(DAY)
    task = Task.objects.get()

    body = as_user(manager).get(task.get_absolute_url()).content.decode()

    assert f'href="{contact.get_absolute_url()}"' in body
    assert "Agree the visit with" not in body


def test_the_task_card_runs_a_bounded_number_of_queries(unit, engineer, as_user, django_assert_max_num_queries):
    for n in range(5):
        person = ContactFactory(client=unit.client, last_name=f"Person{n}")
        ContactPointFactory(contact=person)
        unit.contacts.add(person)
    maintenance_trigger(DAY)
    http = as_user(engineer)
    url = Task.objects.get().get_absolute_url()
    http.get(url)

    with django_assert_max_num_queries(16):
        assert http.get(url).status_code == 200
