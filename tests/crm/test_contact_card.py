"""A contact's card lists only the interactions on clients the reader may see, also after the contact moves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.services.contacts import contact_move
from tests.factories import ClientFactory, ContactFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(head, manager, colleague):
    """A person who worked at `manager`'s client, talked to there, then moved by the head to `colleague`'s client."""
    old_client = ClientFactory(responsible=manager, name="Old employer")
    new_client = ClientFactory(responsible=colleague, name="New employer")
    contact = ContactFactory(client=old_client)
    InteractionFactory(client=old_client, contact=contact, author=manager, subject="Talk at the old place")
    contact_move(contact=contact, to_client=new_client, by=head)
    InteractionFactory(client=new_client, contact=contact, author=colleague, subject="Talk at the new place")
    return contact


def subjects(response) -> set[str]:
    return {i.subject for i in response.context["interactions"]}


def test_it_shows_the_new_manager_only_their_clients_interactions(as_user, colleague, moved):
    response = as_user(colleague).get(reverse("crm:contact_detail", args=[moved.pk]))
    assert response.status_code == 200
    assert subjects(response) == {"Talk at the new place"}
    body = response.content.decode()
    assert "Talk at the old place" not in body
    assert "Old employer" not in body.split('data-testid="contact-history"')[0]


def test_it_shows_the_head_of_the_region_every_interaction(as_user, head, moved):
    response = as_user(head).get(reverse("crm:contact_detail", args=[moved.pk]))
    assert subjects(response) == {"Talk at the old place", "Talk at the new place"}


def test_it_is_404_for_the_previous_manager_and_an_outsider(as_user, manager, outsider, moved):
    for user in (manager, outsider):
        assert as_user(user).get(reverse("crm:contact_detail", args=[moved.pk])).status_code == 404


def test_an_admin_sees_every_interaction(as_user, admin_user, moved):
    response = as_user(admin_user).get(reverse("crm:contact_detail", args=[moved.pk]))
    assert len(subjects(response)) == 2


def test_the_card_reads_a_constant_number_of_queries(as_user, colleague, moved):
    http = as_user(colleague)
    url = reverse("crm:contact_detail", args=[moved.pk])
    http.get(url)
    with CaptureQueriesContext(connection) as before:
        http.get(url)
    for _ in range(5):
        InteractionFactory(client=moved.client, contact=moved, author=colleague)
    with CaptureQueriesContext(connection) as after:
        http.get(url)
    assert len(after) == len(before)
