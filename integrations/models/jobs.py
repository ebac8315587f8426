"""Import jobs and their row errors, shared by every file import (sales documents, tenders)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJobKind(models.TextChoices):
    SALES = "sales", _("Sales documents")
    TENDERS = "tenders", _("Tender results")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportJobQuerySet(models.QuerySet):
    def stale(self, *, after: timedelta = timedelta(minutes=10)) -> "ImportJobQuerySet":
        """Running jobs whose worker stopped sending heartbeats (crashed): to be failed or re-queued."""
        return self.filter(status=ImportJobStatus.RUNNING, heartbeat_at__lt=timezone.now() - after)


class ImportJob(models.Model):
    """One import of one file (or one folder, or one API call) with its progress and outcome.

    `processed_rows` / `total_rows` drive the progress bar; `cancel_requested` is polled
    by the worker between batches; `heartbeat_at` lets a beat job find jobs whose worker
    died. `file_sha256` makes the inbox idempotent: the same file is imported once.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportJobKind.choices)
    source = models.CharField(_("source"), max_length=20, default="file")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True, max_length=500)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    dry_run = models.BooleanField(_("check only"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="import_job_kind_idx"),
            # Stale-job recovery: running jobs by heartbeat.
            models.Index(fields=["heartbeat_at"], name="import_job_running_idx", condition=Q(status="running")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("integrations:job_detail", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        if self.status == ImportJobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED, ImportJobStatus.CANCELLED)


class ImportRowError(models.Model):
    """A rejected row (or document, or file) of an import job and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors", verbose_name=_("job"))
    row_number = models.PositiveIntegerField(_("row"), null=True, blank=True)
    location = models.CharField(_("where"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))
    raw = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["job", "row_number", "pk"]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")

    def __str__(self) -> str:
        return f"{self.location or self.row_number}: {self.reason}"
