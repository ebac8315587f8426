"""Validation of equipment input shared by forms, services and the admin."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
# The type a stored photo is served with, by its extension (anything else is sent as a download).
PHOTO_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}
DEFAULT_PHOTO_MAX_BYTES = 10 * 1024 * 1024


def photo_max_bytes() -> int:
    return int(getattr(settings, "EQUIPMENT_PHOTO_MAX_BYTES", DEFAULT_PHOTO_MAX_BYTES))


def validate_photo(file) -> None:
    """Accept only images of the usual types and no larger than the configured limit."""
    FileExtensionValidator(PHOTO_EXTENSIONS, message=_("Only photos can be attached (JPEG, PNG, WebP or GIF)."))(file)
    limit = photo_max_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The photo is too large: %(size)s, at most %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
