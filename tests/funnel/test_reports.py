"""Report figures against a hand-computed fixture, and access to the report pages."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from funnel.reports import ReportFilter, forecast_report, funnel_report, lost_deals, lost_report, time_in_stage_report
from funnel.services.deals import deal_create, deal_move_to_stage
from tests.factories import ClientFactory
from tests.funnel.factories import LossReasonFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def day(n: int) -> dt.datetime:
    return dt.datetime(2026, 10, 1, 9, 0, tzinfo=UTC) + dt.timedelta(days=n - 1)


@pytest.fixture
def history(scenario, stages, manager, colleague):
    """D1 won, D2 lost at Invoice (price), D3 lost at Incoming request (competitor), D4 open; D5 is the colleague's."""
    price, competitor = LossReasonFactory(name="Price"), LossReasonFactory(name="Competitor")

    def create(n, title, amount, owner):
        with time_machine.travel(day(n), tick=False):
            client = ClientFactory(responsible=owner, region=owner.region)
            return deal_create(
                client=client, scenario=scenario, title=title, amount=Decimal(amount), by=owner, now=day(n)
            )

    def move(deal, stage, n, owner, **fields):
        deal_move_to_stage(deal=deal, stage=stages[stage], by=owner, now=day(n), fields=fields or None)

    d1 = create(1, "D1", 100, manager)
    d2 = create(2, "D2", 200, manager)
    d3 = create(2, "D3", 300, manager)
    d4 = create(3, "D4", 400, manager)
    d5 = create(3, "D5", 500, colleague)
    move(d1, "invoice", 3, manager)
    move(d1, "paid", 8, manager)
    move(d1, "shipment", 10, manager)
    move(d2, "invoice", 4, manager)
    move(d2, "lost", 6, manager, loss_reason=price)
    move(d3, "lost", 5, manager, loss_reason=competitor)
    move(d5, "lost", 5, colleague, loss_reason=price)
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5, "price": price, "competitor": competitor}


def test_the_funnel_counts_deals_amounts_and_conversion(history, scenario, manager, head):
    rows = {r["stage"].name: r for r in funnel_report(head, ReportFilter(scenario=scenario, responsible=manager))}
    assert [(n, rows[n]["count"], rows[n]["amount"]) for n in rows] == [
        ("Incoming request", 4, Decimal(1000)),
        ("Invoice", 2, Decimal(300)),
        ("100 % prepayment", 1, Decimal(100)),
        ("Shipment", 1, Decimal(100)),
        ("Lost", 2, Decimal(500)),
    ]
    assert rows["Incoming request"]["conversion"] == 50.0
    assert rows["Invoice"]["conversion"] == 50.0
    assert rows["100 % prepayment"]["conversion"] == 100.0


def test_the_funnel_period_counts_deals_created_in_it(history, scenario, head):
    f = ReportFilter(scenario=scenario, date_from=dt.date(2026, 10, 2), date_to=dt.date(2026, 10, 2))
    rows = {r["stage"].name: r["count"] for r in funnel_report(head, f)}
    assert rows["Incoming request"] == 2 and rows["Lost"] == 2 and rows["Invoice"] == 1


def test_a_manager_sees_only_their_deals_in_reports(history, scenario, manager, colleague):
    rows = {r["stage"].name: r["count"] for r in funnel_report(colleague, ReportFilter(scenario=scenario))}
    assert rows["Incoming request"] == 1 and rows["Lost"] == 1


def test_lost_deals_by_stage_and_reason(history, scenario, stages, head):
    report = lost_report(head, ReportFilter(scenario=scenario))
    table = {
        (row["stage"], reason): cell["count"]
        for row in report["rows"]
        for (_rid, reason), cell in zip(report["reasons"], row["cells"], strict=True)
    }
    assert table == {
        ("Incoming request", "Competitor"): 1,
        ("Incoming request", "Price"): 1,
        ("Invoice", "Competitor"): 0,
        ("Invoice", "Price"): 1,
    }
    assert report["total"] == 3
    behind = lost_deals(
        head, ReportFilter(scenario=scenario), stage_id=stages["request"].pk, reason_id=history["price"].pk
    )
    assert [d.title for d in behind] == ["D5"]


def test_lost_deals_in_a_period(history, scenario, head):
    report = lost_report(head, ReportFilter(scenario=scenario, date_from=dt.date(2026, 10, 6)))
    assert report["total"] == 1


def test_time_in_stage_average_and_median(history, scenario, manager, head):
    with time_machine.travel(day(20), tick=False):
        rows = {
            r["stage"].name: r for r in time_in_stage_report(head, ReportFilter(scenario=scenario, responsible=manager))
        }
    assert rows["Incoming request"]["count"] == 4
    assert rows["Incoming request"]["avg"] == pytest.approx(6.0)
    assert rows["Incoming request"]["median"] == pytest.approx(2.5)
    assert rows["Invoice"]["avg"] == pytest.approx(3.5)
    assert rows["Invoice"]["median"] == pytest.approx(3.5)
    assert rows["100 % prepayment"]["avg"] == pytest.approx(2.0)


def test_time_in_stage_of_entries_in_a_period(history, scenario, manager, head):
    # Entries from day 3: D4 into request (17 days to day 20), D1 into invoice (5), D2 into invoice (2), D1 into paid.
    f = ReportFilter(scenario=scenario, responsible=manager, date_from=day(3).date())
    with time_machine.travel(day(20), tick=False):
        rows = {r["stage"].name: r for r in time_in_stage_report(head, f)}
    assert rows["Incoming request"]["count"] == 1 and rows["Incoming request"]["avg"] == pytest.approx(17.0)
    assert rows["Invoice"]["count"] == 2


def test_the_forecast_weights_amounts_by_probability(scenario, stages, manager, own_client):
    deal = deal_create(
        client=own_client,
        scenario=scenario,
        title="A",
        amount=Decimal(400),
        expected_close_date=dt.date(2026, 12, 15),
        by=manager,
    )
    other = ClientFactory(responsible=manager, region=manager.region)
    b = deal_create(
        client=other,
        scenario=scenario,
        title="B",
        amount=Decimal(1000),
        expected_close_date=dt.date(2026, 12, 1),
        by=manager,
    )
    deal_move_to_stage(deal=b, stage=stages["invoice"], by=manager)
    rows = forecast_report(manager, ReportFilter(scenario=scenario))
    assert [(r["month"].month, r["count"], r["amount"], r["weighted"]) for r in rows] == [
        (12, 2, Decimal(1400), Decimal("440.00"))
    ]
    assert deal.pk


@pytest.mark.parametrize(
    "url",
    [
        "/funnel/reports/",
        "/funnel/reports/funnel/",
        "/funnel/reports/lost/",
        "/funnel/reports/time-in-stage/",
        "/funnel/reports/stuck/",
        "/funnel/reports/forecast/",
    ],
)
def test_report_pages_are_for_heads_and_admins(as_user, history, head, admin_user, manager, engineer, url):
    assert as_user(head).get(url).status_code == 200
    assert as_user(admin_user).get(url).status_code == 200
    assert as_user(manager).get(url).status_code == 403
    assert as_user(engineer).get(url).status_code == 403


@pytest.mark.parametrize("url", ["funnel", "lost", "time-in-stage", "stuck", "forecast"])
def test_reports_export_xlsx(as_user, history, head, url):
    response = as_user(head).get(f"/funnel/reports/{url}/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_lost_report_page_links_to_the_deals_behind_a_cell(as_user, history, head, stages):
    web = as_user(head)
    response = web.get("/funnel/reports/lost/")
    cell = f"lost-cell-{stages['invoice'].pk}-{history['price'].pk}"
    assert cell.encode() in response.content
    deals = web.get(f"/funnel/reports/lost/?stage={stages['invoice'].pk}&reason={history['price'].pk}")
    assert [d.title for d in deals.context["page"]] == ["D2"]


@time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False)
def test_leading_indicators_per_manager(scenario, manager, colleague, head, own_client):
    from crm.models import SalesDocument
    from funnel.reports import indicators_report
    from tests.factories import InteractionFactory

    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for days_ago in (1, 2, 3, 20):
        InteractionFactory(
            client=own_client, author=manager, kind="call_out", occurred_at=now - dt.timedelta(days=days_ago)
        )
    InteractionFactory(client=own_client, author=manager, kind="meeting", occurred_at=now - dt.timedelta(days=1))
    deal_create(client=own_client, scenario=scenario, title="New", by=manager)
    SalesDocument.objects.create(
        kind="invoice",
        number="1",
        date=dt.date(2026, 11, 18),
        client=own_client,
        manager=manager,
        total=Decimal("1500.00"),
        external_id="inv-1",
    )
    ClientFactory(responsible=manager, region=manager.region)  # new in the period (own_client was made "later")
    f = ReportFilter(date_from=dt.date(2026, 11, 7), date_to=dt.date(2026, 11, 20))  # 14 days
    report = indicators_report(head, f, now=now)
    row = next(r for r in report["rows"] if r["user"] == manager)
    assert report["days"] == 14
    assert (row["calls"], row["calls_per_day"], row["calls_per_week"]) == (3, 0.2, 1.5)
    assert (row["deals"], row["invoices"], row["invoiced"]) == (1, 1, Decimal("1500.00"))
    assert row["clients"] == 1


def test_the_indicators_page(as_user, head, manager):
    assert as_user(head).get("/funnel/reports/indicators/").status_code == 200
    assert as_user(manager).get("/funnel/reports/indicators/").status_code == 403
    assert as_user(head).get("/funnel/reports/indicators/?export=xlsx").status_code == 200
