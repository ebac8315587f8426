"""The one access rule: which clients each role sees."""

import pytest

from crm.models import Client
from tests.factories import ClientFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(manager, colleague, outsider, region_a):
    return {
        "own": ClientFactory(responsible=manager),
        "colleague": ClientFactory(responsible=colleague),
        "other_region": ClientFactory(responsible=outsider),
        "unassigned_in_region": ClientFactory(responsible=None, region=region_a),
    }


def visible(user) -> set[int]:
    return set(Client.objects.visible_to(user).values_list("pk", flat=True))


def test_manager_sees_only_own_clients(manager, clients):
    assert visible(manager) == {clients["own"].pk}


def test_head_sees_whole_region(head, clients):
    assert visible(head) == {clients["own"].pk, clients["colleague"].pk, clients["unassigned_in_region"].pk}


def test_head_sees_overseen_regions(head, region_b, clients):
    head.managed_regions.add(region_b)
    assert clients["other_region"].pk in visible(head)


def test_engineer_sees_clients_of_their_tasks(engineer, clients):
    assert visible(engineer) == set()
    TaskFactory(assignee=engineer, client=clients["colleague"])
    assert visible(engineer) == {clients["colleague"].pk}


def test_admin_sees_all(admin_user, clients):
    assert visible(admin_user) == {c.pk for c in clients.values()}


def test_inactive_user_sees_nothing(manager, clients):
    manager.is_active = False
    manager.save()
    assert visible(manager) == set()
