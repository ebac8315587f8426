"""Forgotten clients: no interaction for N days, and a one-click call task for the responsible manager."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.models import Task
from tests.factories import ClientFactory, TaskFactory

pytestmark = pytest.mark.django_db

URL = reverse("crm:forgotten_clients")
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))


@pytest.fixture
def clients(manager, colleague):
    return {
        "recent": ClientFactory(responsible=manager, name="Recent", last_interaction_at=NOW - dt.timedelta(days=10)),
        "old": ClientFactory(responsible=manager, name="Old", last_interaction_at=NOW - dt.timedelta(days=120)),
        "never": ClientFactory(responsible=manager, name="Never", last_interaction_at=None),
        "archived": ClientFactory(responsible=manager, name="Archived", status="archived"),
        "colleagues": ClientFactory(responsible=colleague, name="Colleague's", last_interaction_at=None),
    }


def names(response) -> set[str]:
    return {c.name for c in response.context["clients"]}


@time_machine.travel(NOW, tick=False)
def test_manager_sees_own_forgotten_clients(as_user, manager, clients):
    response = as_user(manager).get(URL)
    assert response.status_code == 200
    assert names(response) == {"Old", "Never"}


@time_machine.travel(NOW, tick=False)
def test_never_contacted_come_first_then_the_longest_silence(as_user, manager, clients):
    ClientFactory(responsible=manager, name="Older", last_interaction_at=NOW - dt.timedelta(days=400))

    response = as_user(manager).get(URL)

    assert [c.name for c in response.context["clients"]] == ["Never", "Older", "Old"]


@time_machine.travel(NOW, tick=False)
def test_days_are_configurable_and_validated(as_user, manager, clients):
    http = as_user(manager)
    assert names(http.get(URL, {"days": 5})) == {"Recent", "Old", "Never"}
    bad = http.get(URL, {"days": "-3"})
    assert bad.status_code == 200 and bad.context["form"].errors and bad.context["days"] == 90


@time_machine.travel(NOW, tick=False)
def test_head_sees_the_region_engineer_is_refused(as_user, head, engineer, clients):
    assert names(as_user(head).get(URL)) == {"Old", "Never", "Colleague's"}
    assert as_user(engineer).get(URL).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_one_click_plans_a_call_for_the_responsible_tomorrow_at_ten_their_time(as_user, head, manager, clients):
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    url = reverse("crm:forgotten_task_create", args=[clients["old"].pk])
    response = as_user(head).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    task = Task.objects.get()
    assert task.assignee == manager
    assert task.client == clients["old"]
    assert task.due_at == dt.datetime(2026, 3, 11, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Vladivostok"))
    assert task.trigger_key == f"forgotten:{clients['old'].pk}:2026-03-10"
    assert 'data-testid="forgotten-planned"' in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_call_task_is_created_once_a_day(as_user, manager, clients):
    url = reverse("crm:forgotten_task_create", args=[clients["never"].pk])
    http = as_user(manager)
    http.post(url, HTTP_HX_REQUEST="true")
    http.post(url, HTTP_HX_REQUEST="true")
    assert Task.objects.count() == 1
    page = http.get(URL)
    assert clients["never"].pk in page.context["planned"]


@time_machine.travel(NOW, tick=False)
def test_out_of_scope_client_is_404_and_get_is_refused(as_user, manager, colleague, clients):
    url = reverse("crm:forgotten_task_create", args=[clients["colleagues"].pk])
    assert as_user(manager).post(url).status_code == 404
    assert as_user(colleague).get(url).status_code == 405
    assert not Task.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_engineer_cannot_plan_calls(as_user, engineer, clients):
    TaskFactory(client=clients["old"], assignee=engineer)
    url = reverse("crm:forgotten_task_create", args=[clients["old"].pk])
    assert as_user(engineer).post(url).status_code == 403
    assert Task.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_queries_are_constant(as_user, manager, django_assert_max_num_queries):
    ClientFactory.create_batch(30, responsible=manager, last_interaction_at=timezone.now() - dt.timedelta(days=200))
    http = as_user(manager)
    with django_assert_max_num_queries(9):
        assert http.get(URL).status_code == 200
