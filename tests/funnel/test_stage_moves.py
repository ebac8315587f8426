"""deal_move_to_stage: history, required fields, triggers exactly once, closing tasks, losing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.models import Task
from funnel.models import Deal, StageChange, StageTrigger
from funnel.services.deals import deal_create, deal_move_to_stage
from tests.factories import TaskFactory
from tests.funnel.factories import StageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(own_client, scenario, manager):
    return deal_create(client=own_client, scenario=scenario, title="Compressor", by=manager)


def test_a_new_deal_starts_at_the_first_stage_with_its_history(deal, stages, manager):
    assert deal.stage == stages["request"]
    assert deal.status == "open"
    change = StageChange.objects.get(deal=deal)
    assert change.from_stage is None and change.to_stage == stages["request"] and change.by == manager


def test_a_move_writes_who_when_from_and_to(deal, stages, manager):
    change = deal_move_to_stage(deal=deal, stage=stages["invoice"], by=manager)
    assert (change.from_stage, change.to_stage, change.by, change.automatic) == (
        stages["request"],
        stages["invoice"],
        manager,
        False,
    )
    deal.refresh_from_db()
    assert deal.stage == stages["invoice"]
    assert deal.stage_deadline_at == deal.stage_entered_at + dt.timedelta(days=5)


def test_it_refuses_a_stage_without_its_required_fields(deal, stages, manager):
    stages["invoice"].required_fields = ["amount", "expected_close_date"]
    stages["invoice"].save()
    with pytest.raises(ValidationError) as exc:
        deal_move_to_stage(deal=deal, stage=stages["invoice"], by=manager)
    assert set(exc.value.message_dict) == {"amount", "expected_close_date"}
    deal.refresh_from_db()
    assert deal.stage == stages["request"]
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_it_takes_the_required_fields_given_with_the_move(deal, stages, manager):
    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    deal_move_to_stage(deal=deal, stage=stages["invoice"], by=manager, fields={"amount": 125000})
    deal.refresh_from_db()
    assert deal.stage == stages["invoice"] and deal.amount == 125000


def test_entering_a_stage_fires_its_active_triggers_once(deal, stages, manager, head):
    StageTrigger.objects.create(stage=stages["invoice"], title="Send the invoice", due_days=2)
    StageTrigger.objects.create(stage=stages["invoice"], title="Check credit", assignee_kind="role", role="head")
    StageTrigger.objects.create(stage=stages["invoice"], title="Switched off", is_active=False)
    now = timezone.now()
    change = deal_move_to_stage(deal=deal, stage=stages["invoice"], by=manager, now=now)
    tasks = Task.objects.filter(object_id=deal.pk, content_type__model="deal").order_by("title")
    assert [(t.title, t.assignee) for t in tasks] == [("Check credit", head), ("Send the invoice", manager)]
    send = tasks.get(title="Send the invoice")
    assert send.due_at == now + dt.timedelta(days=2)
    assert send.trigger_key.startswith(f"stage:{deal.pk}:{change.pk}:")
    # Firing the same entry again (a retry) creates nothing.
    from funnel.services.deals import _fire_triggers

    assert _fire_triggers(deal=deal, stage=stages["invoice"], change=change, now=now) == 0
    assert tasks.count() == 2


def test_moving_to_the_same_stage_fires_nothing(deal, stages, manager):
    StageTrigger.objects.create(stage=stages["request"], title="Call back")
    assert deal_move_to_stage(deal=deal, stage=stages["request"], by=manager) is None
    assert not Task.objects.filter(title="Call back").exists()


def test_a_stage_may_close_the_deals_open_tasks(deal, stages, manager):
    from django.contrib.contenttypes.models import ContentType

    task = TaskFactory(assignee=manager, content_type=ContentType.objects.get_for_model(Deal), object_id=deal.pk)
    stages["shipment"].close_open_tasks = True
    stages["shipment"].save()
    deal_move_to_stage(deal=deal, stage=stages["shipment"], by=manager)
    task.refresh_from_db()
    assert task.status == "done"
    deal.refresh_from_db()
    assert deal.status == "won" and deal.closed_at is not None


def test_losing_needs_a_reason_and_records_the_stage(deal, stages, manager, price_reason):
    deal_move_to_stage(deal=deal, stage=stages["invoice"], by=manager)
    with pytest.raises(ValidationError) as exc:
        deal_move_to_stage(deal=deal, stage=stages["lost"], by=manager)
    assert "loss_reason" in exc.value.message_dict
    deal_move_to_stage(
        deal=deal, stage=stages["lost"], by=manager, fields={"loss_reason": price_reason, "loss_comment": "Too dear"}
    )
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.lost_from_stage, deal.loss_comment) == (
        "lost",
        price_reason,
        stages["invoice"],
        "Too dear",
    )


def test_reopening_a_lost_deal_clears_the_reason(deal, stages, manager, price_reason):
    deal_move_to_stage(deal=deal, stage=stages["lost"], by=manager, fields={"loss_reason": price_reason})
    deal_move_to_stage(deal=deal, stage=stages["request"], by=manager)
    deal.refresh_from_db()
    assert deal.status == "open" and deal.loss_reason is None and deal.closed_at is None


def test_a_colleague_cannot_move_the_deal(deal, stages, colleague):
    with pytest.raises(PermissionDenied):
        deal_move_to_stage(deal=deal, stage=stages["invoice"], by=colleague)


def test_an_engineer_cannot_move_a_deal(deal, stages, engineer):
    with pytest.raises(PermissionDenied):
        deal_move_to_stage(deal=deal, stage=stages["invoice"], by=engineer)


def test_a_stage_of_another_scenario_is_refused(deal, manager):
    with pytest.raises(ValidationError):
        deal_move_to_stage(deal=deal, stage=StageFactory(), by=manager)
