"""The client slice of the leading indicators: figures of one client, in scope only."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from crm.models import SalesDocument
from funnel.reports import ReportFilter, indicators_report
from funnel.services.deals import deal_create
from tests.factories import ClientFactory, InteractionFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def two_clients(manager, scenario):
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        first = ClientFactory(responsible=manager, region=manager.region)
        second = ClientFactory(responsible=manager, region=manager.region)
        for client, calls in ((first, 3), (second, 1)):
            for i in range(calls):
                InteractionFactory(
                    client=client, author=manager, kind="call_out", occurred_at=NOW - dt.timedelta(days=1, hours=i)
                )
            deal_create(client=client, scenario=scenario, title=f"Deal {client.pk}", by=manager)
        SalesDocument.objects.create(
            kind="invoice",
            number="1",
            date=dt.date(2026, 11, 18),
            client=first,
            manager=manager,
            total=Decimal("1500.00"),
            external_id="inv-1",
        )
    return first, second


@time_machine.travel(NOW, tick=False)
def test_the_client_slice_counts_only_that_clients_figures(two_clients, head, manager):
    first, second = two_clients
    f = ReportFilter(date_from=dt.date(2026, 11, 7), date_to=dt.date(2026, 11, 20))
    whole = next(r for r in indicators_report(head, f, now=NOW)["rows"] if r["user"] == manager)
    assert (whole["calls"], whole["deals"], whole["clients"], whole["invoices"]) == (4, 2, 2, 1)
    f.client = first
    one = next(r for r in indicators_report(head, f, now=NOW)["rows"] if r["user"] == manager)
    assert (one["calls"], one["deals"], one["clients"], one["invoices"]) == (3, 1, 1, 1)
    assert one["invoiced"] == Decimal("1500.00")
    f.client = second
    other = next(r for r in indicators_report(head, f, now=NOW)["rows"] if r["user"] == manager)
    assert (other["calls"], other["deals"], other["clients"], other["invoices"]) == (1, 1, 1, 0)


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_the_client_slice(as_user, two_clients, head, admin_user):
    first, _ = two_clients
    for user in (head, admin_user):
        response = as_user(user).get(f"/funnel/reports/indicators/?client={first.pk}&date_from=2026-11-07")
        assert response.status_code == 200
        assert response.context["client"] == first
        body = response.content.decode()
        assert 'data-testid="client-slice"' in body
        assert f'name="client" value="{first.pk}"' in body
        rows = response.context["report"]["rows"]
        assert sum(r["calls"] for r in rows) == 3


def test_a_client_out_of_scope_answers_404(as_user, head, region_b, outsider):
    foreign = ClientFactory(responsible=outsider, region=region_b)
    assert as_user(head).get(f"/funnel/reports/indicators/?client={foreign.pk}").status_code == 404
    assert as_user(head).get(f"/funnel/reports/indicators/?client={foreign.pk}&export=xlsx").status_code == 404


def test_a_malformed_client_answers_404(as_user, head):
    assert as_user(head).get("/funnel/reports/indicators/?client=abc").status_code == 404
    assert as_user(head).get("/funnel/reports/indicators/?client=999999").status_code == 404


def test_managers_and_outsiders_cannot_open_the_slice(as_user, manager, colleague, outsider, own_client):
    for user in (manager, colleague, outsider):
        assert as_user(user).get(f"/funnel/reports/indicators/?client={own_client.pk}").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_the_export_follows_the_client_slice(as_user, two_clients, head):
    import io

    from openpyxl import load_workbook

    first, _ = two_clients
    response = as_user(head).get(f"/funnel/reports/indicators/?client={first.pk}&date_from=2026-11-07&export=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][1] == 3


def test_the_client_card_links_to_its_indicators_for_heads_only(as_user, head, manager, own_client):
    link = f"/funnel/reports/indicators/?client={own_client.pk}"
    assert link in as_user(head).get(f"/clients/{own_client.pk}/tab/deals/").content.decode()
    assert link not in as_user(manager).get(f"/clients/{own_client.pk}/tab/deals/").content.decode()
