"""The unit's contact persons: the client's people who work with it, set on the edit page."""

import pytest

from tests.equipment.factories import EquipmentFactory
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(manager, engineer):
    return EquipmentFactory(client=ClientFactory(responsible=manager), service_responsible=engineer, model="GA-90")


def _data(unit, **extra):
    return {
        "equipment_type": unit.equipment_type_id,
        "service_responsible": unit.service_responsible_id,
        "manufacturer": unit.manufacturer,
        "model": unit.model,
        "serial_number": unit.serial_number,
        "source": "manual",
        "status": "in_operation",
        **extra,
    }


def test_editing_sets_and_clears_the_contact_persons(as_user, unit, engineer):
    first, second = ContactFactory(client=unit.client), ContactFactory(client=unit.client)
    http = as_user(engineer)

    response = http.post(f"/equipment/{unit.pk}/edit/", _data(unit, contacts=[first.pk, second.pk]))

    assert response.status_code == 302
    assert set(unit.contacts.all()) == {first, second}
    body = http.get(f"/equipment/{unit.pk}/").content.decode()
    assert first.last_name in body and second.last_name in body

    http.post(f"/equipment/{unit.pk}/edit/", _data(unit, contacts=[second.pk]))
    assert list(unit.contacts.all()) == [second]
    http.post(f"/equipment/{unit.pk}/edit/", _data(unit))
    assert not unit.contacts.exists()


def test_the_edit_page_offers_only_the_clients_own_people(as_user, unit, engineer):
    own = ContactFactory(client=unit.client)
    archived = ContactFactory(client=unit.client, is_archived=True)
    stranger = ContactFactory(client=ClientFactory())

    choices = set(as_user(engineer).get(f"/equipment/{unit.pk}/edit/").context["form"].fields["contacts"].queryset)

    assert choices == {own}
    assert archived not in choices and stranger not in choices


def test_a_contact_of_another_client_is_refused_with_a_clear_error_and_nothing_saved(as_user, unit, engineer):
    own = ContactFactory(client=unit.client)
    stranger = ContactFactory(client=ClientFactory())

    response = as_user(engineer).post(
        f"/equipment/{unit.pk}/edit/", _data(unit, model="GA-99", contacts=[own.pk, stranger.pk])
    )

    assert response.status_code == 200
    assert response.context["form"].errors["contacts"] == ["Choose contact persons of this unit's client only."]
    unit.refresh_from_db()
    assert unit.model == "GA-90"
    assert not unit.contacts.exists()


def test_the_service_refuses_a_contact_of_another_client_too(unit, engineer):
    from django.core.exceptions import ValidationError

    from equipment.services.equipment import equipment_create, equipment_update

    stranger = ContactFactory(client=ClientFactory())
    with pytest.raises(ValidationError) as refused:
        equipment_update(equipment=unit, by=engineer, model="GA-99", contacts=[stranger])
    assert refused.value.message_dict == {"contacts": ["Choose contact persons of this unit's client only."]}
    with pytest.raises(ValidationError):
        equipment_create(by=engineer, client=unit.client, equipment_type=unit.equipment_type, contacts=[stranger])
    unit.refresh_from_db()
    assert unit.model == "GA-90" and not unit.contacts.exists()
    assert not stranger.equipment.exists()
