"""The ABC class on the client: the card, a column and a filter of the clients list, the export."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import ContactPoint
from crm.services.abc import abc_classify
from tests.crm.sales_factories import make_document, make_product
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

URL = reverse("crm:client_list")


def card(client_obj) -> str:
    return reverse("crm:client_detail", args=[client_obj.pk])


def names(response) -> set[str]:
    return {c.name for c in response.context["clients"]}


@pytest.fixture
def classified(manager):
    """Clients of `manager` in classes A, B and C, and one never classified."""
    return {
        abc: ClientFactory(responsible=manager, name=f"Class {abc or 'none'}", abc_class=abc)
        for abc in ("A", "B", "C", "")
    }


def test_the_card_shows_the_class(as_user, manager, classified):
    http = as_user(manager)
    content = http.get(card(classified["B"])).content.decode()
    assert '<span class="badge text-bg-primary">B</span>' in content
    assert "Not classified" in http.get(card(classified[""])).content.decode()


def test_a_head_follows_the_class_to_the_run_that_set_it_and_a_manager_sees_no_link(as_user, manager, head):
    product = make_product()
    big, small = ClientFactory(responsible=manager), ClientFactory(responsible=manager)
    for client_obj, amount in ((big, 9000), (small, 1000)):
        make_document(client_obj, date=dt.date(2026, 5, 1), lines=[(product, 1, amount)])
    run = abc_classify(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))

    response = as_user(head).get(card(big))

    assert response.context["abc_change"].run == run
    content = response.content.decode()
    assert '<span class="badge text-bg-primary">A</span>' in content
    assert f'href="{run.get_absolute_url()}"' in content
    assert 'data-testid="client-abc-run"' not in as_user(manager).get(card(big)).content.decode()


def test_the_list_shows_the_class_in_its_column(as_user, manager, classified):
    response = as_user(manager).get(URL, {"sort": "name"})
    assert [(row.name, row.abc_class) for row in response.context["clients"]] == [
        ("Class A", "A"),
        ("Class B", "B"),
        ("Class C", "C"),
        ("Class none", ""),
    ]
    assert "ABC class" in [str(column.header) for column in response.context["table"].columns]
    assert response.content.decode().count('data-testid="client-abc"') == 4


@pytest.mark.parametrize(("abc", "expected"), [("A", "Class A"), ("C", "Class C"), ("none", "Class none")])
def test_the_filter_narrows_the_list_to_one_class(as_user, manager, classified, abc, expected):
    response = as_user(manager).get(URL, {"abc": abc})
    assert names(response) == {expected}
    assert f'<option value="{abc}" selected>' in response.content.decode()


def test_an_unknown_class_is_a_form_error_not_a_crash(as_user, manager, classified):
    response = as_user(manager).get(URL, {"abc": "D"})
    assert response.status_code == 200
    assert "abc" in response.context["filter"].form.errors


def test_the_filter_keeps_to_the_scope(as_user, manager, colleague, classified):
    ClientFactory(responsible=colleague, name="Colleague's A", abc_class="A")
    assert names(as_user(manager).get(URL, {"abc": "A"})) == {"Class A"}


def test_the_export_honours_the_filter_and_has_the_class(as_user, manager, classified):
    response = as_user(manager).get(URL, {"abc": "B", "_export": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][-1] == "ABC class"
    assert [(row[1], row[-1]) for row in rows[1:]] == [("Class B", "B")]


@pytest.mark.parametrize("rows", [3, 60])
def test_filtered_list_queries_do_not_grow_with_rows(as_user, manager, django_assert_max_num_queries, rows):
    clients = ClientFactory.create_batch(rows, responsible=manager, abc_class="A")
    for c in clients[:3]:
        ContactPoint.objects.create(client=c, kind="phone", value="+74951112233", normalized="+74951112233")
    http = as_user(manager)
    http.get(URL)  # warm the cached reference lists
    with django_assert_max_num_queries(8):
        response = http.get(URL, {"abc": "A", "sort": "-name"})
    assert len(response.context["clients"]) == min(rows, 50)


def test_the_card_of_a_head_runs_constant_queries(as_user, manager, head):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product = make_product()
    clients = [ClientFactory(responsible=manager) for _ in range(3)]
    for client_obj in clients:
        make_document(client_obj, date=dt.date(2026, 5, 1), lines=[(product, 1, 1000)])
    abc_classify(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))
    unclassified = ClientFactory(responsible=manager)
    http = as_user(head)
    http.get(card(clients[0]))  # warm the session

    counts = []
    for client_obj in (clients[0], unclassified):
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(card(client_obj)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 12
