"""In-app notifications, their email copies, and the delivery of due task reminders."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm.models import Notification, NotificationKind, Task, User

logger = logging.getLogger(__name__)

REMINDER_BATCH = 500


def reminder_key(task_id: int, remind_at: dt.datetime) -> str:
    """Return the dedupe key of the reminder of a task due at `remind_at` (one per task and time)."""
    return f"reminder:{task_id}:{remind_at.astimezone(dt.UTC).isoformat()}"


def notification_create(
    *,
    recipient: User,
    kind: str,
    title: str,
    text: str = "",
    url: str = "",
    task: Task | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Create a notification (once per `dedupe_key`) and queue its email copy on commit."""
    fields = {"recipient": recipient, "kind": kind, "title": title[:255], "text": text, "url": url, "task": task}
    if dedupe_key is None:
        notification = Notification.objects.create(**fields)
    else:
        notification, created = Notification.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        if not created:
            return notification
    if recipient.email_notifications and recipient.email:
        _queue_emails([notification.pk])
    return notification


def notify_task_assigned(*, task: Task, by: User | None) -> None:
    """Tell the assignee that someone else gave them a task."""
    if by is not None and task.assignee_id == by.pk:
        return
    notification_create(
        recipient=task.assignee,
        kind=NotificationKind.TASK_ASSIGNED,
        title=task.title,
        url=task.get_absolute_url(),
        task=task,
    )


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of `by`'s notifications read (idempotent)."""
    if notification.recipient_id != by.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, by: User) -> int:
    """Mark every unread notification of `by` read; return how many."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())


def _queue_emails(ids: list[int]) -> None:
    if not ids:
        return
    from crm.tasks import notifications_email_task

    transaction.on_commit(lambda: notifications_email_task.delay(ids))


def notifications_send_email(*, notification_ids: list[int]) -> int:
    """Email each notification once to recipients who asked for email; return how many were sent.

    Each row is claimed with a conditional UPDATE of `emailed_at`, so re-runs and concurrent
    workers never send twice; a failed send gives the claim back for the next try.
    """
    sent = 0
    qs = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True, recipient__email_notifications=True
    ).exclude(recipient__email="")
    for notification in qs.select_related("recipient"):
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        recipient = notification.recipient
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            subject = f"{notification.get_kind_display()}: {notification.title}"
            body = notification.text or notification.title
            if notification.url:
                body += "\n\n" + gettext("Open in the CRM: %(url)s") % {"url": notification.url}
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            logger.exception("Could not email notification %s", notification.pk)
            raise
        sent += 1
    return sent


def deliver_due_reminders(*, now: dt.datetime, batch_size: int = REMINDER_BATCH) -> int:
    """Turn every due, undelivered task reminder into exactly one notification; return how many.

    Open tasks whose `remind_at` has come and whose `reminded_at` is empty are claimed in
    batches (FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent workers split the work),
    get one notification each (the dedupe key makes a re-run insert nothing) and are marked
    reminded. Reminders missed while beat was down are delivered on the next run.
    """
    created_total = 0
    while True:
        with transaction.atomic():
            qs = Task.objects.due_for_reminder(now).order_by("remind_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            batch = list(qs.only("pk", "title", "assignee_id", "remind_at")[:batch_size])
            if not batch:
                break
            keys = {task.pk: reminder_key(task.pk, task.remind_at) for task in batch}
            existing = set(
                Notification.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True)
            )
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=task.assignee_id,
                        kind=NotificationKind.REMINDER,
                        title=task.title[:255],
                        url=task.get_absolute_url(),
                        task_id=task.pk,
                        dedupe_key=keys[task.pk],
                    )
                    for task in batch
                    if keys[task.pk] not in existing
                ],
                ignore_conflicts=True,
            )
            Task.objects.filter(pk__in=list(keys), reminded_at__isnull=True).update(reminded_at=now)
            new_keys = [key for key in keys.values() if key not in existing]
            created_total += len(new_keys)
            if new_keys:
                email_ids = list(
                    Notification.objects.filter(
                        dedupe_key__in=new_keys, recipient__email_notifications=True, emailed_at__isnull=True
                    )
                    .exclude(recipient__email="")
                    .values_list("pk", flat=True)
                )
                _queue_emails(email_ids)
        if len(batch) < batch_size:
            break
    return created_total
