"""The traffic light, at its boundaries, in the user's time zone."""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from funnel.models import Deal
from tests.factories import TaskFactory, UserFactory
from tests.funnel.factories import DealFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def vladivostok(region_a):
    # UTC+10: the local day of 23.11 runs from 22.11 14:00 UTC to 23.11 14:00 UTC.
    return UserFactory(username="vlad", role="admin", region=region_a, time_zone="Asia/Vladivostok")


def light(deal, user):
    return Deal.objects.with_light(user=user).get(pk=deal.pk).light


def deal_task(deal, due_at, status="open"):
    return TaskFactory(
        assignee=deal.responsible,
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=deal.pk,
        due_at=due_at,
        status=status,
    )


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_green_without_tasks_and_within_the_target(stages, vladivostok):
    deal = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    assert light(deal, vladivostok) == "green"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_red_one_second_after_the_target_ends(stages, vladivostok):
    deal = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 11, 23, 9, 59, 59, tzinfo=UTC))
    assert light(deal, vladivostok) == "red"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_yellow_on_the_last_local_day_of_the_target(stages, vladivostok, manager):
    # 23.11 13:59 UTC is still 23.11 in Vladivostok (23:59), but already... 16:59 in Moscow: same day there too.
    deal = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 11, 23, 13, 59, tzinfo=UTC))
    assert light(deal, vladivostok) == "yellow"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_the_last_day_depends_on_the_users_time_zone(stages, vladivostok, head):
    # 23.11 15:00 UTC is 24.11 01:00 in Vladivostok (tomorrow: green) and 23.11 18:00 in Moscow (today: yellow).
    head.time_zone = "Europe/Moscow"
    head.save()
    deal = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    deal.client.region = head.region
    deal.client.save()
    assert light(deal, vladivostok) == "green"
    assert light(deal, head) == "yellow"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_red_with_an_overdue_open_task(stages, vladivostok):
    deal = DealFactory(stage=stages["request"], stage_deadline_at=None)
    deal_task(deal, dt.datetime(2026, 11, 23, 9, 59, tzinfo=UTC))
    assert light(deal, vladivostok) == "red"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_a_done_overdue_task_does_not_count(stages, vladivostok):
    deal = DealFactory(stage=stages["request"], stage_deadline_at=None)
    deal_task(deal, dt.datetime(2026, 11, 22, 9, 0, tzinfo=UTC), status="done")
    assert light(deal, vladivostok) == "green"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_yellow_with_a_task_due_later_today_in_the_users_zone(stages, vladivostok):
    deal = DealFactory(stage=stages["request"], stage_deadline_at=None)
    task = deal_task(deal, dt.datetime(2026, 11, 23, 13, 59, tzinfo=UTC))  # 23:59 in Vladivostok
    assert light(deal, vladivostok) == "yellow"
    task.due_at = dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 00:00 tomorrow in Vladivostok
    task.save()
    assert light(deal, vladivostok) == "green"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_a_closed_deal_is_green(stages, vladivostok, price_reason):
    deal = DealFactory(
        stage=stages["lost"],
        status="lost",
        loss_reason=price_reason,
        stage_deadline_at=dt.datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert light(deal, vladivostok) == "green"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False)
def test_the_light_filter_agrees_with_the_annotation(stages, vladivostok, price_reason):
    red = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 11, 22, tzinfo=UTC))
    red_task = DealFactory(stage=stages["request"], stage_deadline_at=None)
    deal_task(red_task, dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    yellow = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    yellow_task = DealFactory(stage=stages["request"], stage_deadline_at=dt.datetime(2026, 12, 1, tzinfo=UTC))
    deal_task(yellow_task, dt.datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    green = DealFactory(stage=stages["request"], stage_deadline_at=None)
    closed = DealFactory(stage=stages["lost"], status="lost", loss_reason=price_reason, stage_deadline_at=None)
    expected = {"red": {red, red_task}, "yellow": {yellow, yellow_task}, "green": {green, closed}}
    for colour, deals in expected.items():
        assert set(Deal.objects.with_light_filter(colour, user=vladivostok)) == deals
        assert {d for d in Deal.objects.with_light(user=vladivostok) if d.light == colour} == deals
