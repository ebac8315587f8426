"""Who may open and act on a task: a task on a client follows the client, also after a transfer.

And the task form offers and accepts only assignees who will see the task, and never renders
more clients than a select can hold.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.forms.work import TaskForm
from crm.models import Client, Task, User
from crm.querysets import task_assignees_q
from crm.services.transfer import client_transfer
from tests.factories import ClientFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

DUE = "2030-01-05T10:00"


@pytest.fixture
def client_obj(manager):
    return ClientFactory(responsible=manager, name="Pumps Ltd")


def visible(user) -> set[int]:
    return set(Task.objects.visible_to(user).values_list("pk", flat=True))


def open_task(as_user, user, task) -> int:
    return as_user(user).get(reverse("crm:task_detail", args=[task.pk])).status_code


# --- the rule --------------------------------------------------------------------------------------


def test_a_task_on_a_client_is_seen_by_whoever_sees_the_client(
    manager, colleague, head, outsider, admin_user, client_obj
):
    task = TaskFactory(client=client_obj, assignee=manager, author=manager)
    assert task.pk in visible(manager)
    assert task.pk in visible(head)
    assert task.pk in visible(admin_user)
    assert task.pk not in visible(colleague)
    assert task.pk not in visible(outsider)


def test_being_author_or_assignee_does_not_open_a_task_on_a_client_one_does_not_see(manager, colleague, client_obj):
    given = TaskFactory(client=client_obj, assignee=colleague, author=manager)
    set_by = TaskFactory(client=client_obj, assignee=manager, author=colleague)
    assert {given.pk, set_by.pk} & visible(colleague) == set()


def test_a_task_without_a_client_is_seen_by_its_author_and_assignee_only(manager, colleague, head, outsider):
    task = TaskFactory(assignee=manager, author=colleague)
    assert task.pk in visible(manager)
    assert task.pk in visible(colleague)
    assert task.pk not in visible(head)
    assert task.pk not in visible(outsider)


def test_an_engineer_sees_the_task_they_are_sent_on(manager, engineer, client_obj):
    task = TaskFactory(client=client_obj, assignee=engineer, author=manager)
    assert visible(engineer) == {task.pk}


def test_an_inactive_user_sees_no_task(manager, client_obj):
    TaskFactory(assignee=manager, author=manager)
    manager.is_active = False
    assert visible(manager) == set()


# --- after a transfer ------------------------------------------------------------------------------


@pytest.fixture
def transferred(head, manager, colleague, engineer, client_obj):
    """The head hands `manager`'s client, with its tasks, to `colleague`."""
    tasks = {
        "open": TaskFactory(client=client_obj, assignee=manager, author=manager),
        "done": TaskFactory(client=client_obj, assignee=manager, author=manager, status="done"),
        "engineer": TaskFactory(client=client_obj, assignee=engineer, author=manager),
        "own": TaskFactory(assignee=manager, author=manager),  # no client
    }
    client_transfer(from_user=manager, to_user=colleague, by=head)
    for task in tasks.values():
        task.refresh_from_db()
    return tasks


def test_the_transfer_hands_the_open_tasks_to_the_new_manager(transferred, manager, colleague, engineer):
    assert transferred["open"].assignee == colleague
    assert transferred["done"].assignee == manager  # history stays as it was
    assert transferred["engineer"].assignee == engineer
    assert transferred["own"].assignee == manager


def test_the_previous_manager_can_no_longer_open_or_act_on_the_clients_tasks(as_user, transferred, manager):
    for name in ("open", "done", "engineer"):
        assert open_task(as_user, manager, transferred[name]) == 404
    http = as_user(manager)
    assert http.post(reverse("crm:task_complete", args=[transferred["open"].pk])).status_code == 404
    assert http.post(reverse("crm:task_reopen", args=[transferred["done"].pk])).status_code == 404
    assert Task.objects.get(pk=transferred["open"].pk).status == "open"
    assert Task.objects.get(pk=transferred["done"].pk).status == "done"
    # Their own task without a client is still theirs.
    assert open_task(as_user, manager, transferred["own"]) == 200
    listed = as_user(manager).get(reverse("crm:task_list"), {"status": "all"}).context["page"].object_list
    assert [t.pk for t in listed] == [transferred["own"].pk]


def test_the_new_manager_opens_and_completes_the_handed_task(as_user, transferred, colleague):
    task = transferred["open"]
    assert open_task(as_user, colleague, task) == 200
    assert open_task(as_user, colleague, transferred["done"]) == 200
    assert as_user(colleague).post(reverse("crm:task_complete", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    listed = as_user(colleague).get(reverse("crm:task_list"), {"status": "all"}).context["page"].object_list
    assert {t.pk for t in listed} == {task.pk}


def test_the_engineer_keeps_the_task_they_were_sent_on(as_user, transferred, engineer):
    assert open_task(as_user, engineer, transferred["engineer"]) == 200


# --- who may be given a task on a client -----------------------------------------------------------


def test_the_assignees_of_a_client_are_those_who_see_it(
    region_a, region_b, manager, colleague, head, outsider, admin_user, engineer
):
    overseer = UserFactory(username="overseer", role="head", region=region_b)
    overseer.managed_regions.add(region_a)
    head_b = UserFactory(username="head_b", role="head", region=region_b)
    superuser = UserFactory(username="root", role="manager", region=region_b, is_superuser=True)
    client = ClientFactory(responsible=manager)
    users = User.objects.exclude(role="engineer")
    seeing = {u.pk for u in users if Client.objects.visible_to(u).filter(pk=client.pk).exists()}
    allowed = set(users.filter(task_assignees_q(client)).values_list("pk", flat=True))
    assert allowed == seeing == {manager.pk, head.pk, overseer.pk, admin_user.pk, superuser.pk}
    assert head_b.pk not in allowed
    assert User.objects.filter(task_assignees_q(client), pk=engineer.pk).exists()


def test_the_card_form_offers_only_assignees_who_see_the_client(
    as_user, manager, colleague, head, outsider, engineer, client_obj
):
    response = as_user(manager).get(reverse("crm:task_create"), {"client": client_obj.pk})
    offered = set(response.context["form"].fields["assignee"].queryset)
    assert {manager, head, engineer} <= offered
    assert colleague not in offered
    assert outsider not in offered


def test_a_follow_up_offers_and_takes_only_assignees_who_see_the_client(
    as_user, manager, colleague, head, engineer, client_obj
):
    url = reverse("crm:interaction_create", args=[client_obj.pk])
    offered = set(as_user(manager).get(url).context["form"].fields["follow_up_assignee"].queryset)
    assert {manager, head, engineer} <= offered
    assert colleague not in offered
    data = {
        "kind": "call_out",
        "occurred_at": "2026-03-10T09:30",
        "importance": "normal",
        "follow_up": "on",
        "follow_up_title": "Send the offer",
        "follow_up_date": "2030-04-01",
        "follow_up_assignee": colleague.pk,
    }
    response = as_user(manager).post(url, data)
    assert response.status_code == 400
    assert "follow_up_assignee" in response.context["form"].errors
    assert not Task.objects.exists()
    assert as_user(manager).post(url, {**data, "follow_up_assignee": head.pk}).status_code == 302
    assert Task.objects.get().assignee == head


def test_a_task_for_someone_who_does_not_see_the_client_is_refused(as_user, manager, colleague, client_obj):
    response = as_user(manager).post(
        reverse("crm:task_create"),
        {"title": "Visit", "assignee": colleague.pk, "client": client_obj.pk, "due_at": DUE, "priority": "normal"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["assignee"]
    assert "does not work with Pumps Ltd" in errors[0]
    assert not Task.objects.exists()


def test_the_head_gives_a_task_to_the_clients_manager(as_user, head, manager, client_obj):
    response = as_user(head).post(
        reverse("crm:task_create"),
        {"title": "Visit", "assignee": manager.pk, "client": client_obj.pk, "due_at": DUE, "priority": "normal"},
    )
    assert response.status_code == 302
    assert Task.objects.get().assignee == manager


def test_reassigning_to_someone_who_does_not_see_the_client_is_refused(as_user, manager, colleague, head, client_obj):
    task = TaskFactory(client=client_obj, assignee=manager, author=manager, title="Call")
    url = reverse("crm:task_detail", args=[task.pk])
    data = {"title": "Call", "assignee": colleague.pk, "client": client_obj.pk, "due_at": DUE, "priority": "normal"}
    response = as_user(manager).post(url, data)
    assert response.status_code == 200
    assert "assignee" in response.context["form"].errors
    task.refresh_from_db()
    assert task.assignee == manager
    assert as_user(manager).post(url, {**data, "assignee": head.pk}).status_code == 302
    task.refresh_from_db()
    assert task.assignee == head


def test_moving_a_task_to_a_client_its_assignee_does_not_see_is_refused(as_user, head, manager, colleague, client_obj):
    task = TaskFactory(client=client_obj, assignee=manager, author=head, title="Call")
    other = ClientFactory(responsible=colleague)
    data = {"title": "Call", "assignee": manager.pk, "client": other.pk, "due_at": DUE, "priority": "normal"}
    response = as_user(head).post(reverse("crm:task_detail", args=[task.pk]), data)
    assert "assignee" in response.context["form"].errors
    task.refresh_from_db()
    assert task.client == client_obj


def test_a_task_without_a_client_may_go_to_anyone_active(as_user, manager, outsider):
    response = as_user(manager).post(
        reverse("crm:task_create"), {"title": "Lunch", "assignee": outsider.pk, "due_at": DUE, "priority": "normal"}
    )
    assert response.status_code == 302
    assert Task.objects.get().assignee == outsider


# --- the client field ------------------------------------------------------------------------------


def test_a_few_clients_are_a_select(manager, client_obj):
    form = TaskForm(user=manager)
    assert list(form.fields["client"].queryset) == [client_obj]
    assert form.fields["client"].widget.input_type == "select"
    assert not form.fields["client"].required


def test_many_clients_are_asked_by_number(monkeypatch, as_user, admin_user, manager):
    monkeypatch.setattr("crm.forms.clients.MAX_CLIENT_CHOICES", 2)
    clients = ClientFactory.create_batch(3, responsible=manager)
    page = as_user(admin_user).get(reverse("crm:task_create"))
    field = page.context["form"].fields["client"]
    assert field.widget.input_type == "number"
    body = page.content.decode()
    assert clients[0].name not in body
    response = as_user(admin_user).post(
        reverse("crm:task_create"),
        {"title": "Visit", "assignee": admin_user.pk, "client": clients[2].pk, "due_at": DUE, "priority": "normal"},
    )
    assert response.status_code == 302
    assert Task.objects.get().client == clients[2]


def test_a_client_number_out_of_scope_is_refused(monkeypatch, as_user, manager, outsider):
    monkeypatch.setattr("crm.forms.clients.MAX_CLIENT_CHOICES", 0)
    foreign = ClientFactory(responsible=outsider)
    response = as_user(manager).post(
        reverse("crm:task_create"),
        {"title": "Visit", "assignee": manager.pk, "client": foreign.pk, "due_at": DUE, "priority": "normal"},
    )
    assert response.status_code == 200
    assert "client" in response.context["form"].errors
    assert not Task.objects.exists()


def test_the_task_page_keeps_its_client_by_number(monkeypatch, as_user, manager, client_obj):
    monkeypatch.setattr("crm.forms.clients.MAX_CLIENT_CHOICES", 0)
    task = TaskFactory(client=client_obj, assignee=manager, author=manager, due_at=timezone.now() + dt.timedelta(1))
    body = as_user(manager).get(reverse("crm:task_detail", args=[task.pk])).content.decode()
    assert f'name="client" value="{client_obj.pk}"' in body


def test_an_archived_client_stays_on_its_task_but_is_not_offered(manager, client_obj):
    archived = ClientFactory(responsible=manager, status="archived")
    task = TaskFactory(client=archived, assignee=manager, author=manager)
    assert archived in TaskForm(user=manager, instance=task).fields["client"].queryset
    assert archived not in TaskForm(user=manager).fields["client"].queryset
