"""Consumables: the usual interval between a client's purchases, and a call task when one is overdue."""

import datetime as dt

import pytest

from crm.models import Task
from equipment.triggers import (
    consumables_trigger,
    morning_of,
    overdue_consumables,
)
from tests.equipment.factories import ProductFactory, make_shipment
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def toner():
    return ProductFactory(kind="consumable", name="Filter cartridge")


def _buy(client, product, dates, start=0):
    for i, day in enumerate(dates):
        make_shipment(client, [(product, 1, [])], date=day, number=f"{client.pk}-{product.pk}-{start + i}")


def test_the_interval_is_the_mean_gap_between_purchase_days(manager, toner):
    client = ClientFactory(responsible=manager)
    # Gaps of 30, 40 and 50 days: mean 40; the next purchase is expected on 10.05 + 40 = 19.06.
    _buy(client, toner, [dt.date(2026, 2, 9), dt.date(2026, 3, 11), dt.date(2026, 4, 20), dt.date(2026, 6, 9)])
    row = overdue_consumables(dt.date(2026, 7, 20)).get()
    assert row["purchases"] == 4
    assert row["expected"] == dt.date(2026, 7, 19)


def test_a_call_task_when_the_next_purchase_is_overdue_once(manager, toner):
    client = ClientFactory(responsible=manager)
    _buy(client, toner, [dt.date(2026, 1, 1), dt.date(2026, 1, 31)])  # every 30 days, next 02.03

    assert consumables_trigger(dt.date(2026, 3, 2)) == 0
    assert consumables_trigger(dt.date(2026, 3, 3)) == 1
    assert consumables_trigger(dt.date(2026, 3, 4)) == 0
    task = Task.objects.get()
    assert task.assignee == manager
    assert task.trigger_key == f"consumable:{client.pk}:{toner.pk}:2026-03-02"
    assert "Filter cartridge" in task.title
    assert task.remind_at == task.due_at == morning_of(dt.date(2026, 3, 3))  # 9:00 on the day of the run


def test_a_new_purchase_moves_the_expected_date(manager, toner):
    client = ClientFactory(responsible=manager)
    _buy(client, toner, [dt.date(2026, 1, 1), dt.date(2026, 1, 31)])
    consumables_trigger(dt.date(2026, 3, 5))
    _buy(client, toner, [dt.date(2026, 3, 6)], start=10)  # gaps 30, 34: mean 32 -> 07.04
    assert consumables_trigger(dt.date(2026, 4, 7)) == 0
    assert consumables_trigger(dt.date(2026, 4, 8)) == 1


def test_one_purchase_or_same_day_purchases_give_no_interval(manager, toner):
    client = ClientFactory(responsible=manager)
    _buy(client, toner, [dt.date(2026, 1, 1), dt.date(2026, 1, 1)])
    assert consumables_trigger(dt.date(2026, 6, 1)) == 0


def test_long_overdue_purchases_are_not_chased(manager, toner):
    client = ClientFactory(responsible=manager)
    _buy(client, toner, [dt.date(2025, 1, 1), dt.date(2025, 1, 31)])
    assert consumables_trigger(dt.date(2026, 6, 1)) == 0


def test_equipment_products_are_not_consumables(manager):
    client = ClientFactory(responsible=manager)
    _buy(client, ProductFactory(kind="equipment"), [dt.date(2026, 1, 1), dt.date(2026, 1, 31)])
    assert consumables_trigger(dt.date(2026, 3, 3)) == 0


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # Gaps 2 and 3: mean 2.5 rounds to 2 (half to even, as Python's round) -> 06.01 + 2.
        ([dt.date(2026, 1, 1), dt.date(2026, 1, 3), dt.date(2026, 1, 6)], dt.date(2026, 1, 8)),
        # Gaps 3 and 4: mean 3.5 rounds to 4 -> 08.01 + 4.
        ([dt.date(2026, 1, 1), dt.date(2026, 1, 4), dt.date(2026, 1, 8)], dt.date(2026, 1, 12)),
        # Gaps 10, 10, 11: mean 10.33 rounds down; across a year end.
        (
            [dt.date(2025, 12, 1), dt.date(2025, 12, 11), dt.date(2025, 12, 21), dt.date(2026, 1, 1)],
            dt.date(2026, 1, 11),
        ),
        # Gaps 1, 1, 2: mean 1.33; a leap day lies in between.
        ([dt.date(2028, 2, 27), dt.date(2028, 2, 28), dt.date(2028, 2, 29), dt.date(2028, 3, 2)], dt.date(2028, 3, 3)),
    ],
)
def test_the_expected_day_rounds_the_mean_gap_half_to_even(manager, toner, dates, expected):
    client = ClientFactory(responsible=manager, name="Ромашка")
    _buy(client, toner, dates)
    run_day = expected + dt.timedelta(days=1)
    assert [r["expected"] for r in overdue_consumables(run_day)] == [expected]
    assert consumables_trigger(expected) == 0  # due that day, not overdue yet
    assert consumables_trigger(run_day) == 1
    task = Task.objects.get()
    assert task.trigger_key == f"consumable:{client.pk}:{toner.pk}:{expected.isoformat()}"
    assert task.title == f"Call about Filter cartridge: Ромашка usually buys it again by {expected:%d.%m.%Y}"


def test_no_call_task_for_an_archived_client_or_without_an_active_manager(manager, toner, django_user_model):
    archived = ClientFactory(responsible=manager, status="archived")
    leaver = django_user_model.objects.create_user("leaver", is_active=False)
    orphan = ClientFactory(responsible=leaver)
    nobody = ClientFactory(responsible=None)
    for client in (archived, orphan, nobody):
        _buy(client, toner, [dt.date(2026, 1, 1), dt.date(2026, 1, 31)])
    assert consumables_trigger(dt.date(2026, 3, 3)) == 0
    assert not Task.objects.exists()


def test_an_overdue_purchase_is_caught_up_after_missed_days_once(manager, toner):
    client = ClientFactory(responsible=manager)
    _buy(client, toner, [dt.date(2026, 1, 1), dt.date(2026, 1, 31)])  # next expected 02.03, overdue from 03.03

    for day in range(25, 29):
        assert consumables_trigger(dt.date(2026, 2, day)) == 0
    assert [consumables_trigger(dt.date(2026, 3, day)) for day in (1, 2)] == [0, 0]
    # No run from 03.03 (the first day it is overdue) to 09.03.
    assert consumables_trigger(dt.date(2026, 3, 10)) == 1
    assert [consumables_trigger(dt.date(2026, 3, day)) for day in range(11, 31)] == [0] * 20

    task = Task.objects.get()
    assert task.trigger_key == f"consumable:{client.pk}:{toner.pk}:2026-03-02"
    assert task.remind_at == morning_of(dt.date(2026, 3, 10))
