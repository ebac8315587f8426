"""Tasks with their reminders, and in-app notifications."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.display import pk_url
from crm.querysets import NotificationQuerySet, TaskQuerySet


class TaskStatus(models.TextChoices):
    # A context of their own: in Russian a task (задача) is feminine, deals and jobs are not.
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Task(models.Model):
    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"), blank=True)
    # Foreign keys carry no index of their own: the composite and partial indexes in Meta lead
    # with them. Triggers insert tasks by the hundred thousand, and every index costs each insert.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("assignee"),
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authored_tasks",
        verbose_name=_("author"),
        db_index=False,
    )
    client = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("client"),
        db_index=False,
    )
    # Any other object a later app links the task to (equipment, deal, campaign participant).
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, db_index=False)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    interaction = models.ForeignKey(
        "crm.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_tasks",
        db_index=False,
    )
    due_at = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set by triggers: one task per cause and date (e.g. "birthday:contact:42:2026").
    trigger_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["trigger_key"], condition=Q(trigger_key__isnull=False), name="task_unique_trigger_key"
            ),
        ]
        indexes = [
            # "My tasks": open tasks of a user by due date.
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_status_due_idx"),
            models.Index(fields=["client", "status", "due_at"], name="task_client_status_due_idx"),
            # An engineer's clients (the access rule): `client_id WHERE assignee_id = %s` as an index-only scan.
            models.Index(fields=["assignee", "client"], name="task_assignee_client_idx"),
            # The reminder run: open tasks whose reminder has not been delivered yet.
            models.Index(
                fields=["remind_at"],
                condition=Q(reminded_at__isnull=True, status="open", remind_at__isnull=False),
                name="task_pending_reminder_idx",
            ),
            models.Index(fields=["content_type", "object_id"], name="task_subject_idx"),
            # Few tasks have an author (triggers write none) or come from an interaction.
            models.Index(fields=["author"], condition=Q(author__isnull=False), name="task_author_idx"),
            models.Index(fields=["interaction"], condition=Q(interaction__isnull=False), name="task_interaction_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return pk_url("crm:task_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    MENTION = "mention", _("Mention")
    SYSTEM = "system", _("System")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    # One notification per cause: a reminder of task 7 due at a given time is delivered once.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False), name="notification_unique_dedupe_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
        ]

    def __str__(self) -> str:
        return self.title
