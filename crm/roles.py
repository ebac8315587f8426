"""Roles and the Django permissions each one carries.

A user's `role` decides row-level access (see querysets.client_scope_q); the group of the
same name carries model permissions. Later apps add their permissions with
`register_role_permissions` in AppConfig.ready; groups are brought up to date after
every migrate, and a user is put into their role's group whenever they are saved.
"""

from collections import defaultdict

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from crm.models.users import Role

GROUP_NAMES = {
    Role.MANAGER: "Sales managers",
    Role.HEAD: "Sales heads",
    Role.ENGINEER: "Service engineers",
    Role.ADMIN: "Administrators",
}

_MANAGER = [
    "crm.view_client",
    "crm.add_client",
    "crm.change_client",
    "crm.export_client",
    "crm.view_contact",
    "crm.add_contact",
    "crm.change_contact",
    "crm.view_interaction",
    "crm.add_interaction",
    "crm.view_task",
    "crm.add_task",
    "crm.change_task",
]
_ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)
_ROLE_PERMISSIONS[Role.MANAGER].update(_MANAGER)
_ROLE_PERMISSIONS[Role.HEAD].update([*_MANAGER, "crm.transfer_client"])
_ROLE_PERMISSIONS[Role.ENGINEER].update(
    [
        "crm.view_client",
        "crm.view_contact",
        "crm.view_interaction",
        "crm.add_interaction",
        "crm.view_task",
        "crm.add_task",
        "crm.change_task",
    ]
)


def register_role_permissions(role: str, perms: list[str]) -> None:
    """Give `role` these permissions ("app_label.codename"); administrators have all."""
    _ROLE_PERMISSIONS[role].update(perms)


def _permissions(codes: set[str]):
    q = Q(pk__in=[])
    for code in codes:
        app_label, codename = code.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(q)


def sync_role_groups(**kwargs) -> None:
    """Create each role's group and set its permissions (idempotent)."""
    for role, name in GROUP_NAMES.items():
        group, _created = Group.objects.get_or_create(name=name)
        perms = Permission.objects.all() if role == Role.ADMIN else _permissions(_ROLE_PERMISSIONS[role])
        group.permissions.set(perms)


def sync_user_group(user) -> None:
    """Put `user` into the group of their role and out of the other role groups."""
    groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    wanted = [g for g in groups if g.name == GROUP_NAMES[Role(user.role)]]
    others = [g for g in groups if g.name != GROUP_NAMES[Role(user.role)]]
    if others:
        user.groups.remove(*others)
    if wanted:
        user.groups.add(*wanted)


def role_permissions(role: str) -> frozenset[str]:
    """Return the "app_label.codename" permissions of `role` without touching the database.

    Administrators hold every permission of every installed model.
    """
    if role == Role.ADMIN:
        return _all_permissions()
    return frozenset(_ROLE_PERMISSIONS.get(role, ()))


def _all_permissions() -> frozenset[str]:
    global _ALL_PERMISSIONS
    if _ALL_PERMISSIONS is None:
        from django.apps import apps
        from django.contrib.auth.management import _get_all_permissions

        _ALL_PERMISSIONS = frozenset(
            f"{model._meta.app_label}.{codename}"
            for model in apps.get_models()
            for codename, _name in _get_all_permissions(model._meta)
        )
    return _ALL_PERMISSIONS


_ALL_PERMISSIONS: frozenset[str] | None = None
