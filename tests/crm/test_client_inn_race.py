"""A second client with the same INN saved between the duplicate check and the insert: a form error, not a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Client
from crm.services import clients as client_services
from crm.services.clients import client_create, client_update
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

INN = "7707083893"


@pytest.fixture
def rival_wins_the_race(monkeypatch, colleague):
    """Let the first INN check pass, then save another client with that INN, as a concurrent request would.

    The rival is saved inside the service's transaction (a test has one connection), so it is
    rolled back with the refused client; what matters is the error raised in between.
    """
    real_check = client_services._check_inn_free
    state = {"raced": False}

    def check(inn, *, exclude_pk=None):
        real_check(inn, exclude_pk=exclude_pk)
        if not state["raced"]:
            state["raced"] = True
            ClientFactory(inn=inn, name="ООО «Соперник»", short_name="Соперник", responsible=colleague)

    monkeypatch.setattr(client_services, "_check_inn_free", check)
    return state


def test_it_turns_the_constraint_into_the_inn_taken_error(rival_wins_the_race, manager, colleague):
    with pytest.raises(ValidationError) as caught:
        client_create(fields={"kind": "customer", "name": "ООО «Василёк»", "inn": INN}, by=manager)
    assert rival_wins_the_race["raced"]
    assert caught.value.message_dict == {
        "inn": [f"A client with INN {INN} already exists: Соперник (responsible: {colleague.display_name})."]
    }
    assert not Client.objects.filter(name="ООО «Василёк»").exists()


def test_it_refuses_an_edit_to_an_inn_just_taken(rival_wins_the_race, manager):
    client = ClientFactory(responsible=manager, inn="")
    with pytest.raises(ValidationError) as caught:
        client_update(client=client, fields={"inn": INN}, by=manager)
    assert "already exists" in caught.value.message_dict["inn"][0]
    assert Client.objects.get(pk=client.pk).inn == ""


def test_the_form_shows_the_error_and_saves_nothing(rival_wins_the_race, as_user, manager, colleague):
    response = as_user(manager).post(
        reverse("crm:client_create"),
        {
            "kind": "customer",
            "name": "ООО «Василёк»",
            "inn": INN,
            "status": "active",
            "responsible": manager.pk,
            "points-TOTAL_FORMS": "0",
            "points-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["inn"] == [
        f"A client with INN {INN} already exists: Соперник (responsible: {colleague.display_name})."
    ]
    assert not Client.objects.filter(name="ООО «Василёк»").exists()
