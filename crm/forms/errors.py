"""Show a service's ValidationError on the form that fed it."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError, *, field_map: dict[str, str] | None = None) -> None:
    """Attach each error to its field when the form has it (after `field_map` renames), else to the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = (field_map or {}).get(field, field)
        form.add_error(name if name in form.fields else None, errors)
