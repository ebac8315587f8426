"""Sales documents (invoices, payments, shipments) mirrored from the accounting system."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.querysets import client_scope_q


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PAYMENT = "payment", _("Payment")
    SHIPMENT = "shipment", _("Shipment")


class DocumentSource(models.TextChoices):
    FILE = "file", _("File")
    API = "api", _("API")
    INBOX = "inbox", _("Inbox folder")
    DEMO = "demo", _("Demo data")


class SalesDocumentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SalesDocumentQuerySet":
        """Documents of the clients `user` may see (the one access rule, through the client)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        q = client_scope_q(user, prefix="client__")
        return self if q is None else self.filter(q)

    def effective(self) -> "SalesDocumentQuerySet":
        """Posted documents not marked for deletion in accounting: what counts in reports."""
        return self.filter(posted=True, is_deleted=False)


class SalesDocumentLineQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SalesDocumentLineQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        q = client_scope_q(user, prefix="client__")
        return self if q is None else self.filter(q)

    def effective(self) -> "SalesDocumentLineQuerySet":
        return self.filter(is_effective=True)


class SalesDocument(models.Model):
    """One invoice, payment or shipment.

    Identified by (kind, external_id) from accounting; `version` changes whenever the
    source document changes, so a re-sent document with the same version is a no-op
    and a new version replaces the lines. Documents are never deleted: a document
    marked for deletion in accounting keeps `is_deleted` and stops counting.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=100)
    date = models.DateField(_("date"))
    # The foreign keys that lead a composite index (see Meta) have no index of their own.
    client = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        related_name="sales_documents",
        verbose_name=_("client"),
        db_index=False,
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="sales_documents",
        verbose_name=_("responsible manager"),
    )
    # The manager as accounting names them, kept when no user matches.
    manager_name = models.CharField(_("manager in accounting"), max_length=200, blank=True)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    posted = models.BooleanField(_("posted"), default=True)
    is_deleted = models.BooleanField(_("marked for deletion"), default=False)
    external_id = models.CharField(_("external ID"), max_length=150)
    version = models.CharField(_("version"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=DocumentSource.choices, default=DocumentSource.FILE)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="children",
        verbose_name=_("based on"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SalesDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("sales document")
        verbose_name_plural = _("sales documents")
        constraints = [
            # Re-sending a document updates it and never duplicates it.
            models.UniqueConstraint(fields=["kind", "external_id"], name="sales_document_unique_external_id"),
        ]
        indexes = [
            # The client card and the documents list of a client, newest first.
            models.Index(fields=["client", "-date"], name="sales_doc_client_date_idx"),
            # The documents list filtered by period.
            models.Index(fields=["kind", "-date"], name="sales_doc_kind_date_idx"),
            models.Index(fields=["manager", "-date"], name="sales_doc_manager_date_idx"),
            # Few documents are based on another.
            models.Index(fields=["parent"], name="sales_doc_parent_idx", condition=Q(parent__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.date:%d.%m.%Y})"

    def get_absolute_url(self) -> str:
        return reverse("crm:sales_document_detail", args=[self.pk])

    @property
    def is_effective(self) -> bool:
        return self.posted and not self.is_deleted


class SalesDocumentLine(models.Model):
    """A line of a sales document.

    `kind`, `date`, `client`, `manager` and `is_effective` repeat the document's so that
    the sales analysis over millions of lines reads one table; lines are rewritten with
    every new version of their document, so the copies cannot drift.
    """

    # Document, product and client lead the unique constraint and the indexes in Meta: a line
    # insert (100,000 of them in an import) maintains no index of their own.
    document = models.ForeignKey(SalesDocument, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(
        "crm.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("product"),
        db_index=False,
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=0)
    price = models.DecimalField(_("price"), max_digits=16, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    vat_amount = models.DecimalField(_("VAT"), max_digits=16, decimal_places=2, null=True, blank=True)
    # Cost of the whole line when accounting sends it; gross profit = amount - cost.
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, null=True, blank=True)
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, editable=False)
    date = models.DateField(editable=False)
    # Not hidden ("+"), so that merging clients moves the lines with the documents.
    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="sales_lines", editable=False, db_index=False
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    is_effective = models.BooleanField(default=True, editable=False)

    objects = SalesDocumentLineQuerySet.as_manager()

    class Meta:
        ordering = ["document", "line_no"]
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        constraints = [
            models.UniqueConstraint(fields=["document", "line_no"], name="sales_line_unique_no"),
        ]
        indexes = [
            # The sales analysis: effective lines of one kind over a period.
            models.Index(fields=["kind", "date"], name="sales_line_kind_date_idx", condition=Q(is_effective=True)),
            models.Index(fields=["client", "date"], name="sales_line_client_date_idx"),
            models.Index(fields=["product", "date"], name="sales_line_product_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.line_no}"

    @property
    def gross_profit(self):
        return None if self.cost is None else self.amount - self.cost
