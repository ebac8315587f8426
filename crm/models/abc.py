"""ABC classification of customers: runs and the history of every reclassification."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class AbcClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class AbcMetric(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    GROSS_PROFIT = "gross_profit", _("Gross profit")


class AbcRun(models.Model):
    """One classification of all customers by their share of revenue or gross profit."""

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    metric = models.CharField(_("by"), max_length=20, choices=AbcMetric.choices, default=AbcMetric.REVENUE)
    threshold_a = models.DecimalField(_("class A, %"), max_digits=5, decimal_places=2, default=Decimal(70))
    threshold_b = models.DecimalField(_("class B, %"), max_digits=5, decimal_places=2, default=Decimal(20))
    threshold_c = models.DecimalField(_("class C, %"), max_digits=5, decimal_places=2, default=Decimal(10))
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=0)
    counts = models.JSONField(_("clients per class"), default=dict, blank=True)
    changed_count = models.PositiveIntegerField(_("reclassified"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ABC run")
        verbose_name_plural = _("ABC runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_a__gt=0) & Q(threshold_b__gte=0) & Q(threshold_c__gte=0),
                name="abc_run_thresholds_positive",
            ),
            models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="abc_run_period_valid"),
        ]

    def __str__(self) -> str:
        return f"ABC {self.date_from:%d.%m.%Y}–{self.date_to:%d.%m.%Y}"

    def get_absolute_url(self) -> str:
        return reverse("crm:abc_run_detail", args=[self.pk])


class AbcClassChange(models.Model):
    """A client's class changed in a run (blank `old_class`: first classified, blank `new_class`: no sales)."""

    run = models.ForeignKey(AbcRun, on_delete=models.CASCADE, related_name="changes", verbose_name=_("run"))
    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="abc_changes", verbose_name=_("client")
    )
    old_class = models.CharField(_("was"), max_length=1, choices=AbcClass.choices, blank=True)
    new_class = models.CharField(_("became"), max_length=1, choices=AbcClass.choices, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2, default=0)
    share = models.DecimalField(_("share, %"), max_digits=7, decimal_places=3, default=0)

    class Meta:
        ordering = ["run", "new_class", "-value"]
        verbose_name = _("ABC class change")
        verbose_name_plural = _("ABC class changes")
        constraints = [models.UniqueConstraint(fields=["run", "client"], name="abc_change_unique_client_in_run")]
        indexes = [models.Index(fields=["client", "run"], name="abc_change_client_idx")]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.old_class or '-'} → {self.new_class or '-'}"
