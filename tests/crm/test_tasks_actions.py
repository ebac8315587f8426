"""Task actions through the service and the pages: who may act, and what each action does."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification, Task
from crm.services.tasks import task_cancel, task_complete, task_create, task_postpone, task_reopen, task_update
from tests.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_obj(manager):
    return ClientFactory(responsible=manager)


@pytest.fixture
def task(manager, client_obj):
    due = timezone.now() + dt.timedelta(days=1)
    return task_create(title="Call back", assignee=manager, due_at=due, remind_at=due, by=manager, client=client_obj)


def test_task_create_with_a_subject_and_no_notification_for_oneself(manager, client_obj):
    contact = ContactFactory(client=client_obj)
    task = task_create(
        title="T", assignee=manager, due_at=timezone.now(), by=manager, client=client_obj, subject=contact
    )
    assert task.subject == contact
    assert task.author == manager
    assert not Notification.objects.exists()


def test_assigning_to_someone_else_notifies_them_once(manager, head, client_obj):
    task = task_create(title="Help", assignee=head, due_at=timezone.now(), by=manager, client=client_obj)
    notification = Notification.objects.get()
    assert notification.recipient == head
    assert notification.kind == "task_assigned"
    assert notification.url == task.get_absolute_url()


def test_the_service_refuses_an_assignee_who_would_not_see_the_client(manager, colleague, client_obj, task):
    with pytest.raises(ValidationError) as refused:
        task_create(title="Help", assignee=colleague, due_at=timezone.now(), by=manager, client=client_obj)
    assert "assignee" in refused.value.message_dict
    with pytest.raises(ValidationError):
        task_update(task=task, by=manager, assignee=colleague)
    task.refresh_from_db()
    assert task.assignee == manager
    assert Task.objects.count() == 1 and not Notification.objects.filter(recipient=colleague).exists()


def test_task_create_with_a_trigger_key_is_idempotent(manager):
    first = task_create(title="A", assignee=manager, due_at=timezone.now(), by=None, trigger_key="k:1")
    second = task_create(title="B", assignee=manager, due_at=timezone.now(), by=None, trigger_key="k:1")
    assert first.pk == second.pk
    assert Task.objects.count() == 1


def test_task_create_on_an_invisible_client_is_refused(colleague, client_obj):
    with pytest.raises(PermissionDenied):
        task_create(title="x", assignee=colleague, due_at=timezone.now(), by=colleague, client=client_obj)


def test_complete_reopen_cancel(manager, task):
    task_complete(task=task, by=manager)
    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None
    task_reopen(task=task, by=manager)
    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("open", None)
    task_cancel(task=task, by=manager)
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_postpone_moves_the_reminder_and_lets_it_fire_again(manager, task):
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task.refresh_from_db()
    new_due = task.due_at + dt.timedelta(days=7)
    task_postpone(task=task, by=manager, due_at=new_due)
    task.refresh_from_db()
    assert task.due_at == new_due
    assert task.remind_at == new_due
    assert task.reminded_at is None


def test_postpone_with_an_explicit_reminder(manager, task):
    new_due = task.due_at + dt.timedelta(days=7)
    remind = new_due - dt.timedelta(hours=2)
    task_postpone(task=task, by=manager, due_at=new_due, remind_at=remind)
    task.refresh_from_db()
    assert task.remind_at == remind


def test_update_to_another_assignee_notifies_and_resets_the_reminder(manager, head, task):
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task.refresh_from_db()
    task_update(task=task, by=manager, assignee=head, remind_at=task.remind_at + dt.timedelta(hours=1))
    task.refresh_from_db()
    assert task.assignee == head
    assert task.reminded_at is None
    assert Notification.objects.filter(recipient=head, kind="task_assigned").count() == 1


def test_an_outsider_cannot_act_through_the_service(outsider, task):
    for action in (task_complete, task_cancel, task_reopen):
        with pytest.raises(PermissionDenied):
            action(task=task, by=outsider)


# --- The pages ----------------------------------------------------------------------------------


def post_action(as_user, user, task, action, **data):
    return as_user(user).post(reverse(f"crm:task_{action}", args=[task.pk]), data)


@pytest.mark.parametrize("who", ["manager", "head", "admin_user"])
def test_assignee_and_those_who_see_the_client_may_complete(request, as_user, task, who):
    user = request.getfixturevalue(who)
    assert post_action(as_user, user, task, "complete").status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.parametrize("who", ["colleague", "outsider", "engineer"])
def test_others_get_404_on_every_action_and_page(request, as_user, task, who):
    user = request.getfixturevalue(who)
    for action in ("complete", "reopen", "cancel"):
        assert post_action(as_user, user, task, action).status_code == 404
    assert post_action(as_user, user, task, "postpone", shift="1d").status_code == 404
    assert as_user(user).get(reverse("crm:task_detail", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_an_engineer_acts_on_their_own_task(as_user, manager, engineer, client_obj):
    task = task_create(title="Install", assignee=engineer, due_at=timezone.now(), by=manager, client=client_obj)
    assert post_action(as_user, engineer, task, "complete").status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_the_author_acts_on_a_task_given_to_someone_else(as_user, colleague, manager):
    task = task_create(title="Check", assignee=manager, due_at=timezone.now(), by=colleague)
    assert post_action(as_user, colleague, task, "cancel").status_code == 302
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_htmx_complete_swaps_the_row(as_user, manager, task):
    response = as_user(manager).post(
        reverse("crm:task_complete", args=[task.pk]), {"row": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-task-row" in body
    assert 'data-testid="task-reopen"' in body
    assert "<html" not in body


def test_htmx_complete_on_the_client_card_swaps_its_row(as_user, manager, task):
    response = as_user(manager).post(
        reverse("crm:task_complete", args=[task.pk]), {"row": "client"}, headers={"HX-Request": "true"}
    )
    assert 'data-testid="client-task-row"' in response.content.decode()


def test_postpone_by_a_quick_choice_keeps_the_time_of_day(as_user, manager, task):
    old_local = timezone.localtime(task.due_at)
    response = post_action(as_user, manager, task, "postpone", shift="1w")
    assert response.status_code == 302
    task.refresh_from_db()
    new_local = timezone.localtime(task.due_at)
    assert new_local.date() == timezone.localdate() + dt.timedelta(weeks=1)
    assert (new_local.hour, new_local.minute) == (old_local.hour, old_local.minute)


def test_postpone_to_a_date_in_the_users_time_zone(as_user, manager, task):
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    assert post_action(as_user, manager, task, "postpone", due_at="2030-01-05T09:00").status_code == 302
    task.refresh_from_db()
    assert task.due_at == dt.datetime(2030, 1, 4, 23, 0, tzinfo=dt.UTC)


def test_postpone_without_a_date_changes_nothing(as_user, manager, task):
    before = task.due_at
    post_action(as_user, manager, task, "postpone")
    task.refresh_from_db()
    assert task.due_at == before


def test_a_done_task_cannot_be_postponed(as_user, manager, task):
    task_complete(task=task, by=manager)
    before = task.due_at
    post_action(as_user, manager, task, "postpone", shift="1d")
    task.refresh_from_db()
    assert task.due_at == before


def test_actions_need_post(as_user, manager, task):
    assert as_user(manager).get(reverse("crm:task_complete", args=[task.pk])).status_code == 405


def test_create_page_for_a_client(as_user, manager, client_obj):
    url = reverse("crm:task_create") + f"?client={client_obj.pk}"
    assert as_user(manager).get(url).status_code == 200
    response = as_user(manager).post(
        url,
        {"title": "Visit", "assignee": manager.pk, "due_at": "2030-01-05T10:00", "priority": "high"},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.client, task.priority, task.author) == (client_obj, "high", manager)


def test_create_page_for_an_invisible_client_is_404(as_user, colleague, client_obj):
    url = reverse("crm:task_create") + f"?client={client_obj.pk}"
    assert as_user(colleague).get(url).status_code == 404


def test_create_without_a_title_shows_an_error_and_saves_nothing(as_user, manager):
    response = as_user(manager).post(
        reverse("crm:task_create"), {"title": "", "assignee": manager.pk, "due_at": "2030-01-05T10:00"}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Task.objects.exists()


def test_the_detail_page_edits_the_task(as_user, manager, head, task):
    url = reverse("crm:task_detail", args=[task.pk])
    assert as_user(manager).get(url).status_code == 200
    response = as_user(manager).post(
        url,
        {
            "title": "Call back soon",
            "assignee": head.pk,
            "due_at": "2030-01-05T10:00",
            "priority": "normal",
            "client": task.client_id,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Call back soon"
    assert task.assignee == head


def test_a_foreign_client_cannot_be_put_on_a_task(as_user, manager, task, outsider):
    foreign = ClientFactory(responsible=outsider)
    url = reverse("crm:task_detail", args=[task.pk])
    as_user(manager).post(
        url,
        {
            "title": "x",
            "assignee": manager.pk,
            "due_at": "2030-01-05T10:00",
            "priority": "normal",
            "client": foreign.pk,
        },
    )
    task.refresh_from_db()
    assert task.client != foreign


def test_the_task_title_is_escaped(as_user, manager):
    task = TaskFactory(assignee=manager, title="<img src=x onerror=alert(1)>")
    for url in (reverse("crm:task_detail", args=[task.pk]), reverse("crm:task_list")):
        body = as_user(manager).get(url).content.decode()
        assert "<img src=x" not in body
        assert "&lt;img src=x" in body
