"""ABC classification of customers: thresholds, history of every reclassification, the pages."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.models import AbcClassChange, AbcRun, Client
from crm.services.abc import abc_classify
from tests.crm.sales_factories import make_document, make_product
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 12, 31)}


@pytest.fixture
def product():
    return make_product()


def sell(client, amount, product, *, cost=None, date=dt.date(2026, 5, 1)):
    line = (product, 1, amount) if cost is None else (product, 1, amount, cost)
    return make_document(client, date=date, lines=[line])


@pytest.fixture
def five(manager, product):
    """Revenues 50, 30, 10, 5, 5 (of 100): A A B C C with 70/20/10."""
    clients = [ClientFactory(responsible=manager, name=f"C{i}") for i in range(5)]
    for client, amount in zip(clients, (5000, 3000, 1000, 500, 500), strict=True):
        sell(client, amount, product)
    return clients


def classes(clients):
    return [Client.objects.get(pk=c.pk).abc_class for c in clients]


def test_it_classifies_by_the_share_of_those_ranked_above(five):
    run = abc_classify(**PERIOD)

    assert classes(five) == ["A", "A", "B", "C", "C"]
    assert run.counts == {"A": 2, "B": 1, "C": 2}
    assert run.total == Decimal(10000)


def test_thresholds_are_set_by_the_user(five):
    abc_classify(**PERIOD, threshold_a=50, threshold_b=40, threshold_c=10)

    # Shares above: 0, 50, 80, 90, 95 → A, B, B, C, C.
    assert classes(five) == ["A", "B", "B", "C", "C"]


def test_by_gross_profit_only_lines_with_cost_count(manager, product):
    rich, lean, unknown = (ClientFactory(responsible=manager) for _ in range(3))
    sell(rich, 1000, product, cost=100)  # profit 900
    sell(lean, 5000, product, cost=4900)  # profit 100
    sell(unknown, 9000, product)  # no cost: not counted

    abc_classify(**PERIOD, metric="gross_profit", threshold_a=80, threshold_b=5, threshold_c=15)

    # Profit 900 + 100: share above lean is 90 % ≥ 80 + 5 → C.

    assert classes([rich, lean, unknown]) == ["A", "C", ""]


def test_every_reclassification_is_kept_and_unchanged_clients_are_not_logged(five, product):
    first = abc_classify(**PERIOD)
    sell(five[4], 20000, product)  # the last client becomes the biggest

    second = abc_classify(**PERIOD)

    assert first.changes.count() == 5
    assert {(c.client_id, c.old_class, c.new_class) for c in first.changes.all()} >= {(five[0].pk, "", "A")}
    moves = {c.client_id: (c.old_class, c.new_class) for c in second.changes.all()}
    # Total 30,000: C4 20,000 (A), C0 5,000 (share above 66.7 → A), C1 3,000 (above 83.3 → B), C2, C3 → C.
    assert moves == {five[4].pk: ("C", "A"), five[1].pk: ("A", "B"), five[2].pk: ("B", "C")}
    assert AbcClassChange.objects.filter(client=five[4]).count() == 2


def test_clients_without_sales_in_the_period_lose_their_class(five):
    abc_classify(**PERIOD)

    run = abc_classify(date_from=dt.date(2027, 1, 1), date_to=dt.date(2027, 12, 31))

    assert classes(five) == [""] * 5
    assert run.changed_count == 5


def test_unposted_invoices_and_other_periods_do_not_count(manager, product):
    client = ClientFactory(responsible=manager)
    make_document(client, kind="invoice", lines=[(product, 1, 100)])
    make_document(client, posted=False, lines=[(product, 1, 100)])
    sell(client, 100, product, date=dt.date(2025, 12, 31))

    abc_classify(**PERIOD)

    assert classes([client]) == [""]


@pytest.mark.parametrize(("a", "b", "c"), [(70, 20, 20), (0, 90, 10), (-10, 100, 10)])
def test_bad_thresholds_are_refused(a, b, c):
    with pytest.raises(ValidationError):
        abc_classify(**PERIOD, threshold_a=a, threshold_b=b, threshold_c=c)
    assert AbcRun.objects.count() == 0


def test_managers_cannot_run_it(manager):
    with pytest.raises(PermissionDenied):
        abc_classify(**PERIOD, by=manager)


def test_a_head_runs_it_from_the_page_and_sees_who_moved(five, head, as_user):
    client = as_user(head)

    response = client.post(
        reverse("crm:abc_run"),
        {
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "metric": "revenue",
            "threshold_a": "70",
            "threshold_b": "20",
            "threshold_c": "10",
        },
    )

    run = AbcRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    assert run.created_by == head
    page = client.get(run.get_absolute_url())
    assert page.status_code == 200 and len(page.context["changes"]) == 5
    assert len(client.get(run.get_absolute_url(), {"moved": "down"}).context["changes"]) == 0


def test_a_bad_form_changes_nothing(head, as_user):
    response = as_user(head).post(
        reverse("crm:abc_run"),
        {
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "metric": "revenue",
            "threshold_a": "70",
            "threshold_b": "20",
            "threshold_c": "20",
        },
    )

    assert response.status_code == 400
    assert AbcRun.objects.count() == 0


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("engineer", 403), ("head", 200), ("admin_user", 200)])
def test_the_abc_pages_are_for_heads_and_admins(who, status, request, as_user):
    client = as_user(request.getfixturevalue(who))

    assert client.get(reverse("crm:abc")).status_code == status


def test_the_report_lists_only_clients_the_head_may_see(five, head, outsider, product, as_user):
    far = ClientFactory(responsible=outsider)
    sell(far, 100000, product)
    run = abc_classify(**PERIOD)

    response = as_user(head).get(run.get_absolute_url())

    assert far.pk not in {c.client_id for c in response.context["changes"]}


def test_the_monthly_task_classifies_the_last_twelve_months(five):
    from crm.tasks import abc_monthly_task

    with time_machine.travel(dt.datetime(2027, 2, 1, 3, 30, tzinfo=dt.UTC), tick=False):
        run = AbcRun.objects.get(pk=abc_monthly_task())

    assert (run.date_from, run.date_to) == (dt.date(2026, 2, 1), dt.date(2027, 1, 31))
    assert classes(five) == ["A", "A", "B", "C", "C"]


def test_the_run_report_runs_constant_queries(five, head, as_user, django_assert_max_num_queries):
    run = abc_classify(**PERIOD)
    client = as_user(head)
    client.get(reverse("crm:abc"))

    with django_assert_max_num_queries(9):
        response = client.get(run.get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(reverse("crm:abc"))

    assert len(response.context["changes"]) == 5
