"""Birthday tasks: N days before, once a year, across the year end, 29 February, catching up."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crm.models import Task
from crm.services.triggers import birthday_in_year, birthday_trigger
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_obj(manager):
    return ClientFactory(responsible=manager)


def contact(client, birthday: dt.date, days: int = 3, **kwargs):
    return ContactFactory(client=client, birthday=birthday, birthday_remind_days=days, **kwargs)


def test_a_task_is_created_n_days_before_at_nine_in_the_managers_time_zone(manager, client_obj):
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    person = contact(client_obj, dt.date(1980, 6, 15), days=3)
    assert birthday_trigger(dt.date(2026, 6, 11)) == 0
    assert birthday_trigger(dt.date(2026, 6, 12)) == 1
    task = Task.objects.get()
    assert task.trigger_key == f"birthday:{person.pk}:2026"
    assert task.assignee == manager
    assert task.client == client_obj
    assert task.subject == person
    assert task.due_at == dt.datetime(2026, 6, 12, 9, 0, tzinfo=ZoneInfo("Asia/Vladivostok"))
    assert task.remind_at == task.due_at
    assert person.last_name in task.title


def test_once_a_year(manager, client_obj):
    contact(client_obj, dt.date(1980, 6, 15), days=3)
    assert birthday_trigger(dt.date(2026, 6, 12)) == 1
    assert birthday_trigger(dt.date(2026, 6, 13)) == 0
    assert birthday_trigger(dt.date(2026, 6, 15)) == 0
    assert birthday_trigger(dt.date(2027, 6, 12)) == 1
    assert Task.objects.count() == 2


def test_catching_up_after_missed_days_before_the_birthday(manager, client_obj):
    contact(client_obj, dt.date(1980, 6, 15), days=5)
    # The trigger should have run on 10 June; it runs on 14 June instead.
    assert birthday_trigger(dt.date(2026, 6, 14)) == 1
    task = Task.objects.get()
    assert task.due_at.astimezone(ZoneInfo("Europe/Moscow")).date() == dt.date(2026, 6, 10)


def test_no_task_once_the_birthday_has_passed(manager, client_obj):
    contact(client_obj, dt.date(1980, 6, 15), days=5)
    assert birthday_trigger(dt.date(2026, 6, 16)) == 0


def test_the_birthday_itself_with_no_notice(manager, client_obj):
    contact(client_obj, dt.date(1980, 6, 15), days=0)
    assert birthday_trigger(dt.date(2026, 6, 14)) == 0
    assert birthday_trigger(dt.date(2026, 6, 15)) == 1


def test_across_the_year_end(manager, client_obj):
    person = contact(client_obj, dt.date(1975, 1, 2), days=5)
    assert birthday_trigger(dt.date(2026, 12, 27)) == 0
    assert birthday_trigger(dt.date(2026, 12, 28)) == 1
    task = Task.objects.get()
    assert task.trigger_key == f"birthday:{person.pk}:2027"
    assert task.due_at == dt.datetime(2026, 12, 28, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    # Running again after the new year does not create another one.
    assert birthday_trigger(dt.date(2027, 1, 1)) == 0


def test_29_february_in_a_non_leap_year_is_on_28_february(manager, client_obj):
    person = contact(client_obj, dt.date(1984, 2, 29), days=2)
    assert birthday_trigger(dt.date(2027, 2, 25)) == 0
    assert birthday_trigger(dt.date(2027, 2, 26)) == 1
    task = Task.objects.get()
    assert task.trigger_key == f"birthday:{person.pk}:2027"
    assert task.due_at.astimezone(ZoneInfo("Europe/Moscow")).date() == dt.date(2027, 2, 26)


def test_29_february_in_a_leap_year(manager, client_obj):
    person = contact(client_obj, dt.date(1984, 2, 29), days=2)
    assert birthday_trigger(dt.date(2028, 2, 26)) == 0
    assert birthday_trigger(dt.date(2028, 2, 27)) == 1
    task = Task.objects.get()
    assert task.trigger_key == f"birthday:{person.pk}:2028"
    assert task.due_at.astimezone(ZoneInfo("Europe/Moscow")).date() == dt.date(2028, 2, 27)
    assert birthday_trigger(dt.date(2028, 2, 29)) == 0


def test_28_february_birthday_in_a_leap_year_is_not_moved(manager, client_obj):
    contact(client_obj, dt.date(1990, 2, 28), days=0)
    assert birthday_trigger(dt.date(2028, 2, 28)) == 1
    assert birthday_trigger(dt.date(2028, 2, 29)) == 0


def test_birthday_in_year():
    assert birthday_in_year(dt.date(1984, 2, 29), 2027) == dt.date(2027, 2, 28)
    assert birthday_in_year(dt.date(1984, 2, 29), 2028) == dt.date(2028, 2, 29)
    assert birthday_in_year(dt.date(1984, 3, 1), 2027) == dt.date(2027, 3, 1)


def test_archived_contacts_archived_clients_and_clients_without_a_manager_are_skipped(manager, client_obj):
    contact(client_obj, dt.date(1980, 6, 15), is_archived=True)
    contact(ClientFactory(responsible=manager, status="archived"), dt.date(1980, 6, 15))
    contact(ClientFactory(responsible=None), dt.date(1980, 6, 15))
    assert birthday_trigger(dt.date(2026, 6, 12)) == 0


def test_contacts_without_a_birthday_are_skipped(manager, client_obj):
    ContactFactory(client=client_obj, birthday=None)
    assert birthday_trigger(dt.date(2026, 6, 12)) == 0


def test_the_trigger_runs_constant_queries(manager, django_assert_max_num_queries):
    for i in range(30):
        contact(ClientFactory(responsible=manager), dt.date(1970 + i, 6, 15), days=3)
    with django_assert_max_num_queries(4):
        assert birthday_trigger(dt.date(2026, 6, 12)) == 30
    with django_assert_max_num_queries(3):
        assert birthday_trigger(dt.date(2026, 6, 12)) == 0
