"""Clients (counterparties), their contact persons and contact details."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.display import pk_url
from crm.querysets import ClientQuerySet, ContactQuerySet
from crm.validators import validate_inn, validate_kpp


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class SourceChannel(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source channel")
        verbose_name_plural = _("source channels")

    def __str__(self) -> str:
        return self.name


class ClientKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect")
    COMPETITOR = "competitor", _("Competitor")
    PARTNER = "partner", _("Partner")


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    ARCHIVED = "archived", _("Archived")


class Client(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ClientKind.choices, default=ClientKind.PROSPECT)
    name = models.CharField(_("legal name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=255, blank=True)
    # Normalized name (no legal form, quotes or case) for duplicate search; kept by save().
    name_key = models.CharField(_("name for search"), max_length=500, editable=False, db_index=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True)
    region = models.ForeignKey(
        "crm.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="clients", verbose_name=_("region")
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="clients", verbose_name=_("segment")
    )
    source = models.ForeignKey(
        SourceChannel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        verbose_name=_("source channel"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        verbose_name=_("responsible manager"),
    )
    status = models.CharField(_("status"), max_length=20, choices=ClientStatus.choices, default=ClientStatus.ACTIVE)
    website = models.CharField(_("website"), max_length=255, blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    actual_address = models.TextField(_("actual address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    # Kept by crm.services.abc (the latest ABC run); history in AbcClassChange.
    abc_class = models.CharField(_("ABC class"), max_length=1, blank=True, db_index=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        permissions = [
            ("transfer_client", _("Can transfer clients between managers")),
            ("merge_client", _("Can merge duplicate clients")),
            ("export_client", _("Can export clients")),
        ]
        constraints = [
            # One client per INN; clients without an INN (individuals, early prospects) are allowed.
            models.UniqueConstraint(fields=["inn"], condition=~Q(inn=""), name="client_unique_inn"),
        ]
        indexes = [
            # The clients list: a manager's own clients, newest interaction first.
            models.Index(fields=["responsible", "status", "-last_interaction_at"], name="client_resp_status_idx"),
            # A manager's clients that are not archived, newest interaction first: walked in order
            # when a broad search word matches many of them (see order_search_results).
            models.Index(
                fields=["responsible", "-last_interaction_at"],
                condition=~Q(status="archived"),
                name="client_resp_open_recent_idx",
            ),
            # A sales head's region.
            models.Index(fields=["region", "status", "-last_interaction_at"], name="client_region_status_idx"),
            models.Index(fields=["last_interaction_at"], name="client_last_interaction_idx"),
            # client_forgotten_idx (PostgreSQL only, migration 0007: SQLite has no NULLS FIRST in
            # an index) serves "Forgotten clients": never contacted first, then the longest silence.
            models.Index(fields=["name"], name="client_name_idx"),
            models.Index(fields=["-created_at"], name="client_created_idx"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args, **kwargs) -> None:
        from crm.normalize import name_key

        self.name_key = name_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return pk_url("crm:client_detail", self.pk)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_archived(self) -> bool:
        return self.status == ClientStatus.ARCHIVED


class Contact(models.Model):
    """A contact person. Moving to another client keeps the person's history."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("client"))
    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    middle_name = models.CharField(_("patronymic"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_remind_days = models.PositiveSmallIntegerField(
        _("remind days before birthday"),
        default=3,
        help_text=_("How many days before the birthday the responsible manager gets a task."),
    )
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        indexes = [
            models.Index(fields=["client", "is_archived"], name="contact_client_idx"),
            models.Index(fields=["last_name", "first_name"], name="contact_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birthday_remind_days__lte=60), name="contact_birthday_remind_days_lte_60"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return pk_url("crm:contact_detail", self.pk)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


class ContactPointKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")


class ContactPoint(models.Model):
    """A phone or an email of a client or of a contact person.

    `normalized` holds E.164 for phones and the lower-cased address for emails, so that
    search and duplicate detection compare like with like.
    """

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="contact_points", verbose_name=_("client")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_points",
        verbose_name=_("contact person"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContactPointKind.choices)
    value = models.CharField(_("value"), max_length=255)
    normalized = models.CharField(_("normalized value"), max_length=255, db_index=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        verbose_name = _("contact detail")
        verbose_name_plural = _("contact details")
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=False, contact__isnull=True) | Q(client__isnull=True, contact__isnull=False),
                name="contact_point_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.value
