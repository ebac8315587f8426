"""Issue push-API tokens: the raw key is shown once, only its SHA-256 is stored."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from crm.models import User
from integrations.models import ApiToken


@transaction.atomic
def api_token_issue(*, token: ApiToken, by: User) -> str:
    """Save `token` with a fresh key and return the key (administrators only)."""
    if not by.is_admin:
        raise PermissionDenied
    raw = ApiToken.generate()
    token.set_key(raw)
    token.save()
    return raw
