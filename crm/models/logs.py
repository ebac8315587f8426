"""Logs of bulk operations (transfers, merges) and small pieces of system state."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferLog(models.Model):
    """Who handed which clients from whom to whom, and when."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    clients = models.ManyToManyField("crm.Client", related_name="transfer_logs", verbose_name=_("clients"))
    client_count = models.PositiveIntegerField(_("clients"))
    task_count = models.PositiveIntegerField(_("open tasks moved"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("client transfer")
        verbose_name_plural = _("client transfers")

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user} ({self.client_count})"


class MergeLog(models.Model):
    """A merge of a duplicate client into the one that is kept, with what moved."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    kept = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="merge_logs", verbose_name=_("kept client")
    )
    merged_client_id = models.PositiveBigIntegerField(_("merged client id"))
    merged_snapshot = models.JSONField(_("merged client data"))
    moved = models.JSONField(_("moved records"), default=dict)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")

    def __str__(self) -> str:
        return f"#{self.merged_client_id} → {self.kept}"


class SystemState(models.Model):
    """A named value the processes share, e.g. when beat last ran."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key
