"""One helper per resource to fetch an object for a user: out of scope answers 404."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from crm.models import Client, User


def get_client_for(user: User, pk: int, *, queryset=None) -> Client:
    """Return the client if `user` may see it, else raise Http404 (never reveal it exists)."""
    qs = queryset if queryset is not None else Client.objects.all()
    return get_object_or_404(qs.visible_to(user), pk=pk)


def get_editable_client_for(user: User, pk: int, *, queryset=None) -> Client:
    """Return the client if `user` may change it: 404 out of scope, 403 for read-only roles."""
    client = get_client_for(user, pk, queryset=queryset)
    if not can_edit_client(user, client):
        raise PermissionDenied
    return client


def can_edit_client(user: User, client: Client) -> bool:
    """Engineers see their clients read-only; everyone else edits what they see."""
    return not user.is_engineer and user.has_perm("crm.change_client")
