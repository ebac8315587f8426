"""Authentication backend whose permissions come from the user's role.

The role is the one source of truth (crm.roles); answering `has_perm` from it needs no
query, where ModelBackend would read the user's and the groups' permissions on every
request. The role groups stay in sync for the admin's display.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from crm.roles import role_permissions


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        # The layout shows the user's region on every page: fetch it with the user.
        UserModel = get_user_model()
        try:
            user = UserModel._default_manager.select_related("region").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(role_permissions(user_obj.role))

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = set(role_permissions(user_obj.role))
        return user_obj._role_perm_cache
