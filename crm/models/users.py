"""Regions, departments, users and their roles."""

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class Region(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=20, blank=True)
    # Takes the new units of the region's clients who have no engineer yet (shipments, quick entry).
    service_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"role": "engineer", "is_active": True},
        verbose_name=_("service engineer"),
        help_text=_("Services the new equipment of the region's clients who have no engineer yet."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["region__name", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="department_unique_name_in_region")]

    def __str__(self) -> str:
        return f"{self.region} / {self.name}"


class Role(models.TextChoices):
    MANAGER = "manager", _("Sales manager")
    HEAD = "head", _("Sales head")
    ENGINEER = "engineer", _("Service engineer")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person who works in the CRM.

    `role` is the source of truth for row-level access; the matching Django group
    (kept in sync by `user_set_role`) carries the model permissions.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MANAGER)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("region")
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="users", verbose_name=_("department")
    )
    managed_regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="heads",
        verbose_name=_("other regions overseen"),
        help_text=_("A sales head sees every client of their own region and of these."),
    )
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="ru")
    email_notifications = models.BooleanField(_("send notifications by email"), default=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.last_name, self.first_name) if part)
        return full or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_head(self) -> bool:
        return self.role == Role.HEAD

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_engineer(self) -> bool:
        return self.role == Role.ENGINEER
