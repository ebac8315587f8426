"""The catalogue: read-only list and card, kits, and its rules."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from crm.models import Product, ProductComponent
from tests.crm.sales_factories import make_document, make_product
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_external_ids_are_unique_where_present():
    make_product(external_id="")
    make_product(external_id="")
    make_product(external_id="1C-1")

    with pytest.raises(IntegrityError):
        make_product(external_id="1C-1")


def test_a_kit_cannot_contain_itself():
    kit = make_product()

    with pytest.raises(IntegrityError):
        ProductComponent.objects.create(kit=kit, component=kit, quantity=1)


@pytest.mark.parametrize("who", ["manager", "head", "engineer", "admin_user", "outsider"])
def test_everyone_reads_the_catalogue(who, request, as_user, django_assert_max_num_queries):
    for n in range(30):
        make_product(name=f"Monitor {n:02d}", manufacturer="Mindray")
    client = as_user(request.getfixturevalue(who))
    client.get(reverse("crm:product_list"))

    with django_assert_max_num_queries(8):
        response = client.get(reverse("crm:product_list"), {"q": "monitor"})

    assert response.status_code == 200
    assert len(response.context["products"]) == 30


def test_the_list_filters_by_kind_and_hides_inactive_products(manager, as_user):
    make_product(name="Gel", kind="consumable")
    make_product(name="Old gel", kind="consumable", is_active=False)
    make_product(name="Scanner", kind="equipment")

    response = as_user(manager).get(reverse("crm:product_list"), {"kind": "consumable"})

    assert [p.name for p in response.context["products"]] == ["Gel"]


def test_the_card_shows_the_kit_and_only_visible_sales(manager, colleague, as_user):
    kit = make_product(name="Ultrasound kit")
    probe = make_product(name="Probe", kind="accessory")
    ProductComponent.objects.create(kit=kit, component=probe, quantity=2)
    own = make_document(ClientFactory(responsible=manager), lines=[(kit, 1, 100)])
    make_document(ClientFactory(responsible=colleague), lines=[(kit, 1, 100)])

    response = as_user(manager).get(reverse("crm:product_detail", args=[kit.pk]))

    assert response.status_code == 200
    assert "Probe" in response.content.decode()
    assert [line.document for line in response.context["recent"]] == [own]


def test_an_unknown_product_is_404(manager, as_user):
    assert as_user(manager).get(reverse("crm:product_detail", args=[999])).status_code == 404


def test_the_catalogue_has_no_edit_pages(admin_user, as_user):
    product = make_product()

    response = as_user(admin_user).post(reverse("crm:product_detail", args=[product.pk]), {"name": "x"})

    assert response.status_code in (200, 405)
    assert Product.objects.get(pk=product.pk).name == product.name


def test_admins_complete_products_in_the_admin_and_documents_are_read_only(admin_user):
    from django.test import Client as HttpClient

    from tests.crm.sales_factories import make_document

    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    http = HttpClient()
    http.force_login(admin_user)
    product = make_product()
    document = make_document(ClientFactory(), lines=[(product, 1, 10)])

    assert http.get(reverse("admin:crm_product_changelist")).status_code == 200
    assert http.get(reverse("admin:crm_product_change", args=[product.pk])).status_code == 200
    assert http.get(reverse("admin:crm_salesdocument_change", args=[document.pk])).status_code == 200
    assert http.get(reverse("admin:crm_salesdocument_add")).status_code == 403
