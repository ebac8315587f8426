"""The engineer's one-minute phone form: logs equipment found at a client, competitor inline."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Client
from equipment.models import Equipment, EquipmentPhoto
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# The smallest valid GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def site(manager, engineer):
    client = ClientFactory(responsible=manager)
    # The engineer services one unit there, so the client is in their scope.
    EquipmentFactory(client=client, service_responsible=engineer)
    return client


def _post(http, data, **files):
    return http.post("/equipment/new/", {**data, **files})


def test_an_engineer_logs_a_competitors_machine_with_a_new_competitor_and_photo(as_user, engineer, site):
    kind = EquipmentTypeFactory(name="Compressor")
    response = _post(
        as_user(engineer),
        {
            "client": site.pk,
            "equipment_type": kind.pk,
            "manufacturer": "Kaeser",
            "model": "SK 15",
            "serial_number": "K-777",
            "production_year": 2018,
            "competitor_name": "ООО «Конкурент»",
            "competitor_inn": "7707083893",
        },
        photo=SimpleUploadedFile("unit.gif", GIF, content_type="image/gif"),
    )
    unit = Equipment.objects.get(serial_number="K-777")
    assert response.status_code == 302 and response["Location"] == f"/equipment/{unit.pk}/"
    assert unit.source == "visit"
    assert unit.competitor.kind == "competitor" and unit.competitor.inn == "7707083893"
    assert unit.service_responsible == engineer
    assert unit.created_by == engineer
    assert EquipmentPhoto.objects.filter(equipment=unit).count() == 1


def test_an_existing_competitor_is_reused_by_inn(as_user, engineer, site):
    existing = ClientFactory(kind="competitor", inn="7707083893", responsible=None, region=None)
    _post(
        as_user(engineer),
        {
            "client": site.pk,
            "equipment_type": EquipmentTypeFactory().pk,
            "competitor_inn": "7707083893",
            "competitor_name": "x",
        },
    )
    assert Equipment.objects.get(source="visit").competitor == existing
    assert Client.objects.filter(kind="competitor").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"production_year": dt.date.today().year + 1}, "production_year"),
        ({"competitor_inn": "1234567890", "competitor_name": "X"}, "competitor_inn"),
        ({"client": ""}, "client"),
        ({"equipment_type": ""}, "equipment_type"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(as_user, engineer, site, data, field):
    base = {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk, "model": "M"}
    before = Equipment.objects.count()
    response = _post(as_user(engineer), {**base, **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Equipment.objects.count() == before
    assert Client.objects.filter(kind="competitor").count() == 0


def test_a_file_that_is_not_an_image_is_refused(as_user, engineer, site):
    response = _post(
        as_user(engineer),
        {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk},
        photo=SimpleUploadedFile("unit.jpg", b"not an image at all", content_type="image/jpeg"),
    )
    assert response.status_code == 200 and "photo" in response.context["form"].errors
    assert Equipment.objects.filter(source="visit").count() == 0


def test_a_too_large_photo_is_refused(as_user, engineer, site, settings):
    settings.EQUIPMENT_PHOTO_MAX_BYTES = 10
    response = _post(
        as_user(engineer),
        {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk},
        photo=SimpleUploadedFile("unit.gif", GIF, content_type="image/gif"),
    )
    assert response.status_code == 200
    assert "too large" in str(response.context["form"].errors["photo"])
    assert Equipment.objects.filter(source="visit").count() == 0


def test_a_client_outside_the_users_scope_cannot_be_chosen(as_user, colleague, manager):
    foreign = ClientFactory(responsible=manager)
    response = _post(as_user(colleague), {"client": foreign.pk, "equipment_type": EquipmentTypeFactory().pk})
    assert "client" in response.context["form"].errors
    assert Equipment.objects.count() == 0


def test_client_autocomplete_offers_only_visible_clients(as_user, manager, colleague):
    ClientFactory(responsible=manager, name="ООО Ромашка")
    assert "Ромашка" in as_user(manager).get("/equipment/clients/", {"client_search": "Ромаш"}).content.decode()
    assert "Ромашка" not in as_user(colleague).get("/equipment/clients/", {"client_search": "Ромаш"}).content.decode()


def test_any_competitor_can_be_picked_whatever_the_users_scope(as_user, engineer, site, outsider):
    theirs = ClientFactory(kind="competitor", name="ООО «Чужой регион»", responsible=outsider)
    reference = ClientFactory(kind="competitor", name="ООО «Справочник»", responsible=None)
    http = as_user(engineer)

    choices = set(http.get("/equipment/new/").context["form"].fields["competitor"].queryset)
    response = _post(
        http, {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk, "model": "X", "competitor": theirs.pk}
    )

    assert {theirs, reference} <= choices
    assert response.status_code == 302
    assert Equipment.objects.get(model="X").competitor == theirs


def test_only_active_competitors_are_offered_never_other_clients(as_user, engineer, site, manager, outsider):
    hidden_customer = ClientFactory(kind="customer", responsible=outsider)
    partner = ClientFactory(kind="partner", responsible=manager)
    archived = ClientFactory(kind="competitor", responsible=None, status="archived")
    http = as_user(engineer)

    page = http.get("/equipment/new/")
    choices = set(page.context["form"].fields["competitor"].queryset)
    body = page.content.decode()

    assert not {site, hidden_customer, partner, archived} & choices
    assert hidden_customer.name not in body and archived.name not in body
    for other in (hidden_customer, partner, site):
        response = _post(http, {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk, "competitor": other.pk})
        assert "competitor" in response.context["form"].errors
    assert Equipment.objects.filter(source="visit").count() == 0


@pytest.mark.parametrize("name", ["ООО «Новый конкурент»", ""])
def test_the_inn_of_a_customer_is_refused_and_the_customer_stays_a_customer(as_user, engineer, site, outsider, name):
    customer = ClientFactory(kind="customer", inn="7707083893", responsible=outsider)
    response = _post(
        as_user(engineer),
        {
            "client": site.pk,
            "equipment_type": EquipmentTypeFactory().pk,
            "competitor_name": name,
            "competitor_inn": "7707083893",
        },
    )

    assert response.status_code == 200
    assert "not a competitor" in str(response.context["form"].errors["competitor_inn"])
    customer.refresh_from_db()
    assert customer.kind == "customer"
    assert Equipment.objects.filter(source="visit").count() == 0
    assert not Client.objects.filter(kind="competitor").exists()


def test_the_services_never_name_a_customer_as_the_competitor(engineer, site):
    from django.core.exceptions import ValidationError

    from equipment.services.equipment import competitor_find_or_create, equipment_create

    customer = ClientFactory(kind="customer", inn="7707083893")
    with pytest.raises(ValidationError) as refused:
        competitor_find_or_create(name="", inn="7707083893", by=engineer)
    assert "competitor_inn" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        equipment_create(by=engineer, client=site, equipment_type=EquipmentTypeFactory(), competitor=customer)
    assert "competitor" in refused.value.error_dict
    customer.refresh_from_db()
    assert customer.kind == "customer"
    assert Equipment.objects.filter(competitor=customer).count() == 0


def test_a_competitor_is_matched_by_inn_among_competitors(engineer):
    from equipment.services.equipment import competitor_find_or_create

    existing = ClientFactory(kind="competitor", inn="7707083893", responsible=None)
    assert competitor_find_or_create(name="Другое имя", inn="7707083893", by=engineer) == existing
    assert Client.objects.filter(kind="competitor").count() == 1


def test_the_edit_page_offers_any_competitor_too(as_user, engineer, site, outsider):
    unit = EquipmentFactory(client=site, service_responsible=engineer)
    theirs = ClientFactory(kind="competitor", responsible=outsider)
    customer = ClientFactory(kind="customer", responsible=outsider)
    http = as_user(engineer)

    choices = set(http.get(f"/equipment/{unit.pk}/edit/").context["form"].fields["competitor"].queryset)
    data = {
        "equipment_type": unit.equipment_type_id,
        "source": "competitor",
        "status": "in_operation",
        "competitor": theirs.pk,
    }
    saved = http.post(f"/equipment/{unit.pk}/edit/", data)
    refused = http.post(f"/equipment/{unit.pk}/edit/", {**data, "competitor": customer.pk})

    assert theirs in choices and customer not in choices
    assert saved.status_code == 302 and refused.status_code == 200
    unit.refresh_from_db()
    assert unit.competitor == theirs
