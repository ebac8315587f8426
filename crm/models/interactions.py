"""Interactions with clients: calls, meetings, letters, notes, and their attachments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.querysets import InteractionQuerySet


class InteractionKind(models.TextChoices):
    CALL_IN = "call_in", _("Incoming call")
    CALL_OUT = "call_out", _("Outgoing call")
    MEETING = "meeting", _("Meeting")
    EMAIL_IN = "email_in", _("Incoming email")
    EMAIL_OUT = "email_out", _("Outgoing email")
    LETTER = "letter", _("Letter")
    NOTE = "note", _("Note")


class Importance(models.TextChoices):
    # A context of their own: in Russian importance (важность) is feminine, priority is not.
    LOW = "low", pgettext_lazy("importance", "Low")
    NORMAL = "normal", pgettext_lazy("importance", "Normal")
    HIGH = "high", pgettext_lazy("importance", "High")


class Interaction(models.Model):
    kind = models.CharField(_("type"), max_length=20, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveIntegerField(_("duration, min"), null=True, blank=True)
    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="interactions", verbose_name=_("client")
    )
    contact = models.ForeignKey(
        "crm.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("contact person"),
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    text = models.TextField(_("text"), blank=True)
    importance = models.CharField(_("importance"), max_length=10, choices=Importance.choices, default=Importance.NORMAL)
    result = models.CharField(_("result"), max_length=255, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            # The card's timeline and "last interaction" of a client.
            models.Index(fields=["client", "-occurred_at"], name="interaction_client_time_idx"),
            # Calls a day per manager.
            models.Index(fields=["author", "kind", "occurred_at"], name="interaction_author_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject or self.client}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.interaction.client_id}/{filename}"


class Attachment(models.Model):
    interaction = models.ForeignKey(Interaction, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
