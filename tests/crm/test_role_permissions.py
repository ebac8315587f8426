"""Permissions come from the role, without a query per request."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_manager_may_export_but_not_transfer(manager, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert manager.has_perm("crm.export_client")
        assert not manager.has_perm("crm.transfer_client")


def test_a_head_may_transfer(head):
    assert head.has_perm("crm.transfer_client")
    assert not head.has_perm("crm.merge_client")


def test_an_engineer_reads_clients_only(engineer):
    assert engineer.has_perm("crm.view_client")
    assert not engineer.has_perm("crm.change_client")
    assert not engineer.has_perm("crm.export_client")


def test_an_administrator_holds_every_permission(admin_user):
    assert admin_user.has_perm("crm.merge_client")
    assert admin_user.has_perm("auth.change_group")


def test_an_inactive_user_holds_none(manager):
    manager.is_active = False
    assert not manager.has_perm("crm.view_client")


def test_the_role_group_follows_the_role(manager):
    assert list(manager.groups.values_list("name", flat=True)) == ["Sales managers"]
    manager.role = "head"
    manager.save()
    assert list(manager.groups.values_list("name", flat=True)) == ["Sales heads"]
