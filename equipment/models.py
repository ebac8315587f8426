"""Customer equipment (ours or a competitor's), its components, photos and service history."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from equipment.querysets import EquipmentQuerySet
from equipment.validators import validate_photo


class EquipmentType(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    maintenance_lead_days = models.PositiveSmallIntegerField(
        _("maintenance reminder, days before"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_("How many days before planned maintenance the service person gets a task."),
    )
    warranty_lead_days = models.PositiveSmallIntegerField(
        _("warranty reminder, days before"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_("How many days before the warranty ends the manager gets a task."),
    )
    maintenance_interval_months = models.PositiveSmallIntegerField(
        _("maintenance interval, months"),
        null=True,
        blank=True,
        help_text=_("Used for equipment that is not in our catalogue (or whose product has no interval)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("equipment type")
        verbose_name_plural = _("equipment types")

    def __str__(self) -> str:
        return self.name


class EquipmentSource(models.TextChoices):
    SHIPMENT = "shipment", _("Our shipment")
    COMPETITOR = "competitor", _("Competitor")
    TENDER = "tender", _("Tender")
    VISIT = "visit", _("Engineer's visit")
    MANUAL = "manual", _("Manual entry")


class EquipmentStatus(models.TextChoices):
    IN_OPERATION = "in_operation", _("In operation")
    UNDER_REPAIR = "under_repair", _("Under repair")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")
    REPLACED = "replaced", _("Replaced")


# Statuses whose equipment is still worked: triggers fire only for these.
WORKING_STATUSES = (EquipmentStatus.IN_OPERATION, EquipmentStatus.UNDER_REPAIR)


# The journal's filter and sort columns, kept in the indexes that pick a page for a user's scope.
_JOURNAL_COLUMNS = ["is_archived", "equipment_type", "manufacturer", "source", "next_maintenance_on", "warranty_until"]


class Equipment(models.Model):
    # No single-column indexes where a composite index leads with the column (client, type,
    # shipment document, service engineer): every extra index slows the bulk inserts of imports.
    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="equipment", verbose_name=_("client"), db_index=False
    )
    equipment_type = models.ForeignKey(
        EquipmentType,
        on_delete=models.PROTECT,
        related_name="equipment",
        verbose_name=_("equipment type"),
        db_index=False,
    )
    product = models.ForeignKey(
        "crm.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name=_("product"),
        db_index=False,  # equipment_product_idx, where filled
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    production_year = models.PositiveSmallIntegerField(
        _("production year"), null=True, blank=True, validators=[MinValueValidator(1900)]
    )
    source = models.CharField(
        _("source"), max_length=20, choices=EquipmentSource.choices, default=EquipmentSource.MANUAL
    )
    competitor = models.ForeignKey(
        "crm.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competitor_equipment",
        limit_choices_to={"kind": "competitor"},
        verbose_name=_("competitor"),
    )
    source_note = models.CharField(_("where we learned it"), max_length=255, blank=True)
    # The shipment that delivered it. Accounting rewrites a document's lines with every new
    # version, so a unit is identified by (document, line number, unit index), and the link
    # to the current line row is refreshed on every re-post.
    shipment_document = models.ForeignKey(
        "crm.SalesDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name=_("shipment"),
        db_index=False,  # equipment_unique_shipment_unit leads with it
    )
    shipment_line = models.ForeignKey(
        "crm.SalesDocumentLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name=_("shipment line"),
        db_index=False,  # equipment_shipment_line_idx, where filled
    )
    shipment_line_no = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Which unit of the shipment line this is (0 .. quantity-1): one record per unit, ever.
    unit_index = models.PositiveIntegerField(null=True, blank=True, editable=False)
    location = models.CharField(_("location"), max_length=500, blank=True)
    shipped_on = models.DateField(_("shipped"), null=True, blank=True)
    commissioned_on = models.DateField(_("commissioned"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    last_maintenance_on = models.DateField(_("last maintenance"), null=True, blank=True)
    next_maintenance_on = models.DateField(_("planned maintenance"), null=True, blank=True)
    last_repair_on = models.DateField(_("last repair"), null=True, blank=True)
    # Commissioning (or shipment) plus the product's service life; kept by the services.
    end_of_life_on = models.DateField(_("end of service life"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EquipmentStatus.choices, default=EquipmentStatus.IN_OPERATION
    )
    service_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="serviced_equipment",
        verbose_name=_("service engineer"),
        db_index=False,  # equipment_engineer_client_idx leads with it
    )
    contacts = models.ManyToManyField(
        "crm.Contact", blank=True, related_name="equipment", verbose_name=_("contact persons")
    )
    notes = models.TextField(_("notes"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # equipment_created_by_idx, where filled (imports leave it empty)
    )
    # Copies of the client's region and responsible manager: the access rule (a head's region, a
    # manager's own clients) becomes one column of this table that the journal's indexes lead with.
    # Kept by save() and by equipment.services.client_copies on the clients' events; never edited.
    client_region = models.ForeignKey(
        "crm.Region", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+", db_index=False
    )
    client_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        permissions = [("export_equipment", _("Can export the equipment journal"))]
        constraints = [
            # A posted shipment creates each unit exactly once, however often it is re-sent.
            models.UniqueConstraint(
                fields=["shipment_document", "shipment_line_no", "unit_index"],
                condition=Q(shipment_document__isnull=False),
                name="equipment_unique_shipment_unit",
            ),
            models.CheckConstraint(
                condition=Q(production_year__isnull=True) | Q(production_year__gte=1900),
                name="equipment_production_year_sane",
            ),
        ]
        indexes = [
            # The journal of an engineer (the equipment of a list of clients) and of a manager (their own
            # clients): every filter and sort column is in the index, so a page's ids are picked by an
            # index-only scan of the user's units, whatever the filter. Also the client card.
            models.Index(
                fields=["client", "-id", *_JOURNAL_COLUMNS, "client_region"],
                name="equipment_client_idx",
            ),
            # Only units of clients with a manager: those a tender import brings mostly have none yet.
            models.Index(
                fields=["client_responsible", "-id", *_JOURNAL_COLUMNS, "client_region", "client"],
                condition=Q(client_responsible__isnull=False),
                name="equipment_responsible_idx",
            ),
            # The journal of a sales head (a region) and the region filter: one index per sort and per
            # selective filter, so a page is read in order or an empty result is seen at once. Region and
            # type, region and manufacturer are correlated: PostgreSQL's extended statistics on those
            # pairs (migration 0004) keep the planner from walking every client by name for a head's
            # "type, sorted by client" when the region has no unit of that type.
            models.Index(fields=["client_region", "-id"], name="equipment_region_idx"),
            models.Index(fields=["client_region", "next_maintenance_on", "-id"], name="equipment_region_maint_idx"),
            models.Index(fields=["client_region", "warranty_until", "-id"], name="equipment_region_warranty_idx"),
            models.Index(fields=["client_region", "equipment_type", "-id"], name="equipment_region_type_idx"),
            models.Index(fields=["client_region", "manufacturer", "-id"], name="equipment_region_maker_idx"),
            # The administrator's journal: the default order is the primary key; the filters on type /
            # manufacturer / source.
            models.Index(fields=["equipment_type", "-id"], name="equipment_type_idx"),
            models.Index(fields=["manufacturer", "-id"], name="equipment_manufacturer_idx"),
            models.Index(fields=["source", "-id"], name="equipment_source_idx"),
            # An engineer's scope: `client_id WHERE service_responsible_id = %s` as an index-only scan
            # (the FK index alone fetches one heap page per unit: 100+ ms for 10,000 units).
            models.Index(
                fields=["service_responsible", "client"],
                condition=Q(service_responsible__isnull=False),
                name="equipment_engineer_client_idx",
            ),
            # Triggers and the "due within N days" filters: range scans on the dates.
            models.Index(fields=["next_maintenance_on"], name="equipment_next_maint_idx"),
            models.Index(fields=["warranty_until"], name="equipment_warranty_idx"),
            # Triggers only (`end_of_life_on BETWEEN %s AND %s`); no list sorts by it.
            models.Index(
                fields=["end_of_life_on"], condition=Q(end_of_life_on__isnull=False), name="equipment_eol_idx"
            ),
            models.Index(fields=["production_year"], name="equipment_year_idx"),
            # Columns most units leave empty (imports fill none of them) are indexed only where filled.
            # `serial_number = %s` (a search by serial number).
            models.Index(fields=["serial_number"], condition=~Q(serial_number=""), name="equipment_serial_idx"),
            # "Ours" (`product_id IS NOT NULL`), and the look-ups of a product's units.
            models.Index(fields=["product"], condition=Q(product__isnull=False), name="equipment_product_idx"),
            # Who logged it (a user's deletion is refused while they have logged units).
            models.Index(fields=["created_by"], condition=Q(created_by__isnull=False), name="equipment_created_by_idx"),
            # A re-posted shipment deletes its old lines: their units are unlinked (`shipment_line_id IN (…)`).
            models.Index(
                fields=["shipment_line"], condition=Q(shipment_line__isnull=False), name="equipment_shipment_line_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if self.client_id is not None and (update_fields is None or {"client", "client_id"} & set(update_fields)):
            from crm.models import Client

            # Read from the database, not a client object that may be stale: one indexed query.
            self.client_region_id, self.client_responsible_id = (
                Client.objects.filter(pk=self.client_id).values_list("region_id", "responsible_id").get()
            )
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "client_region", "client_responsible"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("equipment:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.manufacturer, self.model) if part) or str(self.equipment_type)
        return f"{name} № {self.serial_number}" if self.serial_number else name

    @property
    def is_ours(self) -> bool:
        return self.source == EquipmentSource.SHIPMENT or self.product_id is not None


class EquipmentComponent(models.Model):
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="components", verbose_name=_("equipment")
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    product = models.ForeignKey(
        "crm.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self) -> str:
        return self.name or str(self.product or "")


def photo_upload_to(instance: "EquipmentPhoto", filename: str) -> str:
    return f"equipment/{instance.equipment_id}/{filename}"


class EquipmentPhoto(models.Model):
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="photos", verbose_name=_("equipment")
    )
    image = models.ImageField(_("photo"), upload_to=photo_upload_to, validators=[validate_photo])
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name


class VisitKind(models.TextChoices):
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("Repair")
    DIAGNOSTICS = "diagnostics", _("Diagnostics")


class ServiceVisit(models.Model):
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, related_name="visits", verbose_name=_("equipment")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_visits",
        verbose_name=_("engineer"),
    )
    findings = models.TextField(_("findings"), blank=True)
    parts_replaced = models.TextField(_("parts replaced"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("service visit")
        verbose_name_plural = _("service visits")
        indexes = [models.Index(fields=["equipment", "-date"], name="visit_equipment_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"
