"""The role matrix of every client page: owner, colleague, outsider, head, engineer (read-only), admin."""

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db

ROLES = ["manager", "colleague", "outsider", "head", "engineer", "admin_user"]

# Pages of one client: expected status per role (the client belongs to `manager`; the engineer has a task on it).
CLIENT_PAGES = {
    "crm:client_detail": [200, 404, 404, 200, 200, 200],
    "crm:client_update": [200, 404, 404, 200, 403, 200],
    "crm:client_timeline": [200, 404, 404, 200, 200, 200],
    "crm:contact_create": [200, 404, 404, 200, 403, 200],
}
# Pages without an object.
PLAIN_PAGES = {
    "crm:client_list": [200, 200, 200, 200, 200, 200],
    "crm:client_create": [200, 200, 200, 200, 403, 200],
    "crm:client_duplicates": [200, 200, 200, 200, 403, 200],
    "crm:contact_list": [200, 200, 200, 200, 200, 200],
    "crm:search": [200, 200, 200, 200, 200, 200],
    "crm:forgotten_clients": [200, 200, 200, 200, 403, 200],
    "crm:client_transfer": [403, 403, 403, 200, 403, 200],
    "crm:transfer_log": [403, 403, 403, 200, 403, 200],
    "crm:client_merge": [403, 403, 403, 403, 403, 200],
}
# Actions (POST) on one client.
CLIENT_ACTIONS = {
    "crm:client_archive": [302, 404, 404, 302, 403, 302],
    "crm:client_restore": [302, 404, 404, 302, 403, 302],
}


@pytest.fixture
def setup(manager, engineer):
    client = ClientFactory(responsible=manager)
    TaskFactory(client=client, assignee=engineer)
    return client


@pytest.mark.parametrize("name", list(CLIENT_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_client_pages(request, as_user, setup, name, role):
    user = request.getfixturevalue(role)
    url = reverse(name, args=[setup.pk])
    expected = CLIENT_PAGES[name][ROLES.index(role)]
    assert as_user(user).get(url).status_code == expected


@pytest.mark.parametrize("name", list(PLAIN_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_plain_pages(request, as_user, setup, name, role):
    user = request.getfixturevalue(role)
    expected = PLAIN_PAGES[name][ROLES.index(role)]
    assert as_user(user).get(reverse(name)).status_code == expected


@pytest.mark.parametrize("name", list(CLIENT_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_client_actions(request, as_user, setup, name, role):
    user = request.getfixturevalue(role)
    expected = CLIENT_ACTIONS[name][ROLES.index(role)]
    assert as_user(user).post(reverse(name, args=[setup.pk])).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_history_tab(request, as_user, setup, role):
    user = request.getfixturevalue(role)
    expected = CLIENT_PAGES["crm:client_detail"][ROLES.index(role)]
    assert as_user(user).get(reverse("crm:client_tab", args=[setup.pk, "history"])).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_contact_card(request, as_user, setup, role):
    user = request.getfixturevalue(role)
    contact = ContactFactory(client=setup)
    expected = CLIENT_PAGES["crm:client_detail"][ROLES.index(role)]
    assert as_user(user).get(reverse("crm:contact_detail", args=[contact.pk])).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_export(request, as_user, setup, role):
    user = request.getfixturevalue(role)
    expected = 403 if role == "engineer" else 200
    assert as_user(user).get(reverse("crm:client_list"), {"_export": "xlsx"}).status_code == expected
