"""In-app notifications: the list, the bell's counter, marking read; email copies."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from crm.services.notifications import notification_create
from crm.services.tasks import task_create
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def make(user, title="Hello", **kwargs):
    return Notification.objects.create(recipient=user, kind="system", title=title, **kwargs)


def test_the_list_shows_only_my_notifications_escaped(as_user, manager, colleague):
    make(manager, title="<script>x()</script>")
    make(colleague, title="Not for you")
    body = as_user(manager).get(reverse("crm:notification_list")).content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in body
    assert "<script>x()" not in body
    assert "Not for you" not in body


def test_the_bell_counts_unread(as_user, manager):
    make(manager)
    make(manager)
    make(manager, read_at=timezone.now())
    body = as_user(manager).get(reverse("crm:notification_bell")).content.decode()
    assert 'data-testid="unread-count">2<' in body
    assert 'hx-trigger="every 60s' in body
    page = as_user(manager).get(reverse("crm:task_list")).content.decode()
    assert 'data-testid="unread-count">2<' in page


def test_no_counter_without_unread(as_user, manager):
    body = as_user(manager).get(reverse("crm:notification_bell")).content.decode()
    assert "unread-count" not in body


def test_mark_one_read(as_user, manager):
    notification = make(manager)
    response = as_user(manager).post(reverse("crm:notification_read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_one_read_with_htmx_swaps_the_row_and_refreshes_the_bell(as_user, manager):
    notification = make(manager)
    response = as_user(manager).post(
        reverse("crm:notification_read", args=[notification.pk]), headers={"HX-Request": "true"}
    )
    assert response["HX-Trigger"] == "notifications-changed"
    assert 'data-testid="notification-row"' in response.content.decode()


def test_open_marks_read_and_follows_the_link(as_user, manager):
    task = TaskFactory(assignee=manager)
    notification = make(manager, url=task.get_absolute_url())
    response = as_user(manager).post(reverse("crm:notification_read", args=[notification.pk]), {"open": "1"})
    assert response.url == task.get_absolute_url()


def test_an_external_link_is_not_followed(as_user, manager):
    notification = make(manager, url="https://evil.example.com/")
    response = as_user(manager).post(reverse("crm:notification_read", args=[notification.pk]), {"open": "1"})
    assert response.url == reverse("crm:notification_list")


def test_someone_elses_notification_is_404(as_user, manager, colleague):
    notification = make(colleague)
    assert as_user(manager).post(reverse("crm:notification_read", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_only_touches_mine(as_user, manager, colleague):
    make(manager)
    make(manager)
    theirs = make(colleague)
    assert as_user(manager).post(reverse("crm:notification_read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_needs_post(as_user, manager):
    notification = make(manager)
    assert as_user(manager).get(reverse("crm:notification_read", args=[notification.pk])).status_code == 405
    assert as_user(manager).get(reverse("crm:notification_read_all")).status_code == 405


def test_the_list_runs_constant_queries(as_user, manager, django_assert_max_num_queries):
    http = as_user(manager)
    for i in range(60):
        make(manager, title=f"N{i}")
    with django_assert_max_num_queries(8):
        assert http.get(reverse("crm:notification_list")).status_code == 200


def test_a_task_from_a_colleague_is_emailed_once_when_asked(manager, colleague, django_capture_on_commit_callbacks):
    colleague.email_notifications = True
    colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        task = task_create(title="Help me", assignee=colleague, due_at=timezone.now(), by=manager)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [colleague.email]
    notification = Notification.objects.get(task=task)
    assert notification.emailed_at is not None


def test_no_email_for_users_who_did_not_ask(manager, colleague, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task_create(title="Help me", assignee=colleague, due_at=timezone.now(), by=manager)
    assert mail.outbox == []


def test_a_dedupe_key_makes_one_notification(manager):
    first = notification_create(recipient=manager, kind="system", title="a", dedupe_key="x:1")
    second = notification_create(recipient=manager, kind="system", title="b", dedupe_key="x:1")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
