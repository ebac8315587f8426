"""Write operations on tasks: create, update, complete, postpone, reopen, cancel.

Who may act on a task: whoever sees its client (the client's manager, a head of the region,
an engineer at work there, an administrator), and for a task without a client its assignee and
author, i.e. `Task.objects.visible_to(by)`. A task on a client is given only to someone who
sees the client (`crm.querysets.task_assignees_q`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Client, Priority, Task, TaskStatus, User
from crm.querysets import task_assignees_q
from crm.services.notifications import notify_task_assigned

UPDATABLE_FIELDS = ("title", "text", "assignee", "due_at", "remind_at", "priority", "client")


def _check_can_act(task: Task, by: User | None) -> None:
    if by is None:
        return
    if not Task.objects.visible_to(by).filter(pk=task.pk).exists():
        raise PermissionDenied


def _check_client(client: Client | None, by: User | None) -> None:
    if client is None or by is None:
        return
    if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        raise PermissionDenied


def _check_assignee(assignee: User, client: Client | None) -> None:
    """An active user who will see the task: on a client, one whom its access rule lets see the client."""
    if not assignee.is_active:
        raise ValidationError({"assignee": _("This user is not active.")})
    if client is not None and not User.objects.filter(task_assignees_q(client), pk=assignee.pk).exists():
        raise ValidationError(
            {
                "assignee": _(
                    "%(user)s does not work with %(client)s and would not see this task. "
                    "Choose the client's manager, a sales head of its region or an engineer."
                )
                % {"user": assignee.display_name, "client": client.display_name}
            }
        )


@transaction.atomic
def task_create(
    *,
    title: str,
    assignee: User,
    due_at: dt.datetime,
    by: User | None,
    client: Client | None = None,
    text: str = "",
    remind_at: dt.datetime | None = None,
    priority: str = Priority.NORMAL,
    trigger_key: str | None = None,
    subject: models.Model | None = None,
    interaction=None,
) -> Task:
    """Create a task; with `trigger_key`, return the existing task of that key instead of a second one."""
    if trigger_key is not None:
        existing = Task.objects.filter(trigger_key=trigger_key).first()
        if existing is not None:
            return existing
    _check_client(client, by)
    _check_assignee(assignee, client)
    task = Task(
        title=title,
        text=text,
        assignee=assignee,
        author=by,
        client=client,
        due_at=due_at,
        remind_at=remind_at,
        priority=priority,
        trigger_key=trigger_key,
        interaction=interaction,
    )
    if subject is not None:
        task.content_type = ContentType.objects.get_for_model(subject)
        task.object_id = subject.pk
    if trigger_key is not None:
        try:
            with transaction.atomic():
                task.save()
        except IntegrityError:
            # Another worker created the task of this key first.
            return Task.objects.get(trigger_key=trigger_key)
    else:
        task.save()
    notify_task_assigned(task=task, by=by)
    return task


@transaction.atomic
def task_update(*, task: Task, by: User | None, **changes: Any) -> Task:
    """Change the fields of a task; a new reminder time fires again, a new assignee is notified."""
    _check_can_act(task, by)
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"task_update() cannot change {sorted(unknown)}")
    if "client" in changes and changes["client"] is not None and changes["client"].pk != task.client_id:
        _check_client(changes["client"], by)
    if "assignee" in changes or "client" in changes:
        _check_assignee(changes.get("assignee", task.assignee), changes.get("client", task.client))
    old_assignee_id = task.assignee_id
    old_remind_at = task.remind_at
    for name, value in changes.items():
        setattr(task, name, value)
    if task.remind_at != old_remind_at:
        task.reminded_at = None
    task.save()
    if task.assignee_id != old_assignee_id:
        notify_task_assigned(task=task, by=by)
    return task


@transaction.atomic
def task_complete(*, task: Task, by: User | None) -> Task:
    """Mark the task done (idempotent)."""
    _check_can_act(task, by)
    if task.status != TaskStatus.DONE:
        task.status = TaskStatus.DONE
        task.completed_at = timezone.now()
        task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


@transaction.atomic
def task_cancel(*, task: Task, by: User | None) -> Task:
    """Cancel the task (idempotent); its reminder will not fire."""
    _check_can_act(task, by)
    if task.status != TaskStatus.CANCELLED:
        task.status = TaskStatus.CANCELLED
        task.completed_at = None
        task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


@transaction.atomic
def task_reopen(*, task: Task, by: User | None) -> Task:
    """Open a done or cancelled task again."""
    _check_can_act(task, by)
    if task.status != TaskStatus.OPEN:
        task.status = TaskStatus.OPEN
        task.completed_at = None
        task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


@transaction.atomic
def task_postpone(*, task: Task, by: User | None, due_at: dt.datetime, remind_at: dt.datetime | None = None) -> Task:
    """Move the due time; the reminder moves with it (or to `remind_at`) and fires again."""
    _check_can_act(task, by)
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("Only an open task can be postponed."))
    if remind_at is None and task.remind_at is not None:
        remind_at = task.remind_at + (due_at - task.due_at)
    task.due_at = due_at
    task.remind_at = remind_at
    task.reminded_at = None
    task.save(update_fields=["due_at", "remind_at", "reminded_at", "updated_at"])
    return task
