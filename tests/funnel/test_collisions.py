"""Opening deals: a manager works only their own clients; a second open deal warns."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from funnel.models import Deal
from funnel.services.deals import deal_create
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_manager_cannot_open_a_deal_on_another_managers_client(scenario, manager, colleague):
    theirs = ClientFactory(responsible=colleague)
    with pytest.raises(PermissionDenied):
        deal_create(client=theirs, scenario=scenario, title="Mine now", by=manager)
    assert not Deal.objects.exists()


def test_a_head_sees_the_client_but_a_manager_of_it_must_ask_for_a_transfer(scenario, head, manager, colleague):
    theirs = ClientFactory(responsible=colleague, region=colleague.region)
    # The head opens it for the owner's client; a manager who somehow reached it is refused with "owned".
    deal = deal_create(client=theirs, scenario=scenario, title="Regional", by=head, responsible=colleague)
    assert deal.responsible == colleague


def test_the_owner_check_names_the_owner(scenario, manager, colleague, monkeypatch):
    theirs = ClientFactory(responsible=colleague)
    monkeypatch.setattr("funnel.services.deals.Client.objects.visible_to", lambda user: type(theirs).objects.all())
    with pytest.raises(ValidationError) as exc:
        deal_create(client=theirs, scenario=scenario, title="x", by=manager)
    assert exc.value.code == "owned"
    assert "transfer" in exc.value.messages[0]


def test_a_second_open_deal_in_the_same_scenario_warns(scenario, manager, own_client):
    deal_create(client=own_client, scenario=scenario, title="First", by=manager)
    with pytest.raises(ValidationError) as exc:
        deal_create(client=own_client, scenario=scenario, title="Second", by=manager)
    assert exc.value.code == "duplicate"
    assert Deal.objects.count() == 1
    deal_create(client=own_client, scenario=scenario, title="Second", by=manager, allow_duplicate=True)
    assert Deal.objects.count() == 2


def test_a_deal_in_another_scenario_does_not_warn(scenario, manager, own_client):
    from tests.funnel.factories import make_scenario

    service, _stages = make_scenario("Service contract")
    deal_create(client=own_client, scenario=scenario, title="Sale", by=manager)
    deal_create(client=own_client, scenario=service, title="Service", by=manager)
    assert Deal.objects.count() == 2


def test_an_engineer_cannot_open_deals(scenario, engineer, own_client):
    with pytest.raises(PermissionDenied):
        deal_create(client=own_client, scenario=scenario, title="x", by=engineer)


def test_the_new_deal_page_warns_and_lets_the_manager_confirm(as_user, manager, own_client, scenario):
    deal_create(client=own_client, scenario=scenario, title="First", by=manager)
    web = as_user(manager)
    data = {"client": own_client.pk, "scenario": scenario.pk, "title": "Second", "source": "call"}
    response = web.post("/funnel/deals/new/", data)
    assert response.status_code == 200
    assert b"already has an open deal" in response.content
    assert Deal.objects.count() == 1
    response = web.post("/funnel/deals/new/", {**data, "allow_duplicate": "on"})
    assert response.status_code == 302
    assert Deal.objects.count() == 2


def test_the_new_deal_page_hides_other_managers_clients(as_user, manager, colleague, scenario):
    theirs = ClientFactory(responsible=colleague)
    response = as_user(manager).post(
        "/funnel/deals/new/", {"client": theirs.pk, "scenario": scenario.pk, "title": "x", "source": "call"}
    )
    assert response.status_code == 200
    assert not Deal.objects.exists()
    assert as_user(manager).get(f"/funnel/deals/new/?client={theirs.pk}").status_code == 404
