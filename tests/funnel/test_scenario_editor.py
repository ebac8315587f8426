"""The scenario editor: add, rename, reorder, delete stages (moving their deals), triggers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from funnel.models import Deal, Stage, StageChange, StageTrigger
from funnel.services.deals import deal_create
from funnel.services.scenarios import (
    scenario_create,
    stage_add,
    stage_delete,
    stage_update,
    stages_reorder,
    trigger_save,
)

pytestmark = pytest.mark.django_db


def names(scenario):
    return list(scenario.stages.filter(is_archived=False).order_by("position").values_list("name", flat=True))


def test_a_new_stage_in_progress_goes_before_the_final_ones(scenario, head):
    stage_add(scenario=scenario, name="Contract", by=head, target_days=7, probability=60)
    assert names(scenario) == ["Incoming request", "Invoice", "100 % prepayment", "Contract", "Shipment", "Lost"]


def test_rename_and_reorder(scenario, stages, head):
    stage_update(stage=stages["invoice"], by=head, name="  Proposal ")
    order = [stages[k].pk for k in ("invoice", "request", "paid", "shipment", "lost")]
    stages_reorder(scenario=scenario, order=order, by=head)
    assert names(scenario)[:2] == ["Proposal", "Incoming request"]


def test_reorder_must_list_every_stage(scenario, stages, head):
    with pytest.raises(ValidationError):
        stages_reorder(scenario=scenario, order=[stages["invoice"].pk], by=head)


def test_deleting_a_stage_with_deals_asks_where_to_move_them(scenario, stages, head, manager, own_client):
    deal = deal_create(client=own_client, scenario=scenario, title="x", by=manager)
    with pytest.raises(ValidationError) as exc:
        stage_delete(stage=stages["request"], by=head)
    assert "move_to" in exc.value.message_dict
    assert stage_delete(stage=stages["request"], by=head, move_to=stages["invoice"]) == 1
    deal.refresh_from_db()
    assert deal.stage == stages["invoice"]
    assert StageChange.objects.filter(deal=deal, from_stage=stages["request"], to_stage=stages["invoice"]).exists()
    stages["request"].refresh_from_db()
    assert stages["request"].is_archived
    assert "Incoming request" not in names(scenario)


def test_deals_cannot_be_moved_to_a_final_stage_on_delete(scenario, stages, head, manager, own_client):
    deal_create(client=own_client, scenario=scenario, title="x", by=manager)
    with pytest.raises(ValidationError):
        stage_delete(stage=stages["request"], by=head, move_to=stages["lost"])


def test_an_empty_stage_is_deleted_without_questions(scenario, stages, head):
    assert stage_delete(stage=stages["paid"], by=head) == 0


def test_one_stage_per_document_event(scenario, stages, head):
    with pytest.raises(ValidationError):
        stage_update(stage=stages["request"], by=head, on_event="invoice_issued")


def test_unknown_required_fields_are_refused(stages, head):
    with pytest.raises(ValidationError):
        stage_update(stage=stages["request"], by=head, required_fields=["salary"])


def test_probability_over_100_is_refused(stages, head):
    with pytest.raises(ValidationError):
        stage_update(stage=stages["request"], by=head, probability=120)


def test_a_stage_with_open_deals_cannot_become_final(scenario, stages, head, manager, own_client):
    deal_create(client=own_client, scenario=scenario, title="x", by=manager)
    with pytest.raises(ValidationError):
        stage_update(stage=stages["request"], by=head, outcome="won")


def test_changing_the_target_moves_the_deadlines_of_open_deals(scenario, stages, head, manager, own_client):
    import datetime as dt

    deal = deal_create(client=own_client, scenario=scenario, title="x", by=manager)
    stage_update(stage=stages["request"], by=head, target_days=10)
    deal.refresh_from_db()
    assert deal.stage_deadline_at == deal.stage_entered_at + dt.timedelta(days=10)


def test_triggers_switch_on_and_off(stages, head):
    trigger = trigger_save(stage=stages["invoice"], by=head, title="Send the invoice", due_days=1)
    trigger_save(stage=stages["invoice"], trigger=trigger, by=head, is_active=False)
    trigger.refresh_from_db()
    assert not trigger.is_active


def test_a_role_trigger_needs_the_role(stages, head):
    with pytest.raises(ValidationError):
        trigger_save(stage=stages["invoice"], by=head, title="x", assignee_kind="role")
    assert not StageTrigger.objects.exists()


@pytest.mark.parametrize("who", ["manager", "engineer"])
def test_only_heads_and_admins_edit_scenarios(request, scenario, stages, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        scenario_create(name="Quick sale", by=user)
    with pytest.raises(PermissionDenied):
        stage_add(scenario=scenario, name="x", by=user)


def test_an_admin_creates_a_scenario(admin_user):
    scenario = scenario_create(name="Quick sale", by=admin_user)
    with pytest.raises(ValidationError):
        scenario_create(name="quick sale", by=admin_user)
    assert scenario.name == "Quick sale"


def test_the_editor_pages(as_user, head, manager, scenario, stages):
    assert as_user(head).get(f"/funnel/scenarios/{scenario.pk}/").status_code == 200
    assert as_user(manager).get(f"/funnel/scenarios/{scenario.pk}/").status_code == 403
    web = as_user(head)
    response = web.post(
        f"/funnel/scenarios/{scenario.pk}/stages/new/",
        {"new-name": "Contract", "new-probability": "50", "new-outcome": "open", "new-target_days": "3"},
    )
    assert response.status_code == 302
    assert Stage.objects.filter(scenario=scenario, name="Contract", target_days=3).exists()
    web.post(f"/funnel/stages/{stages['paid'].pk}/shift/", {"direction": "up"})
    assert names(scenario)[1] == "100 % prepayment"
    web.post(
        f"/funnel/stages/{stages['invoice'].pk}/triggers/new/",
        {
            f"t{stages['invoice'].pk}-title": "Send it",
            f"t{stages['invoice'].pk}-assignee_kind": "responsible",
            f"t{stages['invoice'].pk}-due_days": "2",
            f"t{stages['invoice'].pk}-is_active": "on",
        },
    )
    assert StageTrigger.objects.get(stage=stages["invoice"]).title == "Send it"
    assert as_user(manager).post(f"/funnel/stages/{stages['paid'].pk}/delete/").status_code == 403
    assert Deal.objects.count() == 0
