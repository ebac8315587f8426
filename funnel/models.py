"""Sales scenarios with their stages and triggers, deals, and the stage history."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funnel.querysets import DealQuerySet, StageChangeQuerySet


class Scenario(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        permissions = [("edit_scenario", _("Can edit sales scenarios"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funnel:scenario_edit", args=[self.pk])


class StageOutcome(models.TextChoices):
    OPEN = "open", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class DocumentEvent(models.TextChoices):
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    FULLY_PAID = "fully_paid", _("Fully paid")
    SHIPPED = "shipped", _("Shipped")


class RequiredField(models.TextChoices):
    """Deal fields a stage may require before a deal enters it."""

    AMOUNT = "amount", _("Amount")
    EXPECTED_CLOSE_DATE = "expected_close_date", _("Expected close date")
    CONTACT = "contact", _("Contact")
    COMMENT = "comment", _("Comment")


class Stage(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="stages", verbose_name=_("scenario"))
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    target_days = models.PositiveIntegerField(_("target duration, days"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability, %"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=StageOutcome.choices, default=StageOutcome.OPEN)
    required_fields = models.JSONField(_("fields required to enter"), default=list, blank=True)
    close_open_tasks = models.BooleanField(_("close the deal's open tasks on entering"), default=False)
    # The sales-document event that moves a deal of this scenario to this stage.
    on_event = models.CharField(_("moved here when"), max_length=30, choices=DocumentEvent.choices, blank=True)
    # Deleting a stage archives it: its history stays readable.
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["scenario", "position", "pk"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "on_event"],
                condition=~Q(on_event="") & Q(is_archived=False),
                name="stage_unique_event_in_scenario",
            ),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_terminal(self) -> bool:
        return self.outcome != StageOutcome.OPEN


class TriggerAssignee(models.TextChoices):
    RESPONSIBLE = "responsible", _("The deal's responsible")
    ROLE = "role", _("A role")


class StageTrigger(models.Model):
    """A task created when a deal enters the stage."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="triggers", verbose_name=_("stage"))
    title = models.CharField(_("task title"), max_length=255)
    assignee_kind = models.CharField(
        _("assignee"), max_length=20, choices=TriggerAssignee.choices, default=TriggerAssignee.RESPONSIBLE
    )
    role = models.CharField(_("role"), max_length=20, blank=True)
    due_days = models.PositiveIntegerField(_("due in, days"), default=1)
    is_active = models.BooleanField(_("on"), default=True)

    class Meta:
        ordering = ["stage", "pk"]
        verbose_name = _("stage trigger")
        verbose_name_plural = _("stage triggers")

    def __str__(self) -> str:
        return self.title


class LossReason(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")

    def __str__(self) -> str:
        return self.name


class DealSource(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    WEBSITE = "website", _("Website")
    TELEMARKETING = "telemarketing", _("Telemarketing campaign")
    EQUIPMENT = "equipment", _("Equipment trigger")
    TENDER = "tender", _("Tender")
    OTHER = "other", _("Other")


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(models.Model):
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="deals", verbose_name=_("client"))
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("contact")
    )
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="deals", verbose_name=_("scenario"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    title = models.CharField(_("title"), max_length=255)
    amount = models.DecimalField(_("amount, RUB"), max_digits=15, decimal_places=2, null=True, blank=True)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=DealSource.choices, default=DealSource.OTHER)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals", verbose_name=_("responsible")
    )
    status = models.CharField(_("status"), max_length=10, choices=DealStatus.choices, default=DealStatus.OPEN)
    loss_reason = models.ForeignKey(
        LossReason, on_delete=models.PROTECT, null=True, blank=True, related_name="deals", verbose_name=_("loss reason")
    )
    loss_comment = models.TextField(_("loss comment"), blank=True)
    # The stage the deal was at when it was lost: the lost-deals report groups by it.
    lost_from_stage = models.ForeignKey(
        "Stage", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lost at stage")
    )
    comment = models.TextField(_("comment"), blank=True)
    # When the deal entered its current stage, and when that stage's target runs out (null: no target).
    stage_entered_at = models.DateTimeField(_("at stage since"))
    stage_deadline_at = models.DateTimeField(_("stage target ends"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_archived = models.BooleanField(_("archived"), default=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        permissions = [("view_funnel_reports", _("Can view funnel reports"))]
        indexes = [
            # The board: deals of a stage, oldest at the stage first (one LIMIT scan per column).
            models.Index(fields=["stage", "status", "stage_entered_at"], name="deal_board_idx"),
            # The board's column totals: the open deals of a scenario, with the amount and the client
            # (for the access rule's join) so PostgreSQL answers from the index alone.
            models.Index(
                fields=["scenario", "stage", "amount", "client", "stage_deadline_at"],
                condition=Q(status="open", is_archived=False),
                name="deal_board_open_idx",
            ),
            # The board's won and lost columns: deals of a scenario closed recently, counted from the index.
            models.Index(
                fields=["scenario", "closed_at", "stage", "amount", "client"],
                condition=Q(status__in=["won", "lost"], is_archived=False),
                name="deal_board_closed_idx",
            ),
            # The board filtered by source: the column totals from the index alone and each column's oldest
            # cards by one ordered scan (without it the totals read every open deal of the scenario).
            models.Index(
                fields=["scenario", "source", "stage", "stage_entered_at"],
                include=["amount", "client", "stage_deadline_at"],
                condition=Q(status="open", is_archived=False),
                name="deal_board_source_idx",
            ),
            models.Index(fields=["responsible", "status"], name="deal_responsible_status_idx"),
            # The deal list, newest first.
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx"),
            # Collisions and the automatic moves: a client's open deals.
            models.Index(fields=["client", "status"], name="deal_client_status_idx"),
            models.Index(fields=["status", "expected_close_date"], name="deal_forecast_idx"),
            models.Index(fields=["status", "closed_at"], name="deal_status_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="lost") | Q(loss_reason__isnull=False), name="deal_lost_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("funnel:deal_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN


class StageChange(models.Model):
    """One entry of a deal into a stage (the first one has no `from_stage`)."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="stage_changes", verbose_name=_("deal"))
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="entries", verbose_name=_("to"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    # The document event that caused an automatic move: each event moves a deal at most once.
    event = models.CharField(_("event"), max_length=30, choices=DocumentEvent.choices, blank=True)
    entered_at = models.DateTimeField(_("entered"))
    # When the deal entered its next stage (null while it is still here): the time in stage without a window.
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    # Required fields the deal lacked when an automatic move brought it here anyway (the document is a fact).
    missing_fields = models.JSONField(_("missing required fields"), default=list, blank=True)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        ordering = ["entered_at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        constraints = [
            models.UniqueConstraint(fields=["deal", "event"], condition=~Q(event=""), name="stagechange_event_once"),
        ]
        indexes = [
            # Time in stage: each deal's entries in order (LEAD over entered_at).
            models.Index(fields=["deal", "entered_at"], name="stagechange_deal_entered_idx"),
            models.Index(fields=["entered_at"], name="stagechange_entered_idx"),
            # The funnel report: which deals entered a stage.
            models.Index(fields=["to_stage", "deal"], name="stagechange_stage_deal_idx"),
            # Time in stage: the entries of a stage in a period.
            models.Index(fields=["to_stage", "entered_at", "left_at"], name="stagechange_stage_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"

    @property
    def missing_field_labels(self) -> list[str]:
        labels = dict(RequiredField.choices)
        return [str(labels.get(name, name)) for name in self.missing_fields or []]


class DealLine(models.Model):
    """A product line of a deal."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("deal"))
    product = models.ForeignKey(
        "crm.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    name = models.CharField(_("name"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    price = models.DecimalField(_("price"), max_digits=15, decimal_places=2, default=0)

    class Meta:
        ordering = ["deal", "pk"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name

    @property
    def total(self):
        return self.quantity * self.price


class DealComment(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="comments", verbose_name=_("deal"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("deal comment")
        verbose_name_plural = _("deal comments")

    def __str__(self) -> str:
        return self.text[:50]


class SalesPlan(models.Model):
    """A manager's shipment plan for a month, set by the sales head."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_plans")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount = models.DecimalField(_("plan, RUB"), max_digits=15, decimal_places=2)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="salesplan_unique_month")]

    def __str__(self) -> str:
        return f"{self.user} {self.month:%m.%Y}"


class DealDocument(models.Model):
    """A sales document (invoice, payment, shipment) of a deal; a document belongs to one deal."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="document_links", verbose_name=_("deal"))
    document = models.OneToOneField(
        "crm.SalesDocument", on_delete=models.PROTECT, related_name="deal_link", verbose_name=_("document")
    )
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        verbose_name = _("deal document")
        verbose_name_plural = _("deal documents")

    def __str__(self) -> str:
        return f"{self.deal_id} ← {self.document_id}"


class TransferRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TransferRequest(models.Model):
    """A manager's request to take over a client another manager owns, decided by a head or an administrator."""

    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="transfer_requests", verbose_name=_("client")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="transfer_requests_made",
        verbose_name=_("requested by"),
    )
    # The owner when the request was made; approving needs the client to still be theirs.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferRequestStatus.choices, default=TransferRequestStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    transfer_log = models.ForeignKey(
        "crm.TransferLog", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("transfer")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        constraints = [
            # One pending request per client and requester: a second click does not pile up requests.
            models.UniqueConstraint(
                fields=["client", "requested_by"],
                condition=Q(status="pending"),
                name="transferrequest_one_pending_per_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.requested_by_id} ({self.status})"
