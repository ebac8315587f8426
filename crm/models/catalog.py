"""The product catalogue (номенклатура), mirrored from the accounting system."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    CONSUMABLE = "consumable", _("Consumable")
    ACCESSORY = "accessory", _("Accessory")
    SPARE_PART = "spare_part", _("Spare part")
    SERVICE = "service", _("Service")


class Product(models.Model):
    """A catalogue item.

    Products come from accounting (files, the push API) and are read-only in the CRM.
    `equipment_type_name` is the accounting system's equipment type as text; the
    `equipment` app resolves it to its own EquipmentType by name.
    """

    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices, default=ProductKind.CONSUMABLE)
    equipment_type_name = models.CharField(_("equipment type"), max_length=200, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    okpd2 = models.CharField(_("OKPD2"), max_length=20, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("warranty, months"), null=True, blank=True)
    maintenance_interval_months = models.PositiveSmallIntegerField(
        _("maintenance interval, months"), null=True, blank=True
    )
    service_life_years = models.PositiveSmallIntegerField(_("expected service life, years"), null=True, blank=True)
    external_id = models.CharField(_("external ID"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            # One product per accounting id; products created by hand or from a file without ids are allowed.
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="product_unique_external_id"
            ),
        ]
        indexes = [
            # The importer matches lines without an external id by SKU, then by name.
            models.Index(fields=["sku"], name="product_sku_idx"),
            models.Index(fields=["name"], name="product_name_idx"),
            models.Index(fields=["kind", "is_active"], name="product_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}" if self.sku else self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:product_detail", args=[self.pk])


class ProductComponent(models.Model):
    """A component of a kit: `kit` contains `quantity` of `component`."""

    kit = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components", verbose_name=_("kit"))
    component = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="used_in", verbose_name=_("component")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)

    class Meta:
        ordering = ["kit", "pk"]
        verbose_name = _("kit component")
        verbose_name_plural = _("kit components")
        constraints = [
            models.UniqueConstraint(fields=["kit", "component"], name="product_component_unique"),
            models.CheckConstraint(condition=~Q(kit=models.F("component")), name="product_component_not_self"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="product_component_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kit} ← {self.component} × {self.quantity}"
