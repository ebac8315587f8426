"""Task reminders: each due reminder becomes exactly one notification, whatever happens to beat."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from crm.models import Notification, Task
from crm.services.notifications import deliver_due_reminders, reminder_key
from crm.services.tasks import task_complete, task_postpone
from crm.tasks import deliver_due_reminders_task
from tests.factories import TaskFactory

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_due_reminder_fires_once_under_re_runs(manager):
    task = TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=1))
    assert deliver_due_reminders(now=NOW) == 1
    assert deliver_due_reminders(now=NOW) == 0
    assert deliver_due_reminders(now=NOW + dt.timedelta(minutes=1)) == 0
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.task) == (manager, "reminder", task)
    assert notification.dedupe_key == f"reminder:{task.pk}:{task.remind_at.isoformat()}"
    task.refresh_from_db()
    assert task.reminded_at == NOW


@pytest.mark.django_db
def test_a_reminder_missed_while_beat_was_down_fires_on_the_next_run(manager):
    TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(days=3))
    assert deliver_due_reminders(now=NOW) == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_future_done_and_cancelled_tasks_do_not_remind(manager):
    TaskFactory(assignee=manager, remind_at=NOW + dt.timedelta(minutes=1))
    TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=1), status="done")
    TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=1), status="cancelled")
    TaskFactory(assignee=manager, remind_at=None)
    assert deliver_due_reminders(now=NOW) == 0


@pytest.mark.django_db
def test_a_lost_reminded_at_does_not_duplicate_the_notification(manager):
    # A worker crashed after inserting the notification but before its task was marked.
    task = TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=1))
    deliver_due_reminders(now=NOW)
    Task.objects.filter(pk=task.pk).update(reminded_at=None)
    assert deliver_due_reminders(now=NOW) == 0
    assert Notification.objects.count() == 1
    task.refresh_from_db()
    assert task.reminded_at is not None


@pytest.mark.django_db
def test_a_postponed_task_reminds_again(manager):
    task = TaskFactory(assignee=manager, due_at=NOW, remind_at=NOW - dt.timedelta(minutes=1))
    deliver_due_reminders(now=NOW)
    task.refresh_from_db()
    task_postpone(task=task, by=manager, due_at=NOW + dt.timedelta(days=1))
    assert deliver_due_reminders(now=NOW + dt.timedelta(days=1)) == 1
    assert Notification.objects.filter(task=task).count() == 2


@pytest.mark.django_db
def test_a_completed_task_is_not_reminded(manager):
    task = TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=1))
    task_complete(task=task, by=manager)
    assert deliver_due_reminders(now=NOW) == 0


@pytest.mark.django_db
def test_many_reminders_are_delivered_in_batches(manager, colleague):
    for i in range(25):
        TaskFactory(assignee=manager if i % 2 else colleague, remind_at=NOW - dt.timedelta(minutes=i))
    assert deliver_due_reminders(now=NOW, batch_size=10) == 25
    assert Notification.objects.count() == 25
    assert not Task.objects.filter(reminded_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_batch_runs_constant_queries(manager, django_assert_max_num_queries):
    for i in range(40):
        TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=i))
    # One batch: select, existing keys, insert, update; then an empty select.
    with django_assert_max_num_queries(9):
        deliver_due_reminders(now=NOW, batch_size=100)


@pytest.mark.django_db
def test_the_beat_task_delivers_due_reminders(manager):
    TaskFactory(assignee=manager, remind_at=timezone.now() - dt.timedelta(minutes=1))
    assert deliver_due_reminders_task.delay().get() == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_reminders_are_emailed_once_to_those_who_asked(manager, colleague, django_capture_on_commit_callbacks):
    manager.email_notifications = True
    manager.save()
    TaskFactory(assignee=manager, title="Call Ivanov", remind_at=NOW - dt.timedelta(minutes=1))
    TaskFactory(assignee=colleague, remind_at=NOW - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_due_reminders(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_due_reminders(now=NOW)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [manager.email]
    assert "Call Ivanov" in mail.outbox[0].subject
    emailed = Notification.objects.get(recipient=manager)
    assert emailed.emailed_at is not None
    assert Notification.objects.get(recipient=colleague).emailed_at is None
    # Sending the same notification again sends nothing.
    from crm.services.notifications import notifications_send_email

    assert notifications_send_email(notification_ids=[emailed.pk]) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_reminder_key_is_stable_across_time_zones():
    moment = dt.datetime(2026, 3, 10, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=10)))
    assert reminder_key(1, moment) == reminder_key(1, moment.astimezone(dt.UTC))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_deliver_each_reminder_once(manager):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in memory has one connection; the concurrent run is proven on PostgreSQL")
    for i in range(60):
        TaskFactory(assignee=manager, remind_at=NOW - dt.timedelta(minutes=i))
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        from django.db import connections

        try:
            barrier.wait()
            results.append(deliver_due_reminders(now=NOW, batch_size=7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 60
    assert Notification.objects.count() == 60
    assert not Task.objects.filter(reminded_at__isnull=True).exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_notification_links_to_the_task(manager):
    task = TaskFactory(assignee=manager, remind_at=NOW)
    deliver_due_reminders(now=NOW)
    assert Notification.objects.get().url == task.get_absolute_url()
