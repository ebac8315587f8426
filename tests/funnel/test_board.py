"""The kanban board: columns with counts and sums, lazy cards, filters, moves over htmx, constant queries."""

import pytest

from crm.models import Task
from funnel.models import Deal, StageTrigger
from funnel.selectors import CARDS_PER_COLUMN
from tests.factories import ClientFactory
from tests.funnel.factories import DealFactory

pytestmark = pytest.mark.django_db


def fill(stages, manager, n):
    for i in range(n):
        client = ClientFactory(responsible=manager, region=manager.region)
        DealFactory(client=client, stage=stages["request" if i % 2 else "invoice"], amount=100, responsible=manager)


def test_the_board_shows_columns_with_counts_and_sums(as_user, manager, stages):
    fill(stages, manager, 5)
    response = as_user(manager).get("/funnel/")
    assert response.status_code == 200
    columns = {c.stage.name: c for c in response.context["columns"]}
    assert columns["Invoice"].count == 3 and columns["Invoice"].total == 300
    assert columns["Incoming request"].count == 2
    assert b'data-testid="light"' in response.content


@pytest.mark.parametrize("n", [3, 30])
def test_the_board_runs_the_same_queries_for_few_and_many_deals(
    as_user, manager, stages, n, django_assert_max_num_queries
):
    fill(stages, manager, n)
    web = as_user(manager)
    with django_assert_max_num_queries(13):
        response = web.get("/funnel/")
    cards = sum(len(c.cards) for c in response.context["columns"])
    assert cards == min(n - n // 2, CARDS_PER_COLUMN) + min(n // 2, CARDS_PER_COLUMN)


def test_more_cards_load_by_column(as_user, manager, stages):
    fill(stages, manager, 2 * (CARDS_PER_COLUMN + 5))
    web = as_user(manager)
    board = web.get("/funnel/")
    invoice = next(c for c in board.context["columns"] if c.stage == stages["invoice"])
    assert invoice.has_more and len(invoice.cards) == CARDS_PER_COLUMN
    more = web.get(f"/funnel/stages/{stages['invoice'].pk}/cards/?offset={CARDS_PER_COLUMN}")
    assert len(more.context["cards"]) == 5 and not more.context["has_more"]


def test_the_board_shows_only_visible_deals(as_user, manager, colleague, outsider, head, stages):
    fill(stages, manager, 4)
    assert sum(c.count for c in as_user(colleague).get("/funnel/").context["columns"]) == 0
    assert sum(c.count for c in as_user(outsider).get("/funnel/").context["columns"]) == 0
    assert sum(c.count for c in as_user(head).get("/funnel/").context["columns"]) == 4


def test_the_board_filters_by_light_source_and_responsible(as_user, manager, head, stages):
    fill(stages, manager, 4)
    Deal.objects.filter(pk=Deal.objects.first().pk).update(source="tender")
    web = as_user(head)
    assert sum(c.count for c in web.get("/funnel/?source=tender").context["columns"]) == 1
    assert sum(c.count for c in web.get(f"/funnel/?responsible={manager.pk}").context["columns"]) == 4
    assert sum(c.count for c in web.get(f"/funnel/?responsible={head.pk}").context["columns"]) == 0
    assert sum(c.count for c in web.get("/funnel/?light=red").context["columns"]) == 0
    assert sum(c.count for c in web.get("/funnel/?light=green").context["columns"]) == 4


def test_dropping_on_a_stage_with_a_required_field_asks_for_it(as_user, manager, stages, own_client):
    from funnel.services.deals import deal_create

    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    StageTrigger.objects.create(stage=stages["invoice"], title="Send the invoice")
    deal = deal_create(client=own_client, scenario=stages["invoice"].scenario, title="x", by=manager)
    web = as_user(manager)
    url = f"/funnel/deals/{deal.pk}/move/"
    response = web.post(url, {"stage": stages["invoice"].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'name="amount"' in response.content
    response = web.post(url, {"stage": stages["invoice"].pk, "dialog": "1", "amount": "-5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"invalid-feedback" in response.content
    deal.refresh_from_db()
    assert deal.stage == stages["request"]
    response = web.post(url, {"stage": stages["invoice"].pk, "dialog": "1", "amount": "5000"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Trigger"] == "funnel:board-changed"
    deal.refresh_from_db()
    assert deal.stage == stages["invoice"] and deal.amount == 5000
    assert Task.objects.filter(title="Send the invoice", object_id=deal.pk).count() == 1


def test_a_drop_without_required_fields_moves_at_once(as_user, manager, stages, own_client):
    deal = DealFactory(client=own_client, stage=stages["request"], responsible=manager)
    response = as_user(manager).post(
        f"/funnel/deals/{deal.pk}/move/", {"stage": stages["invoice"].pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204


def test_dropping_on_lost_asks_for_the_reason(as_user, manager, stages, own_client, price_reason):
    deal = DealFactory(client=own_client, stage=stages["request"], responsible=manager)
    web = as_user(manager)
    response = web.post(f"/funnel/deals/{deal.pk}/move/", {"stage": stages["lost"].pk}, HTTP_HX_REQUEST="true")
    assert b'name="loss_reason"' in response.content
    response = web.post(
        f"/funnel/deals/{deal.pk}/move/",
        {"stage": stages["lost"].pk, "dialog": "1", "loss_reason": price_reason.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    deal.refresh_from_db()
    assert deal.status == "lost" and deal.lost_from_stage == stages["request"]


@pytest.mark.parametrize("who, status", [("colleague", 404), ("outsider", 404), ("engineer", 404)])
def test_others_cannot_move_the_deal(as_user, request, manager, stages, own_client, who, status):
    deal = DealFactory(client=own_client, stage=stages["request"], responsible=manager)
    user = request.getfixturevalue(who)
    response = as_user(user).post(f"/funnel/deals/{deal.pk}/move/", {"stage": stages["invoice"].pk})
    assert response.status_code == status
    deal.refresh_from_db()
    assert deal.stage == stages["request"]


def test_a_move_to_a_stage_of_another_scenario_is_404(as_user, manager, stages, own_client):
    from tests.funnel.factories import make_scenario

    _other, other_stages = make_scenario("Service")
    deal = DealFactory(client=own_client, stage=stages["request"], responsible=manager)
    response = as_user(manager).post(f"/funnel/deals/{deal.pk}/move/", {"stage": other_stages["invoice"].pk})
    assert response.status_code == 404
