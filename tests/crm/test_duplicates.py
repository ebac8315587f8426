"""Duplicate detection on create and edit: INN (refused), name, phone, email (warned); no leak out of scope."""

import pytest
from django.urls import reverse

from crm.models import Client, ContactPoint
from crm.selectors.clients import client_find_duplicates
from tests.factories import ClientFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("crm:client_create")


def data(manager, **overrides) -> dict:
    base = {
        "kind": "customer",
        "name": "Новая компания",
        "inn": "",
        "status": "active",
        "responsible": manager.pk,
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-kind": "phone",
        "points-0-value": "",
    }
    base.update(overrides)
    return base


def test_same_inn_is_refused_naming_the_responsible(as_user, manager, outsider):
    ClientFactory(responsible=outsider, name="ООО «Ромашка»", inn="7707083893")
    response = as_user(manager).post(CREATE, data(manager, name="Ромашка", inn="7707083893"))
    assert response.status_code == 200
    error = response.context["form"].errors["inn"][0]
    assert "7707083893" in error and "Ромашка" in error and outsider.display_name in error
    assert Client.objects.count() == 1


def test_same_inn_is_refused_on_edit_too(as_user, manager):
    ClientFactory(responsible=manager, inn="7707083893")
    other = ClientFactory(responsible=manager, inn="")
    response = as_user(manager).post(
        reverse("crm:client_update", args=[other.pk]), data(manager, name=other.name, inn="7707083893")
    )
    assert response.status_code == 200
    assert "inn" in response.context["form"].errors
    other.refresh_from_db()
    assert other.inn == ""


def test_similar_name_ignoring_legal_form_and_quotes_warns_until_confirmed(as_user, manager):
    ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="")
    http = as_user(manager)
    response = http.post(CREATE, data(manager, name="Ромашка ООО"))
    assert response.status_code == 200
    assert [m.client.name for m in response.context["duplicates"]] == ["ООО «Ромашка»"]
    assert 'data-testid="duplicate-warning"' in response.content.decode()
    assert Client.objects.count() == 1
    response = http.post(CREATE, data(manager, name="Ромашка ООО", confirm_duplicates="on"))
    assert response.status_code == 302
    assert Client.objects.count() == 2


def test_same_phone_warns(as_user, manager):
    existing = ClientFactory(responsible=manager, name="Other name", inn="")
    ContactPoint.objects.create(client=existing, kind="phone", value="+7 495 123-45-67", normalized="+74951234567")
    response = as_user(manager).post(CREATE, data(manager, **{"points-0-value": "8 495 1234567"}))
    assert response.status_code == 200
    assert [m.client for m in response.context["duplicates"]] == [existing]
    assert Client.objects.count() == 1


def test_same_email_of_a_contact_person_warns(as_user, manager):
    existing = ClientFactory(responsible=manager, name="Other name", inn="")
    person = ContactFactory(client=existing)
    ContactPoint.objects.create(contact=person, kind="email", value="Boss@Firm.ru", normalized="boss@firm.ru")
    response = as_user(manager).post(
        CREATE, data(manager, **{"points-0-kind": "email", "points-0-value": "boss@firm.RU"})
    )
    assert response.status_code == 200
    assert [m.client for m in response.context["duplicates"]] == [existing]


def test_match_out_of_scope_shows_name_and_responsible_but_no_link(as_user, manager, outsider):
    hidden = ClientFactory(responsible=outsider, name="ООО «Тайна»", inn="")
    response = as_user(manager).post(CREATE, data(manager, name="Тайна"))
    content = response.content.decode()
    assert "Тайна" in content and outsider.display_name in content
    assert reverse("crm:client_detail", args=[hidden.pk]) not in content
    assert response.context["duplicates"][0].visible is False


def test_match_in_scope_is_linked(as_user, manager):
    own = ClientFactory(responsible=manager, name="ООО «Своя»", inn="")
    content = as_user(manager).post(CREATE, data(manager, name="Своя")).content.decode()
    assert reverse("crm:client_detail", args=[own.pk]) in content


def test_editing_without_changing_name_or_phones_does_not_warn(as_user, manager):
    ClientFactory(responsible=manager, name="ООО «Двойник»", inn="")
    twin = ClientFactory(responsible=manager, name="Двойник", inn="")
    response = as_user(manager).post(
        reverse("crm:client_update", args=[twin.pk]), data(manager, name="Двойник", notes="new note")
    )
    assert response.status_code == 302


def test_live_check_while_typing(as_user, manager):
    ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    http = as_user(manager)
    by_inn = http.get(reverse("crm:client_duplicates"), {"inn": "7707083893"}, HTTP_HX_REQUEST="true")
    assert by_inn.status_code == 200
    assert "Ромашка" in by_inn.content.decode()
    by_name = http.get(reverse("crm:client_duplicates"), {"name": "ромашка, ооо"})
    assert "Ромашка" in by_name.content.decode()
    nothing = http.get(reverse("crm:client_duplicates"), {"name": "Совсем другое"})
    assert "duplicate-warning" not in nothing.content.decode()


def test_selector_names_each_reason(manager):
    c = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    ContactPoint.objects.create(client=c, kind="phone", value="+74951234567", normalized="+74951234567")
    [match] = client_find_duplicates(
        user=manager, inn="7707083893", name="Ромашка", phones=["+7 495 123 45 67"], emails=[]
    )
    assert match.client == c and len(match.reasons) == 3 and match.visible


def test_no_match_for_another_company(manager):
    ClientFactory(responsible=manager, name="ООО «Ромашка»")
    assert client_find_duplicates(user=manager, name="Ромашка-Плюс") == []
    assert client_find_duplicates(user=UserFactory(), name="") == []
