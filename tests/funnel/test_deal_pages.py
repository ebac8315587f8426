"""The deal card, its edit page, the discussion with @mentions, the list with export, the manager's day."""

import io

import pytest
from openpyxl import load_workbook

from crm.models import Notification
from funnel.models import DealComment
from funnel.services.deals import deal_create
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(own_client, scenario, manager):
    return deal_create(client=own_client, scenario=scenario, title="=HYPERLINK(1)", by=manager, amount=5000)


@pytest.mark.parametrize(
    "who, status",
    [("manager", 200), ("head", 200), ("admin_user", 200), ("colleague", 404), ("outsider", 404), ("engineer", 404)],
)
def test_the_deal_card_is_for_those_who_see_the_client(as_user, request, deal, who, status):
    response = as_user(request.getfixturevalue(who)).get(f"/funnel/deals/{deal.pk}/")
    assert response.status_code == status


def test_the_card_shows_the_timeline(as_user, deal, manager):
    response = as_user(manager).get(f"/funnel/deals/{deal.pk}/")
    assert b'data-testid="deal-history"' in response.content
    assert "Incoming request" in response.content.decode()


@pytest.mark.parametrize("who, status", [("colleague", 404), ("engineer", 404)])
def test_others_cannot_edit_or_comment(as_user, request, deal, who, status):
    web = as_user(request.getfixturevalue(who))
    assert web.get(f"/funnel/deals/{deal.pk}/edit/").status_code == status
    assert web.post(f"/funnel/deals/{deal.pk}/comments/", {"text": "hi"}).status_code == status
    assert not DealComment.objects.exists()


def test_the_owner_edits_the_deal(as_user, deal, manager, scenario, own_client):
    response = as_user(manager).post(
        f"/funnel/deals/{deal.pk}/edit/",
        {
            "client": own_client.pk,
            "scenario": scenario.pk,
            "title": "Compressor 2",
            "amount": "7000",
            "source": "tender",
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.amount, deal.source) == ("Compressor 2", 7000, "tender")


def test_bad_input_changes_nothing(as_user, deal, manager, scenario, own_client):
    response = as_user(manager).post(
        f"/funnel/deals/{deal.pk}/edit/",
        {"client": own_client.pk, "scenario": scenario.pk, "title": "", "amount": "abc", "source": "call"},
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.title == "=HYPERLINK(1)"


def test_a_mention_notifies_the_colleague(as_user, deal, manager, head):
    as_user(manager).post(f"/funnel/deals/{deal.pk}/comments/", {"text": "@head please check the price"})
    comment = DealComment.objects.get()
    assert comment.author == manager
    note = Notification.objects.get(recipient=head)
    assert note.kind == "mention" and note.url == f"/funnel/deals/{deal.pk}/"
    assert not Notification.objects.filter(recipient=manager).exists()


def test_the_list_shows_visible_deals_and_exports_safely(as_user, deal, manager, colleague, scenario):
    other = ClientFactory(responsible=colleague, region=colleague.region)
    deal_create(client=other, scenario=scenario, title="Theirs", by=colleague)
    response = as_user(manager).get("/funnel/deals/")
    assert [d.title for d in response.context["page"]] == ["=HYPERLINK(1)"]
    export = as_user(manager).get("/funnel/deals/?export=xlsx")
    ws = load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.values)
    assert len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_the_list_runs_constant_queries(as_user, manager, scenario, django_assert_max_num_queries):
    for i in range(12):
        client = ClientFactory(responsible=manager, region=manager.region)
        deal_create(client=client, scenario=scenario, title=f"D{i}", by=manager)
    web = as_user(manager)
    with django_assert_max_num_queries(12):
        web.get("/funnel/deals/")


def test_the_managers_day(as_user, deal, manager):
    response = as_user(manager).get("/funnel/home/")
    assert response.status_code == 200
    assert response.context["deals_by_stage"][0]["n"] == 1


def test_pages_need_a_login(client, deal):
    for url in ("/funnel/", "/funnel/deals/", f"/funnel/deals/{deal.pk}/", "/funnel/home/", "/funnel/reports/"):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("who, status", [("manager", 200), ("colleague", 404)])
def test_the_client_card_has_a_deals_tab(as_user, request, deal, own_client, who, status):
    response = as_user(request.getfixturevalue(who)).get(f"/clients/{own_client.pk}/tab/deals/")
    assert response.status_code == status
    if status == 200:
        assert deal.title in response.content.decode()


def test_the_owner_adds_a_product_line(as_user, deal, manager, colleague):
    data = {"line-name": "Compressor K-10", "line-quantity": "2", "line-price": "150000"}
    assert as_user(colleague).post(f"/funnel/deals/{deal.pk}/lines/", data).status_code == 404
    assert as_user(manager).post(f"/funnel/deals/{deal.pk}/lines/", data).status_code == 302
    line = deal.lines.get()
    assert (line.name, line.total) == ("Compressor K-10", 300000)
    as_user(manager).post(f"/funnel/deals/{deal.pk}/lines/", {**data, "line-quantity": "0"})
    assert deal.lines.count() == 1
