"""Selections: saved, named filters that yield clients (telemarketing fills campaigns from them)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SelectionQuerySet(models.QuerySet):
    def available_to(self, user) -> "SelectionQuerySet":
        """Selections `user` may open: their own and the shared ones (administrators: all)."""
        qs = self.filter(is_archived=False)
        if user.is_admin:
            return qs
        return qs.filter(models.Q(owner_id=user.pk) | models.Q(is_shared=True))


class Selection(models.Model):
    """A filter of one source (see crm.selections) saved under a name.

    The clients it yields are computed each time it is opened, always through the
    viewing user's access rule, so sharing a selection never shares clients.
    """

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="selections", verbose_name=_("owner")
    )
    source = models.CharField(_("source"), max_length=50)
    params = models.JSONField(_("filter"), default=dict, blank=True)
    is_shared = models.BooleanField(_("shared with colleagues"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SelectionQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        indexes = [models.Index(fields=["owner", "is_archived"], name="selection_owner_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:selection_detail", args=[self.pk])
