"""Product lines of a deal: add from the catalogue with its price, edit, remove; access and bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Product, SalesDocument, SalesDocumentLine
from funnel.models import DealLine
from funnel.services.deals import deal_create, deal_line_add, deal_line_remove, deal_line_update
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(own_client, scenario, manager):
    return deal_create(client=own_client, scenario=scenario, title="Press", by=manager)


@pytest.fixture
def press(own_client):
    product = Product.objects.create(name="Hydraulic press P-100", sku="P100")
    for number, day, price in (("1", 1, "900000.00"), ("2", 10, "950000.00")):
        document = SalesDocument.objects.create(
            kind="invoice",
            number=number,
            date=dt.date(2026, 11, day),
            client=own_client,
            total=Decimal(price),
            external_id=f"inv-{number}",
        )
        SalesDocumentLine.objects.create(
            document=document,
            line_no=1,
            product=product,
            quantity=1,
            price=Decimal(price),
            amount=Decimal(price),
            kind="invoice",
            date=document.date,
            client=own_client,
        )
    return product


@pytest.fixture
def line(deal, manager):
    return deal_line_add(deal=deal, name="Filter", quantity=Decimal("2"), price=Decimal("100"), by=manager)


def test_a_catalogue_product_gives_its_name_and_latest_price(deal, manager, press):
    line = deal_line_add(deal=deal, quantity=Decimal("1"), by=manager, product=press)
    assert (line.name, line.price, line.product) == ("Hydraulic press P-100", Decimal("950000.00"), press)


def test_a_given_price_wins_over_the_catalogue(deal, manager, press):
    line = deal_line_add(deal=deal, quantity=Decimal("1"), price=Decimal("1"), by=manager, product=press)
    assert line.price == Decimal("1")


def test_a_product_without_a_price_needs_one(deal, manager):
    bare = Product.objects.create(name="Bare")
    with pytest.raises(ValidationError) as exc:
        deal_line_add(deal=deal, quantity=Decimal("1"), by=manager, product=bare)
    assert "price" in exc.value.message_dict
    assert not DealLine.objects.exists()


def test_a_line_is_edited_and_the_old_values_are_audited(line, manager, press):
    deal_line_update(line=line, name="Filter XL", quantity=Decimal("3"), price=Decimal("120"), by=manager)
    line.refresh_from_db()
    assert (line.name, line.quantity, line.price) == ("Filter XL", Decimal("3"), Decimal("120"))
    deal_line_update(line=line, quantity=Decimal("1"), by=manager, product=press)
    line.refresh_from_db()
    assert (line.name, line.product, line.price) == ("Hydraulic press P-100", press, Decimal("950000.00"))
    assert LogEntry.objects.get_for_object(line).count() >= 2


def test_a_line_is_removed_and_the_audit_keeps_it(line, manager):
    pk = line.pk
    deal_line_remove(line=line, by=manager)
    assert not DealLine.objects.filter(pk=pk).exists()
    assert LogEntry.objects.filter(object_pk=str(pk), action=LogEntry.Action.DELETE).exists()


def test_colleagues_cannot_change_lines(line, colleague, engineer):
    for user in (colleague, engineer):
        with pytest.raises(PermissionDenied):
            deal_line_update(line=line, name="x", quantity=Decimal("1"), price=Decimal("1"), by=user)
        with pytest.raises(PermissionDenied):
            deal_line_remove(line=line, by=user)
    line.refresh_from_db()
    assert line.name == "Filter"


# Pages


def _url(line, action):
    return f"/funnel/deals/{line.deal_id}/lines/{line.pk}/{action}/"


def test_the_card_offers_edit_and_remove_to_the_owner(as_user, line, manager):
    body = as_user(manager).get(f"/funnel/deals/{line.deal_id}/").content.decode()
    assert _url(line, "edit") in body and _url(line, "remove") in body


@pytest.mark.parametrize("who,status", [("manager", 200), ("head", 200), ("admin_user", 200), ("colleague", 404)])
def test_the_edit_page_access(as_user, request, line, who, status):
    assert as_user(request.getfixturevalue(who)).get(_url(line, "edit")).status_code == status


def test_an_outsider_gets_404_and_changes_nothing(as_user, line, outsider, colleague):
    for user in (outsider, colleague):
        web = as_user(user)
        assert (
            web.post(_url(line, "edit"), {"line-name": "x", "line-quantity": "1", "line-price": "1"}).status_code == 404
        )
        assert web.post(_url(line, "remove")).status_code == 404
    assert DealLine.objects.get(pk=line.pk).name == "Filter"


def test_the_owner_edits_a_line(as_user, line, manager):
    response = as_user(manager).post(
        _url(line, "edit"), {"line-name": "Filter XL", "line-quantity": "4", "line-price": "99.50"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.name, line.quantity, line.price) == ("Filter XL", Decimal("4"), Decimal("99.50"))


def test_bad_input_on_the_edit_page_shows_an_error_and_saves_nothing(as_user, line, manager):
    for data in (
        {"line-name": "", "line-quantity": "1", "line-price": "1"},
        {"line-name": "X", "line-quantity": "0", "line-price": "1"},
        {"line-name": "X", "line-quantity": "1", "line-price": "-5"},
        {"line-name": "X", "line-quantity": "abc", "line-price": "1"},
        {"line-product": "999999", "line-quantity": "1"},
    ):
        response = as_user(manager).post(_url(line, "edit"), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    line.refresh_from_db()
    assert (line.name, line.quantity, line.price) == ("Filter", Decimal("2"), Decimal("100"))


def test_the_owner_removes_a_line_by_post_only(as_user, line, manager):
    web = as_user(manager)
    assert web.get(_url(line, "remove")).status_code == 405
    assert web.post(_url(line, "remove")).status_code == 302
    assert not DealLine.objects.filter(pk=line.pk).exists()


def test_the_add_form_takes_a_catalogue_product(as_user, deal, manager, press):
    as_user(manager).post(f"/funnel/deals/{deal.pk}/lines/", {"line-product": press.pk, "line-quantity": "2"})
    line = DealLine.objects.get()
    assert (line.product, line.price, line.total) == (press, Decimal("950000.00"), Decimal("1900000.00"))


def test_the_add_form_refuses_a_line_without_name_or_product(as_user, deal, manager):
    response = as_user(manager).post(
        f"/funnel/deals/{deal.pk}/lines/", {"line-quantity": "2", "line-price": "1"}, follow=True
    )
    assert "Name the product or pick it from the catalogue." in response.content.decode()
    assert not DealLine.objects.exists()


def test_the_catalogue_search_returns_active_products_with_their_price(as_user, manager, press, engineer):
    Product.objects.create(name="Old press", sku="P0", is_active=False)
    response = as_user(manager).get("/funnel/products/options/?q=press")
    body = response.content.decode()
    assert f'value="{press.pk}"' in body and "Old press" not in body
    assert 'data-price="950000.00"' in body
    assert as_user(engineer).get("/funnel/products/options/?q=press").status_code == 403


def test_the_catalogue_search_runs_constant_queries(as_user, manager, press, django_assert_max_num_queries):
    for i in range(15):
        Product.objects.create(name=f"Press {i}")
    web = as_user(manager)
    with django_assert_max_num_queries(6):
        web.get("/funnel/products/options/?q=press")


def test_lines_of_another_deal_are_not_reachable_through_this_one(as_user, line, manager, scenario):
    other_client = ClientFactory(responsible=manager, region=manager.region)
    other = deal_create(client=other_client, scenario=scenario, title="Other", by=manager)
    assert as_user(manager).get(f"/funnel/deals/{other.pk}/lines/{line.pk}/edit/").status_code == 404
