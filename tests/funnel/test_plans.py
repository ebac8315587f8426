"""The head sets the managers' monthly plans; the manager's day shows shipments against the plan."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from crm.models import SalesDocument
from funnel.models import SalesPlan
from funnel.services.plans import sales_plan_set

pytestmark = pytest.mark.django_db


def test_the_head_sets_plans_of_their_region(as_user, head, manager, outsider):
    response = as_user(head).post(
        "/funnel/plans/", {"month": "2026-11", f"plan-{manager.pk}": "1 500 000,50", f"plan-{outsider.pk}": "7"}
    )
    assert response.status_code == 302
    plan = SalesPlan.objects.get()
    assert (plan.user, plan.month, plan.amount) == (manager, dt.date(2026, 11, 1), Decimal("1500000.50"))


def test_bad_plans_change_nothing(as_user, head, manager):
    response = as_user(head).post("/funnel/plans/", {"month": "2026-11", f"plan-{manager.pk}": "-5"}, follow=True)
    assert b"non-negative" in response.content
    assert not SalesPlan.objects.exists()


def test_a_head_cannot_set_another_regions_plan(head, outsider):
    with pytest.raises(PermissionDenied):
        sales_plan_set(user=outsider, month=dt.date(2026, 11, 1), amount=Decimal(1), by=head)


def test_managers_cannot_open_the_plans(as_user, manager):
    assert as_user(manager).get("/funnel/plans/").status_code == 403


@time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_managers_day_shows_shipments_against_the_plan(as_user, manager, own_client):
    SalesPlan.objects.create(user=manager, month=dt.date(2026, 11, 1), amount=Decimal(1000))
    for i, (day, total) in enumerate(
        [(dt.date(2026, 11, 3), 200), (dt.date(2026, 11, 19), 50), (dt.date(2026, 10, 30), 999)]
    ):
        SalesDocument.objects.create(
            kind="shipment",
            number=str(i),
            date=day,
            client=own_client,
            manager=manager,
            total=total,
            external_id=f"s{i}",
        )
    response = as_user(manager).get("/funnel/home/")
    assert response.context["shipped"] == 250
    assert response.context["percent"] == 25
