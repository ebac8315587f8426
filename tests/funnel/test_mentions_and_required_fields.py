"""@mentions reach only people who can open the deal; automatic moves record the fields a stage lacked."""

import datetime as dt
from decimal import Decimal

import pytest

from crm.models import Notification, SalesDocument
from funnel.models import DealComment, StageChange
from funnel.services.deals import deal_comment_add, deal_create, deal_move_to_stage
from funnel.services.documents import deal_apply_document
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(own_client, scenario, manager):
    return deal_create(client=own_client, scenario=scenario, title="Press", by=manager)


def test_a_mention_notifies_the_head_and_the_admin_who_can_open_the_deal(deal, manager, head, admin_user):
    deal_comment_add(deal=deal, text="@head @admin look", by=manager)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"head", "admin"}


def test_a_mention_skips_users_who_cannot_open_the_deal(deal, manager, colleague, outsider, engineer):
    deal_comment_add(deal=deal, text="@colleague @outsider @engineer see this", by=manager)
    assert DealComment.objects.count() == 1
    assert not Notification.objects.exists()


def test_a_mention_skips_inactive_users(deal, manager, region_a):
    UserFactory(username="gone", role="head", region=region_a, is_active=False)
    deal_comment_add(deal=deal, text="@gone hello", by=manager)
    assert not Notification.objects.exists()


def test_the_comment_page_does_not_notify_outsiders(as_user, deal, manager, outsider, head):
    as_user(manager).post(f"/funnel/deals/{deal.pk}/comments/", {"text": "@outsider @head price?"})
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["head"]


def _invoice(client):
    return SalesDocument.objects.create(
        kind="invoice",
        number="1",
        date=dt.date(2026, 11, 20),
        client=client,
        total=Decimal("1000.00"),
        external_id="inv-required",
    )


def test_an_automatic_move_into_a_stage_with_missing_fields_moves_and_records_them(deal, stages, own_client, manager):
    stages["invoice"].required_fields = ["amount", "contact"]
    stages["invoice"].save()
    changes = deal_apply_document(document=_invoice(own_client))
    assert [c.to_stage for c in changes] == [stages["invoice"]]
    change = StageChange.objects.get(deal=deal, to_stage=stages["invoice"])
    assert change.automatic
    assert change.missing_fields == ["amount", "contact"]
    deal.refresh_from_db()
    assert deal.stage == stages["invoice"]
    note = Notification.objects.get(recipient=manager, kind="system")
    assert "Invoice" in note.title and "Amount" in note.text and "Contact" in note.text
    assert note.url == deal.get_absolute_url()


def test_a_second_run_of_the_document_neither_moves_nor_notifies_again(deal, stages, own_client):
    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    invoice = _invoice(own_client)
    deal_apply_document(document=invoice)
    deal_apply_document(document=invoice)
    assert StageChange.objects.filter(deal=deal, to_stage=stages["invoice"]).count() == 1
    assert Notification.objects.filter(kind="system").count() == 1


def test_an_automatic_move_with_the_fields_filled_records_nothing_missing(deal, stages, own_client, manager):
    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    deal.amount = Decimal("5000")
    deal.save()
    deal_apply_document(document=_invoice(own_client))
    change = StageChange.objects.get(deal=deal, to_stage=stages["invoice"])
    assert change.missing_fields == []
    assert not Notification.objects.filter(kind="system").exists()


def test_a_manual_move_still_refuses_missing_fields(deal, stages, manager):
    from django.core.exceptions import ValidationError

    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    with pytest.raises(ValidationError):
        deal_move_to_stage(deal=deal, stage=stages["invoice"], by=manager)
    assert not StageChange.objects.filter(to_stage=stages["invoice"]).exists()


def test_the_deal_card_shows_the_missing_fields(as_user, deal, stages, own_client, manager):
    stages["invoice"].required_fields = ["amount"]
    stages["invoice"].save()
    deal_apply_document(document=_invoice(own_client))
    body = as_user(manager).get(f"/funnel/deals/{deal.pk}/").content.decode()
    assert 'data-testid="missing-fields"' in body
    assert "Entered without the required fields: Amount." in body
