"""The clients list: scope, filters, sorting, pagination, constant queries, escaping."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.models import ContactPoint, Segment
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("crm:client_list")


def names(response) -> set[str]:
    return {c.name for c in response.context["clients"]}


def test_manager_sees_only_own_clients(as_user, manager, colleague, outsider):
    own = ClientFactory(responsible=manager, name="Own")
    ClientFactory(responsible=colleague, name="Colleague's")
    ClientFactory(responsible=outsider, name="Outsider's")
    response = as_user(manager).get(URL)
    assert response.status_code == 200
    assert names(response) == {own.name}


def test_head_sees_the_region_and_admin_sees_all(as_user, head, admin_user, manager, colleague, outsider):
    ClientFactory(responsible=manager, name="A1")
    ClientFactory(responsible=colleague, name="A2")
    ClientFactory(responsible=outsider, name="B1")
    assert names(as_user(head).get(URL)) == {"A1", "A2"}
    assert names(as_user(admin_user).get(URL)) == {"A1", "A2", "B1"}


def test_engineer_sees_an_empty_list_without_tasks(as_user, engineer, manager):
    ClientFactory(responsible=manager)
    response = as_user(engineer).get(URL)
    assert response.status_code == 200
    assert names(response) == set()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_archived_clients_are_hidden_by_default_and_shown_on_request(as_user, manager):
    ClientFactory(responsible=manager, name="Alive")
    ClientFactory(responsible=manager, name="Gone", status="archived")
    http = as_user(manager)
    assert names(http.get(URL)) == {"Alive"}
    assert names(http.get(URL, {"status": "archived"})) == {"Gone"}
    assert names(http.get(URL, {"status": "all"})) == {"Alive", "Gone"}


def test_search_by_name_inn_phone_and_email(as_user, manager):
    romashka = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    other = ClientFactory(responsible=manager, name="Лютик", inn="")
    ContactPoint.objects.create(client=other, kind="phone", value="+7 (495) 123-45-67", normalized="+74951234567")
    ContactPoint.objects.create(client=romashka, kind="email", value="Info@Romashka.ru", normalized="info@romashka.ru")
    http = as_user(manager)
    assert names(http.get(URL, {"q": "ромаш"})) == {romashka.name}
    assert names(http.get(URL, {"q": "770708"})) == {romashka.name}
    assert names(http.get(URL, {"q": "8 495 123-45-67"})) == {other.name}
    assert names(http.get(URL, {"q": "495123"})) == {other.name}
    assert names(http.get(URL, {"q": "info@roma"})) == {romashka.name}


def test_filters_by_kind_segment_region_responsible(as_user, head, manager, colleague, region_a):
    segment = Segment.objects.create(name="Hospitals")
    a = ClientFactory(responsible=manager, kind="customer", segment=segment, name="A")
    ClientFactory(responsible=colleague, kind="prospect", name="B")
    http = as_user(head)
    assert names(http.get(URL, {"kind": "customer"})) == {a.name}
    assert names(http.get(URL, {"segment": segment.pk})) == {a.name}
    assert names(http.get(URL, {"responsible": manager.pk})) == {a.name}
    assert names(http.get(URL, {"region": region_a.pk})) == {"A", "B"}


def test_filter_no_interaction_for_days(as_user, manager):
    now = timezone.now()
    ClientFactory(responsible=manager, name="Recent", last_interaction_at=now - dt.timedelta(days=5))
    ClientFactory(responsible=manager, name="Old", last_interaction_at=now - dt.timedelta(days=100))
    ClientFactory(responsible=manager, name="Never", last_interaction_at=None)
    assert names(as_user(manager).get(URL, {"days": 30})) == {"Old", "Never"}


def test_bad_filter_values_give_an_error_not_a_crash(as_user, manager):
    ClientFactory(responsible=manager)
    response = as_user(manager).get(URL, {"days": "abc", "kind": "nonsense"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors


def test_sorting_by_name_both_ways(as_user, manager):
    for name in ("Б", "А", "В"):
        ClientFactory(responsible=manager, name=name)
    http = as_user(manager)
    assert [c.name for c in http.get(URL, {"sort": "name"}).context["clients"]] == ["А", "Б", "В"]
    assert [c.name for c in http.get(URL, {"sort": "-name"}).context["clients"]] == ["В", "Б", "А"]


def test_pagination_is_fifty_per_page(as_user, manager):
    ClientFactory.create_batch(55, responsible=manager)
    http = as_user(manager)
    assert len(http.get(URL).context["clients"]) == 50
    assert len(http.get(URL, {"page": 2}).context["clients"]) == 5


def test_htmx_request_gets_only_the_results_partial(as_user, manager):
    ClientFactory(responsible=manager)
    response = as_user(manager).get(URL, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b'data-testid="client-table"' in response.content


def test_client_name_is_escaped(as_user, manager):
    ClientFactory(responsible=manager, name="<script>alert(1)</script>")
    content = as_user(manager).get(URL).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


@pytest.mark.parametrize("rows", [3, 60])
def test_queries_do_not_grow_with_rows(as_user, manager, django_assert_max_num_queries, rows):
    clients = ClientFactory.create_batch(rows, responsible=manager)
    for c in clients[:3]:
        ContactPoint.objects.create(client=c, kind="phone", value="+74951112233", normalized="+74951112233")
    http = as_user(manager)
    http.get(URL)  # warm the cached reference lists
    with django_assert_max_num_queries(8):
        response = http.get(URL, {"q": "Компания", "sort": "-name"})
    assert response.status_code == 200


def test_reference_lists_are_cached_and_refreshed_on_save(as_user, head):
    http = as_user(head)
    http.get(URL)
    Segment.objects.create(name="Fresh segment")
    assert "Fresh segment" in http.get(URL).content.decode()
    UserFactory(username="newbie", role="manager", last_name="Newbie")
    assert "Newbie" in http.get(URL).content.decode()


@time_machine.travel("2026-03-01 12:00:00+03:00", tick=False)
def test_dates_are_shown(as_user, manager):
    ClientFactory(responsible=manager, last_interaction_at=timezone.now())
    assert "03/01/2026" in as_user(manager).get(URL).content.decode()


def test_past_the_count_cap_the_list_says_so_and_lists_the_first_rows(as_user, manager, monkeypatch):
    from crm.tables import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 2)
    for _ in range(3):
        ClientFactory(responsible=manager)
    response = as_user(manager).get(reverse("crm:client_list"))
    text = response.content.decode()
    assert "the first 2 are listed" in text
    assert response.context["page_obj"].paginator.count == 2


@pytest.mark.parametrize("cap", [1000, 2], ids=["few matches", "many matches"])
def test_a_searched_list_keeps_the_chosen_order_however_many_match(as_user, manager, monkeypatch, cap):
    """Few matches are sorted after the search, many by walking the sort; the user sees one order."""
    from crm.tables import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", cap)
    now = timezone.now()
    for days, name in ((3, "Медтехника"), (1, "Медпром"), (2, "Диагностмед")):
        ClientFactory(responsible=manager, name=name, last_interaction_at=now - dt.timedelta(days=days))
    ClientFactory(responsible=manager, name="Ромашка", last_interaction_at=now)
    http = as_user(manager)
    newest_first = [c.name for c in http.get(URL, {"q": "мед"}).context["clients"]]
    assert newest_first == ["Медпром", "Диагностмед", "Медтехника"][:cap]
    by_name = [c.name for c in http.get(URL, {"q": "мед", "sort": "name"}).context["clients"]]
    assert by_name == ["Диагностмед", "Медпром", "Медтехника"][:cap]


def test_past_the_cap_a_search_does_not_estimate_the_total(as_user, manager, monkeypatch):
    """The list past the cap may show the planner's estimate; a broad search skips planning it again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.tables import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 2)
    for name in ("Медтехника", "Медпром", "Диагностмед"):
        ClientFactory(responsible=manager, name=name)
    http = as_user(manager)
    with CaptureQueriesContext(connection) as searched:
        text = http.get(URL, {"q": "мед"}).content.decode()
    assert "More than 2 clients; the first 2 are listed" in text
    assert not [q for q in searched.captured_queries if q["sql"].startswith("EXPLAIN")]
    with CaptureQueriesContext(connection) as listed:
        http.get(URL)
    estimated = [q for q in listed.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert len(estimated) == (1 if connection.vendor == "postgresql" else 0)
