"""A manager drags a deal to a stage that asks for the amount, then loses another; the head finds it."""

import pytest
from playwright.sync_api import expect

from crm.models import Task
from funnel.models import Deal, StageTrigger
from funnel.services.deals import deal_create
from tests.browser.conftest import log_in
from tests.factories import ClientFactory
from tests.funnel.factories import LossReasonFactory, make_scenario

pytestmark = pytest.mark.django_db(transaction=True)


def test_drag_to_a_stage_with_a_required_field_and_see_the_triggers_task(page, manager):
    scenario, stages = make_scenario()
    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    StageTrigger.objects.create(stage=stages["invoice"], title="Send the invoice", due_days=1)
    client = ClientFactory(responsible=manager, region=manager.region, short_name="Pumps and Co")
    deal = deal_create(client=client, scenario=scenario, title="Compressor", by=manager)
    log_in(page, "manager")

    page.goto("/funnel/")
    card = page.locator(f"[data-testid=deal-card-{deal.pk}]")
    target = page.locator(f"[data-testid=column-{stages['invoice'].pk}] .funnel-cards")
    card.drag_to(target)
    page.wait_for_selector("[data-testid=stage-dialog-form]")
    page.fill("#id_amount", "250000")
    page.click("[data-testid=stage-dialog-submit]")
    # The board reloads from the server after the move: the column's count says so.
    expect(page.locator(f"[data-testid=column-{stages['invoice'].pk}] [data-testid=column-count]")).to_have_text("1")
    expect(page.locator("[data-testid=stage-dialog-form]")).to_have_count(0)

    deal.refresh_from_db()
    assert deal.stage == stages["invoice"] and deal.amount == 250000
    assert Task.objects.filter(title="Send the invoice", object_id=deal.pk).count() == 1
    page.goto(f"/funnel/deals/{deal.pk}/")
    assert "Send the invoice" in page.locator("[data-testid=deal-tasks]").inner_text()


def test_lose_a_deal_with_a_reason_and_find_it_in_the_lost_deals_report(page, browser, live_server, manager, head):
    scenario, stages = make_scenario()
    reason = LossReasonFactory(name="Chose a competitor")
    client = ClientFactory(responsible=manager, region=manager.region)
    deal = deal_create(client=client, scenario=scenario, title="Generator", by=manager)
    log_in(page, "manager")

    page.goto(f"/funnel/deals/{deal.pk}/")
    page.click(f"[data-testid=move-{stages['lost'].pk}]")
    page.wait_for_selector("[data-testid=stage-dialog-form]")
    page.select_option("#id_loss_reason", str(reason.pk))
    page.fill("#id_loss_comment", "They had it in stock")
    page.click("[data-testid=stage-dialog-submit]")
    page.wait_for_url(f"**/funnel/deals/{deal.pk}/")
    assert page.locator("[data-testid=deal-status]").inner_text() == "Lost"
    assert Deal.objects.get(pk=deal.pk).loss_reason == reason

    context = browser.new_context(base_url=live_server.url, locale="en-US")
    head_page = context.new_page()
    log_in(head_page, "head")
    head_page.goto(f"/funnel/reports/lost/?scenario={scenario.pk}")
    head_page.click(f"[data-testid=lost-cell-{stages['request'].pk}-{reason.pk}]")
    assert "Generator" in head_page.locator("[data-testid=lost-deals]").inner_text()
    context.close()


def test_ask_for_another_managers_client_and_the_head_approves(page, browser, live_server, manager, colleague, head):
    from crm.models import Client

    scenario, _stages = make_scenario()
    theirs = ClientFactory(responsible=colleague, region=colleague.region, inn="7707083893", name="Press Works")
    log_in(page, "manager")
    page.goto("/funnel/deals/new/")
    page.click("[data-testid=ask-transfer]")
    page.fill("#id_inn", "7707083893")
    page.fill("#id_reason", "They called me about a press")
    page.click("[data-testid=transfer-request-submit]")
    page.wait_for_url("**/funnel/deals/new/")

    context = browser.new_context(base_url=live_server.url, locale="en-US")
    head_page = context.new_page()
    log_in(head_page, "head")
    head_page.goto("/funnel/transfers/")
    row = head_page.locator("[data-testid=transfer-requests] tbody tr").first
    expect(row).to_contain_text("Press Works")
    row.locator("button", has_text="Approve").click()
    head_page.wait_for_url("**/funnel/transfers/")
    expect(head_page.locator("[data-testid=transfer-requests]")).to_contain_text("No pending requests.")
    context.close()

    assert Client.objects.get(pk=theirs.pk).responsible == manager
    page.goto(f"/funnel/deals/new/?client={theirs.pk}")
    page.fill("#id_title", "Press for Press Works")
    page.select_option("#id_scenario", str(scenario.pk))
    page.click("[data-testid=deal-form] button[type=submit]")
    page.wait_for_url("**/funnel/deals/*/")
    assert Deal.objects.get(title="Press for Press Works").responsible == manager
