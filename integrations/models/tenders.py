"""Tender results: purchases, their items and bids, saved column mappings, equipment rules.

A purchase appears in several documents (a protocol, a contract, rows of a spreadsheet);
they are merged on the purchase number and the customer. Unique constraints make every
import idempotent: the same file twice, or overlapping files, create nothing twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class TenderLaw(models.TextChoices):
    FZ44 = "44-fz", _("44-FZ")
    FZ223 = "223-fz", _("223-FZ")
    COMMERCIAL = "commercial", _("Commercial")


class TenderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TenderQuerySet":
        """Tenders whose customer `user` may see (the one access rule, through the customer)."""
        from crm.models import Client

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(customer__in=Client.objects.visible_to(user))


class Tender(models.Model):
    """A completed purchase: who bought, who won, when and for how much.

    `match_key` identifies the purchase together with the customer: the purchase number,
    else the contract number, else a fingerprint of the row (exports without numbers).
    """

    number = models.CharField(_("number"), max_length=100, blank=True)
    match_key = models.CharField(max_length=120, editable=False)
    law = models.CharField(_("law"), max_length=20, choices=TenderLaw.choices, blank=True)
    # Empty only for a protocol whose contract was not imported yet (protocols name no customer).
    customer = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenders_held",
        verbose_name=_("customer"),
        db_index=False,  # tender_customer_idx leads with it
    )
    winner = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenders_won",
        verbose_name=_("winner"),
        db_index=False,  # tender_winner_idx leads with it
    )
    region = models.ForeignKey(
        "crm.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    region_name = models.CharField(_("region in the file"), max_length=255, blank=True)
    publish_date = models.DateField(_("published"), null=True, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    contract_sum = models.DecimalField(_("contract sum"), max_digits=18, decimal_places=2, null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    registry_number = models.CharField(_("registry number"), max_length=100, blank=True)
    job = models.ForeignKey(
        "integrations.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tenders",
        verbose_name=_("first imported by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        ordering = ["-contract_date", "-pk"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        permissions = [("import_tenders", _("Can import tender results"))]
        constraints = [
            models.UniqueConstraint(fields=["match_key", "customer"], name="tender_unique_key_customer"),
            models.UniqueConstraint(
                fields=["match_key"], condition=Q(customer__isnull=True), name="tender_unique_key_no_customer"
            ),
        ]
        indexes = [
            # The client card tab "Tenders": a customer's tenders, newest first.
            models.Index(fields=["customer", "-contract_date"], name="tender_customer_idx"),
            # The competitor page: what a winner sold, newest first.
            models.Index(fields=["winner", "-contract_date"], name="tender_winner_idx"),
            models.Index(fields=["number"], name="tender_number_idx"),
        ]

    def __str__(self) -> str:
        return self.number or self.contract_number or f"#{self.pk}"


class TenderItem(models.Model):
    """A line of goods of a tender. `line_key` = normalized name + OKPD2 + occurrence."""

    # No index of its own: tender_item_unique_line leads with it (every index slows the import's inserts).
    tender = models.ForeignKey(
        Tender, on_delete=models.CASCADE, related_name="items", verbose_name=_("tender"), db_index=False
    )
    line_key = models.CharField(max_length=64, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=1000, blank=True)
    okpd2 = models.CharField(_("OKPD2"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2, null=True, blank=True)
    item_sum = models.DecimalField(_("sum"), max_digits=18, decimal_places=2, null=True, blank=True)
    equipment_type = models.ForeignKey(
        "equipment.EquipmentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # tender_item_type_idx serves it
        related_name="+",
        verbose_name=_("equipment type"),
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)

    class Meta:
        ordering = ["tender", "position", "pk"]
        verbose_name = _("tender item")
        verbose_name_plural = _("tender items")
        constraints = [
            models.UniqueConstraint(fields=["tender", "line_key"], name="tender_item_unique_line"),
        ]
        indexes = [models.Index(fields=["equipment_type"], name="tender_item_type_idx")]

    def __str__(self) -> str:
        return self.name


class TenderBid(models.Model):
    """A bidder's application with the price they offered (rating 1 won)."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="bids", verbose_name=_("tender"))
    # The journal number of the application, else the bidder's INN or normalized name.
    bid_key = models.CharField(max_length=200, editable=False)
    participant = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tender_bids",
        verbose_name=_("participant"),
    )
    participant_name = models.CharField(_("participant"), max_length=500, blank=True)
    journal_number = models.CharField(_("application number"), max_length=50, blank=True)
    price = models.DecimalField(_("offered price"), max_digits=18, decimal_places=2, null=True, blank=True)
    rating = models.PositiveIntegerField(_("rating"), null=True, blank=True)
    admitted = models.BooleanField(_("admitted"), null=True, blank=True)

    class Meta:
        ordering = ["tender", "rating", "pk"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [models.UniqueConstraint(fields=["tender", "bid_key"], name="tender_bid_unique_key")]
        indexes = [models.Index(fields=["participant"], name="tender_bid_participant_idx")]

    def __str__(self) -> str:
        return f"{self.participant_name or self.journal_number}: {self.price}"


class MappingProfile(models.Model):
    """A named column mapping for one source of files: `{field: column letter or header}`."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("column mapping profile")
        verbose_name_plural = _("column mapping profiles")

    def __str__(self) -> str:
        return self.name


class EquipmentRule(models.Model):
    """Tell which tender items are equipment, of which type and make.

    A rule matches an item when its OKPD2 starts with `okpd2_prefix` (if set) and its
    name matches `pattern` (a regular expression, case-insensitive, if set). A rule
    without an equipment type marks matching items as NOT equipment (an exclusion).
    Lower `priority` runs first; the first matching rule wins.
    """

    name = models.CharField(_("name"), max_length=200)
    pattern = models.CharField(_("name pattern (regular expression)"), max_length=500, blank=True)
    okpd2_prefix = models.CharField(_("OKPD2 starts with"), max_length=20, blank=True)
    equipment_type = models.ForeignKey(
        "equipment.EquipmentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("equipment type"),
        help_text=_("Leave empty to mark matching items as not equipment."),
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("equipment rule")
        verbose_name_plural = _("equipment rules")
        constraints = [
            models.CheckConstraint(condition=~Q(pattern="") | ~Q(okpd2_prefix=""), name="equipment_rule_has_condition"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("integrations:tender_rules")
