"""The global search: clients by name, INN, phone, email and contact persons, only within the user's scope."""

import pytest
from django.urls import reverse

from crm.models import ContactPoint
from tests.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db

URL = reverse("crm:search")


def found(response) -> tuple[set[str], set[str]]:
    return {c.name for c in response.context["clients"]}, {p.last_name for p in response.context["contacts"]}


@pytest.fixture
def data(manager, colleague):
    own = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    ContactPoint.objects.create(client=own, kind="phone", value="+7 495 123-45-67", normalized="+74951234567")
    ContactPoint.objects.create(client=own, kind="email", value="info@romashka.ru", normalized="info@romashka.ru")
    person = ContactFactory(client=own, last_name="Ромашкин")
    ContactPoint.objects.create(contact=person, kind="phone", value="+7 916 000-11-22", normalized="+79160001122")
    ClientFactory(responsible=colleague, name="ООО «Ромашка-2»", inn="7728168971")
    return own


@pytest.mark.parametrize("query", ["ромашка", "7707083", "+7 (495) 123-45-67", "84951234567", "info@romashka"])
def test_finds_own_client_by_name_inn_phone_email(as_user, manager, data, query):
    clients, _ = found(as_user(manager).get(URL, {"q": query}, HTTP_HX_REQUEST="true"))
    assert clients == {"ООО «Ромашка»"}


def test_finds_contacts_by_name_and_phone(as_user, manager, data):
    http = as_user(manager)
    assert found(http.get(URL, {"q": "Ромашкин"}))[1] == {"Ромашкин"}
    assert found(http.get(URL, {"q": "8 916 000 11 22"}))[1] == {"Ромашкин"}


def test_other_managers_clients_are_not_found(as_user, colleague, outsider, data):
    assert found(as_user(outsider).get(URL, {"q": "ромашка"})) == (set(), set())
    assert found(as_user(colleague).get(URL, {"q": "ромашка"}))[0] == {"ООО «Ромашка-2»"}


def test_head_finds_the_region(as_user, head, data):
    assert found(as_user(head).get(URL, {"q": "ромашка"}))[0] == {"ООО «Ромашка»", "ООО «Ромашка-2»"}


def test_engineer_finds_only_clients_of_their_tasks(as_user, engineer, data):
    assert found(as_user(engineer).get(URL, {"q": "ромашка"})) == (set(), set())
    TaskFactory(client=data, assignee=engineer)
    assert found(as_user(engineer).get(URL, {"q": "ромашка"}))[0] == {"ООО «Ромашка»"}


def test_htmx_gets_a_partial_with_at_most_ten_clients(as_user, manager):
    ClientFactory.create_batch(12, responsible=manager, name="Сеть аптек")
    response = as_user(manager).get(URL, {"q": "аптек"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert len(response.context["clients"]) == 10
    assert response.context["more_clients"]


def test_enter_opens_the_full_page(as_user, manager, data):
    response = as_user(manager).get(URL, {"q": "ромашка"})
    assert b"<html" in response.content
    assert "ООО «Ромашка»" in response.content.decode()


def test_short_or_empty_query_finds_nothing(as_user, manager, data):
    response = as_user(manager).get(URL, {"q": "р"}, HTTP_HX_REQUEST="true")
    assert found(response) == (set(), set())
    assert response.context["too_short"]
    assert as_user(manager).get(URL).status_code == 200


def test_few_queries(as_user, manager, data, django_assert_max_num_queries):
    http = as_user(manager)
    with django_assert_max_num_queries(4):
        http.get(URL, {"q": "ромашка"}, HTTP_HX_REQUEST="true")


def test_results_are_escaped(as_user, manager):
    ClientFactory(responsible=manager, name="<script>alert(1)</script>")
    content = as_user(manager).get(URL, {"q": "script"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL, {"q": "x"}).status_code == 302


def test_names_that_start_with_the_query_come_first(as_user, manager):
    ClientFactory(responsible=manager, name="ООО «Альфа Ромашка»")
    ClientFactory(responsible=manager, name="ООО «Ромашка Плюс»")
    response = as_user(manager).get(reverse("crm:search"), {"q": "ромашка"}, HTTP_HX_REQUEST="true")
    names = [c.name for c in response.context["clients"]]
    assert names == ["ООО «Ромашка Плюс»", "ООО «Альфа Ромашка»"]
